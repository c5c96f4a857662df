package bootstrap

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// allows evaluates an IAM policy's Allow statements for one request: the
// action, the resource ARN and the condition keys the request carries.
// A condition on a key the request lacks does not hold.
func allows(doc policyDocument, action, arn string, keys map[string]string) bool {
	for _, st := range doc.Statement {
		if st.Effect != "Allow" || !containsString(st.Action, action) || !matchesAny(st.Resource, arn) {
			continue
		}
		if conditionHolds(st.Condition, keys) {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func matchesAny(resource any, arn string) bool {
	var list []string
	switch r := resource.(type) {
	case string:
		list = []string{r}
	case []string:
		list = r
	case []any:
		for _, x := range r {
			list = append(list, fmt.Sprint(x))
		}
	}
	for _, p := range list {
		if globMatch(p, arn) {
			return true
		}
	}
	return false
}

// globMatch is IAM's resource matching: * any run of characters, ? one.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && globMatch(pattern[1:], s[1:])
}

func conditionHolds(cond map[string]any, keys map[string]string) bool {
	for op, m := range cond {
		for key, want := range m.(map[string]any) {
			got, ok := keys[key]
			if !ok {
				return false
			}
			var values []string
			switch w := want.(type) {
			case string:
				values = []string{w}
			case []string:
				values = w
			case []any:
				for _, x := range w {
					values = append(values, fmt.Sprint(x))
				}
			}
			match := false
			for _, v := range values {
				switch op {
				case "StringEquals", "ArnEquals":
					match = match || got == v
				case "StringLike", "ArnLike":
					match = match || globMatch(v, got)
				default:
					return false
				}
			}
			if !match {
				return false
			}
		}
	}
	return true
}

// generatedName is what CloudFormation names a resource without a name:
// the stack name, the logical id and a random suffix (lower case where the
// service wants it).
func generatedName(stack, logical string, lower bool) string {
	n := CloudFormationName(stack) + "-" + logical + "-1A2B3C4D5E6F"
	if lower {
		n = strings.ToLower(n)
	}
	return n
}

// resourceARN is the ARN and the condition keys of a resolved resource,
// with the name it declares or the one CloudFormation generates.
func resourceARN(t *testing.T, r *resolved, stack, logical string) (string, map[string]string) {
	res := r.Resources[logical]
	props, _ := res["Properties"].(map[string]any)
	str := func(k string) string { s, _ := props[k].(string); return s }
	keys := map[string]string{"aws:ResourceTag/secops:stack": stack}
	const region, account = "us-east-1", testAccount
	switch res["Type"] {
	case "AWS::S3::Bucket":
		return "arn:aws:s3:::" + generatedName(stack, logical, true), keys
	case "AWS::S3::BucketPolicy":
		return resourceARN(t, r, stack, strings.TrimPrefix(str("Bucket"), "ref:"))
	case "AWS::IAM::Role":
		return "arn:aws:iam::" + account + ":role/" + generatedName(stack, logical, false), keys
	case "AWS::IAM::InstanceProfile":
		return "arn:aws:iam::" + account + ":instance-profile/" + generatedName(stack, logical, false), keys
	case "AWS::Lambda::Function":
		return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, str("FunctionName")), keys
	case "AWS::Lambda::Permission", "AWS::Lambda::EventInvokeConfig":
		return resourceARN(t, r, stack, strings.TrimPrefix(str("FunctionName"), "ref:"))
	case "AWS::Logs::LogGroup":
		return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, account, str("LogGroupName")), keys
	case "AWS::Events::Rule":
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", region, account, str("Name")), keys
	case "AWS::SecretsManager::Secret":
		return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf", region, account, str("Name")), keys
	case "AWS::DynamoDB::Table":
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, str("TableName")), keys
	case "AWS::SQS::Queue":
		return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, account, str("QueueName")), keys
	case "AWS::SNS::Topic":
		return fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, account, str("TopicName")), keys
	case "AWS::SNS::Subscription":
		return resourceARN(t, r, stack, strings.TrimPrefix(str("TopicArn"), "ref:"))
	case "AWS::CloudWatch::Alarm":
		return fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, account, str("AlarmName")), keys
	case "AWS::CloudTrail::Trail":
		return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", region, account, str("TrailName")), keys
	case "AWS::KMS::Key":
		return fmt.Sprintf("arn:aws:kms:%s:%s:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", region, account), keys
	case "AWS::KMS::Alias":
		return fmt.Sprintf("arn:aws:kms:%s:%s:%s", region, account, str("AliasName")), keys
	case "AWS::ECR::Repository":
		return fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", region, account, generatedName(stack, logical, true)), keys
	case "AWS::CodeBuild::Project":
		return fmt.Sprintf("arn:aws:codebuild:%s:%s:project/%s", region, account, str("Name")), keys
	case "AWS::CodePipeline::Pipeline":
		return fmt.Sprintf("arn:aws:codepipeline:%s:%s:%s", region, account, str("Name")), keys
	case "AWS::EC2::Instance":
		return fmt.Sprintf("arn:aws:ec2:%s:%s:instance/i-0123456789abcdef0", region, account), keys
	case "AWS::EC2::SecurityGroup":
		return fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/sg-0123456789abcdef0", region, account), keys
	case "AWS::EC2::LaunchTemplate":
		return fmt.Sprintf("arn:aws:ec2:%s:%s:launch-template/lt-0123456789abcdef0", region, account), keys
	}
	// Account-level services (Security Hub, GuardDuty, Config) have no
	// secops name.
	return "arn:aws:" + strings.ToLower(strings.Split(res["Type"].(string), "::")[1]) + ":" + region + ":" + account + ":*", keys
}

// TestDeployerPolicyAllowsWhatTheStacksDo evaluates the generated policy
// against every call CloudFormation makes for every resource of every
// stack, on the resource's own ARN (its declared name, or the one
// CloudFormation generates from the stack's name), and against the calls
// secops makes itself: scoping to secops-* names must not cut anything
// apply or destroy needs. iam:PassRole is checked for each role a
// resource hands to a service, with that service.
func TestDeployerPolicyAllowsWhatTheStacksDo(t *testing.T) {
	var doc policyDocument
	if err := json.Unmarshal([]byte(DeployerPolicy()), &doc); err != nil {
		t.Fatal(err)
	}
	check := func(what, action, arn string, keys map[string]string) {
		t.Helper()
		if !allows(doc, action, arn, keys) {
			t.Errorf("%s: the policy does not allow %s on %s (%v)", what, action, arn, keys)
		}
	}
	for _, s := range Stacks().All() {
		for _, variant := range append([]map[string]string{nil}, s.Variants...) {
			r := resolveStack(t, s.Name, variant)
			for _, logical := range sortedKeys(r.Resources) {
				typ := r.Resources[logical]["Type"].(string)
				arn, keys := resourceARN(t, r, s.Name, logical)
				for _, a := range resourcePermissions[typ] {
					what := s.Name + " " + logical
					switch {
					case a == "iam:PassRole":
						continue // below, with the service it is passed to
					case a == "iam:CreateServiceLinkedRole":
						service := map[string]string{"AWS::GuardDuty::Detector": "guardduty.amazonaws.com", "AWS::Config::ConformancePack": "config-conforms.amazonaws.com"}[typ]
						check(what, a, "arn:aws:iam::"+testAccount+":role/aws-service-role/"+service+"/AWSServiceRole", map[string]string{"iam:AWSServiceName": service})
					case typ == "AWS::Lambda::Function" && a == "s3:GetObject":
						check(what, a, "arn:aws:s3:::"+r.Parameters["ArtifactsBucket"]+"/"+r.Parameters["SecopsPackageKey"], nil)
					case typ == "AWS::SecretsManager::Secret" && strings.HasPrefix(a, "kms:"):
						check(what, a, r.Parameters["LogsKeyArn"], map[string]string{"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "aws:ResourceTag/secops:stack": StackSecurity})
					case strings.HasSuffix(a, ":PassConnection"):
						check(what, a, "arn:aws:codeconnections:us-east-1:"+testAccount+":connection/0f9e8d7c-6b5a-4321-9876-543210fedcba", map[string]string{"codeconnections:PassedToService": "codepipeline.amazonaws.com"})
					case a == "ec2:CreateSecurityGroup" || a == "ec2:CreateLaunchTemplate" || a == "ec2:RunInstances" || a == "kms:CreateKey":
						check(what, a, arn, nil) // before the resource exists: no tag to go by
					case a == "ec2:CreateTags":
						check(what, a, arn, map[string]string{"ec2:CreateAction": "RunInstances"})
					case typ == "AWS::CloudTrail::Trail" && a == "iam:GetRole":
						roleARN, _ := resourceARN(t, r, s.Name, "TrailLogsRole")
						check(what, a, roleARN, nil)
					case a == "iam:AttachRolePolicy" || a == "iam:DetachRolePolicy":
						check(what, a, arn, map[string]string{"iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"})
					default:
						check(what, a, arn, keys)
					}
				}
				// Roles handed to a service: the role's own trust says which.
				for _, ref := range roleRefs(r.Resources[logical]["Properties"]) {
					role, ok := r.Resources[ref]
					if !ok || role["Type"] != "AWS::IAM::Role" {
						continue
					}
					service := trustedService(role)
					roleARN, _ := resourceARN(t, r, s.Name, ref)
					check(s.Name+" "+logical+" passes "+ref, "iam:PassRole", roleARN, map[string]string{"iam:PassedToService": service})
				}
			}
		}
	}
	// The Config recorder runs on its service-linked role.
	check("ConfigRecorder", "iam:PassRole", "arn:aws:iam::"+testAccount+":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig", map[string]string{"iam:PassedToService": "config.amazonaws.com"})

	// The calls secops makes itself.
	stackARN := "arn:aws:cloudformation:us-east-1:" + testAccount + ":stack/secops-alerts/1d0a4b30-5f2e-11ef-9c3a-0a1b2c3d4e5f"
	bucket := "arn:aws:s3:::secops-security-artifactsbucket-1a2b3c4d5e6f"
	targets := map[string][2]any{
		"cloudformation:CreateChangeSet":   {"arn:aws:cloudformation:us-east-1:" + testAccount + ":changeSet/secops-1733650000000000000/0f1e2d3c", nil},
		"s3:PutObject":                     {bucket + "/packages/secops-linux-amd64-0123456789abcdef.zip", nil},
		"s3:GetObject":                     {bucket + "/packages/secops-linux-amd64-0123456789abcdef.zip", nil},
		"s3:ListBucket":                    {bucket, nil},
		"s3:ListBucketVersions":            {bucket, nil},
		"s3:DeleteObject":                  {bucket + "/AWSLogs/123456789012/CloudTrail/x.json.gz", nil},
		"s3:DeleteObjectVersion":           {bucket + "/AWSLogs/123456789012/CloudTrail/x.json.gz", nil},
		"s3:DeleteBucket":                  {bucket, nil},
		"ecr:DeleteRepository":             {"arn:aws:ecr:us-east-1:" + testAccount + ":repository/secops-pipeline-imagerepository-1a2b3c4d5e6f", nil},
		"kms:ScheduleKeyDeletion":          {"arn:aws:kms:us-east-1:" + testAccount + ":key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", map[string]string{"aws:ResourceTag/secops:stack": StackSecurity}},
		"iam:CreateServiceLinkedRole":      {"arn:aws:iam::" + testAccount + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig", map[string]string{"iam:AWSServiceName": "config.amazonaws.com"}},
		"ssm:GetParameter":                 {"arn:aws:ssm:us-east-1::parameter" + scannerAMIParameter, nil},
		"inspector2:Enable":                {"*", nil},
		"inspector2:Disable":               {"*", nil},
		"inspector2:BatchGetAccountStatus": {"*", nil},
		"sts:GetCallerIdentity":            {"*", nil},
		"ec2:DescribeSubnets":              {"*", nil},
		"cloudformation:ListStacks":        {"*", nil},
	}
	for _, a := range sortedKeys(directActions) {
		target, ok := targets[a]
		if !ok {
			target = [2]any{stackARN, nil}
		}
		keys, _ := target[1].(map[string]string)
		check("secops "+a, a, target[0].(string), keys)
	}
	// And nothing beyond the secops names: another account's bucket, another
	// stack, a role that is not secops's, a key without the secops tag.
	for _, deny := range []struct {
		action, arn string
		keys        map[string]string
	}{
		{"s3:DeleteBucket", "arn:aws:s3:::payroll-archive", nil},
		{"s3:PutObject", "arn:aws:s3:::payroll-archive/x", nil},
		{"cloudformation:DeleteStack", "arn:aws:cloudformation:us-east-1:" + testAccount + ":stack/payroll/1", nil},
		{"iam:PutRolePolicy", "arn:aws:iam::" + testAccount + ":role/Admin", nil},
		{"iam:PassRole", "arn:aws:iam::" + testAccount + ":role/Admin", map[string]string{"iam:PassedToService": "lambda.amazonaws.com"}},
		{"iam:PassRole", "arn:aws:iam::" + testAccount + ":role/secops-alerts-NotifierRole-1A2B", map[string]string{"iam:PassedToService": "sagemaker.amazonaws.com"}},
		{"iam:AttachRolePolicy", "arn:aws:iam::" + testAccount + ":role/secops-scanner-ScannerRole-1A2B", map[string]string{"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}},
		{"iam:CreateServiceLinkedRole", "arn:aws:iam::" + testAccount + ":role/aws-service-role/x", map[string]string{"iam:AWSServiceName": "eks.amazonaws.com"}},
		{"kms:ScheduleKeyDeletion", "arn:aws:kms:us-east-1:" + testAccount + ":key/other", map[string]string{"aws:ResourceTag/secops:stack": ""}},
		{"kms:PutKeyPolicy", "arn:aws:kms:us-east-1:" + testAccount + ":key/other", nil},
		{"ec2:TerminateInstances", "arn:aws:ec2:us-east-1:" + testAccount + ":instance/i-1", map[string]string{"aws:ResourceTag/secops:stack": ""}},
		{"ec2:CreateTags", "arn:aws:ec2:us-east-1:" + testAccount + ":instance/i-1", map[string]string{"ec2:CreateAction": ""}},
		{"lambda:UpdateFunctionCode", "arn:aws:lambda:us-east-1:" + testAccount + ":function:payments", nil},
	} {
		if allows(doc, deny.action, deny.arn, deny.keys) {
			t.Errorf("the policy allows %s on %s (%v)", deny.action, deny.arn, deny.keys)
		}
	}
}

// roleRefs finds the roles a resource's properties refer to ("<Role>.Arn"
// from a GetAtt, or a Ref to an instance profile's role).
func roleRefs(props any) []string {
	var out []string
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(e, k)
			}
		case []any:
			for _, e := range x {
				walk(e, key)
			}
		case string:
			if strings.HasSuffix(x, ".Arn") && (strings.Contains(key, "Role") || key == "RoleARN") {
				out = append(out, strings.TrimSuffix(x, ".Arn"))
			}
			if strings.HasPrefix(x, "ref:") && key == "Roles" {
				out = append(out, strings.TrimPrefix(x, "ref:"))
			}
		}
	}
	walk(props, "")
	return out
}

// trustedService is the service a role's trust policy lets assume it.
func trustedService(role map[string]any) string {
	doc := role["Properties"].(map[string]any)["AssumeRolePolicyDocument"].(map[string]any)
	for _, st := range doc["Statement"].([]any) {
		if p, ok := st.(map[string]any)["Principal"].(map[string]any); ok {
			return fmt.Sprint(p["Service"])
		}
	}
	return ""
}
