package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/wait"
)

// Sender posts messages to one Slack incoming webhook.
type Sender struct {
	webhook string

	// Client defaults to an http.Client with Timeout.
	Client *http.Client
	// Timeout bounds each attempt (default 10s).
	Timeout time.Duration
	// MaxAttempts counts the first try (default 4).
	MaxAttempts int
	// MaxRetryAfter caps how long a 429's Retry-After is honoured (default 60s).
	MaxRetryAfter time.Duration
	// Sleep waits between attempts; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewSender returns a Sender for a webhook URL, rejecting URLs it will not
// post to. Neither the Sender nor its errors ever reveal the URL.
func NewSender(webhook string) (*Sender, error) {
	if err := ValidateWebhook(webhook); err != nil {
		return nil, err
	}
	return &Sender{webhook: webhook}, nil
}

// String hides the webhook, so printing a Sender is safe.
func (s *Sender) String() string { return "slack-webhook(" + Redact(s.webhook) + ")" }

// SendError is a failed delivery after all attempts.
type SendError struct {
	Status   int    // last HTTP status, 0 for a transport error
	Body     string // Slack's error text, e.g. "invalid_payload", "no_service"
	Attempts int
	Err      error
}

func (e *SendError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "send to Slack (%s)", RedactedWebhook)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, " %q", e.Body)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	switch {
	case e.Status == http.StatusNotFound || e.Status == http.StatusGone || e.Body == "no_service" || e.Body == "no_team":
		b.WriteString(": the webhook no longer exists; create a new one in Slack and update the secret")
	case e.Status == http.StatusForbidden:
		b.WriteString(": the webhook was disabled or the channel archived")
	case e.Status == http.StatusBadRequest:
		b.WriteString(": Slack rejected the message")
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// Send posts msg, retrying on 429 (after Retry-After) and 5xx/transport
// errors with exponential backoff.
func (s *Sender) Send(ctx context.Context, msg Message) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // mrkdwn links are <url|text>; keep them readable
	if err := enc.Encode(msg); err != nil {
		return fmt.Errorf("encode Slack message: %w", err)
	}
	body := bytes.TrimSpace(buf.Bytes())
	attempts := s.MaxAttempts
	if attempts <= 0 {
		attempts = 4
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	sleep := s.Sleep
	if sleep == nil {
		sleep = wait.Sleep
	}
	maxRetryAfter := s.MaxRetryAfter
	if maxRetryAfter <= 0 {
		maxRetryAfter = 60 * time.Second
	}
	backoff := time.Second
	var last *SendError
	for i := 1; i <= attempts; i++ {
		status, text, retryAfter, err := s.post(ctx, client, timeout, body)
		if err == nil && status/100 == 2 {
			return nil
		}
		last = &SendError{Status: status, Body: text, Attempts: i, Err: err}
		if ctx.Err() != nil {
			last.Err = ctx.Err()
			return last
		}
		retryable := err != nil || status == http.StatusTooManyRequests || status >= 500
		if !retryable || i == attempts {
			return last
		}
		pause := backoff
		if status == http.StatusTooManyRequests && retryAfter > 0 {
			pause = min(retryAfter, maxRetryAfter)
		}
		backoff *= 2
		if err := sleep(ctx, pause); err != nil {
			last.Err = err
			return last
		}
	}
	return last
}

func (s *Sender) post(ctx context.Context, client *http.Client, timeout time.Duration, body []byte) (status int, text string, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.webhook, bytes.NewReader(body))
	if err != nil {
		return 0, "", 0, errors.New("build request")
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", 0, s.clean(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	text = strings.TrimSpace(scrub(string(raw), s.webhook))
	if secs, perr := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); perr == nil && secs >= 0 {
		retryAfter = time.Duration(secs) * time.Second
	}
	if resp.StatusCode/100 == 2 {
		text = ""
	}
	return resp.StatusCode, text, retryAfter, nil
}

// clean strips the URL from transport errors (url.Error carries it).
func (s *Sender) clean(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return errors.New("timed out")
	case errors.Is(err, context.Canceled):
		return context.Canceled
	}
	return errors.New(scrub(errorCause(err), s.webhook))
}

func errorCause(err error) string {
	type unwrapper interface{ Unwrap() error }
	for {
		u, ok := err.(unwrapper)
		if !ok || u.Unwrap() == nil {
			return err.Error()
		}
		err = u.Unwrap()
	}
}

// GoString hides the webhook from %#v too.
func (s *Sender) GoString() string { return s.String() }
