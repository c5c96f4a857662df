package bootstrap

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Inputs are the user's choices that become stack parameters.
type Inputs struct {
	// SlackWebhookURL is needed when the alerts stack is created; on update
	// an empty value keeps the stored one. Never printed.
	SlackWebhookURL string
	// Package is the secops Lambda/CodeBuild package (a zip with the secops
	// binary named bootstrap). Empty on update keeps the deployed one.
	Package []byte

	ConnectionArn string // pipeline: CodeConnections ARN; empty = CodeCommit
	RepositoryID  string // pipeline: owner/name or CodeCommit repository name
	Branch        string
	ClusterName   string
	AppURL        string
	SubnetID      string // scanner
	VpcID         string // scanner: the VPC of SubnetID
}

// StackResult is what apply did to one stack.
type StackResult struct {
	Stack   string   `json:"stack"`
	Name    string   `json:"name"`
	Action  string   `json:"action"` // created, updated, unchanged
	Status  string   `json:"status"`
	Changes []Change `json:"changes,omitempty"`
}

// ApplyResult is the outcome of apply.
type ApplyResult struct {
	Stacks []StackResult `json:"stacks"`
	// Inspector is "enabled", "already enabled", or "" when not attempted.
	Inspector string `json:"inspector,omitempty"`
}

// Apply deploys the stacks in order through change sets. A stack whose
// change set holds no changes is left alone and reported unchanged. When the
// security stack is among them, Inspector is enabled afterwards.
func (d *Deployer) Apply(ctx context.Context, stacks []string, in Inputs) (*ApplyResult, error) {
	tmpls, err := Render(stacks)
	if err != nil {
		return nil, err
	}
	res := &ApplyResult{}
	var pkgKey string // uploaded once, used by every stack that installs secops
	for _, t := range tmpls {
		existing, err := d.describeStack(ctx, t.Name)
		if err != nil {
			return res, err
		}
		if err := checkDeployable(t.Name, existing); err != nil {
			return res, err
		}
		params, err := d.parameters(ctx, t.Stack, existing, in, &pkgKey, true)
		if err != nil {
			return res, err
		}
		d.progress().Step("%s: creating change set", t.Name)
		cs, err := d.createChangeSet(ctx, t, existing, params)
		if err != nil {
			d.progress().Done("")
			return res, err
		}
		if cs.noChange {
			d.progress().Done("%s: no changes", t.Name)
			res.Stacks = append(res.Stacks, StackResult{Stack: t.Stack, Name: t.Name, Action: "unchanged", Status: string(existing.StackStatus)})
			continue
		}
		start := d.now()
		if _, err := d.CFN.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{
			StackName: aws.String(t.Name), ChangeSetName: aws.String(cs.id),
		}); err != nil {
			d.progress().Done("")
			return res, fmt.Errorf("execute change set for stack %s: %w", t.Name, err)
		}
		var before *types.Stack
		if !cs.create {
			before = existing
		}
		final, err := d.watch(ctx, t.Name, start, before, false)
		if err != nil {
			d.progress().Done("")
			return res, err
		}
		action := "updated"
		if cs.create {
			action = "created"
		}
		d.progress().Done("%s: %s (%d resource changes)", t.Name, action, len(cs.changes))
		res.Stacks = append(res.Stacks, StackResult{Stack: t.Stack, Name: t.Name, Action: action, Status: string(final.StackStatus), Changes: cs.changes})
	}
	if containsStack(stacks, StackSecurity) && d.Inspector != nil {
		d.progress().Step("Inspector: checking ECR and EC2 scanning")
		changed, err := d.EnsureInspector(ctx)
		if err != nil {
			d.progress().Done("")
			return res, err
		}
		res.Inspector = "already enabled"
		if changed {
			res.Inspector = "enabled"
		}
		d.progress().Done("Inspector: %s for ECR and EC2", res.Inspector)
	}
	return res, nil
}

// checkDeployable refuses stacks CloudFormation cannot update right now.
func checkDeployable(name string, s *types.Stack) error {
	if s == nil {
		return nil
	}
	switch {
	case s.StackStatus == types.StackStatusRollbackComplete || s.StackStatus == types.StackStatusRollbackFailed:
		return fmt.Errorf("stack %s is %s after a failed create and cannot be updated; remove it with 'secops bootstrap destroy --stacks %s' and apply again", name, s.StackStatus, name[len(StackNamePrefix):])
	case s.StackStatus == types.StackStatusUpdateRollbackFailed:
		return fmt.Errorf("stack %s is UPDATE_ROLLBACK_FAILED; finish the rollback first ('aws cloudformation continue-update-rollback --stack-name %s', skipping the resources its events name) and apply again", name, name)
	case s.StackStatus == types.StackStatusDeleteFailed:
		return fmt.Errorf("stack %s is DELETE_FAILED; run 'secops bootstrap destroy --stacks %s' again (its events say what blocked the delete)", name, name[len(StackNamePrefix):])
	case statusInProgress(s.StackStatus) && s.StackStatus != types.StackStatusReviewInProgress:
		return fmt.Errorf("stack %s is busy (%s); wait for it to finish (secops bootstrap status) and apply again", name, s.StackStatus)
	}
	return nil
}

func containsStack(stacks []string, s string) bool {
	for _, x := range stacks {
		if x == s {
			return true
		}
	}
	return false
}

// placeholder stands in for values a plan cannot know yet.
const placeholder = "pending-apply"

// parameters builds a stack's parameters. apply=false (plan) never uploads
// and uses placeholders for what does not exist yet.
func (d *Deployer) parameters(ctx context.Context, stack string, existing *types.Stack, in Inputs, pkgKey *string, apply bool) ([]types.Parameter, error) {
	p := func(k, v string) types.Parameter {
		return types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)}
	}
	keep := func(k string) types.Parameter {
		return types.Parameter{ParameterKey: aws.String(k), UsePreviousValue: aws.Bool(true)}
	}
	// optional keeps the stored value when the user gave none on update.
	optional := func(k, v, def string) types.Parameter {
		if v == "" && existing != nil {
			return keep(k)
		}
		if v == "" {
			v = def
		}
		return p(k, v)
	}
	if stack == StackSecurity {
		return nil, nil
	}

	bucket, err := d.artifactsBucket(ctx, apply)
	if err != nil {
		return nil, err
	}
	var out []types.Parameter
	out = append(out, p("ArtifactsBucket", bucket))

	pkgParam := map[string]string{StackAlerts: "LambdaKey", StackPipeline: "SecopsPackageKey", StackScanner: "SecopsPackageKey"}[stack]
	switch {
	case len(in.Package) > 0 && apply:
		if *pkgKey == "" {
			key, err := d.uploadPackage(ctx, bucket, in.Package)
			if err != nil {
				return nil, err
			}
			*pkgKey = key
		}
		out = append(out, p(pkgParam, *pkgKey))
	case len(in.Package) > 0:
		out = append(out, p(pkgParam, PackageKey(in.Package)))
	case existing != nil:
		out = append(out, keep(pkgParam))
	case apply:
		return nil, fmt.Errorf("stack %s needs the secops package: pass --lambda-zip FILE, or --build-lambda to build it with go", CloudFormationName(stack))
	default:
		out = append(out, p(pkgParam, placeholder))
	}

	switch stack {
	case StackAlerts:
		switch {
		case in.SlackWebhookURL != "":
			out = append(out, p("SlackWebhookUrl", in.SlackWebhookURL))
		case existing != nil:
			out = append(out, keep("SlackWebhookUrl"))
		case apply:
			return nil, fmt.Errorf("stack %s needs the Slack webhook URL: pass --slack-webhook-url, set SECOPS_SLACK_WEBHOOK_URL, or run on a terminal to be asked", CloudFormationName(stack))
		default:
			out = append(out, p("SlackWebhookUrl", placeholder))
		}
	case StackPipeline:
		out = append(out,
			optional("ConnectionArn", in.ConnectionArn, ""),
			optional("RepositoryId", in.RepositoryID, "secops-app"),
			optional("BranchName", in.Branch, "main"),
			optional("ClusterName", in.ClusterName, "secops"),
			optional("AppUrl", in.AppURL, ""),
		)
	case StackScanner:
		if (in.SubnetID == "") != (in.VpcID == "") {
			return nil, fmt.Errorf("the scanner needs --subnet-id and --vpc-id together (the security group must be in the subnet's VPC), or neither for the default VPC")
		}
		out = append(out, optional("SubnetId", in.SubnetID, ""), optional("VpcId", in.VpcID, ""))
	}
	return out, nil
}

// artifactsBucket reads the artifacts bucket from the security stack.
func (d *Deployer) artifactsBucket(ctx context.Context, apply bool) (string, error) {
	sec, err := d.describeStack(ctx, CloudFormationName(StackSecurity))
	if err != nil {
		return "", err
	}
	if b := outputs(sec)["ArtifactsBucketName"]; b != "" {
		return b, nil
	}
	if sec != nil && !statusInProgress(sec.StackStatus) {
		// Emulators such as moto do not fill Outputs for stacks created
		// through change sets; the resource list has the same name.
		if b, err := d.physicalID(ctx, CloudFormationName(StackSecurity), "ArtifactsBucket"); err != nil || b != "" {
			return b, err
		}
	}
	if !apply {
		return placeholder, nil
	}
	return "", fmt.Errorf("stack %s has no ArtifactsBucketName output yet: deploy it first with 'secops bootstrap apply --stacks security'", CloudFormationName(StackSecurity))
}

// NeedsWebhook reports whether apply will create the alerts stack, which
// is the only time the Slack webhook URL must be given.
func (d *Deployer) NeedsWebhook(ctx context.Context, stacks []string) (bool, error) {
	if !containsStack(stacks, StackAlerts) {
		return false, nil
	}
	s, err := d.describeStack(ctx, CloudFormationName(StackAlerts))
	if err != nil {
		return false, err
	}
	return s == nil || s.StackStatus == types.StackStatusReviewInProgress, nil
}

// physicalID returns the physical id of a stack's resource, "" if absent.
func (d *Deployer) physicalID(ctx context.Context, stackName, logicalID string) (string, error) {
	var token *string
	for {
		page, err := d.CFN.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(stackName), NextToken: token})
		if err != nil {
			return "", fmt.Errorf("list resources of stack %s: %w", stackName, err)
		}
		for _, r := range page.StackResourceSummaries {
			if aws.ToString(r.LogicalResourceId) == logicalID {
				return aws.ToString(r.PhysicalResourceId), nil
			}
		}
		if aws.ToString(page.NextToken) == "" {
			return "", nil
		}
		token = page.NextToken
	}
}
