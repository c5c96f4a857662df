// Package vulndb holds OSV advisories: the record model, the offline
// database, the OSV API client and version matching.
package vulndb

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Range types and event kinds of the OSV schema.
const (
	RangeEcosystem = "ECOSYSTEM"
	RangeSemver    = "SEMVER"
	RangeGit       = "GIT"
)

// Vulnerability is one OSV record. Fields a scanner does not interpret
// (database_specific, ecosystem_specific) are kept as raw JSON of any shape.
type Vulnerability struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         string          `json:"modified"`
	Published        string          `json:"published,omitempty"`
	Withdrawn        string          `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is one severity score: a CVSS vector with its type.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Package names an affected package.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Purl      string `json:"purl,omitempty"`
}

// Affected is one package an advisory affects, with the versions.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Range is a version range made of events.
type Range struct {
	Type             string          `json:"type"`
	Repo             string          `json:"repo,omitempty"`
	Events           []Event         `json:"events"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Event is one point of a range; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link about the advisory.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// IsWithdrawn reports whether the record was withdrawn: such a record
// never matches.
// Timestamps are kept as written so that a record with an unusual one still
// loads.
func (v *Vulnerability) IsWithdrawn() bool { return strings.TrimSpace(v.Withdrawn) != "" }

// ModifiedTime parses the record's modified timestamp (zero when absent or
// unreadable).
func (v *Vulnerability) ModifiedTime() time.Time {
	t, err := time.Parse(time.RFC3339Nano, v.Modified)
	if err != nil {
		return time.Time{}
	}
	return t
}

// ParseRecord decodes one OSV JSON record. It accepts every schema 1.x
// record whether or not it declares schema_version, and rejects documents
// that are not OSV records (no id, or neither affected nor withdrawn data).
func ParseRecord(data []byte) (*Vulnerability, error) {
	var v Vulnerability
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("decode OSV record: %w", err)
	}
	if strings.TrimSpace(v.ID) == "" {
		return nil, fmt.Errorf("decode OSV record: no \"id\": not an OSV record")
	}
	if v.Modified == "" && len(v.Affected) == 0 {
		return nil, fmt.Errorf("decode OSV record %s: neither \"modified\" nor \"affected\": not an OSV record", v.ID)
	}
	return &v, nil
}

// GHSASeverity returns the severity word of a GitHub advisory's
// database_specific.severity ("HIGH", "MODERATE", …), or "".
func (v *Vulnerability) GHSASeverity() string {
	if len(v.DatabaseSpecific) == 0 {
		return ""
	}
	var ds struct {
		Severity any `json:"severity"`
	}
	if err := json.Unmarshal(v.DatabaseSpecific, &ds); err != nil {
		return ""
	}
	s, _ := ds.Severity.(string)
	return strings.ToUpper(strings.TrimSpace(s))
}

// Fixed returns the lowest fixed version among the ranges of the affected
// entries that cover name in ecosystem and contain version, or "".
func (v *Vulnerability) Fixed(ecosystem, name, version string) string {
	return fixedFor(v, ecosystem, name, version)
}
