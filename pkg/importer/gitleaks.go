package importer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/secops-dev/secops/pkg/findings"
)

// FormatGitleaks is gitleaks's JSON report.
const FormatGitleaks Format = "gitleaks"

var gitleaksTool = tool{format: FormatGitleaks, name: "Gitleaks", company: "Gitleaks"}

var gitleaksImporter = importer{
	tool:  gitleaksTool,
	about: "gitleaks JSON (v7 and v8)",
	shape: `gitleaks [{"RuleID", ...}]`,
	array: func(first keys) bool {
		return first.has("RuleID") || (first.has("rule") && (first.has("offender") || first.has("lineNumber") || first.has("commit")))
	},
	parse: noSkips(parseGitleaks),
}

// gitleaks JSON reports: v8 (PascalCase keys)
// https://github.com/gitleaks/gitleaks#reporting and v7 (lowercase keys).
type gitleaksLeak struct {
	// v8
	RuleID      string `json:"RuleID"`
	Description string `json:"Description"`
	StartLine   int    `json:"StartLine"`
	EndLine     int    `json:"EndLine"`
	StartColumn int    `json:"StartColumn"`
	Match       string `json:"Match"`
	Secret      string `json:"Secret"`
	File        string `json:"File"`
	Commit      string `json:"Commit"`
	Link        string `json:"Link"`
	Author      string `json:"Author"`
	Date        string `json:"Date"`
	Fingerprint string `json:"Fingerprint"`
	// Tags are the rule's tags (v7: one comma-separated string); results
	// that differ in nothing else are still different results.
	Tags gitleaksTags `json:"Tags"`

	// v7
	Line       string `json:"line"`
	LineNumber int    `json:"lineNumber"`
	Offender   string `json:"offender"`
	CommitV7   string `json:"commit"`
	Rule       string `json:"rule"`
	FileV7     string `json:"file"`
	AuthorV7   string `json:"author"`
	DateV7     string `json:"date"`
	LeakURL    string `json:"leakURL"`
	Repo       string `json:"repo"`
}

// gitleaksTags reads v8's list of tags and v7's comma-separated string.
type gitleaksTags []string

func (t *gitleaksTags) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*t = list
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = nil
	for _, tag := range strings.Split(s, ",") {
		if tag = strings.TrimSpace(tag); tag != "" {
			*t = append(*t, tag)
		}
	}
	return nil
}

func parseGitleaks(data []byte) ([]findings.Finding, error) {
	var leaks []gitleaksLeak
	if err := json.Unmarshal(stripBOM(data), &leaks); err != nil {
		return nil, jsonErr(data, err)
	}
	// A leak's match (v7: the whole line) can hold other secrets of the
	// report, found on the same line by this rule or another: all of them
	// are hidden in every match.
	var secrets []string
	for _, l := range leaks {
		for _, s := range []string{l.Secret, l.Offender} {
			if s = oneLine(s); s != "" {
				secrets = append(secrets, s)
			}
		}
	}
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	out := make([]findings.Finding, 0, len(leaks))
	for _, l := range leaks {
		v7 := l.RuleID == "" && l.Rule != ""
		rule, file, line, commit, secret, match, author, date, link := l.RuleID, l.File, l.StartLine, l.Commit, l.Secret, l.Match, l.Author, l.Date, l.Link
		if v7 {
			rule, file, line, commit, secret, match, author, date, link = l.Rule, l.FileV7, l.LineNumber, l.CommitV7, l.Offender, l.Line, l.AuthorV7, l.DateV7, l.LeakURL
		}
		fingerprint := l.Fingerprint
		if fingerprint == "" {
			// gitleaks v8's own form: commit:file:rule:line (no commit
			// when scanning a directory).
			fingerprint = fmt.Sprintf("%s:%s:%s:%d", commit, file, rule, line)
			fingerprint = strings.TrimPrefix(fingerprint, ":")
		}
		f := newFinding(gitleaksTool, file, fmt.Sprintf("%s:%d:%d", commit, line, l.StartColumn), rule)
		// gitleaks states no severity: a leaked secret is a high-severity
		// problem until it is rotated, and nothing claims the tool said so.
		f.Severity = severity(findings.SeverityHigh, "")
		f.Types = []string{typeSecret}
		where := file
		if line > 0 {
			where = fmt.Sprintf("%s:%d", file, line)
		}
		f.Title = fmt.Sprintf("Secret detected: %s in %s", rule, where)
		f.Description = fmt.Sprintf("gitleaks rule %s matched %s in %s", rule, redactMatch(match, secret, secrets), where)
		if l.Description != "" && l.Description != rule {
			f.Description = l.Description + "\n\n" + f.Description
		}
		if commit != "" {
			f.Description += fmt.Sprintf(" (commit %s", shortCommit(commit))
			if author != "" {
				f.Description += " by " + author
			}
			if date != "" {
				f.Description += " on " + date
			}
			f.Description += ")"
		}
		f.Description += "."
		f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: "Revoke and rotate the secret, then remove it from the code and, if it was committed, from the history; add a gitleaks allowlist entry only for a false positive.",
		}}
		f.SourceUrl = link
		f.ProductFields[findings.FieldRuleID] = rule
		f.ProductFields[findings.FieldPath] = file
		f.ProductFields[findings.FieldStartLine] = itoa(line)
		f.ProductFields[findings.FieldEndLine] = itoa(l.EndLine)
		column := l.StartColumn
		if v7 && secret != "" {
			// v7 gives the line, not the column: where the secret is in
			// it tells apart two leaks on one line.
			if i := strings.Index(match, secret); i >= 0 {
				column = utf8.RuneCountInString(match[:i]) + 1
			}
		}
		f.ProductFields["gitleaks/StartColumn"] = itoa(column)
		f.ProductFields["gitleaks/Commit"] = commit
		f.ProductFields["gitleaks/Fingerprint"] = fingerprint
		f.ProductFields["gitleaks/Match"] = redactMatch(match, secret, secrets)
		f.ProductFields["gitleaks/Secret"] = redact(secret)
		f.ProductFields["gitleaks/Tags"] = strings.Join(sorted(l.Tags), ",")
		f.Resources = []findings.Resource{{Type: resourceFile, Id: firstNonEmpty(file, l.Repo, "unknown file")}}
		out = append(out, f)
	}
	return out, nil
}

// redact hides a secret entirely, keeping only its length, so no part of
// it reaches the store, a report or Security Hub.
func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return fmt.Sprintf("REDACTED(%d chars)", len([]rune(secret)))
}

// redactMatch shows the text a rule matched with the secret, and any other
// secret of the report (others, longest first), replaced; when the secret
// cannot be found in it (or is unknown) the whole match is hidden.
func redactMatch(match, secret string, others []string) string {
	match = oneLine(match)
	if match == "" {
		return redact(secret)
	}
	if secret == "" || !strings.Contains(match, oneLine(secret)) {
		return redact(match)
	}
	match = strings.ReplaceAll(match, oneLine(secret), "REDACTED")
	for _, o := range others {
		match = strings.ReplaceAll(match, o, "REDACTED")
	}
	return findings.Truncate(match, 200)
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
