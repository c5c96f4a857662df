package notify

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// RedactedWebhook is how a Slack webhook URL appears in output.
const RedactedWebhook = "https://hooks.slack.com/services/***"

// Redact hides the secret path of a webhook URL, keeping scheme and host so
// a user can tell which service it points at.
func Redact(webhook string) string {
	u, err := url.Parse(webhook)
	if err != nil || u.Host == "" {
		return "***"
	}
	if strings.HasPrefix(u.Path, "/services/") {
		return u.Scheme + "://" + u.Host + "/services/***"
	}
	return u.Scheme + "://" + u.Host + "/***"
}

// ErrInvalidWebhook is returned for a webhook URL secops will not post to.
var ErrInvalidWebhook = errors.New("invalid Slack webhook URL")

// ValidateWebhook accepts https URLs (http only on a loopback host, for
// local receivers). The error never contains the URL.
func ValidateWebhook(webhook string) error {
	if strings.TrimSpace(webhook) == "" {
		return fmt.Errorf("%w: it is empty (pass --webhook-url or set SECOPS_WEBHOOK_URL)", ErrInvalidWebhook)
	}
	u, err := url.Parse(webhook)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: it does not parse as a URL (expected https://hooks.slack.com/services/…)", ErrInvalidWebhook)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); (ip != nil && ip.IsLoopback()) || u.Hostname() == "localhost" {
			return nil
		}
	}
	return fmt.Errorf("%w: %s must use https", ErrInvalidWebhook, Redact(webhook))
}

// scrub removes every occurrence of secret from s.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	s = strings.ReplaceAll(s, secret, Redact(secret))
	if u, err := url.Parse(secret); err == nil && u.Path != "" && u.Path != "/" {
		s = strings.ReplaceAll(s, u.Path, "/***")
	}
	return s
}
