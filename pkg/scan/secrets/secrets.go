// Package secrets finds credentials committed to a source tree with the
// gitleaks detector, never keeping the secret.
package secrets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/rs/zerolog"
	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/logging"
	"github.com/zricethezav/gitleaks/v8/report"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/scan"
)

// GeneratorID is the GeneratorId of every secrets finding.
const GeneratorID = "secops/secrets"

// DefaultMaxFileSize is the size above which files are skipped.
const DefaultMaxFileSize = 10 << 20

// Options tunes the scanner.
type Options struct {
	// History also scans the git history (needs git on PATH and a
	// repository at the root).
	History bool
	// MaxFileSize skips larger files; 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// Workers bounds how many files are scanned at once; 0 means 4.
	Workers int
	// Skip leaves paths out of the scan (--skip-path).
	Skip scan.SkipPaths
}

// Scanner is the secrets scanner: gitleaks' detector with its default
// rules. The secret itself never leaves this package: findings carry a
// redacted prefix and a hash, so the same secret is recognisable across
// files without being stored.
type Scanner struct {
	opts Options

	once sync.Once
	cfg  config.Config
	err  error
}

var _ scan.Scanner = (*Scanner)(nil)

// New returns a secrets scanner.
func New(opts Options) *Scanner {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	return &Scanner{opts: opts}
}

// Name implements scan.Scanner.
func (s *Scanner) Name() string { return "secrets" }

// GeneratorIds implements scan.Scanner.
func (s *Scanner) GeneratorIds() []string { return []string{GeneratorID} }

// silenceGitleaks stops the gitleaks library logging to stderr; its
// messages would interleave with ours and may quote file content.
var silenceGitleaks sync.Once

// config compiles gitleaks' default rules once per scanner.
func (s *Scanner) config() (config.Config, error) {
	s.once.Do(func() {
		silenceGitleaks.Do(func() { logging.Logger = zerolog.Nop() })
		v := viper.New()
		v.SetConfigType("toml")
		if err := v.ReadConfig(strings.NewReader(config.DefaultConfig)); err != nil {
			s.err = fmt.Errorf("load gitleaks rules: %w", err)
			return
		}
		var vc config.ViperConfig
		if err := v.Unmarshal(&vc); err != nil {
			s.err = fmt.Errorf("load gitleaks rules: %w", err)
			return
		}
		s.cfg, s.err = vc.Translate()
		if s.err != nil {
			s.err = fmt.Errorf("load gitleaks rules: %w", s.err)
		}
	})
	return s.cfg, s.err
}

func (s *Scanner) detector(ctx context.Context) (*detect.Detector, error) {
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	d := detect.NewDetectorContext(ctx, cfg)
	d.MaxDecodeDepth = 5 // as `gitleaks dir` does by default
	return d, nil
}

// Scan implements scan.Scanner.
func (s *Scanner) Scan(ctx context.Context, root string, prov findings.Provenance) (scan.Result, error) {
	var res scan.Result
	d, err := s.detector(ctx)
	if err != nil {
		return res, err
	}
	files, skipped, excluded, err := walk(ctx, root, s.opts.MaxFileSize, s.opts.Skip)
	if err != nil {
		return res, err
	}
	res.Skipped, res.Excluded = skipped, excluded
	found, more := scanFiles(ctx, d, root, files, s.opts.Workers)
	res.Skipped = append(res.Skipped, more...)
	res.Coverage.Add(len(files)-len(more), "file")
	for _, f := range found {
		res.Findings = append(res.Findings, toFinding(f))
	}
	if s.opts.History {
		hist, warn, err := scanHistory(ctx, s, root)
		if err != nil {
			return res, err
		}
		if warn != "" {
			res.Warnings = append(res.Warnings, warn)
			res.Incomplete = true
		}
		res.Findings = addHistory(res.Findings, hist)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}

// liveCredential lists the rule id prefixes of credentials that grant
// access on their own: cloud and forge tokens, private keys, payment keys.
var liveCredential = []string{
	"aws-", "private-key", "github-", "gitlab-", "gcp-", "azure-", "slack-",
	"stripe-", "twilio-", "sendgrid-", "npm-access-token", "pypi-upload-token",
	"heroku-", "digitalocean-", "openai-", "anthropic-", "hashicorp-tf-", "vault-",
	"shopify-", "square-", "doppler-", "pulumi-", "rubygems-", "dockerconfig-",
}

func severityFor(rule string) string {
	for _, p := range liveCredential {
		if strings.HasPrefix(rule, p) {
			return findings.SeverityHigh
		}
	}
	return findings.SeverityMedium
}

// Redact keeps only enough of a secret to recognise it: the first four
// characters of secrets longer than eight, nothing of shorter ones.
func Redact(secret string) string {
	r := []rune(secret)
	if len(r) <= 8 {
		return "REDACTED"
	}
	return string(r[:4]) + "…REDACTED"
}

// Hash is the SHA-256 of a secret, so duplicates can be matched without the value.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func toFinding(g report.Finding) findings.Finding {
	path := strings.TrimPrefix(g.File, "./")
	location := strconv.Itoa(g.StartLine) + ":" + strconv.Itoa(g.StartColumn)
	fingerprint := fmt.Sprintf("%s:%s:%d", path, g.RuleID, g.StartLine)
	if g.Commit != "" {
		location = g.Commit + ":" + location
		fingerprint = g.Commit + ":" + fingerprint
	}
	sev := severityFor(g.RuleID)
	desc := fmt.Sprintf("%s Found by gitleaks rule %s at %s line %d", strings.TrimSpace(g.Description), g.RuleID, path, g.StartLine)
	if g.Commit != "" {
		desc += " in commit " + shortCommit(g.Commit)
	}
	desc += ". Revoke the credential, then remove it from the code and read it from the environment or a secrets manager."
	if len(desc) > 1024 {
		desc = desc[:1021] + "..."
	}
	f := findings.Finding{
		Id:          findings.NewID(GeneratorID, path, location, g.RuleID),
		GeneratorId: GeneratorID,
		Types:       []string{"Sensitive Data Identifications/Passwords"},
		Title:       fmt.Sprintf("Secret (%s) in %s", g.RuleID, path),
		Description: desc,
		Severity:    findings.NewSeverity(sev, sev),
		Remediation: &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: "Revoke and rotate the credential first: it must be treated as leaked. Then remove it and load it at run time.",
		}},
		Resources: []findings.Resource{{Type: "Other", Id: path}},
		ProductFields: map[string]string{
			findings.FieldPath:      path,
			findings.FieldStartLine: strconv.Itoa(g.StartLine),
			findings.FieldEndLine:   strconv.Itoa(g.EndLine),
			findings.FieldRuleID:    g.RuleID,
			findings.FieldScanner:   "gitleaks",
			"secops/Evidence":       Redact(g.Secret),
			"secops/SecretHash":     Hash(g.Secret),
			"secops/Fingerprint":    fingerprint,
		},
	}
	if g.Commit != "" {
		f.ProductFields["secops/Commit"] = g.Commit
	}
	return f
}

// addHistory adds the secrets found in commits to those of the working
// tree. A secret still in the file it was committed to is one finding, the
// working tree's, which names the commit that added it; a finding per
// commit is kept for secrets that are only in history, so removing a
// secret from the code leaves the finding for the commit that still
// holds it.
func addHistory(tree []findings.Finding, hist []report.Finding) []findings.Finding {
	type key struct{ path, rule, hash string }
	current := make(map[key]*findings.Finding, len(tree))
	for i := range tree {
		pf := tree[i].ProductFields
		current[key{pf[findings.FieldPath], pf[findings.FieldRuleID], pf["secops/SecretHash"]}] = &tree[i]
	}
	// The commit named is the oldest that added the secret (gitleaks
	// reads commits concurrently, so its order says nothing).
	added := map[key]report.Finding{}
	for _, g := range hist {
		k := key{strings.TrimPrefix(g.File, "./"), g.RuleID, Hash(g.Secret)}
		if _, ok := current[k]; !ok {
			tree = append(tree, toFinding(g))
			continue
		}
		if a, ok := added[k]; !ok || g.Date < a.Date || (g.Date == a.Date && g.Commit < a.Commit) {
			added[k] = g
		}
	}
	for k, g := range added {
		current[k].ProductFields["secops/Commit"] = g.Commit
	}
	return tree
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
