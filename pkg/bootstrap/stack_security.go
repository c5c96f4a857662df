package bootstrap

import (
	"context"
)

// StackSecurity is the base stack: Security Hub, GuardDuty, AWS Config with
// the ISMS-P conformance pack, and the buckets every other stack uses.
const StackSecurity = "security"

var _ = Register(Stack{
	Name:    StackSecurity,
	Summary: "Security Hub (AWS Foundational Security Best Practices, CIS), GuardDuty, AWS Config with the ISMS-P conformance pack, the data buckets; Inspector scanning of ECR and EC2 is turned on after it",
	Order:   10,
	Data: func() (map[string]any, error) {
		pack, err := ConformancePackTemplate()
		if err != nil {
			return nil, err
		}
		return map[string]any{"ConformancePackName": ConformancePackName, "ConformancePack": string(pack)}, nil
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
