package bootstrap

import (
	"context"
)

// StackSecurity is the base stack: Security Hub, GuardDuty, CloudTrail, AWS
// Config, and the key and buckets every other stack uses.
const StackSecurity = "security"

var _ = Register(Stack{
	Name:    StackSecurity,
	Summary: "Security Hub (AWS Foundational Security Best Practices, CIS), GuardDuty, a multi-Region CloudTrail trail, AWS Config, the KMS key and the log and artifact buckets; Inspector scanning is turned on right after it",
	Order:   10,
	Params: []Param{
		{Key: "CreateTrail", Flag: "create-trail", Default: "true", Usage: "create a multi-Region CloudTrail trail (false when an organization trail already logs this account)", Validate: oneOf("--create-trail", "true", "false")},
	},
	Variants: []map[string]string{
		{"CreateTrail": "false"},
		{"TrailS3DataEvents": "None", "LogArchiveDays": "2557", "LogRetentionDays": "3653"},
		{"TrailS3DataEvents": "All"},
	},
	BeforeApply: func(ctx context.Context, d *Deployer) error {
		return d.ensureServiceLinkedRole(ctx, configService)
	},
	AfterApply: func(ctx context.Context, d *Deployer, res *ApplyResult) error {
		if d.Inspector == nil {
			return nil
		}
		d.progress().Step("Inspector: checking %s scanning", inspectorScanNames())
		changed, err := d.EnsureInspector(ctx)
		if err != nil {
			d.progress().Done("")
			return err
		}
		res.Inspector = "already enabled"
		if changed {
			res.Inspector = "enabled"
		}
		d.progress().Done("Inspector: %s for %s", res.Inspector, inspectorScanNames())
		return nil
	},
})

// artifactsBucket is the security stack's bucket for the secops package and
// pipeline artifacts, which the stacks that install secops read.
var artifactsBucket = Param{
	Key:  "ArtifactsBucket",
	From: &Output{Stack: StackSecurity, Key: "ArtifactsBucketName", Resource: "ArtifactsBucket"},
}
