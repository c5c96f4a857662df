package compliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/progress"
)

// Snapshot identity: a file says what it is so that --from can refuse
// anything else with a clear message.
const (
	SnapshotKind    = "secops/isms-p-snapshot"
	SnapshotVersion = 1
)

// MaxResourcesPerRule caps the non-compliant resources a snapshot records
// for one rule; MoreNonCompliant says when a rule had more.
const MaxResourcesPerRule = 500

// Snapshot is what an ISMS-P report needs from one account and Region at
// one moment: every Config rule with its compliance, for the mapped rules
// when they were evaluated and which resources they found non-compliant,
// and the secops findings that evidence ISMS-P controls. A report renders
// from it without AWS (--from), and two snapshots show what changed
// between audits (--diff).
type Snapshot struct {
	Kind          string           `json:"kind"`
	SchemaVersion int              `json:"schemaVersion"`
	TakenAt       time.Time        `json:"takenAt"`
	Account       string           `json:"account,omitempty"`
	Partition     string           `json:"partition,omitempty"`
	Region        string           `json:"region"`
	Packs         []Pack           `json:"conformancePacks"`
	Rules         []SnapshotRule   `json:"rules"`
	Findings      *FindingsSummary `json:"findings,omitempty"`
}

// SnapshotRule is one deployed Config rule as the snapshot recorded it.
type SnapshotRule struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier,omitempty"`
	Pack       string `json:"pack,omitempty"`
	Status     string `json:"status"`
	CreatedBy  string `json:"createdBy,omitempty"`
	// LastEvaluated is AWS Config's last successful evaluation of the rule.
	LastEvaluated time.Time `json:"lastEvaluated,omitzero"`
	// NonCompliant are the resources the rule found non-compliant (at most
	// MaxResourcesPerRule of them).
	NonCompliant     []Resource `json:"nonCompliantResources,omitempty"`
	MoreNonCompliant bool       `json:"moreNonCompliant,omitempty"`
}

// Resource is one resource a rule evaluated.
type Resource struct {
	Type       string    `json:"type"`
	ID         string    `json:"id"`
	Annotation string    `json:"annotation,omitempty"`
	RecordedAt time.Time `json:"recordedAt,omitzero"`
}

// configReader is what a snapshot reads from AWS Config; *Client is one.
type configReader interface {
	Region() string
	allRules(ctx context.Context) ([]RuleStatus, []Pack, []ConfigRule, error)
	EvaluationTimes(ctx context.Context, names []string) (map[string]time.Time, error)
	Resources(ctx context.Context, q ResourcesQuery) ([]ResourceStatus, error)
}

// SnapshotOptions tune Collect.
type SnapshotOptions struct {
	// Now stamps the snapshot; time.Now when nil.
	Now func() time.Time
	// Findings, when set, is read for the secops findings that evidence
	// ISMS-P controls (FindingKinds). A failure to read them does not fail
	// the snapshot: it is recorded in Findings.Error.
	Findings FindingsReader
	// Resources reads each mapped non-compliant rule's resources and each
	// mapped rule's evaluation time (a report needs them; the terminal
	// table does not).
	Resources bool
	// Progress shows the steps; nil is silent.
	Progress *progress.Reporter
}

// Snapshot reads what an ISMS-P report needs from AWS Config (and the
// findings store, when given).
func (c *Client) Snapshot(ctx context.Context, o SnapshotOptions) (*Snapshot, error) {
	m, err := LoadISMSP()
	if err != nil {
		return nil, err
	}
	return collect(ctx, c, m, o)
}

func collect(ctx context.Context, c configReader, m *Mapping, o SnapshotOptions) (*Snapshot, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	o.Progress.Step("Reading conformance packs and Config rules")
	rules, packs, described, err := c.allRules(ctx)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{
		Kind: SnapshotKind, SchemaVersion: SnapshotVersion,
		TakenAt: now().UTC().Truncate(time.Second), Region: c.Region(),
		Packs: packs, Rules: make([]SnapshotRule, 0, len(rules)),
	}
	if s.Packs == nil {
		s.Packs = []Pack{}
	}
	s.Partition, s.Account = accountOf(described, packs)
	for _, r := range rules {
		s.Rules = append(s.Rules, SnapshotRule{Name: r.Name, Identifier: r.Identifier, Pack: r.Pack, Status: r.Status, CreatedBy: r.CreatedBy})
	}
	// By name, so two snapshots of one account compare line by line.
	sort.SliceStable(s.Rules, func(i, j int) bool { return s.Rules[i].Name < s.Rules[j].Name })
	if o.Resources {
		var mapped []string
		for _, r := range s.Rules {
			if _, ok := m.Rule(r.Identifier); ok {
				mapped = append(mapped, r.Name)
			}
		}
		o.Progress.Step("Reading when %d mapped rules were last evaluated", len(mapped))
		times, err := c.EvaluationTimes(ctx, uniqueStrings(mapped))
		if err != nil {
			return nil, err
		}
		for i := range s.Rules {
			r := &s.Rules[i]
			r.LastEvaluated = times[r.Name].UTC()
			if _, ok := m.Rule(r.Identifier); !ok || r.Status != StatusNonCompliant {
				continue
			}
			o.Progress.Step("Reading the non-compliant resources of %s", r.Name)
			res, err := c.Resources(ctx, ResourcesQuery{Rule: r.Name, Pack: r.Pack, Status: StatusNonCompliant, Limit: MaxResourcesPerRule + 1})
			if err != nil {
				return nil, err
			}
			if len(res) > MaxResourcesPerRule {
				res, r.MoreNonCompliant = res[:MaxResourcesPerRule], true
			}
			for _, x := range res {
				r.NonCompliant = append(r.NonCompliant, Resource{Type: x.ResourceType, ID: x.ResourceID, Annotation: x.Annotation, RecordedAt: x.RecordedAt.UTC()})
			}
		}
	}
	if o.Findings != nil {
		o.Progress.Step("Reading open findings from %s", o.Findings.Backend())
		s.Findings = SummariseFindings(ctx, o.Findings, now())
	}
	return s, nil
}

// accountOf reads the partition and account from a rule's or pack's ARN
// (arn:aws:config:ap-northeast-2:123456789012:config-rule/…), so a
// snapshot needs no STS call. An account with no rules and no packs has
// nothing to report anyway.
func accountOf(rules []ConfigRule, packs []Pack) (partition, account string) {
	var arns []string
	for _, r := range rules {
		arns = append(arns, r.ARN)
	}
	for _, p := range packs {
		arns = append(arns, p.ARN)
	}
	for _, a := range arns {
		parts := strings.SplitN(a, ":", 6)
		if len(parts) == 6 && parts[0] == "arn" && parts[4] != "" {
			return parts[1], parts[4]
		}
	}
	return "", ""
}

func uniqueStrings(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// WriteSnapshot writes s as indented JSON.
func WriteSnapshot(w io.Writer, s *Snapshot) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

// SaveSnapshot writes s to path, replacing it only once the whole file is
// written.
func SaveSnapshot(path string, s *Snapshot) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save snapshot %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".isms-p-snapshot-*")
	if err != nil {
		return fmt.Errorf("save snapshot %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := WriteSnapshot(tmp, s); err != nil {
		tmp.Close()
		return fmt.Errorf("save snapshot %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save snapshot %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save snapshot %s: %w", path, err)
	}
	return nil
}

// maxSnapshotBytes bounds what ReadSnapshot reads: a real snapshot of a
// large account is a few MB.
const maxSnapshotBytes = 64 << 20

// ReadSnapshot reads a snapshot written by --save.
func ReadSnapshot(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("read snapshot %s: it is a directory; give the JSON file written by --save", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSnapshotBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", path, err)
	}
	if len(data) > maxSnapshotBytes {
		return nil, fmt.Errorf("read snapshot %s: larger than %d MiB, not a snapshot written by --save", path, maxSnapshotBytes>>20)
	}
	s, err := ParseSnapshot(data)
	if err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", path, err)
	}
	return s, nil
}

// ParseSnapshot decodes and checks a snapshot document.
func ParseSnapshot(data []byte) (*Snapshot, error) {
	var s Snapshot
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var head struct {
			Kind string `json:"kind"`
		}
		if json.Unmarshal(data, &head) == nil && head.Kind != "" && head.Kind != SnapshotKind {
			return nil, fmt.Errorf("this is a %q document, not an ISMS-P snapshot: write one with 'secops compliance isms-p --save FILE'", head.Kind)
		}
		return nil, fmt.Errorf("not an ISMS-P snapshot (%v): write one with 'secops compliance isms-p --save FILE'", err)
	}
	if dec.More() {
		return nil, errors.New("not an ISMS-P snapshot: more than one JSON document")
	}
	if s.Kind != SnapshotKind {
		return nil, fmt.Errorf("not an ISMS-P snapshot (kind %q, want %q): write one with 'secops compliance isms-p --save FILE'", s.Kind, SnapshotKind)
	}
	if s.SchemaVersion != SnapshotVersion {
		return nil, fmt.Errorf("snapshot schema version %d is not supported by this secops (it reads version %d): update secops", s.SchemaVersion, SnapshotVersion)
	}
	if s.TakenAt.IsZero() {
		return nil, errors.New("snapshot has no takenAt time")
	}
	for i, r := range s.Rules {
		if r.Name == "" {
			return nil, fmt.Errorf("snapshot rules[%d] has no name", i)
		}
		if !knownRuleStatus(r.Status) {
			return nil, fmt.Errorf("snapshot rule %s: status %q is not COMPLIANT, NON_COMPLIANT or INSUFFICIENT_DATA", r.Name, r.Status)
		}
	}
	return &s, nil
}

func knownRuleStatus(s string) bool {
	switch s {
	case StatusCompliant, StatusNonCompliant, StatusInsufficientData, StatusNotApplicable:
		return true
	}
	return false
}

// RuleStatuses returns the snapshot's rules as the mapping evaluates them.
func (s *Snapshot) RuleStatuses() []RuleStatus {
	out := make([]RuleStatus, 0, len(s.Rules))
	for _, r := range s.Rules {
		out = append(out, RuleStatus{Name: r.Name, Identifier: r.Identifier, Pack: r.Pack, Status: r.Status, CreatedBy: r.CreatedBy})
	}
	return out
}

// rulesByIdentifier groups the snapshot's rules by what they check.
func (s *Snapshot) rulesByIdentifier() map[string][]SnapshotRule {
	out := map[string][]SnapshotRule{}
	for _, r := range s.Rules {
		if r.Identifier != "" {
			out[r.Identifier] = append(out[r.Identifier], r)
		}
	}
	for _, list := range out {
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	}
	return out
}
