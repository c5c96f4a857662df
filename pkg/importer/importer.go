// Package importer turns the reports teams already have (SARIF, Trivy, ZAP,
// Dependency-Check, SonarQube, gitleaks, osv-scanner, gosec, Inspector2 and
// ASFF itself) into ASFF findings, one per problem the tool reported.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// Format names a report format.
type Format string

// An importer reads the reports of one tool. Each importer's file declares
// one, and the importers table lists them; everything that names the
// formats (ParseFormat, Formats, Detect, the help and error texts) reads
// them from there.
type importer struct {
	// tool is the format and the tool that writes it.
	tool
	// aliases are other names --format accepts for the format.
	aliases []string
	// about says what of the tool is read, for help texts ("Trivy JSON").
	about string
	// shape is what a report looks like at the top, for the error that
	// explains a document no importer recognised.
	shape string
	// object recognises a JSON object at the top of a report of this
	// format, array a JSON array of objects by its first element, and
	// xmlRoot the root element of its XML form; unset means the format
	// has no such form.
	object  func(top keys) bool
	array   func(first keys) bool
	xmlRoot string
	// parse converts a report into findings (see ParseReport).
	parse parser
	// asff says the report holds ASFF findings already: they are only
	// repaired, not rebuilt, and keep their producer's Ids unless
	// different findings share one (see asff.go).
	asff bool
}

// importers is every format Parse reads, in the order the formats are
// documented, listed by --format and tried by Detect. A new format is one
// file that declares its importer, and one line here.
var importers = []*importer{
	&asffImporter,
	&sarifImporter,
	&dependencyCheckImporter,
	&sonarQubeImporter,
	&zapImporter,
	&trivyImporter,
	&gitleaksImporter,
	&osvScannerImporter,
	&gosecImporter,
	&inspector2Importer,
}

func lookup(f Format) (*importer, bool) {
	for _, im := range importers {
		if im.format == f {
			return im, true
		}
	}
	return nil, false
}

// MaxReportBytes is the largest report Parse accepts. Real reports are a few
// MiB at most; anything this large is almost certainly not a report, and
// parsing it would hold several times its size in memory.
const MaxReportBytes = 512 << 20

// ErrEmptyReport is returned by Detect for a document that holds nothing to
// tell its format by: an empty file, JSON null or an empty array. Such a
// report has no findings; Parse reads it as zero findings in any format.
var ErrEmptyReport = errors.New("the report is empty (no findings), so its format cannot be told")

// Formats lists every format Parse reads, in the order they are documented.
func Formats() []Format {
	out := make([]Format, len(importers))
	for i, im := range importers {
		out[i] = im.format
	}
	return out
}

// About says what of its tool a format reads ("Trivy JSON"), for help
// texts; "" for a format Parse does not read.
func About(f Format) string {
	if im, ok := lookup(f); ok {
		return im.about
	}
	return ""
}

// ParseFormat reads a format name as a user types it: a format's name or
// one of its aliases, in any case.
func ParseFormat(s string) (Format, error) {
	want := strings.ToLower(strings.TrimSpace(s))
	for _, im := range importers {
		if string(im.format) == want || slices.Contains(im.aliases, want) {
			return im.format, nil
		}
	}
	return "", fmt.Errorf("unknown report format %q: use one of %s", s, formatList())
}

func formatList() string {
	names := make([]string, 0, len(importers))
	for _, im := range importers {
		names = append(names, string(im.format))
	}
	return strings.Join(names, ", ")
}

// ReadAll reads a whole report from r (a file or standard input), refusing
// one larger than MaxReportBytes before it fills memory.
func ReadAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxReportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxReportBytes {
		return nil, fmt.Errorf("the report is larger than the %d MiB limit: split it or filter it with the tool first", MaxReportBytes>>20)
	}
	return data, nil
}

// parser converts one report document into findings before they are
// finished (truncated, stamped and validated) by Parse. What of the report
// gives no finding it tells skip, with the reason.
type parser func(data []byte, skip skipper) ([]findings.Finding, error)

// skipper records that count parts of a report gave no finding, and why.
type skipper func(count int, reason string)

// noSkips adapts a parser whose every result becomes a finding.
func noSkips(p func([]byte) ([]findings.Finding, error)) parser {
	return func(data []byte, _ skipper) ([]findings.Finding, error) { return p(data) }
}

// FieldOccurrences is the ProductFields key that says how many results of
// the report a finding stands for, when the tool listed the same result
// more than once (absent means once).
const FieldOccurrences = "secops/Occurrences"

// Report is an imported report: its findings, and what of the report did
// not become a finding of its own, so that nothing is dropped silently.
type Report struct {
	Findings []findings.Finding
	// Merged counts results that repeated an earlier result of the report
	// in every field; each is counted in FieldOccurrences of its finding.
	Merged int
	// Skipped lists what the report holds that gave no finding, and why.
	Skipped []Skip
	// Renamed counts ASFF findings that shared their producer's Id with
	// a different finding of the report and were given a distinct one
	// (the producer's is kept in FieldProducerID); RenamedIDs are the
	// shared Ids.
	Renamed    int
	RenamedIDs []string
	// Shared counts ASFF findings whose producer Security Hub manages
	// that share their (ProductArn, Id) with another finding of the
	// report: their Ids are kept, so a store keeps the last of each, as
	// Security Hub does. SharedIDs are those Ids.
	Shared    int
	SharedIDs []string
}

// Skip is a part of a report that gave no finding, with the reason.
type Skip struct {
	Count  int
	Reason string
}

// Notes says, one line each, what of the report did not become a finding
// of its own; a command prints them so the user knows.
func (r Report) Notes() []string {
	var out []string
	if r.Merged > 0 {
		out = append(out, fmt.Sprintf("%d result(s) repeated an earlier result of the report in every field and were counted on it (%s) instead of stored twice", r.Merged, FieldOccurrences))
	}
	if r.Renamed > 0 {
		out = append(out, fmt.Sprintf("%d finding(s) shared their Id with a different finding of the report (%s): each was given a distinct Id, the shared one followed by a hash of what sets it apart; the producer's Id is kept in ProductFields %s",
			r.Renamed, listSome(r.RenamedIDs, 3), FieldProducerID))
	}
	if r.Shared > 0 {
		out = append(out, fmt.Sprintf("%d finding(s) share their ProductArn and Id with another finding of the report (%s): their producer is managed by Security Hub, so the Ids are kept, and only the last finding of each is stored, as in Security Hub",
			r.Shared, listSome(r.SharedIDs, 3)))
	}
	for _, s := range r.Skipped {
		out = append(out, fmt.Sprintf("skipped %d: %s", s.Count, s.Reason))
	}
	return out
}

// Parse reads a report of format f and returns one ASFF finding per problem
// the tool reported, stamped with prov. Every finding passes Validate; a
// report that holds nothing (empty file, JSON null, no results) gives no
// findings and no error. ParseReport says also what was merged or skipped.
func Parse(ctx context.Context, f Format, data []byte, prov findings.Provenance) ([]findings.Finding, error) {
	rep, err := ParseReport(ctx, f, data, prov)
	return rep.Findings, err
}

// ParseReport is Parse, also saying which results were merged into an
// identical earlier one and which parts of the report gave no finding.
func ParseReport(ctx context.Context, f Format, data []byte, prov findings.Provenance) (Report, error) {
	if len(data) > MaxReportBytes {
		return Report{}, fmt.Errorf("import %s report: it is %d MiB, larger than the %d MiB limit: split the report or filter it with the tool first", f, len(data)>>20, MaxReportBytes>>20)
	}
	im, ok := lookup(f)
	if !ok {
		return Report{}, fmt.Errorf("unknown report format %q: use one of %s", f, formatList())
	}
	if isEmptyDocument(data) {
		return Report{}, nil
	}
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	rep := Report{}
	list, err := im.parse(data, func(count int, reason string) {
		if count > 0 {
			rep.Skipped = append(rep.Skipped, Skip{Count: count, Reason: reason})
		}
	})
	if err != nil {
		return Report{}, fmt.Errorf("import %s report: %w", f, err)
	}
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	if err := finishReport(im, &rep, list, prov); err != nil {
		return Report{}, err
	}
	return rep, nil
}

// finishReport makes what an importer parsed the report's findings: no two
// of them share an Id (see separate), each is finished (truncated, stamped
// with prov) and valid ASFF. Findings that convert what secops's own
// scanners get from a tool (ZAP alerts, Semgrep SARIF) go through it too,
// so both ways give the same findings.
func finishReport(im *importer, rep *Report, list []findings.Finding, prov findings.Provenance) error {
	list = rep.separate(im, list)
	for i := range list {
		if im.asff {
			repairASFF(&list[i])
			prov.Stamp(&list[i])
			continue
		}
		finish(&list[i], prov)
	}
	for i := range list {
		if err := list[i].Validate(); err != nil {
			return fmt.Errorf("import %s report: finding #%d: %w", im.format, i+1, err)
		}
	}
	rep.Findings = list
	return nil
}

// separate tells apart the findings of the report that share an Id (see
// collide.go) and says so in the report.
func (r *Report) separate(im *importer, list []findings.Finding) []findings.Finding {
	if !im.asff {
		list, c := separate(list, toolIDs)
		r.Merged = c.merged
		return list
	}
	list, c := separate(list, asffIDs)
	r.Merged = c.merged
	r.Renamed, r.RenamedIDs = c.renamedCount, c.renamed
	r.Shared, r.SharedIDs = c.fixedCount, c.fixed
	return list
}

// ReadReport reads a report as findings import stores it: as ParseReport,
// except that ASFF findings stay as their producer wrote them, as
// BatchImportFindings takes them. Each is checked with ValidateForImport
// (the error names every invalid finding and field, and nothing is read
// unless all are valid); nothing is repaired or stamped. Findings that
// share an Id are told apart as ParseReport does, and the Notes say so.
func ReadReport(ctx context.Context, f Format, data []byte, prov findings.Provenance) (Report, error) {
	im, ok := lookup(f)
	if !ok || !im.asff {
		return ParseReport(ctx, f, data, prov)
	}
	if len(data) > MaxReportBytes {
		return Report{}, fmt.Errorf("import %s report: it is %d MiB, larger than the %d MiB limit: split the report or filter it with the tool first", f, len(data)>>20, MaxReportBytes>>20)
	}
	if isEmptyDocument(data) {
		return Report{}, nil
	}
	list, err := parseASFF(data)
	if err != nil {
		return Report{}, err
	}
	var problems []error
	for i := range list {
		if err := list[i].ValidateForImport(); err != nil {
			problems = append(problems, fmt.Errorf("finding #%d: %w", i+1, err))
		}
		if len(problems) == 20 {
			problems = append(problems, errors.New("… stopped after 20 invalid findings"))
			break
		}
	}
	if len(problems) > 0 {
		return Report{}, errors.Join(problems...)
	}
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	var rep Report
	rep.Findings = rep.separate(im, list)
	return rep, nil
}
