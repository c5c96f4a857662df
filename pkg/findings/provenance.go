package findings

import (
	"fmt"
	"strings"
	"time"
)

// LocalAccountID is the account secops stamps on findings made without AWS
// credentials. Pushing them to Security Hub re-stamps them with the
// caller's account, since Security Hub only accepts its own account there.
const LocalAccountID = "000000000000"

// LocalRegion is the region stamped on findings when no region is configured.
const LocalRegion = "us-east-1"

// Provenance is who reports a finding: account, region and product. Every
// scanner and importer stamps its findings with one.
type Provenance struct {
	AwsAccountId string
	Region       string
	Partition    string
	// ProductName and CompanyName name the tool that found the problem
	// (secops's own scanners, or Trivy, ZAP … for imported reports).
	ProductName string
	CompanyName string
	Now         time.Time
}

// DefaultProductArn is the ARN Security Hub gives an account's own findings:
// arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default.
func DefaultProductArn(partition, region, account string) string {
	if partition == "" {
		partition = "aws"
	}
	return fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", partition, region, account, account)
}

// LocalProvenance is the provenance of findings made with no AWS account.
func LocalProvenance(now time.Time, productName string) Provenance {
	return Provenance{AwsAccountId: LocalAccountID, Region: LocalRegion, Partition: "aws", ProductName: productName, CompanyName: "secops", Now: now}
}

// Stamp fills the attributes every finding needs that come from who reports
// it rather than what was found: schema version, product, account, region,
// partition of resources, timestamps, and an ACTIVE record with a NEW
// workflow. Attributes already set are left alone.
func (p Provenance) Stamp(f *Finding) {
	now := FormatTime(p.Now)
	region := p.Region
	if region == "" {
		region = LocalRegion
	}
	account := p.AwsAccountId
	if account == "" {
		account = LocalAccountID
	}
	setIfEmpty(&f.SchemaVersion, SchemaVersion)
	setIfEmpty(&f.AwsAccountId, account)
	setIfEmpty(&f.ProductArn, DefaultProductArn(p.Partition, region, account))
	setIfEmpty(&f.Region, region)
	setIfEmpty(&f.ProductName, p.ProductName)
	setIfEmpty(&f.CompanyName, p.CompanyName)
	setIfEmpty(&f.CreatedAt, now)
	setIfEmpty(&f.UpdatedAt, now)
	setIfEmpty(&f.FirstObservedAt, now)
	setIfEmpty(&f.LastObservedAt, now)
	setIfEmpty(&f.RecordState, RecordActive)
	for i := range f.Resources {
		setIfEmpty(&f.Resources[i].Partition, p.Partition)
		setIfEmpty(&f.Resources[i].Region, region)
	}
	if f.Severity != nil && f.FindingProviderFields == nil {
		f.FindingProviderFields = &FindingProviderFields{
			Severity: &Severity{Label: f.Severity.Label, Original: f.Severity.Original},
			Types:    append([]string(nil), f.Types...),
		}
	}
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// PartitionOf is the AWS partition of a Region: aws-cn for China,
// aws-us-gov for GovCloud, aws-iso and aws-iso-b for the isolated Regions,
// aws otherwise (and for an empty Region).
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	}
	return "aws"
}
