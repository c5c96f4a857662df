package compliance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Verdicts a team records in the manual checklist.
const (
	ManualCompliant     = "compliant"
	ManualPartial       = "partial"
	ManualNonCompliant  = "non-compliant"
	ManualNotApplicable = "not-applicable"
	ManualPending       = "pending"
)

// Checklist is the team's manual evidence (--manual FILE): for each control
// it covers, who owns it, the verdict, the evidence and when it was last
// reviewed. It lives in the repository, next to the code it describes, so
// its history is the audit trail.
type Checklist struct {
	SchemaVersion int           `yaml:"schema_version"`
	Controls      []ManualEntry `yaml:"controls"`
	// File is where it was read from.
	File string `yaml:"-"`
}

// ManualEntry is one control's manual evidence.
type ManualEntry struct {
	ID       string   `yaml:"id" json:"-"`
	Owner    string   `yaml:"owner" json:"owner,omitempty"`
	Status   string   `yaml:"status" json:"status,omitempty"`
	Evidence []string `yaml:"evidence" json:"evidence,omitempty"`
	// Reviewed is the date (YYYY-MM-DD) the entry was last checked.
	Reviewed string `yaml:"reviewed" json:"reviewed,omitempty"`
	// Reason says why a control is not applicable.
	Reason string `yaml:"reason" json:"reason,omitempty"`
	Notes  string `yaml:"notes" json:"notes,omitempty"`
}

// entry returns the manual evidence of a control; a nil checklist has none.
func (c *Checklist) entry(id string) (ManualEntry, bool) {
	if c == nil {
		return ManualEntry{}, false
	}
	for _, e := range c.Controls {
		if e.ID == id {
			return e, true
		}
	}
	return ManualEntry{}, false
}

// maxChecklistBytes bounds what ReadChecklist reads.
const maxChecklistBytes = 4 << 20

// ReadChecklist reads and checks a manual checklist file.
func ReadChecklist(path string) (*Checklist, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read manual checklist: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxChecklistBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read manual checklist %s: %w", path, err)
	}
	if len(data) > maxChecklistBytes {
		return nil, fmt.Errorf("read manual checklist %s: larger than %d MiB", path, maxChecklistBytes>>20)
	}
	c, err := ParseChecklist(data, path)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ParseChecklist decodes a checklist and checks every entry against the
// ISMS-P catalogue; errors name the file and line.
func ParseChecklist(data []byte, name string) (*Checklist, error) {
	cat, err := LoadCatalogue()
	if err != nil {
		return nil, err
	}
	var doc struct {
		SchemaVersion int         `yaml:"schema_version"`
		Controls      []yaml.Node `yaml:"controls"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty manual checklist: write one with 'secops compliance isms-p --manual-template'", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if doc.SchemaVersion != 1 {
		return nil, fmt.Errorf("%s: schema_version %d is not supported (want 1)", name, doc.SchemaVersion)
	}
	c := &Checklist{SchemaVersion: doc.SchemaVersion, File: name}
	var errs []error
	seen := map[string]int{}
	for _, node := range doc.Controls {
		var e ManualEntry
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s:%d: %s", name, node.Line, fmt.Sprintf(format, args...)))
		}
		if err := node.Decode(&e); err != nil {
			bad("%v", err)
			continue
		}
		if err := checkKnownKeys(&node); err != nil {
			bad("%v", err)
			continue
		}
		e.ID = strings.TrimSpace(e.ID)
		if _, ok := cat.Control(e.ID); !ok {
			bad("control %q is not an ISMS-P 2023 control (ids look like 2.5.4)", e.ID)
			continue
		}
		if line, dup := seen[e.ID]; dup {
			bad("control %s is listed twice (also on line %d)", e.ID, line)
			continue
		}
		seen[e.ID] = node.Line
		status, ok := normaliseManualStatus(e.Status)
		if !ok {
			bad("control %s: status %q: use compliant, partial, non-compliant, not-applicable or pending", e.ID, e.Status)
			continue
		}
		e.Status = status
		if e.Status == ManualNotApplicable && strings.TrimSpace(e.Reason) == "" {
			bad("control %s is not-applicable without a reason: say why in reason:", e.ID)
		}
		if e.Reviewed != "" {
			if _, err := time.Parse(time.DateOnly, e.Reviewed); err != nil {
				bad("control %s: reviewed %q is not a date (YYYY-MM-DD)", e.ID, e.Reviewed)
			}
		}
		c.Controls = append(c.Controls, e)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// checkKnownKeys refuses keys ManualEntry does not have (a typo such as
// "evidense" would otherwise drop evidence silently).
func checkKnownKeys(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("each control is a mapping with id, owner, status, evidence, reviewed, reason, notes")
	}
	for i := 0; i < len(n.Content); i += 2 {
		switch k := n.Content[i].Value; k {
		case "id", "owner", "status", "evidence", "reviewed", "reason", "notes":
		default:
			return fmt.Errorf("unknown key %q (keys: id, owner, status, evidence, reviewed, reason, notes)", k)
		}
	}
	return nil
}

func normaliseManualStatus(s string) (string, bool) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.NewReplacer("_", "-", " ", "-").Replace(v)
	switch v {
	case "":
		return ManualPending, true
	case ManualCompliant, ManualPartial, ManualNonCompliant, ManualNotApplicable, ManualPending:
		return v, true
	case "noncompliant":
		return ManualNonCompliant, true
	case "n/a", "na":
		return ManualNotApplicable, true
	}
	return "", false
}

// ManualTemplate writes a checklist for a team to fill in: every control
// the mapping has no AWS Config rule for, with empty owner and evidence,
// its title in the chosen language as a comment.
func ManualTemplate(w io.Writer, korean bool) error {
	cat, err := LoadCatalogue()
	if err != nil {
		return err
	}
	m, err := LoadISMSP()
	if err != nil {
		return err
	}
	automated := map[string]bool{}
	for _, c := range m.Controls {
		automated[c.ID] = true
	}
	var b strings.Builder
	if korean {
		b.WriteString(`# ISMS-P 수동 증적 체크리스트: 'secops compliance isms-p --manual 파일'로 보고서에 합칩니다.
# AWS Config 규칙으로 확인할 수 없는 인증기준입니다. 저장소에 두고 심사 전마다 검토하세요.
# status: compliant(적합), partial(부분 적합), non-compliant(부적합), not-applicable(해당 없음, reason 필수), pending(확인 중)
# AWS Config 규칙이 있는 인증기준도 같은 형식으로 추가할 수 있습니다(담당자, 추가 증적).
`)
	} else {
		b.WriteString(`# ISMS-P manual evidence checklist, merged into the report with 'secops compliance isms-p --manual FILE'.
# These controls have no AWS Config rule to evidence them. Keep this file in the repository and
# review it before each audit.
# status: compliant, partial, non-compliant, not-applicable (give a reason) or pending.
# Controls with AWS Config rules can be added the same way (an owner, extra evidence).
`)
	}
	b.WriteString("schema_version: 1\ncontrols:\n")
	for _, d := range cat.Domains {
		for _, sd := range d.Subdomains {
			for _, e := range sd.Controls {
				if automated[e.ID] {
					continue
				}
				title := e.TitleEn
				if korean {
					title = e.TitleKo
				}
				fmt.Fprintf(&b, "  # %s %s\n  - id: %q\n    owner: \"\"\n    status: pending\n    evidence: []\n    reviewed: \"\"\n    notes: \"\"\n", e.ID, title, e.ID)
			}
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}
