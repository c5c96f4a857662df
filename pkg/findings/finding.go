// Package findings holds the AWS Security Finding Format (ASFF) model, its
// lifecycle and the Store interface every backend implements.
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
	ProductName           string                 `json:"ProductName,omitzero"`
	CompanyName           string                 `json:"CompanyName,omitzero"`
	Region                string                 `json:"Region,omitzero"`
	GeneratorId           string                 `json:"GeneratorId"`
	AwsAccountId          string                 `json:"AwsAccountId"`
	Types                 []string               `json:"Types,omitzero"`
	FirstObservedAt       string                 `json:"FirstObservedAt,omitzero"`
	LastObservedAt        string                 `json:"LastObservedAt,omitzero"`
	CreatedAt             string                 `json:"CreatedAt"`
	UpdatedAt             string                 `json:"UpdatedAt"`
	Severity              *Severity              `json:"Severity,omitzero"`
	Confidence            *int32                 `json:"Confidence,omitzero"`
	Criticality           *int32                 `json:"Criticality,omitzero"`
	Title                 string                 `json:"Title"`
	Description           string                 `json:"Description"`
	Remediation           *Remediation           `json:"Remediation,omitzero"`
	SourceUrl             string                 `json:"SourceUrl,omitzero"`
	ProductFields         map[string]string      `json:"ProductFields,omitzero"`
	UserDefinedFields     map[string]string      `json:"UserDefinedFields,omitzero"`
	Resources             []Resource             `json:"Resources,omitzero"`
	Compliance            *Compliance            `json:"Compliance,omitzero"`
	VerificationState     string                 `json:"VerificationState,omitzero"`
	WorkflowState         string                 `json:"WorkflowState,omitzero"`
	Workflow              *Workflow              `json:"Workflow,omitzero"`
	RecordState           string                 `json:"RecordState,omitzero"`
	Note                  *Note                  `json:"Note,omitzero"`
	Vulnerabilities       []Vulnerability        `json:"Vulnerabilities,omitzero"`
	FindingProviderFields *FindingProviderFields `json:"FindingProviderFields,omitzero"`

	// Extra holds ASFF attributes that have no field above, unchanged.
	Extra map[string]json.RawMessage `json:"-"`
}

// Severity is ASFF's Severity object. Label is the attribute that counts;
// Normalized is deprecated by AWS but still accepted and kept.
type Severity struct {
	Label      string   `json:"Label,omitzero"`
	Normalized *int32   `json:"Normalized,omitzero"`
	Original   string   `json:"Original,omitzero"`
	Product    *float64 `json:"Product,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Remediation tells the reader how to fix the finding.
type Remediation struct {
	Recommendation *Recommendation `json:"Recommendation,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Recommendation is ASFF's Remediation.Recommendation.
type Recommendation struct {
	Text string `json:"Text,omitzero"`
	Url  string `json:"Url,omitzero"`
}

// Resource is a thing a finding is about: a package, a file, a URL, an AWS
// resource. Details is kept as raw JSON: it is a union of hundreds of AWS
// resource shapes that secops passes through without interpreting.
type Resource struct {
	Type         string            `json:"Type"`
	Id           string            `json:"Id"`
	Partition    string            `json:"Partition,omitzero"`
	Region       string            `json:"Region,omitzero"`
	ResourceRole string            `json:"ResourceRole,omitzero"`
	Tags         map[string]string `json:"Tags,omitzero"`
	Details      json.RawMessage   `json:"Details,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Compliance is the result of a control check.
type Compliance struct {
	Status              string   `json:"Status,omitzero"`
	RelatedRequirements []string `json:"RelatedRequirements,omitzero"`
	SecurityControlId   string   `json:"SecurityControlId,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Workflow is the triage state a user sets with BatchUpdateFindings.
type Workflow struct {
	Status string `json:"Status,omitzero"`
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
	VulnerablePackages     []SoftwarePackage    `json:"VulnerablePackages,omitzero"`
	Cvss                   []Cvss               `json:"Cvss,omitzero"`
	RelatedVulnerabilities []string             `json:"RelatedVulnerabilities,omitzero"`
	Vendor                 *VulnerabilityVendor `json:"Vendor,omitzero"`
	ReferenceUrls          []string             `json:"ReferenceUrls,omitzero"`
	FixAvailable           string               `json:"FixAvailable,omitzero"`
	ExploitAvailable       string               `json:"ExploitAvailable,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

// SoftwarePackage is one vulnerable package version.
type SoftwarePackage struct {
	Name            string `json:"Name,omitzero"`
	Version         string `json:"Version,omitzero"`
	Epoch           string `json:"Epoch,omitzero"`
	Release         string `json:"Release,omitzero"`
	Architecture    string `json:"Architecture,omitzero"`
	PackageManager  string `json:"PackageManager,omitzero"`
	FilePath        string `json:"FilePath,omitzero"`
	FixedInVersion  string `json:"FixedInVersion,omitzero"`
	Remediation     string `json:"Remediation,omitzero"`
	SourceLayerHash string `json:"SourceLayerHash,omitzero"`
	SourceLayerArn  string `json:"SourceLayerArn,omitzero"`
}

// Cvss is one CVSS score of a vulnerability.
type Cvss struct {
	Version    string   `json:"Version,omitzero"`
	BaseScore  *float64 `json:"BaseScore,omitzero"`
	BaseVector string   `json:"BaseVector,omitzero"`
	Source     string   `json:"Source,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}

// VulnerabilityVendor names the advisory source of a vulnerability.
type VulnerabilityVendor struct {
	Name            string `json:"Name"`
	Url             string `json:"Url,omitzero"`
	VendorSeverity  string `json:"VendorSeverity,omitzero"`
	VendorCreatedAt string `json:"VendorCreatedAt,omitzero"`
	VendorUpdatedAt string `json:"VendorUpdatedAt,omitzero"`
}

// FindingProviderFields are the provider's own view of severity and types,
// which BatchImportFindings may update after creation.
type FindingProviderFields struct {
	Confidence  *int32    `json:"Confidence,omitzero"`
	Criticality *int32    `json:"Criticality,omitzero"`
	Severity    *Severity `json:"Severity,omitzero"`
	Types       []string  `json:"Types,omitzero"`

	Extra map[string]json.RawMessage `json:"-"`
}
