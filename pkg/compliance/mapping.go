package compliance

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed data/isms-p-aws.yaml
var ismspYAML []byte

// Mapping is the ISMS-P ↔ AWS Config managed rule mapping shipped with
// secops (data/isms-p-aws.yaml, provenance in data/README.md).
type Mapping struct {
	SchemaVersion    int               `yaml:"schema_version"`
	Generated        string            `yaml:"generated"`
	Framework        Framework         `yaml:"framework"`
	ConformancePack  PackSource        `yaml:"conformance_pack"`
	BasisLegend      map[string]string `yaml:"basis_legend"`
	Counts           Counts            `yaml:"counts"`
	Controls         []Control         `yaml:"controls"`
	UnmappedControls []ManualControl   `yaml:"unmapped_controls"`
	Rules            []Rule            `yaml:"rules"`
}

// Framework names the control framework of a mapping.
type Framework struct {
	ID         string `yaml:"id"`
	NameKo     string `yaml:"name_ko"`
	NameEn     string `yaml:"name_en"`
	Authority  string `yaml:"authority"`
	ControlSet string `yaml:"control_set"`
}

// PackSource names the AWS sample conformance pack the mapping is built on.
type PackSource struct {
	Name                   string `yaml:"name"`
	Title                  string `yaml:"title"`
	Repo                   string `yaml:"repo"`
	Path                   string `yaml:"path"`
	LastChangeCommit       string `yaml:"last_change_commit"`
	SnapshotCommit         string `yaml:"snapshot_commit"`
	RuleCount              int    `yaml:"rule_count"`
	TemplateParameterCount int    `yaml:"template_parameter_count"`
	TemplateBytes          int    `yaml:"template_bytes"`
	ConsoleCopyPath        string `yaml:"console_copy_path"`
}

// Counts are the totals the mapping file declares about itself; Validate
// checks them against the content.
type Counts struct {
	ControlsMapped         int            `yaml:"controls_mapped"`
	ControlsMappedSection2 int            `yaml:"controls_mapped_section2"`
	Section2ControlsTotal  int            `yaml:"section2_controls_total"`
	ControlRulePairs       int            `yaml:"control_rule_pairs"`
	PairsByBasis           map[string]int `yaml:"pairs_by_basis"`
	RulesInPack            int            `yaml:"rules_in_pack"`
	RulesInPackMapped      int            `yaml:"rules_in_pack_mapped"`
	RulesNotInPack         int            `yaml:"rules_not_in_pack"`
}

// Control is an ISMS-P control with AWS Config rules as automated evidence.
type Control struct {
	ID                 string        `yaml:"id"`
	TitleKo            string        `yaml:"title_ko"`
	TitleEn            string        `yaml:"title_en"`
	Domain             string        `yaml:"domain"`
	DomainKo           string        `yaml:"domain_ko"`
	DomainEn           string        `yaml:"domain_en"`
	Section            string        `yaml:"section"`
	SectionKo          string        `yaml:"section_ko"`
	SectionEn          string        `yaml:"section_en"`
	SummaryEn          string        `yaml:"summary_en"`
	SummaryKo          string        `yaml:"summary_ko"`
	RuleCount          int           `yaml:"rule_count"`
	AWSBackedRuleCount int           `yaml:"aws_backed_rule_count"`
	Rules              []ControlRule `yaml:"rules"`
}

// ControlRule is one Config rule giving evidence for a control.
type ControlRule struct {
	Identifier      string            `yaml:"identifier"`
	ConfigRuleName  string            `yaml:"config_rule_name"`
	Basis           string            `yaml:"basis"`
	AWSKISMSControl string            `yaml:"aws_kisms_control,omitempty"`
	SuccessorOf     string            `yaml:"successor_of,omitempty"`
	InPack          bool              `yaml:"in_pack"`
	InputParameters map[string]string `yaml:"input_parameters,omitempty"`
	Evidence        []string          `yaml:"evidence"`
}

// ManualControl is a control no Config rule can evidence: it needs a person
// to check it (policy, people, physical, process controls).
type ManualControl struct {
	ID        string `yaml:"id" json:"id"`
	TitleKo   string `yaml:"title_ko" json:"title_ko"`
	TitleEn   string `yaml:"title_en" json:"title_en"`
	Domain    string `yaml:"domain" json:"domain"`
	SummaryEn string `yaml:"summary_en" json:"summary_en"`
	SummaryKo string `yaml:"summary_ko" json:"summary_ko"`
	Reason    string `yaml:"reason" json:"reason"`
}

// Rule is one AWS Config managed rule of the catalogue.
type Rule struct {
	Identifier         string            `yaml:"identifier"`
	ConfigRuleName     string            `yaml:"config_rule_name"`
	InPack             bool              `yaml:"in_pack"`
	Description        string            `yaml:"description"`
	InputParameters    map[string]string `yaml:"input_parameters"`
	TemplateParameters map[string]string `yaml:"template_parameters"`
	ResourceTypes      []string          `yaml:"resource_types"`
	ProwlerEquivalents []string          `yaml:"prowler_equivalents"`
	Note               string            `yaml:"note,omitempty"`
	Controls           []string          `yaml:"controls"`
}

// LoadISMSP parses and validates the embedded ISMS-P mapping.
func LoadISMSP() (*Mapping, error) {
	return ParseMapping(ismspYAML)
}

// ParseMapping parses a mapping document and validates it. Unknown keys are
// errors, so a typo in the data file is found at load time.
func ParseMapping(data []byte) (*Mapping, error) {
	var m Mapping
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("parse compliance mapping: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the mapping's structure: every control has an id and a
// title, every rule an identifier, control rules exist in the catalogue,
// and the catalogue's control lists agree with the controls.
func (m *Mapping) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if m.SchemaVersion != 1 {
		bad("schema_version %d is not supported (want 1)", m.SchemaVersion)
	}
	catalogue := make(map[string]*Rule, len(m.Rules))
	for i := range m.Rules {
		r := &m.Rules[i]
		if r.Identifier == "" {
			bad("rules[%d]: identifier is empty", i)
			continue
		}
		if r.ConfigRuleName == "" {
			bad("rule %s: config_rule_name is empty", r.Identifier)
		}
		if _, dup := catalogue[r.Identifier]; dup {
			bad("rule %s: listed twice in rules", r.Identifier)
		}
		for key := range r.TemplateParameters {
			if _, ok := r.InputParameters[key]; !ok {
				bad("rule %s: template parameter for %q has no input_parameters default", r.Identifier, key)
			}
		}
		catalogue[r.Identifier] = r
	}
	seen := map[string]bool{}
	pairs := map[string]map[string]bool{} // identifier -> control ids
	for i, c := range m.Controls {
		if c.ID == "" {
			bad("controls[%d]: id is empty", i)
			continue
		}
		if c.TitleEn == "" && c.TitleKo == "" {
			bad("control %s: title is empty", c.ID)
		}
		if c.Domain == "" || !strings.HasPrefix(c.ID, c.Domain+".") {
			bad("control %s: domain %q does not contain it", c.ID, c.Domain)
		}
		if seen[c.ID] {
			bad("control %s: listed twice", c.ID)
		}
		seen[c.ID] = true
		if len(c.Rules) == 0 {
			bad("control %s: no rules (list it under unmapped_controls instead)", c.ID)
		}
		if c.RuleCount != len(c.Rules) {
			bad("control %s: rule_count %d but %d rules listed", c.ID, c.RuleCount, len(c.Rules))
		}
		for j, r := range c.Rules {
			if r.Identifier == "" {
				bad("control %s: rules[%d]: identifier is empty", c.ID, j)
				continue
			}
			if _, ok := m.BasisLegend[r.Basis]; !ok {
				bad("control %s: rule %s: basis %q is not in basis_legend", c.ID, r.Identifier, r.Basis)
			}
			if catalogue[r.Identifier] == nil {
				bad("control %s: rule %s is not in the rules catalogue", c.ID, r.Identifier)
				continue
			}
			if pairs[r.Identifier] == nil {
				pairs[r.Identifier] = map[string]bool{}
			}
			pairs[r.Identifier][c.ID] = true
		}
	}
	for i, c := range m.UnmappedControls {
		if c.ID == "" {
			bad("unmapped_controls[%d]: id is empty", i)
			continue
		}
		if c.TitleEn == "" && c.TitleKo == "" {
			bad("unmapped control %s: title is empty", c.ID)
		}
		if seen[c.ID] {
			bad("control %s: both mapped and unmapped", c.ID)
		}
		seen[c.ID] = true
	}
	for _, r := range m.Rules {
		if r.Identifier == "" {
			continue
		}
		got := pairs[r.Identifier]
		if len(got) != len(r.Controls) {
			bad("rule %s: catalogue lists %d controls, controls reference it %d times", r.Identifier, len(r.Controls), len(got))
			continue
		}
		for _, id := range r.Controls {
			if !got[id] {
				bad("rule %s: catalogue lists control %s, which does not reference it", r.Identifier, id)
			}
		}
	}
	return errors.Join(errs...)
}

// Rule returns the catalogue entry for a Config rule identifier.
func (m *Mapping) Rule(identifier string) (*Rule, bool) {
	for i := range m.Rules {
		if m.Rules[i].Identifier == identifier {
			return &m.Rules[i], true
		}
	}
	return nil, false
}

// MappingStats are totals computed from a mapping's content, to compare
// with the Counts it declares.
type MappingStats struct {
	ControlsMapped   int
	ControlRulePairs int
	PairsByBasis     map[string]int
	RulesInPack      int
	RulesNotInPack   int
	RulesUnused      []string // catalogue rules no control references
}

// Stats counts what the mapping holds.
func (m *Mapping) Stats() MappingStats {
	s := MappingStats{ControlsMapped: len(m.Controls), PairsByBasis: map[string]int{}}
	used := map[string]bool{}
	for _, c := range m.Controls {
		for _, r := range c.Rules {
			s.ControlRulePairs++
			s.PairsByBasis[r.Basis]++
			used[r.Identifier] = true
		}
	}
	for _, r := range m.Rules {
		if r.InPack {
			s.RulesInPack++
		} else {
			s.RulesNotInPack++
		}
		if !used[r.Identifier] {
			s.RulesUnused = append(s.RulesUnused, r.Identifier)
		}
	}
	sort.Strings(s.RulesUnused)
	return s
}

// AnnotateControls fills each rule's Controls from the mapping, joining on
// the rule's identifier.
func (m *Mapping) AnnotateControls(rules []RuleStatus) {
	for i := range rules {
		if r, ok := m.Rule(rules[i].Identifier); ok {
			rules[i].Controls = append([]string(nil), r.Controls...)
		}
	}
}
