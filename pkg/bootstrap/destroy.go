package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// retainedTypes are resource types the templates keep on delete
// (DeletionPolicy Retain) because they hold data, in the order
// --delete-data removes them: images, then buckets, then the key that
// encrypted what the buckets held.
var retainedTypes = []string{"AWS::ECR::Repository", "AWS::S3::Bucket", "AWS::KMS::Key"}

func isRetainedType(t string) bool {
	for _, r := range retainedTypes {
		if r == t {
			return true
		}
	}
	return false
}

// ecrAPI deletes the image repositories --delete-data removes.
type ecrAPI interface {
	DeleteRepository(ctx context.Context, in *ecr.DeleteRepositoryInput, optFns ...func(*ecr.Options)) (*ecr.DeleteRepositoryOutput, error)
}

// kmsAPI schedules the deletion of the key --delete-data removes.
type kmsAPI interface {
	ScheduleKeyDeletion(ctx context.Context, in *kms.ScheduleKeyDeletionInput, optFns ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error)
}

// KeyDeletionDays is the waiting period of a key --delete-data deletes
// (the shortest KMS allows): until then it can be recovered.
const KeyDeletionDays = 7

// Retained is a resource left in the account after destroy.
type Retained struct {
	Stack      string `json:"stack"`
	Type       string `json:"type"`
	LogicalID  string `json:"logicalId"`
	PhysicalID string `json:"physicalId"`
	// Deleted: emptied and deleted by --delete-data (a key: scheduled for
	// deletion in KeyDeletionDays days).
	Deleted bool `json:"deleted"`
	// Earlier: kept by an earlier destroy, found by --delete-data through
	// the deleted stack CloudFormation remembers for 90 days.
	Earlier bool `json:"earlier,omitempty"`
}

// DestroyResult is what destroy did.
type DestroyResult struct {
	Deleted  []string   `json:"deleted"`
	Absent   []string   `json:"absent,omitempty"`
	Retained []Retained `json:"retained,omitempty"`
	// Inspector is "disabled" when destroy turned Inspector's scans off.
	Inspector string `json:"inspector,omitempty"`
}

// DestroyOptions choose what destroy removes besides the stacks.
type DestroyOptions struct {
	// DeleteData deletes the data the stacks keep (buckets, image
	// repositories, the key), from this destroy and from earlier ones.
	DeleteData bool
	// DisableInspector turns off the Inspector scans when the security
	// stack goes.
	DisableInspector bool
}

// Destroy deletes the stacks in reverse order and waits for each. Data
// resources survive (DeletionPolicy Retain) unless DeleteData is set, in
// which case they are deleted after their stack is gone, together with
// those earlier destroys kept; Retained then lists what it deleted.
func (d *Deployer) Destroy(ctx context.Context, names []string, o DestroyOptions) (*DestroyResult, error) {
	res := &DestroyResult{}
	stacks, err := d.lookup(names)
	if err != nil {
		return res, err
	}
	if o.DeleteData && (d.S3 == nil || d.ECR == nil || d.KMS == nil) {
		return res, errors.New("destroy --delete-data: no S3, ECR or KMS client configured")
	}
	for i := len(stacks) - 1; i >= 0; i-- {
		s := stacks[i]
		kept, err := d.destroyStack(ctx, s, res)
		if err != nil {
			return res, err
		}
		if o.DeleteData {
			earlier, err := d.earlierRetained(ctx, s)
			if err != nil {
				return res, err
			}
			kept, err = d.deleteRetained(ctx, append(kept, earlier...))
			res.Retained = append(res.Retained, kept...)
			if err != nil {
				return res, err
			}
			continue
		}
		res.Retained = append(res.Retained, kept...)
		if s.Name == StackSecurity && o.DisableInspector {
			if err := d.DisableInspector(ctx); err != nil {
				return res, err
			}
			res.Inspector = "disabled"
		}
	}
	return res, nil
}

// destroyStack deletes one stack and returns the resources it kept.
func (d *Deployer) destroyStack(ctx context.Context, s Stack, res *DestroyResult) ([]Retained, error) {
	name := s.CloudFormationName()
	st, err := d.describeStack(ctx, name)
	if err != nil {
		return nil, err
	}
	if st == nil {
		res.Absent = append(res.Absent, name)
		return nil, nil
	}
	var kept []Retained
	if st.StackStatus != types.StackStatusReviewInProgress { // never created: no resources
		if kept, err = d.retainedResources(ctx, s.Name, name, false); err != nil {
			return nil, err
		}
	}
	start := d.now()
	d.progress().Step("%s: deleting", name)
	if _, err := d.CFN.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
		d.progress().Done("")
		return nil, fmt.Errorf("delete stack %s: %w", name, err)
	}
	if _, err := d.watch(ctx, name, start, st, true); err != nil {
		d.progress().Done("")
		return nil, err
	}
	d.progress().Done("%s: deleted", name)
	res.Deleted = append(res.Deleted, name)
	return kept, nil
}

// retainedResources lists the data resources of a stack (its name, or the
// id of a deleted one). Of a deleted stack, the resources CloudFormation
// deleted are left out (DELETE_COMPLETE); the kept ones are DELETE_SKIPPED.
func (d *Deployer) retainedResources(ctx context.Context, stack, nameOrID string, earlier bool) ([]Retained, error) {
	var out []Retained
	var token *string
	for {
		page, err := d.CFN.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(nameOrID), NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("list resources of stack %s: %w", nameOrID, err)
		}
		for _, r := range page.StackResourceSummaries {
			t := aws.ToString(r.ResourceType)
			if !isRetainedType(t) || aws.ToString(r.PhysicalResourceId) == "" || r.ResourceStatus == types.ResourceStatusDeleteComplete {
				continue
			}
			out = append(out, Retained{Stack: stack, Type: t, LogicalID: aws.ToString(r.LogicalResourceId), PhysicalID: aws.ToString(r.PhysicalResourceId), Earlier: earlier})
		}
		if aws.ToString(page.NextToken) == "" {
			return out, nil
		}
		token = page.NextToken
	}
}

// earlierRetained finds what earlier destroys of the stack kept: deleted
// stacks of that name (CloudFormation lists them for 90 days) and their
// kept resources.
func (d *Deployer) earlierRetained(ctx context.Context, s Stack) ([]Retained, error) {
	name := s.CloudFormationName()
	var ids []string
	var token *string
	for {
		page, err := d.CFN.ListStacks(ctx, &cloudformation.ListStacksInput{
			StackStatusFilter: []types.StackStatus{types.StackStatusDeleteComplete}, NextToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("list deleted stacks: %w", err)
		}
		for _, st := range page.StackSummaries {
			if aws.ToString(st.StackName) == name && st.StackStatus == types.StackStatusDeleteComplete {
				ids = append(ids, aws.ToString(st.StackId))
			}
		}
		if aws.ToString(page.NextToken) == "" {
			break
		}
		token = page.NextToken
	}
	var out []Retained
	for _, id := range ids {
		kept, err := d.retainedResources(ctx, s.Name, id, true)
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode()/100 == 4 {
			// A deleted stack whose resources CloudFormation will not list
			// (one a plan created and removed before it held any) kept
			// nothing to find.
			d.progress().Step("%s: resources of the deleted stack %s not listed (HTTP %d)", name, id, re.HTTPStatusCode())
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, kept...)
	}
	return out, nil
}

// deleteRetained deletes kept data resources and returns the ones it
// deleted; ones that are already gone (an earlier --delete-data, or by
// hand) are left out.
func (d *Deployer) deleteRetained(ctx context.Context, kept []Retained) ([]Retained, error) {
	order := map[string]int{}
	for i, t := range retainedTypes {
		order[t] = i
	}
	// Buckets that receive access logs go after the buckets that send them.
	sort.SliceStable(kept, func(a, b int) bool {
		ka, kb := kept[a], kept[b]
		if order[ka.Type] != order[kb.Type] {
			return order[ka.Type] < order[kb.Type]
		}
		return !isLogTarget(ka) && isLogTarget(kb)
	})
	var done []Retained
	seen := map[string]bool{}
	for _, k := range kept {
		if seen[k.Type+" "+k.PhysicalID] {
			continue
		}
		seen[k.Type+" "+k.PhysicalID] = true
		var existed bool
		var err error
		switch k.Type {
		case "AWS::S3::Bucket":
			d.progress().Step("deleting bucket %s and its objects", k.PhysicalID)
			existed, err = d.deleteBucket(ctx, k.PhysicalID)
		case "AWS::ECR::Repository":
			d.progress().Step("deleting image repository %s and its images", k.PhysicalID)
			existed, err = d.deleteRepository(ctx, k.PhysicalID)
		case "AWS::KMS::Key":
			d.progress().Step("scheduling key %s for deletion in %d days", k.PhysicalID, KeyDeletionDays)
			existed, err = d.deleteKey(ctx, k.PhysicalID)
		}
		if err != nil {
			d.progress().Done("")
			return done, err
		}
		if !existed {
			d.progress().Done("")
			continue
		}
		d.progress().Done("%s %s: deleted", k.Type, k.PhysicalID)
		k.Deleted = true
		done = append(done, k)
	}
	return done, nil
}

func isLogTarget(r Retained) bool { return strings.HasSuffix(r.LogicalID, "AccessLogsBucket") }

func (d *Deployer) deleteRepository(ctx context.Context, name string) (bool, error) {
	_, err := d.ECR.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String(name), Force: true})
	var nf *ecrtypes.RepositoryNotFoundException
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &nf):
		return false, nil
	}
	return false, fmt.Errorf("delete image repository %s: %w", name, err)
}

func (d *Deployer) deleteKey(ctx context.Context, id string) (bool, error) {
	_, err := d.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(KeyDeletionDays)})
	var nf *kmstypes.NotFoundException
	var ae smithy.APIError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &nf):
		return false, nil
	case errors.As(err, &ae) && ae.ErrorCode() == "KMSInvalidStateException" && strings.Contains(strings.ToLower(ae.ErrorMessage()), "pending deletion"):
		return false, nil // an earlier --delete-data scheduled it
	}
	return false, fmt.Errorf("schedule deletion of key %s: %w", id, err)
}
