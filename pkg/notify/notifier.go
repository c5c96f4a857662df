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
	Dedup *Deduper
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

// Findings notifies about findings. On a failed message the result still
// lists what earlier messages delivered.
func (n *Notifier) Findings(ctx context.Context, list []findings.Finding) (Result, error) {
	var res Result
	now := n.now()
	var fresh []findings.Finding
	batch := map[string]bool{}
	for _, f := range list {
		if batch[f.Id] || n.Dedup.Seen("finding|"+f.Id, now) {
			res.Duplicates++
			continue
		}
		batch[f.Id] = true
		fresh = append(fresh, f)
	}
	msgs, shown, rest := FindingsMessages(fresh, n.Options)
	res.Summarised = rest
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
			return res, fmt.Errorf("notify %d findings: %w", len(fresh), err)
		}
		res.Messages++
		var keys []string
		for _, f := range shown[idx : idx+count] {
			res.Notified = append(res.Notified, f.Id)
			keys = append(keys, "finding|"+f.Id)
		}
		n.Dedup.Mark(n.now(), keys...)
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

func (n *Notifier) sendOnce(ctx context.Context, key string, msg Message) (bool, error) {
	if n.Dedup.Seen(key, n.now()) {
		return false, nil
	}
	if err := n.Sender.Send(ctx, msg); err != nil {
		return false, err
	}
	n.Dedup.Mark(n.now(), key)
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
