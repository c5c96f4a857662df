package findings

import (
	"fmt"
	"strings"
)

// Severity labels, lowest first, as Security Hub defines them.
const (
	SeverityInformational = "INFORMATIONAL"
	SeverityLow           = "LOW"
	SeverityMedium        = "MEDIUM"
	SeverityHigh          = "HIGH"
	SeverityCritical      = "CRITICAL"
)

// SeverityLabels lists every label from lowest to highest.
func SeverityLabels() []string {
	return []string{SeverityInformational, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}
}

// SeverityRank orders labels: INFORMATIONAL is 0, CRITICAL is 4, anything
// else (including an empty label) is -1.
func SeverityRank(label string) int {
	for i, l := range SeverityLabels() {
		if l == label {
			return i
		}
	}
	return -1
}

// ParseSeverity accepts a label in any case and returns it canonical.
func ParseSeverity(s string) (string, error) {
	up := strings.ToUpper(strings.TrimSpace(s))
	if up == "INFO" {
		up = SeverityInformational
	}
	if SeverityRank(up) < 0 {
		return "", fmt.Errorf("unknown severity %q: use one of %s", s, strings.Join(SeverityLabels(), ", "))
	}
	return up, nil
}

// LabelsAtOrAbove returns the labels ranked at or above min.
func LabelsAtOrAbove(min string) []string {
	r := SeverityRank(min)
	if r < 0 {
		return nil
	}
	return SeverityLabels()[r:]
}

// NormalizedForLabel is the Normalized score Security Hub pairs with a label.
func NormalizedForLabel(label string) int32 {
	switch label {
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 40
	case SeverityHigh:
		return 70
	case SeverityCritical:
		return 90
	}
	return 0
}

// LabelForNormalized maps a 0-100 Normalized score to its label.
func LabelForNormalized(n int32) string {
	switch {
	case n >= 90:
		return SeverityCritical
	case n >= 70:
		return SeverityHigh
	case n >= 40:
		return SeverityMedium
	case n >= 1:
		return SeverityLow
	}
	return SeverityInformational
}

// LabelForCVSS maps a CVSS v3/v4 base score to a label using the CVSS
// qualitative rating scale (0 none, 0.1-3.9 low, 4-6.9 medium, 7-8.9 high,
// 9-10 critical).
func LabelForCVSS(score float64) string {
	switch {
	case score >= 9.0:
		return SeverityCritical
	case score >= 7.0:
		return SeverityHigh
	case score >= 4.0:
		return SeverityMedium
	case score > 0:
		return SeverityLow
	}
	return SeverityInformational
}

// NewSeverity builds a Severity with the label, its Normalized score and the
// tool's own wording.
func NewSeverity(label, original string) *Severity {
	n := NormalizedForLabel(label)
	return &Severity{Label: label, Normalized: &n, Original: original}
}

// SeverityLabel is the finding's label, reading the deprecated Normalized
// score where a producer left the label out.
func (f *Finding) SeverityLabel() string {
	if f.Severity == nil {
		return ""
	}
	if f.Severity.Label != "" {
		return f.Severity.Label
	}
	if f.Severity.Normalized != nil {
		return LabelForNormalized(*f.Severity.Normalized)
	}
	return ""
}

// SeverityUnknown is the Severity.Original of a finding whose source gave
// no severity at all (an OSV advisory without CVSS or a rating, as every
// Go vulnerability database record). Its Label is INFORMATIONAL, the label
// Security Hub requires and Trivy's ASFF uses for the same case; tables,
// summaries and SARIF show it as UNKNOWN, and --fail-on counts it only
// when asked (--fail-on-unknown).
const SeverityUnknown = "UNKNOWN"

// UnknownSeverity is the Severity of a finding its source did not rate.
func UnknownSeverity() *Severity { return NewSeverity(SeverityInformational, SeverityUnknown) }

// HasUnknownSeverity reports whether the finding's source gave no severity.
func (f *Finding) HasUnknownSeverity() bool {
	return f.Severity != nil && f.SeverityLabel() == SeverityInformational && strings.EqualFold(f.Severity.Original, SeverityUnknown)
}

// DisplaySeverity is the label tables and summaries show: the ASFF label,
// or UNKNOWN for a finding its source did not rate (or that has no label).
func (f *Finding) DisplaySeverity() string {
	if f.HasUnknownSeverity() {
		return SeverityUnknown
	}
	if l := f.SeverityLabel(); SeverityRank(l) >= 0 {
		return l
	}
	return SeverityUnknown
}
