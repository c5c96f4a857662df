package bootstrap

import (
	"fmt"
	"sort"
	"strings"
)

// SelfCheck is a check of the ISMS-P conformance pack (an AWS Config rule)
// or of Security Hub's AWS Foundational Security Best Practices (a
// control) that applies to resources bootstrap creates.
type SelfCheck struct {
	// Name is "<pack rule>" or "FSBP <control>", several joined by " / "
	// when they check the same thing.
	Name string
	// Types are the resource types it judges.
	Types []string
}

// SelfException is a check a bootstrap resource still fails, with the
// reason. A test evaluates the checks on the rendered stacks and keeps
// this list equal to what fails: the goal is an empty list.
type SelfException struct {
	Check    string // SelfCheck.Name
	Stack    string
	Resource string // logical id
	// When limits the failure to a choice ("" for the defaults).
	When   string
	Reason string
}

// selfChecks are the checks the self-compliance test evaluates.
var selfChecks = []SelfCheck{
	{"s3-bucket-logging-enabled / FSBP S3.9", []string{"AWS::S3::Bucket"}},
	{"s3-bucket-versioning-enabled", []string{"AWS::S3::Bucket"}},
	{"s3-bucket-server-side-encryption-enabled", []string{"AWS::S3::Bucket"}},
	{"s3-bucket-ssl-requests-only / FSBP S3.5", []string{"AWS::S3::Bucket"}},
	{"s3-bucket-default-lock-enabled", []string{"AWS::S3::Bucket"}},
	{"s3-bucket-replication-enabled", []string{"AWS::S3::Bucket"}},
	{"s3-bucket-public-read-prohibited / s3-bucket-public-write-prohibited / FSBP S3.8", []string{"AWS::S3::Bucket"}},
	{"FSBP S3.12 (no ACLs)", []string{"AWS::S3::Bucket"}},
	{"FSBP S3.13 (lifecycle)", []string{"AWS::S3::Bucket"}},
	{"cloudwatch-log-group-encrypted", []string{"AWS::Logs::LogGroup"}},
	{"cw-loggroup-retention-period-check", []string{"AWS::Logs::LogGroup"}},
	{"lambda-concurrency-check", []string{"AWS::Lambda::Function"}},
	{"lambda-inside-vpc", []string{"AWS::Lambda::Function"}},
	{"lambda-function-public-access-prohibited / FSBP Lambda.1", []string{"AWS::Lambda::Function"}},
	{"FSBP Lambda.2 (supported runtime)", []string{"AWS::Lambda::Function"}},
	{"dynamodb-table-encrypted-kms", []string{"AWS::DynamoDB::Table"}},
	{"dynamodb-autoscaling-enabled", []string{"AWS::DynamoDB::Table"}},
	{"dynamodb-in-backup-plan", []string{"AWS::DynamoDB::Table"}},
	{"FSBP DynamoDB.2 (point-in-time recovery)", []string{"AWS::DynamoDB::Table"}},
	{"FSBP DynamoDB.6 (deletion protection)", []string{"AWS::DynamoDB::Table"}},
	{"secretsmanager-using-cmk", []string{"AWS::SecretsManager::Secret"}},
	{"FSBP SecretsManager.1 (automatic rotation)", []string{"AWS::SecretsManager::Secret"}},
	{"sns-encrypted-kms", []string{"AWS::SNS::Topic"}},
	{"FSBP SQS.1 (encrypted at rest)", []string{"AWS::SQS::Queue"}},
	{"cloudwatch-alarm-action-check", []string{"AWS::CloudWatch::Alarm"}},
	{"cmk-backing-key-rotation-enabled / FSBP KMS.4", []string{"AWS::KMS::Key"}},
	{"cloudtrail-enabled / multi-region-cloudtrail-enabled / cloudtrail-security-trail-enabled / FSBP CloudTrail.1", []string{"AWS::CloudTrail::Trail"}},
	{"cloud-trail-encryption-enabled / FSBP CloudTrail.2", []string{"AWS::CloudTrail::Trail"}},
	{"cloud-trail-log-file-validation-enabled / FSBP CloudTrail.4", []string{"AWS::CloudTrail::Trail"}},
	{"cloud-trail-cloud-watch-logs-enabled / FSBP CloudTrail.5", []string{"AWS::CloudTrail::Trail"}},
	{"cloudtrail-s3-dataevents-enabled", []string{"AWS::CloudTrail::Trail"}},
	{"codebuild-project-envvar-awscred-check / FSBP CodeBuild.2", []string{"AWS::CodeBuild::Project"}},
	{"FSBP CodeBuild.4 (logging)", []string{"AWS::CodeBuild::Project"}},
	{"FSBP CodeBuild.5 (no privileged mode)", []string{"AWS::CodeBuild::Project"}},
	{"ec2-instance-no-public-ip / FSBP EC2.9", []string{"AWS::EC2::Instance"}},
	{"ec2-instance-detailed-monitoring-enabled", []string{"AWS::EC2::Instance"}},
	{"ec2-instance-profile-attached", []string{"AWS::EC2::Instance"}},
	{"ec2-instance-managed-by-systems-manager / FSBP SSM.1", []string{"AWS::EC2::Instance"}},
	{"ec2-resources-protected-by-backup-plan / ebs-in-backup-plan", []string{"AWS::EC2::Instance"}},
	{"FSBP EC2.8 (IMDSv2)", []string{"AWS::EC2::LaunchTemplate"}},
	{"encrypted-volumes / ec2-volume-inuse-check", []string{"AWS::EC2::LaunchTemplate"}},
	{"restricted-ssh / restricted-common-ports / vpc-sg-open-only-to-authorized-ports", []string{"AWS::EC2::SecurityGroup"}},
	{"ecr-private-image-scanning-enabled / FSBP ECR.1", []string{"AWS::ECR::Repository"}},
	{"FSBP ECR.2 (immutable tags) / FSBP ECR.3 (lifecycle policy)", []string{"AWS::ECR::Repository"}},
	{"FSBP Config.1 (service-linked role)", []string{"AWS::Config::ConfigurationRecorder"}},
	{"guardduty-enabled-centralized / guardduty-malware-protection-enabled", []string{"AWS::GuardDuty::Detector"}},
	{"iam-inline-policy-blocked-kms-actions / iam-policy-no-statements-with-admin-access / iam-policy-no-statements-with-full-access", []string{"AWS::IAM::Role"}},
}

// selfExceptions are the checks bootstrap's own resources still fail.
var selfExceptions = []SelfException{
	{Check: "s3-bucket-replication-enabled", Stack: StackSecurity, Resource: "AccessLogsBucket",
		Reason: "cross-Region replication needs a bucket in a second Region and doubles the storage; the pack asks it of every bucket"},
	{Check: "s3-bucket-replication-enabled", Stack: StackSecurity, Resource: "ArtifactsBucket",
		Reason: "the package and pipeline artifacts are rebuilt by the next apply and the next run; replicating them buys nothing"},
	{Check: "s3-bucket-replication-enabled", Stack: StackSecurity, Resource: "LogsBucket",
		Reason: "replicating the audit logs to a second Region is worth it where policy asks for it, but secops deploys to one Region; add a replication rule to this bucket"},
	{Check: "s3-bucket-logging-enabled / FSBP S3.9", Stack: StackSecurity, Resource: "AccessLogsBucket",
		Reason: "it receives the other buckets' access logs; logging its own access into itself would log every delivery, without end"},
	{Check: "lambda-concurrency-check", Stack: StackAlerts, Resource: "Notifier",
		Reason: "the pack asks for a reserved concurrency between 500 and 1000 (the K-ISMS sample's values): half a default account's concurrency for one notifier. It reserves 2 (NotifierConcurrency), which also paces Slack"},
	{Check: "lambda-inside-vpc", Stack: StackAlerts, Resource: "Notifier",
		Reason: "it posts to Slack: in a VPC it would need a NAT gateway (a standing cost) and would gain no protection, as it takes no inbound traffic"},
	{Check: "dynamodb-in-backup-plan", Stack: StackAlerts, Resource: "DedupTable",
		Reason: "it holds only which alerts were posted in the last day, and expires them; point-in-time recovery is on"},
	{Check: "FSBP DynamoDB.6 (deletion protection)", Stack: StackAlerts, Resource: "DedupTable",
		Reason: "destroy must be able to delete it; losing it costs at most a repeated alert"},
	{Check: "FSBP SecretsManager.1 (automatic rotation)", Stack: StackAlerts, Resource: "SlackWebhookSecret",
		Reason: "Slack issues the webhook URL; no function can rotate it. Replace it with apply --slack-webhook-url"},
	{Check: "FSBP CodeBuild.5 (no privileged mode)", Stack: StackPipeline, Resource: "BuildProject",
		Reason: "docker build needs the Docker daemon; the project's role can only push this one image, and no secops package or Security Hub access runs in it"},
	{Check: "ec2-instance-no-public-ip / FSBP EC2.9", Stack: StackScanner, Resource: "ScannerInstance", When: "in the default VPC (no --subnet-id)",
		Reason: "the default VPC has no NAT gateway: the host reaches SSM only through a public IP. No port is open to it; pass --subnet-id of a private subnet to avoid it"},
	{Check: "ec2-resources-protected-by-backup-plan / ebs-in-backup-plan", Stack: StackScanner, Resource: "ScannerInstance",
		Reason: "the host keeps nothing: it reinstalls secops at every boot and its scans go to Security Hub"},
}

// SelfComplianceMarkdown is the generated self-compliance section of
// docs/bootstrap.md.
func SelfComplianceMarkdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d checks of the ISMS-P pack and of FSBP that apply to the resources bootstrap creates are evaluated on the\n", len(selfChecks))
	b.WriteString("rendered stacks by a test (`TestSelfCompliance`). Those still failing, and why:\n\n")
	b.WriteString("| check | stack | resource | when | why it fails |\n| --- | --- | --- | --- | --- |\n")
	ex := append([]SelfException(nil), selfExceptions...)
	sort.SliceStable(ex, func(i, j int) bool {
		if ex[i].Stack != ex[j].Stack {
			return stackOrder(ex[i].Stack) < stackOrder(ex[j].Stack)
		}
		return ex[i].Resource < ex[j].Resource
	})
	for _, e := range ex {
		when := e.When
		if when == "" {
			when = "always"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", e.Check, e.Stack, e.Resource, when, e.Reason)
	}
	b.WriteString("\nPassing on every resource they apply to:\n\n")
	failing := map[string]bool{}
	for _, e := range selfExceptions {
		failing[e.Check] = true
	}
	for _, c := range selfChecks {
		if !failing[c.Name] {
			fmt.Fprintf(&b, "- `%s`\n", c.Name)
		}
	}
	return b.String()
}

func stackOrder(name string) int {
	if s, ok := Stacks().Get(name); ok {
		return s.Order
	}
	return 1 << 30
}
