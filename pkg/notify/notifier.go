package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// messageSender delivers one message; *Sender is the real one.
type messageSender interface {
	Send(ctx context.Context, msg Message) error
}

// Notifier turns findings and events into Slack messages and sends them,
// de-duplicating bursts.
type Notifier struct {
	Sender messageSender
	// Dedup drops what was sent within its window; nil sends everything.
	Dedup Dedup
	Now   func() time.Time
	// Options shape findings messages.
	Options FindingsOptions
}

// Result tells what a notification did.
type Result struct {
	// Notified are the ids of the findings shown in messages Slack
	// accepted: the ones to mark NOTIFIED.
	Notified []string
	// Duplicates were skipped: already sent within the dedup window.
	Duplicates int
	// Summarised were counted in an "…and N more" line, not shown.
	Summarised int
	// Messages is how many messages Slack accepted.
	Messages int
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

// claim asks the dedup store whether key may be posted now.
func (n *Notifier) claim(ctx context.Context, key string, now time.Time) (bool, error) {
	if n.Dedup == nil {
		return true, nil
	}
	ok, err := n.Dedup.Claim(ctx, key, now)
	if err != nil {
		return false, fmt.Errorf("check whether it was posted already: %w", err)
	}
	return ok, nil
}

// release gives claims back after Slack refused the message, so that a
// retry posts it. Failing to release only delays a retry until the claim
// expires; the send error is what the caller reports.
func (n *Notifier) release(ctx context.Context, keys ...string) {
	if n.Dedup == nil {
		return
	}
	for _, k := range keys {
		_ = n.Dedup.Release(ctx, k)
	}
}

// Findings notifies about findings. On a failed message the result still
// lists what earlier messages delivered.
func (n *Notifier) Findings(ctx context.Context, list []findings.Finding) (Result, error) {
	var res Result
	now := n.now()
	var fresh []findings.Finding
	batch := map[string]bool{}
	var claimed []string
	for _, f := range list {
		if batch[f.Id] {
			res.Duplicates++
			continue
		}
		batch[f.Id] = true
		ok, err := n.claim(ctx, "finding|"+f.Id, now)
		if err != nil {
			n.release(ctx, claimed...)
			return res, fmt.Errorf("notify %d findings: %w", len(list), err)
		}
		if !ok {
			res.Duplicates++
			continue
		}
		claimed = append(claimed, "finding|"+f.Id)
		fresh = append(fresh, f)
	}
	msgs, shown, rest := FindingsMessages(fresh, n.Options)
	res.Summarised = rest
	// Findings only counted in an "…and N more" line were not shown.
	var unshown []string
	shownIDs := map[string]bool{}
	for _, f := range shown {
		shownIDs[f.Id] = true
	}
	for _, f := range fresh {
		if !shownIDs[f.Id] {
			unshown = append(unshown, "finding|"+f.Id)
		}
	}
	n.release(ctx, unshown...)
	// Findings appear in message order; map each message to its findings.
	idx := 0
	for _, msg := range msgs {
		count := 0
		for _, b := range msg.Blocks {
			if b.Type == "section" && len(b.Fields) > 0 {
				count++
			}
		}
		if err := n.Sender.Send(ctx, msg); err != nil {
			var pending []string
			for _, f := range shown[idx:] {
				pending = append(pending, "finding|"+f.Id)
			}
			n.release(ctx, pending...)
			return res, fmt.Errorf("notify %d findings: %w", len(fresh), err)
		}
		res.Messages++
		for _, f := range shown[idx : idx+count] {
			res.Notified = append(res.Notified, f.Id)
		}
		idx += count
	}
	return res, nil
}

// Compliance notifies about a Config compliance change; sent is false for a
// duplicate.
func (n *Notifier) Compliance(ctx context.Context, c ComplianceChange) (sent bool, err error) {
	return n.sendOnce(ctx, c.Key(), ComplianceMessage(c))
}

// GuardDuty notifies about a GuardDuty finding; sent is false for a
// duplicate.
func (n *Notifier) GuardDuty(ctx context.Context, g GuardDutyFinding) (sent bool, err error) {
	return n.sendOnce(ctx, g.Key(), GuardDutyMessage(g))
}

// Once sends msg unless key was sent within the dedup window; sent is
// false for a duplicate.
func (n *Notifier) Once(ctx context.Context, key string, msg Message) (sent bool, err error) {
	return n.sendOnce(ctx, key, msg)
}

func (n *Notifier) sendOnce(ctx context.Context, key string, msg Message) (bool, error) {
	ok, err := n.claim(ctx, key, n.now())
	if err != nil || !ok {
		return false, err
	}
	if err := n.Sender.Send(ctx, msg); err != nil {
		n.release(ctx, key)
		return false, err
	}
	return true, nil
}

// SendFindings is the one-shot form for CLI commands (`findings --notify`,
// `scan --notify`): it validates the webhook, sends the findings batched and
// without de-duplication, and reports which ids Slack accepted.
func SendFindings(ctx context.Context, webhook string, list []findings.Finding, o FindingsOptions) (Result, error) {
	s, err := NewSender(webhook)
	if err != nil {
		return Result{}, err
	}
	n := &Notifier{Sender: s, Options: o}
	return n.Findings(ctx, list)
}
