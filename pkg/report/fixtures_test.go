package report

import (
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// Fixtures: one finding of each kind secops produces, as its scanners write
// them, plus imported, archived and unicode ones.

var fixtureNow = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func stamp(f findings.Finding, product string) findings.Finding {
	findings.LocalProvenance(fixtureNow, product).Stamp(&f)
	return f
}

// scaFinding: lodash 4.17.20 in a lockfile, CVE-2021-23337.
func scaFinding() findings.Finding {
	const gen = "secops-sca"
	return stamp(findings.Finding{
		Id:          findings.NewID(gen, "package-lock.json", "lodash@4.17.20", "GHSA-35jh-r3h4-6jhm"),
		GeneratorId: gen,
		Types:       []string{"Software and Configuration Checks/Vulnerabilities/CVE"},
		Severity:    findings.NewSeverity(findings.SeverityHigh, "HIGH"),
		Title:       "lodash 4.17.20: Command Injection in lodash",
		Description: "Lodash versions prior to 4.17.21 are vulnerable to Command Injection via the template function.",
		Remediation: &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: "Upgrade lodash to 4.17.21 or later.",
			Url:  "https://osv.dev/vulnerability/GHSA-35jh-r3h4-6jhm",
		}},
		ProductFields: map[string]string{
			findings.FieldScanner: "sca",
			findings.FieldTarget:  "./app",
		},
		Resources: []findings.Resource{{Type: "Other", Id: "app/package-lock.json"}},
		Vulnerabilities: []findings.Vulnerability{{
			Id: "CVE-2021-23337",
			VulnerablePackages: []findings.SoftwarePackage{{
				Name: "lodash", Version: "4.17.20", PackageManager: "npm",
				FilePath: "app/package-lock.json", FixedInVersion: "4.17.21",
			}},
			Cvss: []findings.Cvss{{
				Version: "3.1", BaseScore: ptr(7.2),
				BaseVector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", Source: "NVD",
			}},
			RelatedVulnerabilities: []string{"GHSA-35jh-r3h4-6jhm"},
			Vendor:                 &findings.VulnerabilityVendor{Name: "GitHub", Url: "https://github.com/advisories/GHSA-35jh-r3h4-6jhm"},
			ReferenceUrls:          []string{"https://nvd.nist.gov/vuln/detail/CVE-2021-23337"},
			FixAvailable:           "YES",
		}},
	}, "secops-sca")
}

// secretFinding: an AWS access key in a config file, evidence redacted.
func secretFinding() findings.Finding {
	const gen = "secops-secrets"
	return stamp(findings.Finding{
		Id:          findings.NewID(gen, "config/settings.py", "14", "aws-access-token"),
		GeneratorId: gen,
		Types:       []string{"Sensitive Data Identifications/Passwords/AWS access key"},
		Severity:    findings.NewSeverity(findings.SeverityCritical, "CRITICAL"),
		Title:       "AWS access key in config/settings.py",
		Description: "Found an AWS access key: AKIA****************MPLE (redacted). Rotate it and remove it from the history.",
		Remediation: &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: "Deactivate the key in IAM, issue a new one, and load it from the environment or Secrets Manager.",
			Url:  "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
		}},
		ProductFields: map[string]string{
			findings.FieldScanner:   "secrets",
			findings.FieldRuleID:    "aws-access-token",
			findings.FieldPath:      "config/settings.py",
			findings.FieldStartLine: "14",
			findings.FieldEndLine:   "14",
			findings.FieldTarget:    "./app",
		},
		Resources: []findings.Resource{{Type: "Other", Id: "config/settings.py"}},
		Workflow:  &findings.Workflow{Status: findings.WorkflowNotified},
	}, "secops-secrets")
}

// sastFinding: gosec G201, SQL built with string formatting, lines 41-43.
func sastFinding() findings.Finding {
	const gen = "secops-sast"
	return stamp(findings.Finding{
		Id:          findings.NewID(gen, "internal/store/users.go", "41", "G201"),
		GeneratorId: gen,
		Types:       []string{"Software and Configuration Checks/Vulnerabilities/CWE-89"},
		Severity:    findings.NewSeverity(findings.SeverityMedium, "MEDIUM"),
		Title:       "G201: SQL string formatting",
		Description: "SQL query construction using format string.",
		Remediation: &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: "Use parameterized queries.",
			Url:  "https://cwe.mitre.org/data/definitions/89.html",
		}},
		ProductFields: map[string]string{
			findings.FieldScanner:   "sast",
			findings.FieldRuleID:    "G201",
			findings.FieldPath:      "internal/store/users.go",
			findings.FieldStartLine: "41",
			findings.FieldEndLine:   "43",
			findings.FieldTarget:    "./app",
		},
		Resources: []findings.Resource{{Type: "Other", Id: "internal/store/users.go"}},
		Note:      &findings.Note{Text: "Input is an enum from our own API; low risk but fix in Q1.", UpdatedBy: "alice", UpdatedAt: "2026-11-21T10:00:00.000Z"},
	}, "secops-sast")
}

// dastFinding: a missing header found by the crawler on a URL.
func dastFinding() findings.Finding {
	const gen = "secops-dast"
	url := "http://127.0.0.1:8080/login"
	return stamp(findings.Finding{
		Id:          findings.NewID(gen, url, "", "10038"),
		GeneratorId: gen,
		Types:       []string{"Software and Configuration Checks/Industry and Regulatory Standards/OWASP Top 10"},
		Severity:    findings.NewSeverity(findings.SeverityLow, "Low"),
		Title:       "Content Security Policy (CSP) Header Not Set",
		Description: "Content Security Policy is not set on the response.",
		Remediation: &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: "Set the Content-Security-Policy header.",
			Url:  "https://www.zaproxy.org/docs/alerts/10038/",
		}},
		ProductFields: map[string]string{findings.FieldScanner: "dast", findings.FieldRuleID: "10038"},
		Resources:     []findings.Resource{{Type: "Other", Id: url}},
	}, "secops-dast")
}

// unicodeFinding: a SAST finding whose title and path are not ASCII and
// include wide characters.
func unicodeFinding() findings.Finding {
	const gen = "secops-sast"
	return stamp(findings.Finding{
		Id:          findings.NewID(gen, "文档/示例.go", "7", "G101"),
		GeneratorId: gen,
		Types:       []string{"Software and Configuration Checks/Vulnerabilities/CWE-798"},
		Severity:    findings.NewSeverity(findings.SeverityInformational, "LOW"),
		Title:       "硬编码凭据 — hard-coded credential in 示例.go ✓",
		Description: "Potential hardcoded credentials.",
		ProductFields: map[string]string{
			findings.FieldScanner:   "sast",
			findings.FieldRuleID:    "G101",
			findings.FieldPath:      "文档/示例.go",
			findings.FieldStartLine: "7",
		},
		Resources: []findings.Resource{{Type: "Other", Id: "文档/示例.go"}},
	}, "secops-sast")
}

// archivedFinding: an ECR image vulnerability, resolved and archived.
func archivedFinding() findings.Finding {
	const gen = "secops-image"
	arn := "arn:aws:ecr:ap-northeast-2:123456789012:repository/shop/web"
	return stamp(findings.Finding{
		Id:          findings.NewID(gen, arn, "openssl@3.0.13-r0", "CVE-2024-5535"),
		GeneratorId: gen,
		Types:       []string{"Software and Configuration Checks/Vulnerabilities/CVE"},
		Severity:    findings.NewSeverity(findings.SeverityCritical, "CRITICAL"),
		Title:       "openssl 3.0.13-r0: SSL_select_next_proto buffer overread",
		Description: "Calling SSL_select_next_proto with an empty supported client protocols buffer may cause a crash or memory contents to be sent to the peer.",
		Resources:   []findings.Resource{{Type: "AwsEcrContainerImage", Id: arn}},
		Vulnerabilities: []findings.Vulnerability{{
			Id: "CVE-2024-5535",
			VulnerablePackages: []findings.SoftwarePackage{{
				Name: "openssl", Version: "3.0.13-r0", PackageManager: "apk", FixedInVersion: "3.0.14-r0",
			}},
			Cvss: []findings.Cvss{{Version: "3.1", BaseScore: ptr(9.1), BaseVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H"}},
		}},
		Workflow:    &findings.Workflow{Status: findings.WorkflowResolved},
		RecordState: findings.RecordArchived,
	}, "secops-image")
}

// importedFinding: a Security Hub control finding another product reported.
func importedFinding() findings.Finding {
	arn := "arn:aws:s3:::shop-logs-123456789012"
	f := findings.Finding{
		SchemaVersion: findings.SchemaVersion,
		Id:            "arn:aws:securityhub:ap-northeast-2:123456789012:security-control/S3.5/finding/0b7a7c8e-3b9f-4b59-a0a6-2c1d9f3e0e11",
		ProductArn:    "arn:aws:securityhub:ap-northeast-2::product/aws/securityhub",
		GeneratorId:   "security-control/S3.5",
		AwsAccountId:  "123456789012",
		Types:         []string{"Software and Configuration Checks/Industry and Regulatory Standards"},
		CreatedAt:     "2026-11-01T02:00:00.000Z",
		UpdatedAt:     "2026-11-19T02:00:00.000Z",
		Severity:      findings.NewSeverity(findings.SeverityMedium, "MEDIUM"),
		Title:         "S3 general purpose buckets should require requests to use SSL",
		Description:   "This control checks whether an Amazon S3 general purpose bucket has a policy that requires requests to use SSL.",
		Remediation: &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: "For information on how to correct this issue, consult the AWS Security Hub controls documentation.",
			Url:  "https://docs.aws.amazon.com/console/securityhub/S3.5/remediation",
		}},
		Resources:   []findings.Resource{{Type: "AwsS3Bucket", Id: arn, Partition: "aws", Region: "ap-northeast-2"}},
		Compliance:  &findings.Compliance{Status: "FAILED", SecurityControlId: "S3.5", RelatedRequirements: []string{"NIST.800-53.r5 AC-17(2)"}},
		RecordState: findings.RecordActive,
		Workflow:    &findings.Workflow{Status: findings.WorkflowNew},
	}
	return f
}

func sampleFindings() []findings.Finding {
	return []findings.Finding{
		secretFinding(), archivedFinding(), scaFinding(), sastFinding(),
		importedFinding(), dastFinding(), unicodeFinding(),
	}
}
