// Package findings holds the security finding model used everywhere in secops:
// the AWS Security Finding Format (ASFF), the Store interface that keeps
// findings, and the query and update types the stores understand.
package findings

import (
	"encoding/json"
)

// SchemaVersion is the only ASFF schema version Security Hub accepts.
const SchemaVersion = "2018-10-08"

// Finding is one security finding in the AWS Security Finding Format.
// JSON names are exactly the ASFF attribute names. Attributes that secops
// does not model (Network, Process, Malware, …) are kept verbatim in Extra so
// that a finding read from a file and written back is the same document.
type Finding struct {
	SchemaVersion         string                 `json:"SchemaVersion"`
	Id                    string                 `json:"Id"`
	ProductArn            string                 `json:"ProductArn"`
	ProductName           string                 `json:"ProductName,omitempty"`
	CompanyName           string                 `json:"CompanyName,omitempty"`
	Region                string                 `json:"Region,omitempty"`
	GeneratorId           string                 `json:"GeneratorId"`
	AwsAccountId          string                 `json:"AwsAccountId"`
	Types                 []string               `json:"Types,omitempty"`
	FirstObservedAt       string                 `json:"FirstObservedAt,omitempty"`
	LastObservedAt        string                 `json:"LastObservedAt,omitempty"`
	CreatedAt             string                 `json:"CreatedAt"`
	UpdatedAt             string                 `json:"UpdatedAt"`
	Severity              *Severity              `json:"Severity,omitempty"`
	Confidence            *int32                 `json:"Confidence,omitempty"`
	Criticality           *int32                 `json:"Criticality,omitempty"`
	Title                 string                 `json:"Title"`
	Description           string                 `json:"Description"`
	Remediation           *Remediation           `json:"Remediation,omitempty"`
	SourceUrl             string                 `json:"SourceUrl,omitempty"`
	ProductFields         map[string]string      `json:"ProductFields,omitempty"`
	UserDefinedFields     map[string]string      `json:"UserDefinedFields,omitempty"`
	Resources             []Resource             `json:"Resources,omitempty"`
	Compliance            *Compliance            `json:"Compliance,omitempty"`
	VerificationState     string                 `json:"VerificationState,omitempty"`
	WorkflowState         string                 `json:"WorkflowState,omitempty"`
	Workflow              *Workflow              `json:"Workflow,omitempty"`
	RecordState           string                 `json:"RecordState,omitempty"`
	Note                  *Note                  `json:"Note,omitempty"`
	Vulnerabilities       []Vulnerability        `json:"Vulnerabilities,omitempty"`
	FindingProviderFields *FindingProviderFields `json:"FindingProviderFields,omitempty"`

	// Extra holds ASFF attributes that have no field above, unchanged.
	Extra map[string]json.RawMessage `json:"-"`
}

// Severity is ASFF's Severity object. Label is the attribute that counts;
// Normalized is deprecated by AWS but still accepted and kept.
type Severity struct {
	Label      string   `json:"Label,omitempty"`
	Normalized *int32   `json:"Normalized,omitempty"`
	Original   string   `json:"Original,omitempty"`
	Product    *float64 `json:"Product,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Remediation tells the reader how to fix the finding.
type Remediation struct {
	Recommendation *Recommendation `json:"Recommendation,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Recommendation is ASFF's Remediation.Recommendation.
type Recommendation struct {
	Text string `json:"Text,omitempty"`
	Url  string `json:"Url,omitempty"`
}

// Resource is a thing a finding is about: a package, a file, a URL, an AWS
// resource. Details is kept as raw JSON: it is a union of hundreds of AWS
// resource shapes that secops passes through without interpreting.
type Resource struct {
	Type         string            `json:"Type"`
	Id           string            `json:"Id"`
	Partition    string            `json:"Partition,omitempty"`
	Region       string            `json:"Region,omitempty"`
	ResourceRole string            `json:"ResourceRole,omitempty"`
	Tags         map[string]string `json:"Tags,omitempty"`
	Details      json.RawMessage   `json:"Details,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Compliance is the result of a control check.
type Compliance struct {
	Status              string   `json:"Status,omitempty"`
	RelatedRequirements []string `json:"RelatedRequirements,omitempty"`
	SecurityControlId   string   `json:"SecurityControlId,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Workflow is the triage state a user sets with BatchUpdateFindings.
type Workflow struct {
	Status string `json:"Status,omitempty"`
}

// Note is a user's comment on a finding.
type Note struct {
	Text      string `json:"Text"`
	UpdatedBy string `json:"UpdatedBy"`
	UpdatedAt string `json:"UpdatedAt"`
}

// Vulnerability is ASFF's software vulnerability object.
type Vulnerability struct {
	Id                     string               `json:"Id"`
	VulnerablePackages     []SoftwarePackage    `json:"VulnerablePackages,omitempty"`
	Cvss                   []Cvss               `json:"Cvss,omitempty"`
	RelatedVulnerabilities []string             `json:"RelatedVulnerabilities,omitempty"`
	Vendor                 *VulnerabilityVendor `json:"Vendor,omitempty"`
	ReferenceUrls          []string             `json:"ReferenceUrls,omitempty"`
	FixAvailable           string               `json:"FixAvailable,omitempty"`
	ExploitAvailable       string               `json:"ExploitAvailable,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// SoftwarePackage is one vulnerable package version.
type SoftwarePackage struct {
	Name            string `json:"Name,omitempty"`
	Version         string `json:"Version,omitempty"`
	Epoch           string `json:"Epoch,omitempty"`
	Release         string `json:"Release,omitempty"`
	Architecture    string `json:"Architecture,omitempty"`
	PackageManager  string `json:"PackageManager,omitempty"`
	FilePath        string `json:"FilePath,omitempty"`
	FixedInVersion  string `json:"FixedInVersion,omitempty"`
	Remediation     string `json:"Remediation,omitempty"`
	SourceLayerHash string `json:"SourceLayerHash,omitempty"`
	SourceLayerArn  string `json:"SourceLayerArn,omitempty"`
}

// Cvss is one CVSS score of a vulnerability.
type Cvss struct {
	Version    string   `json:"Version,omitempty"`
	BaseScore  *float64 `json:"BaseScore,omitempty"`
	BaseVector string   `json:"BaseVector,omitempty"`
	Source     string   `json:"Source,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// VulnerabilityVendor names the advisory source of a vulnerability.
type VulnerabilityVendor struct {
	Name            string `json:"Name"`
	Url             string `json:"Url,omitempty"`
	VendorSeverity  string `json:"VendorSeverity,omitempty"`
	VendorCreatedAt string `json:"VendorCreatedAt,omitempty"`
	VendorUpdatedAt string `json:"VendorUpdatedAt,omitempty"`
}

// FindingProviderFields are the provider's own view of severity and types,
// which BatchImportFindings may update after creation.
type FindingProviderFields struct {
	Confidence  *int32    `json:"Confidence,omitempty"`
	Criticality *int32    `json:"Criticality,omitempty"`
	Severity    *Severity `json:"Severity,omitempty"`
	Types       []string  `json:"Types,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}
