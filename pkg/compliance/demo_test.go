package compliance

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// The demo snapshots in testdata/compliance are what --save records from
// the demo account below, served by the AWS Config test endpoint: a web
// shop in ap-northeast-2 that deployed secops's ISMS-P conformance pack
// (earlier, AWS's K-ISMS sample pack), uses EC2, RDS, S3, ALB, Lambda,
// ECR and CodeBuild, and not EMR, Redshift, OpenSearch, SageMaker, EFS,
// DynamoDB, API Gateway or classic load balancers. Refresh them with
// go test ./pkg/compliance -run TestDemoSnapshots -update.

const demoAccount = "318426790154"

var (
	demoTaken    = time.Date(2026, 11, 30, 1, 12, 0, 0, time.UTC)
	demoPrevious = time.Date(2026, 5, 29, 0, 45, 0, 0, time.UTC)
)

// demoUnused are rules whose resource types the account does not have:
// AWS Config has no result for them.
var demoUnused = []string{
	"API_GW_ASSOCIATED_WITH_WAF", "API_GW_CACHE_ENABLED_AND_ENCRYPTED", "API_GW_EXECUTION_LOGGING_ENABLED", "API_GW_SSL_ENABLED",
	"AURORA_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "DYNAMODB_AUTOSCALING_ENABLED", "DYNAMODB_IN_BACKUP_PLAN", "DYNAMODB_TABLE_ENCRYPTED_KMS",
	"DYNAMODB_THROUGHPUT_LIMIT_CHECK", "EFS_ENCRYPTED_CHECK", "EFS_IN_BACKUP_PLAN", "EFS_ACCESS_POINT_ENFORCE_USER_IDENTITY",
	"ELASTICACHE_REDIS_CLUSTER_AUTOMATIC_BACKUP_CHECK", "ELASTICSEARCH_ENCRYPTED_AT_REST", "ELASTICSEARCH_NODE_TO_NODE_ENCRYPTION_CHECK",
	"ELB_ACM_CERTIFICATE_REQUIRED", "ELB_CROSS_ZONE_LOAD_BALANCING_ENABLED", "ELB_PREDEFINED_SECURITY_POLICY_SSL_CHECK", "ELB_TLS_HTTPS_LISTENERS_ONLY",
	"EMR_KERBEROS_ENABLED", "FSX_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "OPENSEARCH_ENCRYPTED_AT_REST", "OPENSEARCH_NODE_TO_NODE_ENCRYPTION_CHECK",
	"RDS_CLUSTER_MULTI_AZ_ENABLED", "REDSHIFT_BACKUP_ENABLED", "REDSHIFT_CLUSTER_CONFIGURATION_CHECK", "REDSHIFT_CLUSTER_MAINTENANCESETTINGS_CHECK",
	"REDSHIFT_CLUSTER_PUBLIC_ACCESS_CHECK", "REDSHIFT_REQUIRE_TLS_SSL", "SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED",
	"SAGEMAKER_NOTEBOOK_INSTANCE_KMS_KEY_CONFIGURED", "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS", "VPC_VPN_2_TUNNELS_UP",
}

func demoARN(service, resource string) string {
	return "arn:aws:" + service + ":ap-northeast-2:" + demoAccount + ":" + resource
}

// demoFailing are the non-compliant resources of the current snapshot, by
// rule identifier, as AWS Config names them (ids for EC2, IAM and S3,
// ARNs for load balancers, trails and topics).
func demoFailing() map[string][]Resource {
	alb := func(name, id string) Resource {
		return Resource{Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", ID: demoARN("elasticloadbalancing", "loadbalancer/app/"+name+"/"+id)}
	}
	bucket := func(name string) Resource { return Resource{Type: "AWS::S3::Bucket", ID: name} }
	logGroup := func(name string) Resource { return Resource{Type: "AWS::Logs::LogGroup", ID: name} }
	user := func(id string) Resource { return Resource{Type: "AWS::IAM::User", ID: id} }
	fn := func(name string) Resource { return Resource{Type: "AWS::Lambda::Function", ID: name} }
	instance := func(id string) Resource { return Resource{Type: "AWS::EC2::Instance", ID: id} }
	return map[string][]Resource{
		"IAM_PASSWORD_POLICY": {{Type: "AWS::::Account", ID: demoAccount, Annotation: "MinimumPasswordLength is 8; the rule requires 12. MaxPasswordAge is not set."}},
		"MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS": {
			user("AIDAUS3NXQ7ZKJ4M2WB5E"), user("AIDAUS3NXQ7ZP2HVR8T3K"),
		},
		"IAM_USER_UNUSED_CREDENTIALS_CHECK": {user("AIDAUS3NXQ7ZWD6LF0C9M")},
		"ACCESS_KEYS_ROTATED":               {user("AIDAUS3NXQ7ZWD6LF0C9M"), user("AIDAUS3NXQ7ZT5YB1Q4NA")},
		"INCOMING_SSH_DISABLED":             {{Type: "AWS::EC2::SecurityGroup", ID: "sg-0b7e4c2f9a1d36e58"}},
		"VPC_DEFAULT_SECURITY_GROUP_CLOSED": {{Type: "AWS::EC2::SecurityGroup", ID: "sg-05d3a8e1f27c4b690"}, {Type: "AWS::EC2::SecurityGroup", ID: "sg-0e61f9b2c8d4a7035"}},
		"EC2_INSTANCE_NO_PUBLIC_IP":         {instance("i-0a4f1c9e3b7d25806")},
		"NO_UNRESTRICTED_ROUTE_TO_IGW":      {{Type: "AWS::EC2::RouteTable", ID: "rtb-0c2e7a9f41b5d3806"}},
		"VPC_FLOW_LOGS_ENABLED":             {{Type: "AWS::EC2::VPC", ID: "vpc-07f3b2d9e14a6c58b"}},
		"EC2_INSTANCE_DETAILED_MONITORING_ENABLED": {
			instance("i-0a4f1c9e3b7d25806"), instance("i-03e8d6b1f9c2a4705"), instance("i-0f71a3c5e9b2d4068"),
		},
		"EC2_VOLUME_INUSE_CHECK":                   {{Type: "AWS::EC2::Volume", ID: "vol-0d9b4e6a2c8f1357e"}},
		"S3_BUCKET_LOGGING_ENABLED":                {bucket("acme-shop-web-assets-prod"), bucket("acme-shop-exports-staging"), bucket("acme-shop-athena-results")},
		"S3_BUCKET_DEFAULT_LOCK_ENABLED":           {bucket("acme-shop-web-assets-prod"), bucket("acme-shop-exports-staging"), bucket("acme-shop-athena-results"), bucket("acme-shop-codebuild-artifacts")},
		"S3_BUCKET_REPLICATION_ENABLED":            {bucket("acme-shop-web-assets-prod"), bucket("acme-shop-exports-staging"), bucket("acme-shop-athena-results"), bucket("acme-shop-codebuild-artifacts")},
		"S3_BUCKET_SSL_REQUESTS_ONLY":              {bucket("acme-shop-exports-staging")},
		"RDS_MULTI_AZ_SUPPORT":                     {{Type: "AWS::RDS::DBInstance", ID: "db-7KQ2M4XN5HZJ3PLWB6RDVCA0YE"}},
		"RDS_INSTANCE_DELETION_PROTECTION_ENABLED": {{Type: "AWS::RDS::DBInstance", ID: "db-7KQ2M4XN5HZJ3PLWB6RDVCA0YE"}},
		"CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED":     {{Type: "AWS::CloudTrail::Trail", ID: demoARN("cloudtrail", "trail/acme-shop-management-events")}},
		"CW_LOGGROUP_RETENTION_PERIOD_CHECK": {
			logGroup("/aws/lambda/shop-order-events"), logGroup("/aws/lambda/shop-thumbnailer"), logGroup("/aws/codebuild/shop-api-build"), logGroup("/ecs/shop-api"),
		},
		"CLOUDWATCH_LOG_GROUP_ENCRYPTED":         {logGroup("/aws/lambda/shop-order-events"), logGroup("/aws/lambda/shop-thumbnailer"), logGroup("/ecs/shop-api")},
		"ELB_DELETION_PROTECTION_ENABLED":        {alb("shop-staging-alb", "6f0b2c7e91d4a358")},
		"ALB_WAF_ENABLED":                        {alb("shop-staging-alb", "6f0b2c7e91d4a358")},
		"LAMBDA_INSIDE_VPC":                      {fn("shop-thumbnailer"), fn("secops-notifier")},
		"LAMBDA_CONCURRENCY_CHECK":               {fn("shop-thumbnailer"), fn("shop-order-events"), fn("secops-notifier")},
		"SNS_ENCRYPTED_KMS":                      {{Type: "AWS::SNS::Topic", ID: demoARN("sns", "shop-order-alerts")}},
		"GUARDDUTY_NON_ARCHIVED_FINDINGS":        {{Type: "AWS::::Account", ID: demoAccount, Annotation: "Medium severity findings older than 7 days are not archived."}},
		"INSPECTOR_LAMBDA_STANDARD_SCAN_ENABLED": {{Type: "AWS::::Account", ID: demoAccount}},
	}
}

// demoPreviousFailing are the non-compliant resources of the earlier
// snapshot: some rules failed then and pass now, some the other way round.
func demoPreviousFailing() map[string][]Resource {
	prev := demoFailing()
	// Fixed since: MFA for console users, the default security groups, the
	// staging database's deletion protection.
	prev["IAM_USER_MFA_ENABLED"] = []Resource{{Type: "AWS::IAM::User", ID: "AIDAUS3NXQ7ZKJ4M2WB5E"}, {Type: "AWS::IAM::User", ID: "AIDAUS3NXQ7ZP2HVR8T3K"}, {Type: "AWS::IAM::User", ID: "AIDAUS3NXQ7ZQ9GE4X1HC"}}
	prev["ROOT_ACCOUNT_MFA_ENABLED"] = []Resource{{Type: "AWS::::Account", ID: demoAccount}}
	prev["RDS_STORAGE_ENCRYPTED"] = []Resource{{Type: "AWS::RDS::DBInstance", ID: "db-7KQ2M4XN5HZJ3PLWB6RDVCA0YE"}}
	// Broken since: a new export bucket without TLS-only access, the
	// thumbnailer Lambda outside the VPC, the staging ALB without WAF.
	delete(prev, "S3_BUCKET_SSL_REQUESTS_ONLY")
	delete(prev, "ALB_WAF_ENABLED")
	prev["LAMBDA_INSIDE_VPC"] = []Resource{{Type: "AWS::Lambda::Function", ID: "secops-notifier"}}
	prev["LAMBDA_CONCURRENCY_CHECK"] = []Resource{{Type: "AWS::Lambda::Function", ID: "shop-order-events"}, {Type: "AWS::Lambda::Function", ID: "secops-notifier"}}
	for k, v := range prev {
		if strings.HasPrefix(k, "S3_BUCKET_") {
			var keep []Resource
			for _, r := range v {
				if r.ID != "acme-shop-exports-staging" {
					keep = append(keep, r)
				}
			}
			prev[k] = keep
		}
	}
	return prev
}

// demoSpread is a stable pseudo-random number in [0, n) for a name, so
// evaluation times look like AWS Config's and stay the same on refresh.
func demoSpread(name string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32() % uint32(n))
}

// demoModel is the demo account then or now. Pack rules carry the suffix
// AWS Config adds to their names.
func demoModel(t *testing.T, previous bool) *configModel {
	m, err := LoadISMSP()
	if err != nil {
		t.Fatal(err)
	}
	taken, pack, suffix, failing := demoTaken, ISMSPPackName, "k3v8q2xno", demoFailing()
	if previous {
		taken, pack, suffix, failing = demoPrevious, "Operational-Best-Practices-for-KISMS", "x9d2k0mfe", demoPreviousFailing()
	}
	unused := map[string]bool{}
	for _, id := range demoUnused {
		unused[id] = true
	}
	cm := &configModel{account: demoAccount, region: "ap-northeast-2"}
	cm.packs = append(cm.packs, modelPack{
		name: pack, id: "conformance-pack-" + suffix,
		arn:     demoARN("config", "conformance-pack/"+pack+"/conformance-pack-"+suffix),
		updated: taken.Add(-47 * 24 * time.Hour),
	})
	for i, r := range m.Rules {
		if previous && !r.InPack {
			continue
		}
		mr := modelRule{
			name: r.ConfigRuleName + "-conformance-pack-" + suffix, identifier: r.Identifier, pack: pack,
			id: fmt.Sprintf("config-rule-%06x", 0x3a1f00+i), status: StatusCompliant,
		}
		mr.evaluated = taken.Add(-time.Duration(1200+demoSpread(mr.name, 22*3600)) * time.Second)
		switch {
		case unused[r.Identifier]:
			mr.status, mr.evaluated = StatusInsufficientData, time.Time{}
		case len(failing[r.Identifier]) > 0:
			mr.status = StatusNonCompliant
			for j, res := range failing[r.Identifier] {
				res.RecordedAt = mr.evaluated.Add(time.Duration(j) * time.Second)
				mr.resources = append(mr.resources, res)
			}
		}
		cm.rules = append(cm.rules, mr)
	}
	// Security Hub's own copies of two checks, and a custom rule the
	// mapping does not know.
	sh := func(name, ident, status string) modelRule {
		r := modelRule{name: name, identifier: ident, status: status, createdBy: "securityhub.amazonaws.com", id: "config-rule-" + name[len(name)-6:]}
		r.evaluated = taken.Add(-time.Duration(1800+demoSpread(name, 36000)) * time.Second)
		return r
	}
	cm.rules = append(cm.rules,
		sh("securityhub-restricted-ssh-5c0a7f", "INCOMING_SSH_DISABLED", StatusNonCompliant),
		sh("securityhub-guardduty-enabled-centralized-2d8e1b", "GUARDDUTY_ENABLED_CENTRALIZED", StatusCompliant),
		modelRule{name: "acme-required-tags", identifier: demoARN("lambda", "function:acme-config-required-tags"), status: StatusCompliant,
			id: "config-rule-7c41d2", owner: "CUSTOM_LAMBDA", evaluated: taken.Add(-3 * time.Hour)},
	)
	for i := range cm.rules {
		r := &cm.rules[i]
		if r.identifier == "INCOMING_SSH_DISABLED" && r.createdBy != "" {
			res := Resource{Type: "AWS::EC2::SecurityGroup", ID: "sg-0b7e4c2f9a1d36e58", RecordedAt: r.evaluated}
			r.resources = []Resource{res}
		}
	}
	return cm
}

func demoFindings(previous bool) []findings.Finding {
	// id is a secops generator ("secops/sca"), hashed with the resource and
	// rule as the scanners do, or another product's own finding ARN.
	mk := func(product, id, typ, severity, title, resource, updated string) findings.Finding {
		if strings.HasPrefix(id, "secops/") {
			id = findings.NewID(id, resource, "", title)
		}
		return findings.Finding{
			SchemaVersion: findings.SchemaVersion, Id: id, ProductName: product, AwsAccountId: demoAccount, Region: "ap-northeast-2",
			Types: []string{typ}, Severity: &findings.Severity{Label: severity}, Title: title, UpdatedAt: updated, CreatedAt: updated,
			Resources: []findings.Resource{{Id: resource}},
		}
	}
	const (
		cve     = "Software and Configuration Checks/Vulnerabilities/CVE"
		cwe     = "Software and Configuration Checks/Vulnerabilities/CWE"
		secret  = "Sensitive Data Identifications/Passwords"
		updated = "2026-11-29T23:41:07Z"
	)
	image := demoARN("ecr", "repository/shop-api/sha256:5d1f0c7a93b2e48f6a1c0d9e7b3f25a8c4e6d1b0f9a7c3e5d2b8a6f4c1e0d97b")
	instance := demoARN("ec2", "instance/i-0a4f1c9e3b7d25806")
	detector := demoARN("guardduty", "detector/8ec5a3f1d2b4c6e7f8a9b0c1d2e3f4a5/finding/")
	list := []findings.Finding{
		mk("secops", "secops/sca", cve, findings.SeverityCritical, "CVE-2021-44228: log4j-core 2.14.1 (fixed in 2.15.0)", "billing/pom.xml", updated),
		mk("secops", "secops/sca", cve, findings.SeverityCritical, "CVE-2021-44906: minimist 1.2.5 (fixed in 1.2.6)", "web/package-lock.json", updated),
		mk("secops", "secops/sca", cve, findings.SeverityHigh, "CVE-2022-32149: golang.org/x/text 0.3.5 (fixed in 0.3.8)", "services/inventory/go.mod", updated),
		mk("secops", "secops/sca", cve, findings.SeverityMedium, "CVE-2020-13254: Django 2.2.10 (fixed in 2.2.13)", "worker/requirements.txt", updated),
		mk("secops", "secops/sast", cwe, findings.SeverityMedium, "G202: SQL string concatenation", "internal/store/store.go", updated),
		mk("secops", "secops/dast", cwe, findings.SeverityHigh, "SQL injection in parameter id", "https://staging.shop.example.com/products", "2026-11-29T22:03:51Z"),
		mk("Inspector", demoARN("inspector2", "finding/4c9e1d2b7a0f83e56d1c2b9a0e7f4d31"), cve, findings.SeverityHigh,
			"CVE-2023-44487 - golang.org/x/net", image, "2026-11-29T18:20:12Z"),
		mk("secops", "secops/secrets", secret, findings.SeverityHigh, "Secret (aws-access-token) in config/settings.yaml", "config/settings.yaml", updated),
		mk("GuardDuty", detector+"b2c6e1f04a9d37b58e2f1c0a9d8b7e6f", "TTPs/Discovery/Recon:EC2-PortProbeUnprotectedPort", findings.SeverityMedium,
			"Unprotected port on EC2 instance i-0a4f1c9e3b7d25806 is being probed.", instance, "2026-11-29T20:14:38Z"),
		mk("GuardDuty", detector+"4e8a2d6c0b1f93a57c6e2d1b0a9f8e7d", "TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce", findings.SeverityLow,
			"198.51.100.23 is performing SSH brute force attacks against i-0a4f1c9e3b7d25806.", instance, "2026-11-28T07:52:19Z"),
	}
	if previous {
		// Six months earlier the pipeline had not yet found the web app's
		// SQL injection, and GuardDuty had a HIGH finding open.
		list = append(list[:5:5], list[6:8]...)
		list = append(list, mk("GuardDuty", detector+"a0c4e8f2b6d1937e5c0b4a8f2e6d1c9b", "TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS", findings.SeverityHigh,
			"EC2 instance i-03e8d6b1f9c2a4705 is querying a domain name associated with a known Command & Control server.",
			demoARN("ec2", "instance/i-03e8d6b1f9c2a4705"), "2026-05-28T11:06:45Z"))
	}
	return list
}

// sliceFindings is a findings store over a slice: it answers queries as
// the stores do, with Query.Matches.
type sliceFindings struct {
	backend string
	list    []findings.Finding
}

func (s sliceFindings) Backend() string { return s.backend }

func (s sliceFindings) Query(_ context.Context, q findings.Query) ([]findings.Finding, error) {
	var out []findings.Finding
	for i := range s.list {
		if q.Matches(&s.list[i]) {
			out = append(out, s.list[i])
		}
	}
	return out, nil
}

func TestDemoSnapshots(t *testing.T) {
	for _, tt := range []struct {
		file     string
		previous bool
		taken    time.Time
	}{
		{"isms-p-snapshot.json", false, demoTaken},
		{"isms-p-snapshot-2026-05.json", true, demoPrevious},
	} {
		t.Run(tt.file, func(t *testing.T) {
			model := demoModel(t, tt.previous)
			client := model.serve(t)
			snap, err := client.Snapshot(context.Background(), SnapshotOptions{
				Now:       func() time.Time { return tt.taken },
				Resources: true,
				Findings:  sliceFindings{backend: "securityhub (ap-northeast-2)", list: demoFindings(tt.previous)},
			})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteSnapshot(&buf, snap); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("..", "..", "testdata", "compliance", tt.file), buf.Bytes())
			// What was recorded is what the account holds.
			if snap.Account != demoAccount || snap.Partition != "aws" || snap.Region != "ap-northeast-2" || !snap.TakenAt.Equal(tt.taken) {
				t.Errorf("identity: %s %s %s %s", snap.Partition, snap.Account, snap.Region, snap.TakenAt)
			}
			if len(snap.Rules) != len(model.rules) {
				t.Errorf("%d rules recorded, the account has %d", len(snap.Rules), len(model.rules))
			}
			m, _ := LoadISMSP()
			failing := 0
			for _, r := range snap.Rules {
				// Mapped rules are recorded with their evaluation time and
				// failing resources; the others with their status only.
				mr, _ := model.rule(r.Name)
				var want []Resource
				var evaluated time.Time
				if _, mapped := m.Rule(r.Identifier); mapped {
					evaluated = mr.evaluated
					if mr.status == StatusNonCompliant {
						want = mr.resources
						failing++
					}
				}
				if r.Status != mr.status || fmt.Sprint(r.NonCompliant) != fmt.Sprint(want) || !r.LastEvaluated.Equal(evaluated) {
					t.Errorf("%s: recorded %s %v at %s, the account has %s %v at %s", r.Name, r.Status, r.NonCompliant, r.LastEvaluated, mr.status, want, evaluated)
				}
			}
			if failing < 20 {
				t.Errorf("only %d failing mapped rules: the demo should show remediation work", failing)
			}
		})
	}
}

// sortedRuleNames lists the model's rule names in order (for paging).
func (m *configModel) sortedRuleNames() []string {
	var names []string
	for _, r := range m.rules {
		names = append(names, r.name)
	}
	sort.Strings(names)
	return names
}
