package bootstrap

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// retainedTypes are resource types the templates keep on delete
// (DeletionPolicy Retain): they hold data.
var retainedTypes = map[string]bool{
	"AWS::S3::Bucket":             true,
	"AWS::ECR::Repository":        true,
	"AWS::CodeCommit::Repository": true,
}

// Retained is a resource left in the account after destroy.
type Retained struct {
	Stack      string `json:"stack"`
	Type       string `json:"type"`
	PhysicalID string `json:"physicalId"`
	Deleted    bool   `json:"deleted"` // emptied and deleted by --delete-data
}

// DestroyResult is what destroy did.
type DestroyResult struct {
	Deleted  []string   `json:"deleted"`
	Absent   []string   `json:"absent,omitempty"`
	Retained []Retained `json:"retained,omitempty"`
}

// DestroyOptions choose what destroy removes besides the stacks.
type DestroyOptions struct {
	// DeleteData empties and deletes the data buckets the stacks keep.
	DeleteData bool
}

// Destroy deletes the stacks in reverse order and waits for each. Data
// resources survive (DeletionPolicy Retain) unless DeleteData is set, in
// which case the buckets are emptied and deleted after their stack is gone.
func (d *Deployer) Destroy(ctx context.Context, names []string, o DestroyOptions) (*DestroyResult, error) {
	deleteData := o.DeleteData
	res := &DestroyResult{}
	stackList, err := d.lookup(names)
	if err != nil {
		return res, err
	}
	stacks := Names(stackList)
	if deleteData && d.S3 == nil {
		return res, fmt.Errorf("destroy --delete-data: no S3 client configured")
	}
	for i := len(stacks) - 1; i >= 0; i-- {
		name := CloudFormationName(stacks[i])
		s, err := d.describeStack(ctx, name)
		if err != nil {
			return res, err
		}
		if s == nil {
			res.Absent = append(res.Absent, name)
			continue
		}
		var kept []Retained
		if s.StackStatus != types.StackStatusReviewInProgress { // never created: no resources
			if kept, err = d.retainedResources(ctx, stacks[i], name); err != nil {
				return res, err
			}
		}
		start := d.now()
		d.progress().Step("%s: deleting", name)
		if _, err := d.CFN.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
			d.progress().Done("")
			return res, fmt.Errorf("delete stack %s: %w", name, err)
		}
		if _, err := d.watch(ctx, name, start, s, true); err != nil {
			d.progress().Done("")
			return res, err
		}
		d.progress().Done("%s: deleted", name)
		res.Deleted = append(res.Deleted, name)
		for _, k := range kept {
			if deleteData && k.Type == "AWS::S3::Bucket" {
				d.progress().Step("deleting bucket %s and its objects", k.PhysicalID)
				if err := d.deleteBucket(ctx, k.PhysicalID); err != nil {
					d.progress().Done("")
					return res, err
				}
				d.progress().Done("bucket %s: deleted", k.PhysicalID)
				k.Deleted = true
			}
			res.Retained = append(res.Retained, k)
		}
	}
	return res, nil
}

func (d *Deployer) retainedResources(ctx context.Context, stack, name string) ([]Retained, error) {
	var out []Retained
	var token *string
	for {
		page, err := d.CFN.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(name), NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("list resources of stack %s: %w", name, err)
		}
		for _, r := range page.StackResourceSummaries {
			t := aws.ToString(r.ResourceType)
			if retainedTypes[t] && aws.ToString(r.PhysicalResourceId) != "" {
				out = append(out, Retained{Stack: stack, Type: t, PhysicalID: aws.ToString(r.PhysicalResourceId)})
			}
		}
		if aws.ToString(page.NextToken) == "" {
			return out, nil
		}
		token = page.NextToken
	}
}
