package bootstrap

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// resourcePermissions lists, per CloudFormation resource type the templates
// use, the IAM actions CloudFormation calls with the deployer's credentials
// to create, update, tag and delete it. It is also the list of resource
// types the template checks accept.
var resourcePermissions = map[string][]string{
	"AWS::SecurityHub::Hub":              {"securityhub:EnableSecurityHub", "securityhub:DisableSecurityHub", "securityhub:DescribeHub", "securityhub:UpdateSecurityHubConfiguration", "securityhub:TagResource", "securityhub:UntagResource", "securityhub:ListTagsForResource"},
	"AWS::SecurityHub::Standard":         {"securityhub:BatchEnableStandards", "securityhub:BatchDisableStandards", "securityhub:GetEnabledStandards", "securityhub:UpdateStandardsControl"},
	"AWS::GuardDuty::Detector":           {"guardduty:CreateDetector", "guardduty:GetDetector", "guardduty:UpdateDetector", "guardduty:DeleteDetector", "guardduty:ListDetectors", "guardduty:TagResource", "guardduty:UntagResource", "guardduty:ListTagsForResource", "iam:CreateServiceLinkedRole"},
	"AWS::S3::Bucket":                    {"s3:CreateBucket", "s3:DeleteBucket", "s3:PutEncryptionConfiguration", "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:PutBucketTagging", "s3:GetBucketTagging", "s3:PutBucketLogging", "s3:PutBucketObjectLockConfiguration"},
	"AWS::S3::BucketPolicy":              {"s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"},
	"AWS::IAM::Role":                     {"iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:TagRole", "iam:UntagRole", "iam:PassRole"},
	"AWS::IAM::InstanceProfile":          {"iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"},
	"AWS::Config::ConfigurationRecorder": {"config:PutConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus", "config:StartConfigurationRecorder", "config:StopConfigurationRecorder", "iam:PassRole"},
	"AWS::Config::DeliveryChannel":       {"config:PutDeliveryChannel", "config:DeleteDeliveryChannel", "config:DescribeDeliveryChannels"},
	"AWS::Config::ConformancePack":       {"config:PutConformancePack", "config:DeleteConformancePack", "config:DescribeConformancePacks", "config:DescribeConformancePackStatus", "config:PutConfigRule", "config:DeleteConfigRule", "config:DescribeConfigRules", "iam:CreateServiceLinkedRole"},
	"AWS::SecretsManager::Secret":        {"secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:TagResource", "secretsmanager:UntagResource", "kms:GenerateDataKey", "kms:Decrypt"},
	"AWS::Logs::LogGroup":                {"logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DescribeLogGroups", "logs:PutRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource", "logs:AssociateKmsKey", "logs:DisassociateKmsKey"},
	"AWS::Lambda::Function":              {"lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency", "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags", "s3:GetObject", "iam:PassRole"},
	"AWS::Lambda::Permission":            {"lambda:AddPermission", "lambda:RemovePermission"},
	"AWS::Events::Rule":                  {"events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource", "events:UntagResource", "iam:PassRole"},
	"AWS::ECR::Repository":               {"ecr:CreateRepository", "ecr:DeleteRepository", "ecr:DescribeRepositories", "ecr:PutLifecyclePolicy", "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", "ecr:PutEncryptionConfiguration", "ecr:TagResource", "ecr:UntagResource"},
	"AWS::CodeBuild::Project":            {"codebuild:CreateProject", "codebuild:UpdateProject", "codebuild:DeleteProject", "codebuild:BatchGetProjects", "iam:PassRole"},
	"AWS::CodePipeline::Pipeline":        {"codepipeline:CreatePipeline", "codepipeline:UpdatePipeline", "codepipeline:DeletePipeline", "codepipeline:GetPipeline", "codepipeline:GetPipelineState", "codepipeline:TagResource", "codepipeline:UntagResource", "codeconnections:PassConnection", "codestar-connections:PassConnection", "iam:PassRole"},
	"AWS::EC2::SecurityGroup":            {"ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:DescribeSecurityGroups", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:DescribeVpcs", "ec2:CreateTags"},
	"AWS::EC2::LaunchTemplate":           {"ec2:CreateLaunchTemplate", "ec2:DeleteLaunchTemplate", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions", "ec2:CreateLaunchTemplateVersion", "ec2:CreateTags"},
	"AWS::KMS::Key":                      {"kms:CreateKey", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:EnableKey", "kms:DisableKey", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion"},
	"AWS::KMS::Alias":                    {"kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:ListAliases"},
	"AWS::CloudTrail::Trail":             {"cloudtrail:CreateTrail", "cloudtrail:UpdateTrail", "cloudtrail:DeleteTrail", "cloudtrail:StartLogging", "cloudtrail:StopLogging", "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "cloudtrail:PutEventSelectors", "cloudtrail:AddTags", "cloudtrail:RemoveTags", "cloudtrail:ListTags", "iam:GetRole", "iam:PassRole"},
	"AWS::DynamoDB::Table":               {"dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable", "dynamodb:DescribeTimeToLive", "dynamodb:UpdateTimeToLive", "dynamodb:DescribeContinuousBackups", "dynamodb:UpdateContinuousBackups", "dynamodb:TagResource", "dynamodb:UntagResource", "dynamodb:ListTagsOfResource"},
	"AWS::SQS::Queue":                    {"sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:GetQueueUrl", "sqs:TagQueue", "sqs:UntagQueue", "sqs:ListQueueTags"},
	"AWS::SNS::Topic":                    {"sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource"},
	"AWS::SNS::Subscription":             {"sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes"},
	"AWS::CloudWatch::Alarm":             {"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"},
	"AWS::Lambda::EventInvokeConfig":     {"lambda:PutFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig", "lambda:GetFunctionEventInvokeConfig"},
	"AWS::EC2::Instance":                 {"ec2:RunInstances", "ec2:TerminateInstances", "ec2:DescribeInstances", "ec2:StopInstances", "ec2:StartInstances", "ec2:ModifyInstanceAttribute", "ec2:MonitorInstances", "ec2:UnmonitorInstances", "ec2:CreateTags", "iam:PassRole"},
}

// conformancePackResourceTypes are the only types a conformance pack may hold.
var conformancePackResourceTypes = map[string]bool{
	"AWS::Config::ConfigRule":               true,
	"AWS::Config::RemediationConfiguration": true,
}

// KnownResourceType reports whether t is a resource type the templates may use.
func KnownResourceType(t string) bool {
	_, ok := resourcePermissions[t]
	return ok
}

// directActions are the AWS API calls secops bootstrap itself makes (not
// through CloudFormation), with the reason. A test keeps this list equal to
// the methods of the package's narrow AWS interfaces.
var directActions = map[string]string{
	"cloudformation:CreateChangeSet":                   "plan and apply: compute what would change",
	"cloudformation:DescribeChangeSet":                 "plan and apply: wait for and read the change set",
	"cloudformation:ExecuteChangeSet":                  "apply: deploy the change set",
	"cloudformation:DeleteChangeSet":                   "plan: discard the change set; apply: discard an empty one",
	"cloudformation:DescribeStacks":                    "every command: stack state and outputs",
	"cloudformation:DescribeStackEvents":               "apply and destroy: live progress and failure reasons",
	"cloudformation:DeleteStack":                       "destroy; plan: remove the placeholder of a never-created stack",
	"cloudformation:ListStackResources":                "destroy: the data it keeps or deletes; apply: a stack's outputs where an emulator gives none",
	"cloudformation:ListStacks":                        "destroy --delete-data: the data earlier destroys kept (deleted stacks)",
	"cloudformation:DetectStackDrift":                  "status: start drift detection",
	"cloudformation:DescribeStackDriftDetectionStatus": "status: read the drift result",
	"s3:PutObject":                                     "apply: upload the secops package",
	"s3:ListBucket":                                    "apply: skip an upload that is already there (HeadObject)",
	"s3:GetObject":                                     "apply: HeadObject on the package before uploading",
	"s3:ListBucketVersions":                            "destroy --delete-data: empty the versioned data buckets",
	"s3:DeleteObject":                                  "destroy --delete-data: empty the data buckets",
	"s3:DeleteObjectVersion":                           "destroy --delete-data: empty the versioned data buckets",
	"s3:DeleteBucket":                                  "destroy --delete-data: delete the emptied data buckets",
	"ecr:DeleteRepository":                             "destroy --delete-data: delete the kept image repositories",
	"kms:ScheduleKeyDeletion":                          "destroy --delete-data: schedule the kept key for deletion (7 days)",
	"inspector2:BatchGetAccountStatus":                 "apply: see whether Inspector already scans; destroy: whether to ask about turning it off",
	"inspector2:Enable":                                "apply: turn on Inspector for ECR, EC2 and Lambda",
	"inspector2:Disable":                               "destroy --disable-inspector: turn those scans off again",
	"iam:CreateServiceLinkedRole":                      "apply: the AWS Config recorder's service-linked role; Inspector creates its own on first Enable",
	"ssm:GetParameter":                                 "apply: the newest Amazon Linux 2023 AMI for a new scanner host",
	"ec2:DescribeSubnets":                              "apply: the scanner's subnet and its VPC (the default VPC's when none is given)",
	"sts:GetCallerIdentity":                            "apply and destroy: the account id Inspector is enabled for",
}

// remoteActions are the calls `secops scan --remote` makes: not bootstrap's,
// so not in the deployer policy but in a policy of their own.
var remoteActions = map[string]string{
	"ssm:SendCommand":          "scan --remote: run secops on the scanner host (AWS-RunShellScript)",
	"ssm:GetCommandInvocation": "scan --remote: stream the output back",
}

// RequiredActions returns every IAM action running bootstrap needs, sorted.
func RequiredActions() []string {
	set := map[string]bool{}
	for a := range directActions {
		set[a] = true
	}
	for _, acts := range resourcePermissions {
		for _, a := range acts {
			set[a] = true
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// scope is where a group of actions is granted: resources named after the
// secops stacks, or "*" for actions that have no resource to scope by (a
// service's account-level state, a List or Describe over everything), with
// a condition where a name cannot narrow it.
type scope struct {
	Sid       string
	Actions   []string // "service:Action", or "service:*" for the service's remaining actions
	Resources []string
	Condition map[string]any
	// Why is shown in docs/bootstrap.md.
	Why string
}

const arnPrefix = "arn:aws:" // the policy is written for the aws partition

// scopes place every required action; the first scope that names an
// action (exactly, or by its service with "service:*") holds it. A test
// checks that each action lands in exactly one place and that the
// resources the templates create match its scope.
var scopes = []scope{
	{Sid: "SecopsStacks", Why: "the secops-* stacks and their change sets",
		Actions:   []string{"cloudformation:*"},
		Resources: []string{arnPrefix + "cloudformation:*:*:stack/secops-*/*", arnPrefix + "cloudformation:*:*:changeSet/secops-*/*"}},
	{Sid: "ListWithoutResource", Why: "calls that have no resource to scope by: lists, account-wide reads",
		Actions: []string{"cloudformation:ListStacks", "cloudformation:DescribeStackDriftDetectionStatus", "sts:GetCallerIdentity",
			"ec2:DescribeSubnets", "ec2:DescribeInstances", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions",
			"logs:DescribeLogGroups", "cloudwatch:DescribeAlarms", "cloudtrail:DescribeTrails", "kms:ListAliases"},
		Resources: []string{"*"}},
	{Sid: "AccountServices", Why: "Security Hub, GuardDuty, AWS Config and Inspector exist once per account and Region and have no secops name",
		Actions:   []string{"securityhub:*", "guardduty:*", "config:*", "inspector2:*"},
		Resources: []string{"*"}},
	{Sid: "ServiceLinkedRoles", Why: "the service-linked roles of the services bootstrap turns on, and no other",
		Actions:   []string{"iam:CreateServiceLinkedRole"},
		Resources: []string{arnPrefix + "iam::*:role/aws-service-role/*"},
		Condition: map[string]any{"StringEquals": map[string]any{"iam:AWSServiceName": []string{
			"config.amazonaws.com", "config-conforms.amazonaws.com", "securityhub.amazonaws.com",
			"guardduty.amazonaws.com", "malware-protection.guardduty.amazonaws.com", "inspector2.amazonaws.com",
		}}}},
	{Sid: "PassStackRoles", Why: "the stacks' roles, only to the services that run them",
		Actions:   []string{"iam:PassRole"},
		Resources: []string{arnPrefix + "iam::*:role/secops-*", arnPrefix + "iam::*:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"},
		Condition: map[string]any{"StringEquals": map[string]any{"iam:PassedToService": []string{
			"cloudtrail.amazonaws.com", "codebuild.amazonaws.com", "codepipeline.amazonaws.com", "config.amazonaws.com",
			"ec2.amazonaws.com", "events.amazonaws.com", "lambda.amazonaws.com",
		}}}},
	{Sid: "AttachOnlySSMCore", Why: "the one AWS managed policy a stack role gets (the scanner's AmazonSSMManagedInstanceCore)",
		Actions:   []string{"iam:AttachRolePolicy", "iam:DetachRolePolicy"},
		Resources: []string{arnPrefix + "iam::*:role/secops-*"},
		Condition: map[string]any{"ArnEquals": map[string]any{"iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}}},
	{Sid: "StackRoles", Why: "the stacks' roles and the scanner's instance profile",
		Actions:   []string{"iam:*"},
		Resources: []string{arnPrefix + "iam::*:role/secops-*", arnPrefix + "iam::*:instance-profile/secops-*"}},
	{Sid: "Buckets", Why: "the secops buckets (their names start with the stack's) and their objects: the package, and what --delete-data empties",
		Actions:   []string{"s3:*"},
		Resources: []string{arnPrefix + "s3:::secops-*", arnPrefix + "s3:::secops-*/*"}},
	{Sid: "KeyUseForTheSecret", Why: "Secrets Manager encrypts the webhook with the secops key on the caller's behalf",
		Actions:   []string{"kms:GenerateDataKey", "kms:Decrypt"},
		Resources: []string{arnPrefix + "kms:*:*:key/*"},
		Condition: map[string]any{"StringLike": map[string]any{"kms:ViaService": "secretsmanager.*.amazonaws.com"}, "StringEquals": map[string]any{"aws:ResourceTag/secops:stack": StackSecurity}}},
	{Sid: "CreateKey", Why: "a new key has no name or tag to scope by before it exists",
		Actions:   []string{"kms:CreateKey"},
		Resources: []string{"*"}},
	{Sid: "SecopsKey", Why: "the key the security stack created (it carries the stack's tag)",
		Actions:   []string{"kms:*"},
		Resources: []string{arnPrefix + "kms:*:*:key/*"},
		Condition: map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/secops:stack": StackSecurity}}},
	{Sid: "SecopsKeyAlias", Why: "the key's alias, alias/secops",
		Actions:   []string{"kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"},
		Resources: []string{arnPrefix + "kms:*:*:alias/secops", arnPrefix + "kms:*:*:key/*"}},
	{Sid: "LogGroups", Why: "the stacks' log groups",
		Actions: []string{"logs:*"},
		Resources: []string{arnPrefix + "logs:*:*:log-group:/secops/*", arnPrefix + "logs:*:*:log-group:/aws/lambda/secops-*",
			arnPrefix + "logs:*:*:log-group:/aws/codebuild/secops-*"}},
	{Sid: "Trail", Why: "the secops trail",
		Actions:   []string{"cloudtrail:*"},
		Resources: []string{arnPrefix + "cloudtrail:*:*:trail/secops"}},
	{Sid: "Notifier", Why: "the notifier function, its permissions and invoke configuration",
		Actions:   []string{"lambda:*"},
		Resources: []string{arnPrefix + "lambda:*:*:function:secops-*"}},
	{Sid: "NotifierState", Why: "the notifier's secret, dedup table, failed-events queue, alarm topic and alarms",
		Actions: []string{"secretsmanager:*", "dynamodb:*", "sqs:*", "sns:*", "cloudwatch:*"},
		Resources: []string{arnPrefix + "secretsmanager:*:*:secret:secops-*", arnPrefix + "dynamodb:*:*:table/secops-*",
			arnPrefix + "sqs:*:*:secops-*", arnPrefix + "sns:*:*:secops-*", arnPrefix + "cloudwatch:*:*:alarm:secops-*"}},
	{Sid: "Rules", Why: "the stacks' EventBridge rules",
		Actions:   []string{"events:*"},
		Resources: []string{arnPrefix + "events:*:*:rule/secops-*"}},
	{Sid: "Pipeline", Why: "the image repositories, build projects and pipeline",
		Actions: []string{"ecr:*", "codebuild:*", "codepipeline:*"},
		Resources: []string{arnPrefix + "ecr:*:*:repository/secops-*", arnPrefix + "codebuild:*:*:project/secops-*",
			arnPrefix + "codepipeline:*:*:secops-*"}},
	{Sid: "PassConnection", Why: "hand your CodeConnections connection to the pipeline (its ARN is yours to choose)",
		Actions:   []string{"codeconnections:PassConnection", "codestar-connections:PassConnection"},
		Resources: []string{arnPrefix + "codeconnections:*:*:connection/*", arnPrefix + "codestar-connections:*:*:connection/*"},
		Condition: map[string]any{"StringEquals": map[string]any{"codeconnections:PassedToService": "codepipeline.amazonaws.com"}}},
	{Sid: "ScannerCreate", Why: "launching the scanner host touches the AMI, subnet and network interface, which are not secops's",
		Actions:   []string{"ec2:RunInstances", "ec2:CreateSecurityGroup", "ec2:CreateLaunchTemplate"},
		Resources: []string{"*"}},
	{Sid: "TagOnCreate", Why: "tags (the stack's, which the other EC2 statements go by) only as a resource is created, so no one can tag their way into them",
		Actions:   []string{"ec2:CreateTags"},
		Resources: []string{"*"},
		Condition: map[string]any{"StringEquals": map[string]any{"ec2:CreateAction": []string{"RunInstances", "CreateSecurityGroup", "CreateLaunchTemplate"}}}},
	{Sid: "ScannerResources", Why: "the scanner stack's instance, security group and launch template (they carry the stack's tag)",
		Actions:   []string{"ec2:*"},
		Resources: []string{"*"},
		Condition: map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/secops:stack": StackScanner}}},
	{Sid: "AMIParameter", Why: "the public parameter of the newest Amazon Linux 2023 AMI",
		Actions:   []string{"ssm:GetParameter"},
		Resources: []string{arnPrefix + "ssm:*::parameter/aws/service/ami-amazon-linux-latest/*"}},
}

// placeAction returns the scope that holds an action.
func placeAction(a string) (scope, bool) {
	service, _, _ := strings.Cut(a, ":")
	for _, s := range scopes {
		for _, x := range s.Actions {
			if x == a {
				return s, true
			}
		}
	}
	for _, s := range scopes {
		for _, x := range s.Actions {
			if x == service+":*" {
				return s, true
			}
		}
	}
	return scope{}, false
}

// policyStatement is one statement of an IAM policy document.
type policyStatement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Action    []string       `json:"Action"`
	Resource  any            `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

// deployerStatements places every required action in its scope.
func deployerStatements() ([]policyStatement, error) {
	byScope := map[string][]string{}
	for _, a := range RequiredActions() {
		s, ok := placeAction(a)
		if !ok {
			return nil, fmt.Errorf("action %s has no scope in permissions.go", a)
		}
		byScope[s.Sid] = append(byScope[s.Sid], a)
	}
	var out []policyStatement
	for _, s := range scopes {
		acts := byScope[s.Sid]
		if len(acts) == 0 {
			continue
		}
		var res any = s.Resources
		if len(s.Resources) == 1 {
			res = s.Resources[0]
		}
		out = append(out, policyStatement{Sid: s.Sid, Effect: "Allow", Action: acts, Resource: res, Condition: s.Condition})
	}
	return out, nil
}

// DeployerPolicy returns the IAM policy (JSON) a principal needs to run
// every secops bootstrap command: the calls secops makes and the calls
// CloudFormation makes with its credentials, each on the secops-* names
// the stacks use, and iam:PassRole only to the services the stacks hand
// roles to.
func DeployerPolicy() string {
	st, err := deployerStatements()
	if err != nil {
		panic(err) // static data; a test keeps it complete
	}
	return marshalPolicy(policyDocument{Version: "2012-10-17", Statement: st})
}

// RemoteScanPolicy is what `secops scan --remote` needs: find the scanner
// host in its stack and run secops on it, only it.
func RemoteScanPolicy() string {
	return marshalPolicy(policyDocument{Version: "2012-10-17", Statement: []policyStatement{
		{Sid: "FindTheHost", Effect: "Allow", Action: []string{"cloudformation:DescribeStacks", "cloudformation:ListStackResources"},
			Resource: arnPrefix + "cloudformation:*:*:stack/secops-scanner/*"},
		{Sid: "RunOnTheHost", Effect: "Allow", Action: []string{"ssm:SendCommand"},
			Resource:  []string{arnPrefix + "ssm:*::document/AWS-RunShellScript", arnPrefix + "ec2:*:*:instance/*"},
			Condition: map[string]any{"StringEquals": map[string]any{"ssm:resourceTag/secops:stack": StackScanner}}},
		{Sid: "ReadTheOutput", Effect: "Allow", Action: []string{"ssm:GetCommandInvocation"}, Resource: "*"},
	}})
}

func marshalPolicy(p policyDocument) string {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("marshal policy: %v", err)) // static data; cannot fail
	}
	return string(b)
}

// PermissionsMarkdown is the generated section of docs/bootstrap.md.
func PermissionsMarkdown() string {
	var b strings.Builder
	b.WriteString("Calls secops makes itself:\n\n| action | why |\n| --- | --- |\n")
	for _, a := range sortedActionKeys(directActions) {
		fmt.Fprintf(&b, "| `%s` | %s |\n", a, directActions[a])
	}
	b.WriteString("\nCalls CloudFormation makes with your credentials, per resource type:\n\n| resource type | actions |\n| --- | --- |\n")
	types := make([]string, 0, len(resourcePermissions))
	for t := range resourcePermissions {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		acts := append([]string(nil), resourcePermissions[t]...)
		sort.Strings(acts)
		fmt.Fprintf(&b, "| `%s` | %s |\n", t, "`"+strings.Join(acts, "`, `")+"`")
	}
	b.WriteString("\nWhere each group of actions is allowed:\n\n| statement | resources | why |\n| --- | --- | --- |\n")
	for _, s := range scopes {
		res := "`" + strings.Join(s.Resources, "`, `") + "`"
		if s.Condition != nil {
			c, _ := json.Marshal(s.Condition)
			res += " if `" + string(c) + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", s.Sid, res, s.Why)
	}
	b.WriteString("\nThe deployer policy:\n\n```json\n")
	b.WriteString(DeployerPolicy())
	b.WriteString("\n```\n\n`secops scan --remote` needs neither of those, only this:\n\n```json\n")
	b.WriteString(RemoteScanPolicy())
	b.WriteString("\n```\n")
	return b.String()
}

func sortedActionKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
