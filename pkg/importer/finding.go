package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// ASFF Types the importer assigns, from the Security Hub types taxonomy.
const (
	typeVulnerability = "Software and Configuration Checks/Vulnerabilities/CVE"
	typeCodeQuality   = "Software and Configuration Checks/Vulnerabilities"
	typeBestPractice  = "Software and Configuration Checks/Industry and Regulatory Standards"
	typeSecret        = "Sensitive Data Identifications/Passwords"
	typeAWSPractice   = "Software and Configuration Checks/AWS Security Best Practices"
)

// Resource types secops uses for things that are not AWS resources.
const (
	resourceFile      = "Other"
	resourcePackage   = "Other"
	resourceURL       = "Other"
	resourceContainer = "Container"
)

const (
	maxTitle       = 256
	maxDescription = 1024
)

// A tool writes the reports of one format and makes their findings: its
// name and company are the findings' ProductName and CompanyName.
type tool struct {
	format        Format
	name, company string
	// generator is the findings' GeneratorId; empty means
	// "secops/import/<format>". A tool that secops also runs itself
	// shares the GeneratorId of that scanner, so its findings are the
	// same whichever way they come.
	generator string
}

func (t tool) generatorID() string {
	if t.generator != "" {
		return t.generator
	}
	return "secops/import/" + string(t.format)
}

// Generator is the GeneratorId of every finding imported from a report of
// format f (the rule is in ProductFields secops/RuleId), so that a store
// can scope a complete re-import to what one tool reported.
func Generator(f Format) string {
	if im, ok := lookup(f); ok {
		return im.generatorID()
	}
	return tool{format: f}.generatorID()
}

// newFinding starts a finding with what every importer sets: a
// deterministic Id from the generator, the resource, the location within
// it and the rule, the generator and the tool as product.
func newFinding(t tool, resource, location, rule string) findings.Finding {
	gen := t.generatorID()
	return findings.Finding{
		Id:            findings.NewID(gen, resource, location, rule),
		GeneratorId:   gen,
		ProductName:   t.name,
		CompanyName:   t.company,
		ProductFields: map[string]string{},
	}
}

// finish makes a finding valid ASFF: titles and descriptions within
// Security Hub's limits, a description where the tool gave none, no empty
// product fields, and the reporter's provenance.
func finish(f *findings.Finding, prov findings.Provenance) {
	f.Title = findings.Truncate(oneLine(f.Title), maxTitle)
	if strings.TrimSpace(f.Title) == "" {
		f.Title = "Finding " + findings.ShortID(f.Id)
	}
	f.Description = strings.TrimSpace(f.Description)
	if f.Description == "" {
		f.Description = f.Title
	}
	f.Description = findings.Truncate(f.Description, maxDescription)
	for k, v := range f.ProductFields {
		if v == "" {
			delete(f.ProductFields, k)
			continue
		}
		// Security Hub takes ProductFields values of up to 2048 characters.
		f.ProductFields[k] = findings.Truncate(v, 2048)
	}
	if len(f.ProductFields) == 0 {
		f.ProductFields = nil
	}
	if f.Remediation != nil && f.Remediation.Recommendation != nil {
		r := f.Remediation.Recommendation
		r.Text = findings.Truncate(strings.TrimSpace(r.Text), 512)
		if r.Text == "" && r.Url == "" {
			f.Remediation = nil
		}
	}
	for i := range f.Resources {
		f.Resources[i].Id = findings.Truncate(f.Resources[i].Id, 512)
	}
	prov.Stamp(f)
}

// oneLine folds whitespace runs (newlines included) into single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// firstNonEmpty returns the first of values that is not blank.
func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func itoa(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// severity builds an ASFF Severity from an ASFF label and the tool's own word.
func severity(label, original string) *findings.Severity {
	return findings.NewSeverity(label, original)
}

// labelFromWord maps the severity words tools use to ASFF labels.
func labelFromWord(word string) (string, bool) {
	switch strings.ToUpper(strings.TrimSpace(word)) {
	case "CRITICAL", "BLOCKER":
		return findings.SeverityCritical, true
	case "HIGH", "MAJOR", "ERROR", "IMPORTANT":
		return findings.SeverityHigh, true
	case "MEDIUM", "MODERATE", "WARNING", "WARN":
		return findings.SeverityMedium, true
	case "LOW", "MINOR", "NOTE", "NEGLIGIBLE":
		return findings.SeverityLow, true
	case "INFO", "INFORMATIONAL", "INFORMATION", "NONE":
		return findings.SeverityInformational, true
	}
	return "", false
}

// isEmptyDocument reports whether data holds no report at all: nothing
// but whitespace, JSON null, or an empty JSON array.
func isEmptyDocument(data []byte) bool {
	t := bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(data), []byte("\ufeff")))
	if len(t) == 0 || string(t) == "null" {
		return true
	}
	if t[0] == '[' && len(bytes.TrimSpace(t[1:])) > 0 && bytes.TrimSpace(t[1:])[0] == ']' && len(bytes.TrimSpace(bytes.TrimSpace(t[1:])[1:])) == 0 {
		return true
	}
	return false
}

// stripBOM removes a UTF-8 byte order mark, which encoding/json rejects.
func stripBOM(data []byte) []byte {
	return bytes.TrimPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("\ufeff"))
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// jsonErr explains a JSON decoding error with its line.
func jsonErr(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON at line %d: %v", lineAt(data, se.Offset), se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("unexpected JSON at line %d: field %s should be %s, not %s", lineAt(data, te.Offset), field, te.Type, te.Value)
	}
	return err
}

func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}

// asffTime rewrites a tool's timestamp as RFC 3339, or drops it when it is
// not one, since Security Hub rejects anything else.
func asffTime(s string) string {
	if s == "" {
		return ""
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05-0700",
		"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return ""
}

// listSome joins the first n items, saying how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(items[:n], "; "), len(items)-n)
}
