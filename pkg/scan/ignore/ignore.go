// Package ignore reads the .secopsignore file: accepted findings, each with
// a reason and usually an expiry date.
package ignore

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/secops-dev/secops/pkg/findings"
)

// DefaultName is the ignore file looked for at the scan root.
const DefaultName = ".secopsignore"

// dateLayout is how expires is written.
const dateLayout = "2006-01-02"

// Entry is one accepted finding or rule.
type Entry struct {
	ID      string
	Rule    string
	Paths   []string
	Reason  string
	Expires string
	// Line is where the entry starts in the file, for messages.
	Line int

	expiresAt time.Time // zero when the entry never expires
}

// File is a parsed ignore file.
//
// The file is a YAML list. Each entry names what it ignores with exactly one
// of id (a finding Id or its short form) or rule (a gosec rule such as G101,
// a gitleaks rule id, an advisory id such as GHSA-… or GO-…, or a CVE that
// an advisory lists as an alias), may narrow it to paths (globs, "**"
// matches any number of directories), must give a reason, and may expire,
// after which the finding counts again:
//
//   - rule: GHSA-jfh8-c2jp-5v3q
//     paths: ["services/billing/**"]
//     reason: log4j is not reachable, JNDI lookups disabled (SEC-42)
//     expires: 2026-12-31
//   - id: 3f2a9c0d1e4b
//     reason: test fixture, not a real credential
type File struct {
	Path    string
	Entries []Entry
}

// Error is a problem with one line of an ignore file.
type Error struct {
	Path    string
	Line    int
	Problem string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Problem)
}

// Load reads the ignore file at path. A missing file is no error when
// optional is true (the default .secopsignore); it is when the user named
// the file.
func Load(path string, optional bool) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return &File{Path: path}, nil
		}
		return nil, fmt.Errorf("read ignore file: %w", err)
	}
	return Parse(path, data)
}

// Parse reads an ignore file's content; name is used in messages.
func Parse(name string, data []byte) (*File, error) {
	out := &File{Path: name}
	if len(bytes.TrimSpace(data)) == 0 {
		return out, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return out, nil
	}
	list := doc.Content[0]
	if list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return out, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, &Error{name, list.Line, "expected a list of entries (each starting with \"- id:\" or \"- rule:\")"}
	}
	for _, item := range list.Content {
		e, err := parseEntry(name, item)
		if err != nil {
			return nil, err
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

func parseEntry(name string, n *yaml.Node) (Entry, error) {
	e := Entry{Line: n.Line}
	fail := func(line int, format string, args ...any) (Entry, error) {
		return Entry{}, &Error{name, line, fmt.Sprintf(format, args...)}
	}
	if n.Kind != yaml.MappingNode {
		return fail(n.Line, "entry must be a mapping with id or rule, and reason")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			return fail(k.Line, "%q given twice", k.Value)
		}
		seen[k.Value] = true
		switch k.Value {
		case "id", "rule", "reason", "expires":
			if v.Kind != yaml.ScalarNode {
				return fail(v.Line, "%s must be a single value", k.Value)
			}
			s := strings.TrimSpace(v.Value)
			switch k.Value {
			case "id":
				e.ID = s
			case "rule":
				e.Rule = s
			case "reason":
				e.Reason = s
			case "expires":
				t, err := time.Parse(dateLayout, s)
				if err != nil {
					return fail(v.Line, "expires %q is not a date in the form YYYY-MM-DD", v.Value)
				}
				e.Expires, e.expiresAt = s, t
			}
		case "paths":
			var items []*yaml.Node
			switch v.Kind {
			case yaml.ScalarNode:
				items = []*yaml.Node{v}
			case yaml.SequenceNode:
				items = v.Content
			default:
				return fail(v.Line, "paths must be a list of globs")
			}
			for _, p := range items {
				if p.Kind != yaml.ScalarNode {
					return fail(p.Line, "paths must be a list of globs")
				}
				if err := checkGlob(p.Value); err != nil {
					return fail(p.Line, "%v", err)
				}
				e.Paths = append(e.Paths, p.Value)
			}
		default:
			return fail(k.Line, "unknown key %q (use id, rule, paths, reason, expires)", k.Value)
		}
	}
	switch {
	case e.ID == "" && e.Rule == "":
		return fail(n.Line, "entry needs an id (finding Id) or a rule (rule or advisory id)")
	case e.ID != "" && e.Rule != "":
		return fail(n.Line, "entry has both id and rule; write one entry for each")
	case e.Reason == "":
		return fail(n.Line, "entry for %s has no reason; say why it is accepted", e.subject())
	}
	return e, nil
}

func (e Entry) subject() string {
	if e.ID != "" {
		return "id " + e.ID
	}
	return "rule " + e.Rule
}

// String names the entry for messages: "rule G101 (line 3, expired 2026-01-31)".
func (e Entry) String() string {
	s := fmt.Sprintf("%s (line %d", e.subject(), e.Line)
	if e.Expires != "" {
		s += ", expires " + e.Expires
	}
	return s + ")"
}

// Expired reports whether the entry no longer applies at now. An entry
// applies through the whole of its expiry day (UTC).
func (e Entry) Expired(now time.Time) bool {
	if e.expiresAt.IsZero() {
		return false
	}
	return !now.UTC().Before(e.expiresAt.AddDate(0, 0, 1))
}

// Split returns the entries that apply at now and those that have expired.
func (f *File) Split(now time.Time) (active, expired []Entry) {
	if f == nil {
		return nil, nil
	}
	for _, e := range f.Entries {
		if e.Expired(now) {
			expired = append(expired, e)
		} else {
			active = append(active, e)
		}
	}
	return active, expired
}

// Matches reports whether the entry covers the finding.
func (e Entry) Matches(f *findings.Finding) bool {
	switch {
	case e.ID != "":
		if f.Id != e.ID && findings.ShortID(f.Id) != e.ID {
			return false
		}
	case e.Rule != "":
		if !hasRule(f, e.Rule) {
			return false
		}
	default:
		return false
	}
	if len(e.Paths) == 0 {
		return true
	}
	for _, p := range findings.Paths(f) {
		for _, g := range e.Paths {
			if MatchGlob(g, p) {
				return true
			}
		}
	}
	return false
}

// hasRule compares the rule with the finding's rule id, its advisory ids
// and their aliases, ignoring case.
func hasRule(f *findings.Finding, rule string) bool {
	if strings.EqualFold(f.ProductFields[findings.FieldRuleID], rule) {
		return true
	}
	for _, v := range f.Vulnerabilities {
		if strings.EqualFold(v.Id, rule) {
			return true
		}
		for _, alias := range v.RelatedVulnerabilities {
			if strings.EqualFold(alias, rule) {
				return true
			}
		}
	}
	return false
}

// Apply splits list into the findings no entry covers and the ones an
// entry covers. Only entries that apply (see Split) should be passed.
func Apply(list []findings.Finding, entries []Entry) (kept, ignored []findings.Finding) {
	for _, f := range list {
		if covered(&f, entries) {
			ignored = append(ignored, f)
		} else {
			kept = append(kept, f)
		}
	}
	return kept, ignored
}

func covered(f *findings.Finding, entries []Entry) bool {
	_, ok := Match(f, entries)
	return ok
}

// Match returns the first entry that covers the finding.
func Match(f *findings.Finding, entries []Entry) (Entry, bool) {
	for _, e := range entries {
		if e.Matches(f) {
			return e, true
		}
	}
	return Entry{}, false
}
