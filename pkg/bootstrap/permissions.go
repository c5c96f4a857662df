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
	"AWS::S3::Bucket":                    {"s3:CreateBucket", "s3:DeleteBucket", "s3:PutEncryptionConfiguration", "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:PutBucketTagging", "s3:GetBucketTagging"},
	"AWS::S3::BucketPolicy":              {"s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"},
	"AWS::IAM::Role":                     {"iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:TagRole", "iam:UntagRole", "iam:PassRole"},
	"AWS::IAM::InstanceProfile":          {"iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"},
	"AWS::Config::ConfigurationRecorder": {"config:PutConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus", "config:StartConfigurationRecorder", "config:StopConfigurationRecorder"},
	"AWS::Config::DeliveryChannel":       {"config:PutDeliveryChannel", "config:DeleteDeliveryChannel", "config:DescribeDeliveryChannels"},
	"AWS::Config::ConformancePack":       {"config:PutConformancePack", "config:DeleteConformancePack", "config:DescribeConformancePacks", "config:DescribeConformancePackStatus", "config:PutConfigRule", "config:DeleteConfigRule", "config:DescribeConfigRules", "iam:CreateServiceLinkedRole"},
	"AWS::SecretsManager::Secret":        {"secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:TagResource", "secretsmanager:UntagResource"},
	"AWS::Logs::LogGroup":                {"logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DescribeLogGroups", "logs:PutRetentionPolicy", "logs:TagResource", "logs:UntagResource"},
	"AWS::Lambda::Function":              {"lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags", "s3:GetObject"},
	"AWS::Lambda::Permission":            {"lambda:AddPermission", "lambda:RemovePermission"},
	"AWS::Events::Rule":                  {"events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource", "events:UntagResource"},
	"AWS::ECR::Repository":               {"ecr:CreateRepository", "ecr:DeleteRepository", "ecr:DescribeRepositories", "ecr:PutLifecyclePolicy", "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", "ecr:PutEncryptionConfiguration", "ecr:TagResource", "ecr:UntagResource"},
	"AWS::CodeBuild::Project":            {"codebuild:CreateProject", "codebuild:UpdateProject", "codebuild:DeleteProject", "codebuild:BatchGetProjects"},
	"AWS::CodePipeline::Pipeline":        {"codepipeline:CreatePipeline", "codepipeline:UpdatePipeline", "codepipeline:DeletePipeline", "codepipeline:GetPipeline", "codepipeline:GetPipelineState", "codepipeline:TagResource", "codepipeline:UntagResource", "codeconnections:PassConnection", "codestar-connections:PassConnection"},
	"AWS::EC2::SecurityGroup":            {"ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:DescribeSecurityGroups", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:DescribeVpcs", "ec2:CreateTags"},
	"AWS::EC2::LaunchTemplate":           {"ec2:CreateLaunchTemplate", "ec2:DeleteLaunchTemplate", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions", "ec2:CreateLaunchTemplateVersion", "ec2:CreateTags"},
	"AWS::KMS::Key":                      {"kms:CreateKey", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion"},
	"AWS::KMS::Alias":                    {"kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:ListAliases"},
	"AWS::CloudTrail::Trail":             {"cloudtrail:CreateTrail", "cloudtrail:UpdateTrail", "cloudtrail:DeleteTrail", "cloudtrail:StartLogging", "cloudtrail:StopLogging", "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "cloudtrail:PutEventSelectors", "cloudtrail:AddTags", "cloudtrail:RemoveTags", "cloudtrail:ListTags", "iam:GetRole", "iam:PassRole"},
	"AWS::DynamoDB::Table":               {"dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable", "dynamodb:DescribeTimeToLive", "dynamodb:UpdateTimeToLive", "dynamodb:DescribeContinuousBackups", "dynamodb:UpdateContinuousBackups", "dynamodb:TagResource", "dynamodb:UntagResource", "dynamodb:ListTagsOfResource"},
	"AWS::SQS::Queue":                    {"sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:GetQueueUrl", "sqs:TagQueue", "sqs:UntagQueue", "sqs:ListQueueTags"},
	"AWS::SNS::Topic":                    {"sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource"},
	"AWS::SNS::Subscription":             {"sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes"},
	"AWS::CloudWatch::Alarm":             {"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"},
	"AWS::Lambda::EventInvokeConfig":     {"lambda:PutFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig", "lambda:GetFunctionEventInvokeConfig"},
	"AWS::EC2::Instance":                 {"ec2:RunInstances", "ec2:TerminateInstances", "ec2:DescribeInstances", "ec2:CreateTags", "ssm:GetParameters"},
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

// directActions are the AWS API calls secops itself makes while running
// bootstrap (not through CloudFormation), with the reason. A test keeps this
// list equal to the methods of the package's narrow AWS interfaces.
var directActions = map[string]string{
	"cloudformation:CreateChangeSet":                   "plan and apply: compute what would change",
	"cloudformation:DescribeChangeSet":                 "plan and apply: wait for and read the change set",
	"cloudformation:ExecuteChangeSet":                  "apply: deploy the change set",
	"cloudformation:DeleteChangeSet":                   "plan: discard the change set; apply: discard an empty one",
	"cloudformation:DescribeStacks":                    "every command: stack state and outputs",
	"cloudformation:DescribeStackEvents":               "apply and destroy: live progress and failure reasons",
	"cloudformation:DeleteStack":                       "destroy; plan: remove the placeholder of a never-created stack",
	"cloudformation:ListStackResources":                "destroy: list the data buckets it keeps or deletes; apply: find the artifacts bucket",
	"cloudformation:DetectStackDrift":                  "status: start drift detection",
	"cloudformation:DescribeStackDriftDetectionStatus": "status: read the drift result",
	"s3:PutObject":                                     "apply: upload the notifier and secops package",
	"s3:ListBucket":                                    "apply: skip an upload that is already there (HeadObject)",
	"s3:GetObject":                                     "apply: HeadObject on the package before uploading",
	"s3:ListBucketVersions":                            "destroy --delete-data: empty the versioned data buckets",
	"s3:DeleteObject":                                  "destroy --delete-data: empty the data buckets",
	"s3:DeleteObjectVersion":                           "destroy --delete-data: empty the versioned data buckets",
	"s3:DeleteBucket":                                  "destroy --delete-data: delete the emptied data buckets",
	"cloudformation:ListStacks":                        "destroy --delete-data: find the data earlier destroys kept (deleted stacks)",
	"inspector2:BatchGetAccountStatus":                 "apply: see whether Inspector already scans; destroy: whether to ask about turning it off",
	"inspector2:Enable":                                "apply: turn on Inspector for ECR, EC2 and Lambda",
	"inspector2:Disable":                               "destroy --disable-inspector: turn those scans off again",
	"iam:CreateServiceLinkedRole":                      "apply: the AWS Config recorder's service-linked role; Inspector creates its own on first Enable",
	"ecr:DeleteRepository":                             "destroy --delete-data: delete the kept image repositories",
	"kms:ScheduleKeyDeletion":                          "destroy --delete-data: schedule the kept key for deletion (7 days)",
	"ssm:GetParameter":                                 "apply: the newest Amazon Linux 2023 AMI for a new scanner host",
	"ec2:DescribeSubnets":                              "apply: the scanner's subnet and its VPC (the default VPC's when none is given)",
	"sts:GetCallerIdentity":                            "apply: the account id Inspector is enabled for",
	"ssm:SendCommand":                                  "scan --remote: run secops on the scanner host",
	"ssm:GetCommandInvocation":                         "scan --remote: stream the output back",
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

// DeployerPolicy returns the IAM policy (JSON) a principal needs to run
// every secops bootstrap command. CloudFormation actions are limited to the
// secops-* stacks; the resource actions cannot be narrowed by name because
// CloudFormation generates most physical names. iam:PassRole is limited to
// the services the stacks hand roles to.
func DeployerPolicy() string {
	var cfn, pass, rest []string
	for _, a := range RequiredActions() {
		switch {
		case strings.HasPrefix(a, "cloudformation:"):
			cfn = append(cfn, a)
		case a == "iam:PassRole":
			pass = append(pass, a)
		default:
			rest = append(rest, a)
		}
	}
	type statement struct {
		Sid       string         `json:"Sid"`
		Effect    string         `json:"Effect"`
		Action    []string       `json:"Action"`
		Resource  any            `json:"Resource"`
		Condition map[string]any `json:"Condition,omitempty"`
	}
	policy := struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{
		Version: "2012-10-17",
		Statement: []statement{
			{Sid: "SecopsStacks", Effect: "Allow", Action: cfn, Resource: []string{
				"arn:aws:cloudformation:*:*:stack/" + StackNamePrefix + "*/*",
				"arn:aws:cloudformation:*:*:changeSet/" + StackNamePrefix + "*/*",
			}},
			{Sid: "StackResources", Effect: "Allow", Action: rest, Resource: "*"},
			{Sid: "PassStackRoles", Effect: "Allow", Action: pass, Resource: "*", Condition: map[string]any{
				"StringEquals": map[string]any{"iam:PassedToService": []string{
					"codebuild.amazonaws.com", "codepipeline.amazonaws.com", "config.amazonaws.com",
					"ec2.amazonaws.com", "lambda.amazonaws.com",
				}},
			}},
		},
	}
	b, err := json.MarshalIndent(policy, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("marshal deployer policy: %v", err)) // static data; cannot fail
	}
	return string(b)
}

// PermissionsMarkdown is the generated section of docs/bootstrap.md.
func PermissionsMarkdown() string {
	var b strings.Builder
	b.WriteString("Calls secops makes itself:\n\n| action | why |\n| --- | --- |\n")
	keys := make([]string, 0, len(directActions))
	for a := range directActions {
		keys = append(keys, a)
	}
	sort.Strings(keys)
	for _, a := range keys {
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
	b.WriteString("\nThe whole policy:\n\n```json\n")
	b.WriteString(DeployerPolicy())
	b.WriteString("\n```\n")
	return b.String()
}
