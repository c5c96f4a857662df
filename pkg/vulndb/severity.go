package vulndb

import (
	"math"
	"strings"

	cvss20 "github.com/pandatix/go-cvss/20"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	cvss40 "github.com/pandatix/go-cvss/40"
)

// Severity labels, as ASFF spells them.
const (
	LabelInformational = "INFORMATIONAL"
	LabelLow           = "LOW"
	LabelMedium        = "MEDIUM"
	LabelHigh          = "HIGH"
	LabelCritical      = "CRITICAL"
)

// Score is one CVSS base score computed from a vector.
type Score struct {
	Version string // "2.0", "3.0", "3.1", "4.0"
	Base    float64
	Vector  string
}

// Rating is the severity of an advisory for a package.
type Rating struct {
	Label string // INFORMATIONAL … CRITICAL
	// Source says where the label came from: "CVSS_V3", "CVSS_V4",
	// "CVSS_V2", "GHSA" (database_specific.severity) or "" when the
	// advisory carries no severity.
	Source string
	Scores []Score
}

// ParseCVSS computes the base score of a CVSS v2, v3.0, v3.1 or v4.0
// vector. ok is false for a vector that does not parse.
func ParseCVSS(vector string) (Score, bool) {
	vector = strings.TrimSpace(vector)
	switch {
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		c, err := cvss31.ParseVector(vector)
		if err != nil {
			return Score{}, false
		}
		return Score{Version: "3.1", Base: c.BaseScore(), Vector: vector}, true
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		c, err := cvss30.ParseVector(vector)
		if err != nil {
			return Score{}, false
		}
		return Score{Version: "3.0", Base: c.BaseScore(), Vector: vector}, true
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		c, err := cvss40.ParseVector(vector)
		if err != nil {
			return Score{}, false
		}
		return Score{Version: "4.0", Base: c.Score(), Vector: vector}, true
	default:
		v := strings.TrimPrefix(strings.TrimPrefix(vector, "("), "CVSS:2.0/")
		v = strings.TrimSuffix(v, ")")
		c, err := cvss20.ParseVector(v)
		if err != nil {
			return Score{}, false
		}
		return Score{Version: "2.0", Base: c.BaseScore(), Vector: vector}, true
	}
}

// LabelForScore maps a CVSS base score to a label with the CVSS v3
// qualitative scale: 0 none (INFORMATIONAL), 0.1–3.9 LOW, 4.0–6.9 MEDIUM,
// 7.0–8.9 HIGH, 9.0–10 CRITICAL.
func LabelForScore(score float64) string {
	score = math.Round(score*10) / 10
	switch {
	case score >= 9.0:
		return LabelCritical
	case score >= 7.0:
		return LabelHigh
	case score >= 4.0:
		return LabelMedium
	case score > 0:
		return LabelLow
	default:
		return LabelInformational
	}
}

// Rate rates the advisory: the CVSS v3 base score when the record (or the
// affected entry of the package) has one, else v4, else v2, else the
// severity word of GitHub's database_specific (MODERATE → MEDIUM). An
// advisory without any severity is rated MEDIUM with Source "".
func (v *Vulnerability) Rate(ecosystem, name string) Rating {
	sev := append([]Severity(nil), v.Severity...)
	norm := NormalizeName(ecosystem, name)
	for i := range v.Affected {
		if v.Affected[i].covers(ecosystem, norm) {
			sev = append(sev, v.Affected[i].Severity...)
		}
	}
	var r Rating
	best := map[string]Score{}
	for _, s := range sev {
		sc, ok := ParseCVSS(s.Score)
		if !ok {
			continue
		}
		r.Scores = append(r.Scores, sc)
		key := string(sc.Version[0])
		if old, ok := best[key]; !ok || sc.Base > old.Base {
			best[key] = sc
		}
	}
	for _, key := range []string{"3", "4", "2"} {
		if sc, ok := best[key]; ok {
			r.Label = LabelForScore(sc.Base)
			r.Source = "CVSS_V" + key
			return r
		}
	}
	switch v.GHSASeverity() {
	case "CRITICAL":
		r.Label = LabelCritical
	case "HIGH":
		r.Label = LabelHigh
	case "MODERATE", "MEDIUM":
		r.Label = LabelMedium
	case "LOW":
		r.Label = LabelLow
	}
	if r.Label != "" {
		r.Source = "GHSA"
		return r
	}
	r.Label = LabelMedium
	return r
}
