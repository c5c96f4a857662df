package importer

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// trivySecretASFF is a finding as Trivy's ASFF template writes a secret:
// the Id is the file, so both secrets of one file share it.
func trivySecretASFF(rule string, line string) string {
	return `{"SchemaVersion":"2018-10-08","Id":"deploy.sh","ProductArn":"arn:aws:securityhub:eu-west-1::product/aquasecurity/aquasecurity",` +
		`"GeneratorId":"Trivy/` + rule + `","AwsAccountId":"111122223333","Types":["Sensitive Data Identifications"],` +
		`"CreatedAt":"2026-11-20T10:00:00Z","UpdatedAt":"2026-11-20T10:00:00Z","Severity":{"Label":"CRITICAL"},` +
		`"Title":"Trivy found a secret in deploy.sh","Description":"Trivy found a secret in deploy.sh",` +
		`"ProductFields":{"Product Name":"Trivy"},"Resources":[{"Type":"Other","Id":"deploy.sh","Partition":"aws","Region":"eu-west-1",` +
		`"Details":{"Other":{"Filename":"deploy.sh","StartLine":"` + line + `","EndLine":"` + line + `"}}}],"RecordState":"ACTIVE"}`
}

// guardDutyASFF is a finding of a producer Security Hub manages.
func guardDutyASFF(title string) string {
	return `{"SchemaVersion":"2018-10-08","Id":"arn:aws:guardduty:us-east-1:111122223333:detector/12abc34d567e8fa901bc2d34e56789f0/finding/a1b2c3",` +
		`"ProductArn":"arn:aws:securityhub:us-east-1::product/aws/guardduty","GeneratorId":"arn:aws:guardduty:us-east-1:111122223333:detector/12abc34d567e8fa901bc2d34e56789f0",` +
		`"AwsAccountId":"111122223333","Types":["TTPs/Discovery/Recon:EC2-PortProbeUnprotectedPort"],"CreatedAt":"2026-11-20T10:00:00Z","UpdatedAt":"2026-11-20T10:00:00Z",` +
		`"Severity":{"Label":"LOW"},"Title":"` + title + `","Description":"d","Resources":[{"Type":"AwsEc2Instance","Id":"arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"}]}`
}

// TestASFFSharedIDs imports ASFF findings that share a (ProductArn, Id):
// nothing is lost without a word. Findings of a producer that is not
// managed by Security Hub are told apart as the other importers' are;
// those of a managed one keep their Ids and the report says only the last
// of each is stored.
func TestASFFSharedIDs(t *testing.T) {
	idForm := regexp.MustCompile(`^deploy\.sh/[0-9a-f]{32}$`)
	tests := []struct {
		name     string
		docs     []string // the same findings, in different orders
		want     int
		check    func(t *testing.T, rep Report)
		contains []string // in the notes
	}{
		{"two secrets of one file in Trivy's ASFF",
			[]string{`[` + trivySecretASFF("aws-access-key-id", "3") + `,` + trivySecretASFF("aws-secret-access-key", "4") + `]`,
				`{"Findings":[` + trivySecretASFF("aws-secret-access-key", "4") + `,` + trivySecretASFF("aws-access-key-id", "3") + `]}`},
			2, func(t *testing.T, rep Report) {
				for _, f := range rep.Findings {
					if !idForm.MatchString(f.Id) || f.ProductFields[FieldProducerID] != "deploy.sh" {
						t.Errorf("Id %q, producer's Id %q; want deploy.sh/<hash> and deploy.sh", f.Id, f.ProductFields[FieldProducerID])
					}
				}
				if rep.Renamed != 2 || rep.Shared != 0 || rep.Merged != 0 {
					t.Errorf("Renamed %d Shared %d Merged %d, want 2 0 0", rep.Renamed, rep.Shared, rep.Merged)
				}
			}, []string{"2 finding(s) shared their Id with a different finding of the report (deploy.sh): each was given a distinct Id"}},
		{"the same finding twice",
			[]string{`[` + trivySecretASFF("aws-access-key-id", "3") + `,` + trivySecretASFF("aws-access-key-id", "3") + `]`},
			1, func(t *testing.T, rep Report) {
				f := rep.Findings[0]
				if f.Id != "deploy.sh" || f.ProductFields[FieldOccurrences] != "2" || rep.Merged != 1 {
					t.Errorf("Id %q occurrences %q merged %d; want the producer's Id, counted twice", f.Id, f.ProductFields[FieldOccurrences], rep.Merged)
				}
			}, []string{"1 result(s) repeated an earlier result of the report in every field"}},
		{"a producer Security Hub manages",
			[]string{`[` + guardDutyASFF("Unprotected port on EC2 instance is being probed") + `,` + guardDutyASFF("Unprotected port on EC2 instance i-0123 is being probed") + `]`},
			2, func(t *testing.T, rep Report) {
				for _, f := range rep.Findings {
					if !strings.HasSuffix(f.Id, "/finding/a1b2c3") || f.ProductFields[FieldProducerID] != "" {
						t.Errorf("Id %q changed", f.Id)
					}
				}
				if rep.Shared != 2 || rep.Renamed != 0 {
					t.Errorf("Shared %d Renamed %d, want 2 0", rep.Shared, rep.Renamed)
				}
			}, []string{"2 finding(s) share their ProductArn and Id with another finding of the report", "managed by Security Hub, so the Ids are kept, and only the last finding of each is stored"}},
		{"Ids that are not shared stay",
			[]string{`[` + trivySecretASFF("aws-access-key-id", "3") + `,` + guardDutyASFF("t") + `]`},
			2, func(t *testing.T, rep Report) {
				if rep.Findings[0].Id != "deploy.sh" || rep.Findings[0].ProductFields[FieldProducerID] != "" || rep.Renamed+rep.Shared+rep.Merged != 0 {
					t.Errorf("Id %q, report %+v", rep.Findings[0].Id, rep)
				}
			}, nil},
	}
	read := map[string]func(context.Context, Format, []byte, findings.Provenance) (Report, error){"ParseReport": ParseReport, "ReadReport": ReadReport}
	for _, tt := range tests {
		for how, fn := range read {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				var ids []string
				for di, doc := range tt.docs {
					rep, err := fn(context.Background(), FormatASFF, []byte(doc), testProv)
					if err != nil {
						t.Fatal(err)
					}
					if len(rep.Findings) != tt.want {
						t.Fatalf("doc %d: %d findings, want %d", di, len(rep.Findings), tt.want)
					}
					tt.check(t, rep)
					notes := strings.Join(rep.Notes(), "\n")
					for _, want := range tt.contains {
						if !strings.Contains(notes, want) {
							t.Errorf("notes %q, want %q", notes, want)
						}
					}
					if len(tt.contains) == 0 && notes != "" {
						t.Errorf("notes %q, want none", notes)
					}
					var got []string
					for _, f := range rep.Findings {
						got = append(got, f.Id)
					}
					got = sorted(got)
					if ids == nil {
						ids = got
					} else if strings.Join(ids, ",") != strings.Join(got, ",") {
						t.Errorf("doc %d: Ids %v, want %v whatever the order", di, got, ids)
					}
				}
			})
		}
	}
}

// TestReadReportKeepsASFFAsWritten checks that findings import's ASFF is
// lossless: no repair, no stamp, and invalid findings refused by position
// and field.
func TestReadReportKeepsASFFAsWritten(t *testing.T) {
	long := strings.Repeat("é", 1100) // 1,100 characters, 2,200 bytes
	doc := `[{"SchemaVersion":"2018-10-08","Id":"p-1","ProductArn":"arn:aws:securityhub:eu-west-1::product/prowler/prowler","GeneratorId":"prowler-check",` +
		`"AwsAccountId":"111122223333","Types":[],"CreatedAt":"2026-11-20T10:00:00Z","UpdatedAt":"2026-11-20T10:00:00Z","Severity":{"Label":"LOW"},` +
		`"Title":"t","Description":"` + long + `","Resources":[{"Type":"Other","Id":"r"}]}]`
	rep, err := ReadReport(context.Background(), FormatASFF, []byte(doc), testProv)
	if err != nil || len(rep.Findings) != 1 {
		t.Fatalf("ReadReport = %d findings, %v", len(rep.Findings), err)
	}
	f := rep.Findings[0]
	if f.Description != long || len(f.Types) != 0 || f.FindingProviderFields != nil || f.Region != "" {
		t.Errorf("the finding was changed: %d-byte description, types %v, provider fields %v, region %q", len(f.Description), f.Types, f.FindingProviderFields, f.Region)
	}
	bad := `[{"SchemaVersion":"2018-10-08","Id":"x","ProductArn":"p","GeneratorId":"g","AwsAccountId":"1","CreatedAt":"2026-11-20T10:00:00Z","UpdatedAt":"2026-11-20T10:00:00Z","Description":"d","Resources":[{"Type":"Other","Id":"r"}],"Severity":{"Label":"LOW"}}]`
	if _, err := ReadReport(context.Background(), FormatASFF, []byte(bad), testProv); err == nil || !strings.Contains(err.Error(), "finding #1: finding x is not valid ASFF: Title: required") {
		t.Errorf("invalid finding: err = %v", err)
	}
}
