package bootstrap

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Change is one row of a plan: what a change set would do to a resource.
type Change struct {
	Stack       string `json:"stack"`
	Action      string `json:"action"` // Add, Modify, Remove, …; "none" when nothing changes
	LogicalID   string `json:"logicalId,omitempty"`
	Type        string `json:"type,omitempty"`
	Replacement string `json:"replacement,omitempty"` // True, False, Conditional
}

// changeSet is a created change set and what it holds.
type changeSet struct {
	stack    string
	name     string // CloudFormation stack name
	id       string
	create   bool // ChangeSetType CREATE (the stack is new)
	noChange bool
	changes  []Change
}

// createChangeSet creates a change set for one stack and waits until it is
// ready. An update that changes nothing comes back with noChange set and
// the change set already deleted.
func (d *Deployer) createChangeSet(ctx context.Context, t Template, existing *types.Stack, params []types.Parameter) (*changeSet, error) {
	cs := &changeSet{stack: t.Stack, name: t.Name, create: existing == nil || existing.StackStatus == types.StackStatusReviewInProgress}
	csType := types.ChangeSetTypeUpdate
	if cs.create {
		csType = types.ChangeSetTypeCreate
	}
	csName := fmt.Sprintf("secops-%d", d.now().UnixNano())
	out, err := d.CFN.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName:     aws.String(t.Name),
		ChangeSetName: aws.String(csName),
		ChangeSetType: csType,
		TemplateBody:  aws.String(string(t.Body)),
		Parameters:    params,
		Capabilities:  []types.Capability{types.CapabilityCapabilityIam},
		Tags:          d.stackTags(t.Stack),
		Description:   aws.String("secops bootstrap " + t.Stack),
	})
	if err != nil {
		if isNoChanges(err.Error()) {
			cs.noChange = true
			return cs, nil
		}
		return nil, fmt.Errorf("create change set for stack %s: %w", t.Name, err)
	}
	cs.id = aws.ToString(out.Id)

	deadline := d.now().Add(d.timeout())
	for {
		desc, err := d.CFN.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{
			StackName: aws.String(t.Name), ChangeSetName: aws.String(cs.id),
		})
		if err != nil {
			return nil, fmt.Errorf("describe change set for stack %s: %w", t.Name, err)
		}
		switch desc.Status {
		case types.ChangeSetStatusCreateComplete:
			if err := d.collectChanges(ctx, cs, desc); err != nil {
				return nil, err
			}
			return cs, nil
		case types.ChangeSetStatusFailed:
			reason := aws.ToString(desc.StatusReason)
			if isNoChanges(reason) {
				cs.noChange = true
				d.discard(ctx, cs)
				return cs, nil
			}
			d.discard(ctx, cs)
			return nil, &ChangeSetError{Stack: t.Name, Reason: reason}
		}
		if d.now().After(deadline) {
			return nil, fmt.Errorf("change set for stack %s still %s after %s; check it in the CloudFormation console", t.Name, desc.Status, d.timeout())
		}
		d.progress().Step("%s: waiting for change set (%s)", t.Name, desc.Status)
		if err := d.sleep(ctx); err != nil {
			return nil, err
		}
	}
}

// collectChanges reads every page of the change set's resource changes.
func (d *Deployer) collectChanges(ctx context.Context, cs *changeSet, first *cloudformation.DescribeChangeSetOutput) error {
	page := first
	for {
		for _, c := range page.Changes {
			rc := c.ResourceChange
			if rc == nil {
				continue
			}
			cs.changes = append(cs.changes, Change{
				Stack:       cs.stack,
				Action:      string(rc.Action),
				LogicalID:   aws.ToString(rc.LogicalResourceId),
				Type:        aws.ToString(rc.ResourceType),
				Replacement: string(rc.Replacement),
			})
		}
		if aws.ToString(page.NextToken) == "" {
			return nil
		}
		next, err := d.CFN.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{
			StackName: aws.String(cs.name), ChangeSetName: aws.String(cs.id), NextToken: page.NextToken,
		})
		if err != nil {
			return fmt.Errorf("describe change set for stack %s: %w", cs.name, err)
		}
		page = next
	}
}

// discard deletes a change set that will not be executed, and the empty
// REVIEW_IN_PROGRESS stack a CREATE change set leaves behind. Cleanup is
// best effort: a leftover change set costs nothing and the next run
// replaces it.
func (d *Deployer) discard(ctx context.Context, cs *changeSet) {
	if cs.id == "" {
		return
	}
	_, _ = d.CFN.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{
		StackName: aws.String(cs.name), ChangeSetName: aws.String(cs.id),
	})
	if cs.create {
		if s, err := d.describeStack(ctx, cs.name); err == nil && s != nil && s.StackStatus == types.StackStatusReviewInProgress {
			_, _ = d.CFN.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(cs.name)})
		}
	}
}

// ChangeSetError is a change set CloudFormation refused, with its reason.
type ChangeSetError struct {
	Stack  string
	Reason string
}

func (e *ChangeSetError) Error() string {
	return fmt.Sprintf("change set for stack %s failed: %s", e.Stack, strings.TrimSpace(e.Reason))
}
