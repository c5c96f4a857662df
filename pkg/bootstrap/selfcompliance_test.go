package bootstrap

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// selfEvaluators judge one resource for one check, as the Config rule or
// the Security Hub control would once it is deployed: true passes.
var selfEvaluators = map[string]func(r *resolved, id string, p map[string]any) bool{
	"s3-bucket-logging-enabled / FSBP S3.9": func(_ *resolved, _ string, p map[string]any) bool { return p["LoggingConfiguration"] != nil },
	"s3-bucket-versioning-enabled": func(_ *resolved, _ string, p map[string]any) bool {
		return dig(p, "VersioningConfiguration", "Status") == "Enabled"
	},
	"s3-bucket-server-side-encryption-enabled": func(_ *resolved, _ string, p map[string]any) bool { return p["BucketEncryption"] != nil },
	"s3-bucket-ssl-requests-only / FSBP S3.5": func(r *resolved, id string, _ map[string]any) bool {
		for _, res := range r.Resources {
			props, _ := res["Properties"].(map[string]any)
			if res["Type"] != "AWS::S3::BucketPolicy" || props["Bucket"] != "ref:"+id {
				continue
			}
			for _, st := range dig(props, "PolicyDocument", "Statement").([]any) {
				st := st.(map[string]any)
				if st["Effect"] == "Deny" && fmt.Sprint(dig(st, "Condition", "Bool", "aws:SecureTransport")) == "false" {
					return true
				}
			}
		}
		return false
	},
	"s3-bucket-default-lock-enabled": func(_ *resolved, _ string, p map[string]any) bool { return p["ObjectLockEnabled"] == true },
	"s3-bucket-replication-enabled":  func(_ *resolved, _ string, p map[string]any) bool { return p["ReplicationConfiguration"] != nil },
	"s3-bucket-public-read-prohibited / s3-bucket-public-write-prohibited / FSBP S3.8": func(_ *resolved, _ string, p map[string]any) bool {
		b, _ := p["PublicAccessBlockConfiguration"].(map[string]any)
		return b["BlockPublicAcls"] == true && b["BlockPublicPolicy"] == true && b["IgnorePublicAcls"] == true && b["RestrictPublicBuckets"] == true
	},
	"FSBP S3.12 (no ACLs)": func(_ *resolved, _ string, p map[string]any) bool {
		return strings.Contains(fmt.Sprint(p["OwnershipControls"]), "BucketOwnerEnforced")
	},
	"FSBP S3.13 (lifecycle)":         func(_ *resolved, _ string, p map[string]any) bool { return p["LifecycleConfiguration"] != nil },
	"cloudwatch-log-group-encrypted": func(_ *resolved, _ string, p map[string]any) bool { return p["KmsKeyId"] != nil },
	"cw-loggroup-retention-period-check": func(_ *resolved, _ string, p map[string]any) bool {
		days, err := strconv.Atoi(fmt.Sprint(p["RetentionInDays"]))
		return err == nil && days >= 365
	},
	"lambda-concurrency-check": func(_ *resolved, _ string, p map[string]any) bool {
		// The pack's ConcurrencyLimitLow and ConcurrencyLimitHigh.
		n, err := strconv.Atoi(fmt.Sprint(p["ReservedConcurrentExecutions"]))
		return err == nil && n >= 500 && n <= 1000
	},
	"lambda-inside-vpc": func(_ *resolved, _ string, p map[string]any) bool { return p["VpcConfig"] != nil },
	"lambda-function-public-access-prohibited / FSBP Lambda.1": func(r *resolved, id string, _ map[string]any) bool {
		n := 0
		for _, res := range r.Resources {
			props, _ := res["Properties"].(map[string]any)
			if res["Type"] != "AWS::Lambda::Permission" || props["FunctionName"] != "ref:"+id {
				continue
			}
			n++
			if props["SourceArn"] == nil || props["SourceAccount"] == nil || props["Principal"] == "*" {
				return false
			}
		}
		return n > 0
	},
	"FSBP Lambda.2 (supported runtime)": func(_ *resolved, _ string, p map[string]any) bool { return p["Runtime"] == "provided.al2023" },
	"dynamodb-table-encrypted-kms": func(_ *resolved, _ string, p map[string]any) bool {
		return dig(p, "SSESpecification", "SSEEnabled") == true
	},
	"dynamodb-autoscaling-enabled": func(_ *resolved, _ string, p map[string]any) bool { return p["BillingMode"] == "PAY_PER_REQUEST" },
	"dynamodb-in-backup-plan":      func(*resolved, string, map[string]any) bool { return false }, // no AWS Backup plan
	"FSBP DynamoDB.2 (point-in-time recovery)": func(_ *resolved, _ string, p map[string]any) bool {
		return dig(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") == true
	},
	"FSBP DynamoDB.6 (deletion protection)": func(_ *resolved, _ string, p map[string]any) bool { return p["DeletionProtectionEnabled"] == true },
	"secretsmanager-using-cmk":              func(_ *resolved, _ string, p map[string]any) bool { return p["KmsKeyId"] != nil },
	"FSBP SecretsManager.1 (automatic rotation)": func(r *resolved, _ string, _ map[string]any) bool {
		return hasType(r, "AWS::SecretsManager::RotationSchedule")
	},
	"sns-encrypted-kms": func(_ *resolved, _ string, p map[string]any) bool { return p["KmsMasterKeyId"] != nil },
	"FSBP SQS.1 (encrypted at rest)": func(_ *resolved, _ string, p map[string]any) bool {
		return p["SqsManagedSseEnabled"] == true || p["KmsMasterKeyId"] != nil
	},
	"cloudwatch-alarm-action-check": func(_ *resolved, _ string, p map[string]any) bool {
		// The pack's parameters: alarm and insufficient-data actions required.
		a, _ := p["AlarmActions"].([]any)
		i, _ := p["InsufficientDataActions"].([]any)
		return len(a) > 0 && len(i) > 0
	},
	"cmk-backing-key-rotation-enabled / FSBP KMS.4": func(_ *resolved, _ string, p map[string]any) bool { return p["EnableKeyRotation"] == true },
	"cloudtrail-enabled / multi-region-cloudtrail-enabled / cloudtrail-security-trail-enabled / FSBP CloudTrail.1": func(_ *resolved, _ string, p map[string]any) bool {
		mgmt := false
		for _, s := range p["EventSelectors"].([]any) {
			s := s.(map[string]any)
			mgmt = mgmt || s["IncludeManagementEvents"] == true && s["ReadWriteType"] == "All"
		}
		return p["IsLogging"] == true && p["IsMultiRegionTrail"] == true && p["IncludeGlobalServiceEvents"] == true && mgmt
	},
	"cloud-trail-encryption-enabled / FSBP CloudTrail.2":          func(_ *resolved, _ string, p map[string]any) bool { return p["KMSKeyId"] != nil },
	"cloud-trail-log-file-validation-enabled / FSBP CloudTrail.4": func(_ *resolved, _ string, p map[string]any) bool { return p["EnableLogFileValidation"] == true },
	"cloud-trail-cloud-watch-logs-enabled / FSBP CloudTrail.5": func(_ *resolved, _ string, p map[string]any) bool {
		return p["CloudWatchLogsLogGroupArn"] != nil && p["CloudWatchLogsRoleArn"] != nil
	},
	"cloudtrail-s3-dataevents-enabled": func(_ *resolved, _ string, p map[string]any) bool {
		return strings.Contains(fmt.Sprint(p["EventSelectors"]), "AWS::S3::Object")
	},
	"codebuild-project-envvar-awscred-check / FSBP CodeBuild.2": func(_ *resolved, _ string, p map[string]any) bool {
		for _, v := range dig(p, "Environment", "EnvironmentVariables").([]any) {
			if n := v.(map[string]any)["Name"]; n == "AWS_ACCESS_KEY_ID" || n == "AWS_SECRET_ACCESS_KEY" {
				return false
			}
		}
		return true
	},
	"FSBP CodeBuild.4 (logging)": func(_ *resolved, _ string, p map[string]any) bool {
		return dig(p, "LogsConfig", "CloudWatchLogs", "Status") == "ENABLED"
	},
	"FSBP CodeBuild.5 (no privileged mode)": func(_ *resolved, _ string, p map[string]any) bool {
		return dig(p, "Environment", "PrivilegedMode") != true
	},
	"ec2-instance-no-public-ip / FSBP EC2.9": func(_ *resolved, _ string, p map[string]any) bool {
		return !strings.Contains(fmt.Sprint(p["NetworkInterfaces"]), "AssociatePublicIpAddress:true")
	},
	"ec2-instance-detailed-monitoring-enabled": func(_ *resolved, _ string, p map[string]any) bool { return p["Monitoring"] == true },
	"ec2-instance-profile-attached":            func(_ *resolved, _ string, p map[string]any) bool { return p["IamInstanceProfile"] != nil },
	"ec2-instance-managed-by-systems-manager / FSBP SSM.1": func(r *resolved, _ string, p map[string]any) bool {
		profile := r.Resources[strings.TrimPrefix(fmt.Sprint(p["IamInstanceProfile"]), "ref:")]
		for _, role := range dig(profile["Properties"].(map[string]any), "Roles").([]any) {
			arns := fmt.Sprint(dig(r.Resources[strings.TrimPrefix(role.(string), "ref:")]["Properties"].(map[string]any), "ManagedPolicyArns"))
			if strings.Contains(arns, "AmazonSSMManagedInstanceCore") {
				return true
			}
		}
		return false
	},
	"ec2-resources-protected-by-backup-plan / ebs-in-backup-plan": func(*resolved, string, map[string]any) bool { return false },
	"FSBP EC2.8 (IMDSv2)": func(_ *resolved, _ string, p map[string]any) bool {
		return dig(p, "LaunchTemplateData", "MetadataOptions", "HttpTokens") == "required"
	},
	"encrypted-volumes / ec2-volume-inuse-check": func(_ *resolved, _ string, p map[string]any) bool {
		for _, m := range dig(p, "LaunchTemplateData", "BlockDeviceMappings").([]any) {
			ebs := m.(map[string]any)["Ebs"].(map[string]any)
			if ebs["Encrypted"] != true || ebs["DeleteOnTermination"] != true {
				return false
			}
		}
		return true
	},
	"restricted-ssh / restricted-common-ports / vpc-sg-open-only-to-authorized-ports": func(_ *resolved, _ string, p map[string]any) bool {
		return p["SecurityGroupIngress"] == nil
	},
	"ecr-private-image-scanning-enabled / FSBP ECR.1": func(_ *resolved, _ string, p map[string]any) bool {
		return dig(p, "ImageScanningConfiguration", "ScanOnPush") == true
	},
	"FSBP ECR.2 (immutable tags) / FSBP ECR.3 (lifecycle policy)": func(_ *resolved, _ string, p map[string]any) bool {
		return p["ImageTagMutability"] == "IMMUTABLE" && p["LifecyclePolicy"] != nil
	},
	"FSBP Config.1 (service-linked role)": func(_ *resolved, _ string, p map[string]any) bool {
		return strings.HasSuffix(fmt.Sprint(p["RoleARN"]), "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig")
	},
	"guardduty-enabled-centralized / guardduty-malware-protection-enabled": func(_ *resolved, _ string, p map[string]any) bool {
		return p["Enable"] == true && strings.Contains(fmt.Sprint(p["Features"]), "Name:EBS_MALWARE_PROTECTION Status:ENABLED")
	},
	"iam-inline-policy-blocked-kms-actions / iam-policy-no-statements-with-admin-access / iam-policy-no-statements-with-full-access": func(_ *resolved, _ string, p map[string]any) bool {
		policies, _ := p["Policies"].([]any)
		for _, pol := range policies {
			for _, st := range dig(pol.(map[string]any), "PolicyDocument", "Statement").([]any) {
				st := st.(map[string]any)
				if st["Effect"] != "Allow" {
					continue
				}
				res := fmt.Sprint(st["Resource"])
				for _, a := range strings.Fields(strings.Trim(fmt.Sprint(st["Action"]), "[]")) {
					if a == "*" || strings.HasSuffix(a, ":*") {
						return false
					}
					if (a == "kms:Decrypt" || a == "kms:ReEncryptFrom") && res == "*" {
						return false
					}
				}
			}
		}
		return true
	},
}

// dig walks nested maps.
func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func hasType(r *resolved, typ string) bool {
	for _, res := range r.Resources {
		if res["Type"] == typ {
			return true
		}
	}
	return false
}

// TestSelfCompliance evaluates every check on every resource it applies
// to, in the stacks as apply deploys them by default (and the scanner in
// the default VPC): what fails must be exactly the documented exceptions,
// so the list in docs/bootstrap.md cannot go stale either way.
func TestSelfCompliance(t *testing.T) {
	if len(selfEvaluators) != len(selfChecks) {
		t.Errorf("%d checks, %d evaluators", len(selfChecks), len(selfEvaluators))
	}
	type key struct{ check, stack, resource, when string }
	failing := map[key]bool{}
	evaluated := map[string]int{}
	runs := []struct {
		stack, when string
		params      map[string]string
	}{
		{StackSecurity, "", nil},
		{StackCompliance, "", nil},
		{StackAlerts, "", nil},
		{StackPipeline, "", nil},
		{StackScanner, "", nil},
		{StackScanner, "in the default VPC (no --subnet-id)", map[string]string{"AssociatePublicIp": "true"}},
	}
	for _, run := range runs {
		r := resolveStack(t, run.stack, run.params)
		for _, c := range selfChecks {
			eval, ok := selfEvaluators[c.Name]
			if !ok {
				t.Fatalf("no evaluator for %s", c.Name)
			}
			for _, id := range sortedKeys(r.Resources) {
				res := r.Resources[id]
				if !containsString(c.Types, res["Type"].(string)) {
					continue
				}
				evaluated[c.Name]++
				props, _ := res["Properties"].(map[string]any)
				if !eval(r, id, props) {
					failing[key{c.Name, run.stack, id, run.when}] = true
				}
			}
		}
	}
	for _, c := range selfChecks {
		if evaluated[c.Name] == 0 {
			t.Errorf("%s judged no resource", c.Name)
		}
	}
	documented := map[key]bool{}
	for _, e := range selfExceptions {
		documented[key{e.Check, e.Stack, e.Resource, e.When}] = true
	}
	var undocumented, stale []string
	for k := range failing {
		// A failure with the defaults also fails in the default VPC run.
		if k.when != "" && failing[key{k.check, k.stack, k.resource, ""}] {
			continue
		}
		if !documented[k] {
			undocumented = append(undocumented, fmt.Sprintf("%s %s %s %s", k.check, k.stack, k.resource, k.when))
		}
	}
	for k := range documented {
		if !failing[k] {
			stale = append(stale, fmt.Sprintf("%s %s %s %s", k.check, k.stack, k.resource, k.when))
		}
	}
	sort.Strings(undocumented)
	sort.Strings(stale)
	if len(undocumented) > 0 {
		t.Errorf("failing but not in selfExceptions:\n%s", strings.Join(undocumented, "\n"))
	}
	if len(stale) > 0 {
		t.Errorf("in selfExceptions but passing:\n%s", strings.Join(stale, "\n"))
	}
	const begin = "<!-- BEGIN GENERATED: secops bootstrap self-compliance (go test ./pkg/bootstrap -update) -->\n"
	if generatedSection(t, begin, SelfComplianceMarkdown()) != SelfComplianceMarkdown() {
		t.Errorf("%s self-compliance section is stale; run go test ./pkg/bootstrap -run TestSelfCompliance -update", docPath)
	}
}
