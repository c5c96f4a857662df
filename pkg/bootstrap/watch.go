package bootstrap

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Event is one stack event, as shown while waiting and on failure.
type Event struct {
	Time      time.Time `json:"time"`
	LogicalID string    `json:"logicalId"`
	Type      string    `json:"type"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
}

func (e Event) String() string {
	s := fmt.Sprintf("%s %s (%s)", e.Status, e.LogicalID, e.Type)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// StackError is a stack operation that ended in a failed state, with the
// events that explain why.
type StackError struct {
	Stack    string
	Status   string
	Failures []Event
}

func (e *StackError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stack %s ended in %s", e.Stack, e.Status)
	if len(e.Failures) == 0 {
		b.WriteString(" (no failed resource events; see the CloudFormation console)")
	}
	hint := false
	for _, f := range e.Failures {
		b.WriteString("\n  " + f.String())
		r := strings.ToLower(f.Reason)
		hint = hint || strings.Contains(r, "already exist") || strings.Contains(r, "already subscribed") || strings.Contains(r, "already enabled")
	}
	if hint {
		b.WriteString("\nThe account already has one of these set up outside secops (Security Hub, a GuardDuty detector and the AWS Config recorder exist once per Region); see \"Accounts that already use these services\" in docs/bootstrap.md.")
	}
	return b.String()
}

// watch follows a stack until the operation started at since reaches a
// terminal state, reporting each new event. before is the stack as it was
// before the operation (nil if new); it tells an old terminal state from
// the new one. deleting makes "stack gone" the success.
func (d *Deployer) watch(ctx context.Context, name string, since time.Time, before *types.Stack, deleting bool) (*types.Stack, error) {
	seen := map[string]bool{}
	var failures []Event
	var sawStackEvent bool
	deadline := d.now().Add(d.timeout())
	for {
		// Status first, then events: the events read after a terminal
		// status include the ones that explain it.
		s, err := d.describeStack(ctx, name)
		if err != nil {
			return nil, err
		}
		if s == nil {
			if deleting {
				return nil, nil
			}
			return nil, fmt.Errorf("stack %s disappeared while waiting for it", name)
		}
		evs, err := d.newEvents(ctx, name, since, seen)
		if err != nil {
			if deleting && isNotExist(err) {
				return nil, nil
			}
			return nil, err
		}
		for _, e := range evs {
			d.progress().Step("%s: %s", name, e)
			if strings.HasSuffix(e.Status, "_FAILED") && e.Reason != "" && !strings.Contains(e.Reason, "Resource creation cancelled") {
				failures = append(failures, e)
			}
			if e.LogicalID == name && e.Type == "AWS::CloudFormation::Stack" && !strings.HasSuffix(e.Status, "_IN_PROGRESS") {
				sawStackEvent = true
			}
		}
		if !statusInProgress(s.StackStatus) && d.operationDone(s, before, sawStackEvent) {
			if statusFailed(s.StackStatus) || (deleting && s.StackStatus != types.StackStatusDeleteComplete) {
				return s, &StackError{Stack: name, Status: string(s.StackStatus), Failures: failures}
			}
			return s, nil
		}
		if d.now().After(deadline) {
			return s, fmt.Errorf("stack %s still %s after %s; it keeps going in CloudFormation, check it with secops bootstrap status", name, s.StackStatus, d.timeout())
		}
		if err := d.sleep(ctx); err != nil {
			return nil, err
		}
	}
}

// operationDone tells whether a terminal state belongs to this operation
// rather than to the previous one (ExecuteChangeSet returns before the
// status moves). Some CloudFormation emulators leave the status unchanged
// after an update, so a stack-level terminal event also counts.
func (d *Deployer) operationDone(s *types.Stack, before *types.Stack, sawStackEvent bool) bool {
	if before == nil || sawStackEvent {
		return true
	}
	if s.StackStatus != before.StackStatus {
		return true
	}
	last := func(x *types.Stack) time.Time {
		if x.LastUpdatedTime != nil {
			return *x.LastUpdatedTime
		}
		return aws.ToTime(x.CreationTime)
	}
	return last(s).After(last(before))
}

// newEvents returns the stack's events since the given time that were not
// seen yet, oldest first. Events come newest first, so reading stops at the
// first page that reaches back before since.
func (d *Deployer) newEvents(ctx context.Context, name string, since time.Time, seen map[string]bool) ([]Event, error) {
	var out []Event
	var token *string
	for {
		page, err := d.CFN.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(name), NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("describe events of stack %s: %w", name, err)
		}
		older := false
		for _, e := range page.StackEvents {
			ts := aws.ToTime(e.Timestamp)
			// One second of slack for clocks that disagree.
			if ts.Before(since.Add(-time.Second)) {
				older = true
				continue
			}
			id := aws.ToString(e.EventId)
			if seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, Event{
				Time:      ts,
				LogicalID: aws.ToString(e.LogicalResourceId),
				Type:      aws.ToString(e.ResourceType),
				Status:    string(e.ResourceStatus),
				Reason:    aws.ToString(e.ResourceStatusReason),
			})
		}
		if older || aws.ToString(page.NextToken) == "" {
			break
		}
		token = page.NextToken
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}
