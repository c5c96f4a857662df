package bootstrap

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// inspectorAPI is the part of the Inspector2 client bootstrap uses.
// Inspector has no CloudFormation resource that turns scanning on, so apply
// calls the API directly.
type inspectorAPI interface {
	BatchGetAccountStatus(ctx context.Context, in *inspector2.BatchGetAccountStatusInput, optFns ...func(*inspector2.Options)) (*inspector2.BatchGetAccountStatusOutput, error)
	Enable(ctx context.Context, in *inspector2.EnableInput, optFns ...func(*inspector2.Options)) (*inspector2.EnableOutput, error)
	Disable(ctx context.Context, in *inspector2.DisableInput, optFns ...func(*inspector2.Options)) (*inspector2.DisableOutput, error)
}

// stsAPI finds the account id Inspector is enabled for.
type stsAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// inspectorScanTypes are the scans bootstrap turns on (the ISMS-P pack
// checks all three).
var inspectorScanTypes = []inspectortypes.ResourceScanType{inspectortypes.ResourceScanTypeEcr, inspectortypes.ResourceScanTypeEc2, inspectortypes.ResourceScanTypeLambda}

// EnsureInspector turns on Inspector scanning of ECR images, EC2 instances
// and Lambda functions unless all already are on. It reports whether it
// changed anything.
func (d *Deployer) EnsureInspector(ctx context.Context) (bool, error) {
	if d.Inspector == nil || d.STS == nil {
		return false, fmt.Errorf("enable Inspector: no Inspector client configured")
	}
	id, err := d.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return false, fmt.Errorf("enable Inspector: find the account id: %w", err)
	}
	account := aws.ToString(id.Account)
	st, err := d.Inspector.BatchGetAccountStatus(ctx, &inspector2.BatchGetAccountStatusInput{AccountIds: []string{account}})
	if err != nil {
		return false, fmt.Errorf("enable Inspector: read account status: %w", err)
	}
	if inspectorEnabled(st, account) {
		return false, nil
	}
	out, err := d.Inspector.Enable(ctx, &inspector2.EnableInput{AccountIds: []string{account}, ResourceTypes: inspectorScanTypes})
	if err != nil {
		return false, fmt.Errorf("enable Inspector for %s: %w", inspectorScanNames(), err)
	}
	for _, f := range out.FailedAccounts {
		return false, fmt.Errorf("enable Inspector for account %s: %s: %s", aws.ToString(f.AccountId), f.ErrorCode, aws.ToString(f.ErrorMessage))
	}
	return true, nil
}

func inspectorEnabled(st *inspector2.BatchGetAccountStatusOutput, account string) bool {
	for _, a := range st.Accounts {
		if aws.ToString(a.AccountId) != account || a.ResourceState == nil {
			continue
		}
		rs := a.ResourceState
		return rs.Ecr != nil && rs.Ecr.Status == inspectortypes.StatusEnabled &&
			rs.Ec2 != nil && rs.Ec2.Status == inspectortypes.StatusEnabled &&
			rs.Lambda != nil && rs.Lambda.Status == inspectortypes.StatusEnabled
	}
	return false
}

// InspectorEnabled reports whether any of the scans bootstrap turns on is
// on, for destroy to ask whether to turn them off.
func (d *Deployer) InspectorEnabled(ctx context.Context) (bool, error) {
	if d.Inspector == nil || d.STS == nil {
		return false, nil
	}
	account, err := d.account(ctx)
	if err != nil {
		return false, err
	}
	st, err := d.Inspector.BatchGetAccountStatus(ctx, &inspector2.BatchGetAccountStatusInput{AccountIds: []string{account}})
	if err != nil {
		return false, fmt.Errorf("read Inspector's account status: %w", err)
	}
	for _, a := range st.Accounts {
		if aws.ToString(a.AccountId) != account || a.ResourceState == nil {
			continue
		}
		rs := a.ResourceState
		for _, s := range []*inspectortypes.State{rs.Ecr, rs.Ec2, rs.Lambda} {
			if s != nil && (s.Status == inspectortypes.StatusEnabled || s.Status == inspectortypes.StatusEnabling) {
				return true, nil
			}
		}
	}
	return false, nil
}

// DisableInspector turns off the scans bootstrap turns on.
func (d *Deployer) DisableInspector(ctx context.Context) error {
	if d.Inspector == nil || d.STS == nil {
		return fmt.Errorf("disable Inspector: no Inspector client configured")
	}
	account, err := d.account(ctx)
	if err != nil {
		return err
	}
	d.progress().Step("Inspector: turning off %s scanning", inspectorScanNames())
	out, err := d.Inspector.Disable(ctx, &inspector2.DisableInput{AccountIds: []string{account}, ResourceTypes: inspectorScanTypes})
	d.progress().Done("")
	if err != nil {
		return fmt.Errorf("disable Inspector for %s: %w", inspectorScanNames(), err)
	}
	for _, f := range out.FailedAccounts {
		return fmt.Errorf("disable Inspector for account %s: %s: %s", aws.ToString(f.AccountId), f.ErrorCode, aws.ToString(f.ErrorMessage))
	}
	return nil
}

func (d *Deployer) account(ctx context.Context) (string, error) {
	id, err := d.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("find the account id: %w", err)
	}
	return aws.ToString(id.Account), nil
}

func inspectorScanTypeNames() []string {
	var names []string
	for _, t := range inspectorScanTypes {
		names = append(names, string(t))
	}
	return names
}

// inspectorScanNames reads "ECR and EC2".
func inspectorScanNames() string { return joinAnd(inspectorScanTypeNames()) }

// inspectorScanList reads "ECR, EC2".
func inspectorScanList() string { return strings.Join(inspectorScanTypeNames(), ", ") }
