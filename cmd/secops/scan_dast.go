package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/report"
	"github.com/secops-dev/secops/pkg/scan/dast"
	"github.com/secops-dev/secops/pkg/scan/zap"
)

// dastStore is what scan dast needs from the findings store.
type dastStore interface {
	Backend() string
	Import(ctx context.Context, list []findings.Finding, opts findings.ImportOptions) (findings.ImportResult, error)
	Get(ctx context.Context, id string) (findings.Finding, error)
	Close() error
}

// scanDastOptions are the flags and dependencies of `secops scan dast`.
type scanDastOptions struct {
	IO       *iostreams.IOStreams
	Now      func() time.Time
	Progress func() *progress.Reporter
	Store    func(ctx context.Context) (dastStore, error)
	Output   func() string

	Target        string
	Include       []string
	Exclude       []string
	MaxDepth      int
	MaxRequests   int
	Rate          float64
	Concurrency   int
	Timeout       time.Duration
	MaxDuration   time.Duration
	Wait          time.Duration
	Headers       []string
	LoginURL      string
	LoginData     string
	LoggedInRegex string
	SSRFCanary    bool
	Insecure      bool
	PassiveOnly   bool
	NoStore       bool
	FailOn        string

	ZAP       string
	ZAPAPIKey string
	ZAPAjax   bool
}

func newCmdScanDast(f *Factory) *cobra.Command {
	return newCmdScanDastWith(f, nil)
}

func newCmdScanDastWith(f *Factory, runF func(context.Context, *scanDastOptions) error) *cobra.Command {
	opts := &scanDastOptions{IO: f.IO, Now: f.Now, Progress: f.Progress, Output: func() string { return f.Globals.Output }}
	opts.Store = defaultDastStore(f)
	cmd := &cobra.Command{
		Use:   "dast URL",
		Short: "Scan a running web application: crawler, passive and active checks, or drive ZAP",
		Long: `Scan a running web application from the outside (DAST).

The built-in scanner crawls the target (links, forms with each submit button,
redirects, robots.txt, sitemap.xml, data-* attributes, srcset, and the
requests scripts send with fetch, XMLHttpRequest, axios and jQuery) without
ever leaving its scheme, host and port. Passive checks run on every response,
the attacks' included (security headers, cookies, version disclosure,
directory listing, stack traces, SQL errors, phpinfo, CORS, secrets in URLs,
CSRF tokens); confirmed active checks run on every query, form, JSON, path,
cookie and header parameter (SQL injection, reflected and stored XSS, OS
command injection, path traversal, open redirect, template injection, SSRF
toward a local canary), and discovery looks for exposed files (backup copies,
.git, .env, .DS_Store, server-status), predictable session ids, default
passwords on login forms and uploads the server runs. Only confirmed issues
are reported, each with the request and response that prove it.

Every request goes through one sender that enforces the scope, --rate,
--max-requests, a response size cap and --timeout. Logout and destructive-looking
links and submit buttons (delete, clear, reset, ...) are never followed or
pressed; --exclude also matches parameter names and button names, values
and labels. Active checks send attack payloads and may leave data behind (a
test upload, guestbook entries): scan only applications you are allowed to
test.

With --zap, secops drives a running OWASP ZAP daemon through its API instead
(spider, optional AJAX spider, active scan) and converts its alerts. ZAP
uses its own scope, rate and limits: --include, --exclude, --rate and the
other built-in scanner limits are refused with --zap; set them in ZAP.

Findings go to the findings store; a complete scan archives findings of the
same target that it no longer sees.`,
		Example: `  # try it on the deliberately vulnerable demo app
  secops demo serve &
  secops scan dast http://127.0.0.1:8080/

  # signed in with a cookie, gate a pipeline on HIGH
  secops scan dast https://staging.example.com/ --header "Cookie: session=…" --fail-on HIGH

  # signed in through the login form
  secops scan dast https://staging.example.com/ --login-url /login \
    --login-data 'user=scanner&password=…' --logged-in-regex 'Sign out'

  # drive ZAP instead
  secops scan dast https://staging.example.com/ --zap http://127.0.0.1:8090 --zap-api-key "$ZAP_KEY"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = args[0]
			if opts.FailOn != "" {
				label, err := findings.ParseSeverity(opts.FailOn)
				if err != nil {
					return &usageError{err: fmt.Errorf("--fail-on: %w", err)}
				}
				opts.FailOn = label
			}
			if err := checkOutput(opts.Output(), "table", "json", "csv", "sarif", "asff"); err != nil {
				return err
			}
			if _, err := parseHeaders(opts.Headers); err != nil {
				return &usageError{err: err}
			}
			if (opts.LoginData != "" || opts.LoggedInRegex != "") && opts.LoginURL == "" {
				return &usageError{err: fmt.Errorf("--login-data and --logged-in-regex need --login-url")}
			}
			if opts.ZAP != "" && (opts.LoginURL != "" || len(opts.Headers) > 0) {
				return &usageError{err: fmt.Errorf("with --zap, configure authentication in ZAP itself; --login-url and --header apply to the built-in scanner")}
			}
			if opts.ZAP != "" {
				// ZAP crawls and attacks with its own settings: a scope or
				// rate flag it would not see must not look as if it applied.
				for _, name := range []string{"include", "exclude", "rate", "max-requests", "max-depth", "concurrency", "timeout", "ssrf-canary", "insecure"} {
					if cmd.Flags().Changed(name) {
						return &usageError{err: fmt.Errorf("--%s is not passed to ZAP, which would ignore it; set the equivalent in ZAP itself (context include/exclude regexes, scan policy threads and delay) or drop --zap", name)}
					}
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return scanDastRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Include, "include", nil, "only scan URLs matching this regex, tried on the full URL and on its path, as sent and percent-decoded (repeatable)")
	fl.StringArrayVar(&opts.Exclude, "exclude", nil, "never request URLs matching this regex (tried on the full URL and on its path, as sent and percent-decoded), attack parameters or press submit buttons whose name, value or label it matches (repeatable)")
	fl.IntVar(&opts.MaxDepth, "max-depth", dast.DefaultMaxDepth, "how many links deep to crawl")
	fl.IntVar(&opts.MaxRequests, "max-requests", 20000, "stop after this many requests (0: no cap)")
	fl.Float64Var(&opts.Rate, "rate", 0, fmt.Sprintf("requests per second (default %d, or %d for a loopback target; -1: no limit)", dast.DefaultRate, dast.DefaultLoopbackRate))
	fl.IntVar(&opts.Concurrency, "concurrency", dast.DefaultConcurrency, "requests in flight at once")
	fl.DurationVar(&opts.Timeout, "timeout", dast.DefaultTimeout, "time limit for each request, body included")
	fl.DurationVar(&opts.MaxDuration, "max-duration", dast.DefaultMaxDuration, "stop the whole scan after this long, keeping what it found")
	fl.DurationVar(&opts.Wait, "wait", 0, "first wait up to this long for the target to accept connections (an app just started)")
	fl.StringArrayVar(&opts.Headers, "header", nil, `header sent with every request, e.g. "Cookie: session=…" or "Authorization: Bearer …" (repeatable)`)
	fl.StringVar(&opts.LoginURL, "login-url", "", "login form URL (absolute or relative to the target)")
	fl.StringVar(&opts.LoginData, "login-data", "", "form fields to log in with, e.g. 'user=NAME&password=SECRET'")
	fl.StringVar(&opts.LoggedInRegex, "logged-in-regex", "", "regex that matches a page only when logged in (re-login when it stops matching)")
	fl.BoolVar(&opts.SSRFCanary, "ssrf-canary", false, "test SSRF toward a canary on 127.0.0.1 even when the target is not loopback")
	fl.BoolVar(&opts.Insecure, "insecure", false, "skip TLS certificate verification (test systems only)")
	fl.BoolVar(&opts.PassiveOnly, "passive-only", false, "crawl and run passive checks only; send no attack payloads")
	fl.BoolVar(&opts.NoStore, "no-store", false, "print findings without saving them to the findings store")
	fl.StringVar(&opts.FailOn, "fail-on", "", "exit 1 when a finding is at or above this severity: LOW, MEDIUM, HIGH, CRITICAL; findings SUPPRESSED or RESOLVED in the local store do not count")
	fl.StringVar(&opts.ZAP, "zap", "", "drive the OWASP ZAP daemon at this API URL instead of the built-in scanner")
	fl.StringVar(&opts.ZAPAPIKey, "zap-api-key", "", "ZAP API key (sent as X-ZAP-API-Key)")
	fl.BoolVar(&opts.ZAPAjax, "zap-ajax", false, "also run ZAP's AJAX spider")
	return cmd
}

func parseHeaders(raw []string) (http.Header, error) {
	h := http.Header{}
	for _, r := range raw {
		name, value, ok := strings.Cut(r, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf(`--header %q must look like "Name: value"`, redactHeader(r))
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return h, nil
}

// redactHeader keeps a header's name and hides its value.
func redactHeader(r string) string {
	if name, _, ok := strings.Cut(r, ":"); ok {
		return name + ": …"
	}
	if len(r) > 12 {
		return r[:12] + "…"
	}
	return r
}

func scanDastRun(ctx context.Context, opts *scanDastOptions) error {
	format, err := report.ParseFormat(opts.Output())
	if err != nil {
		return &usageError{err: err}
	}
	prog := opts.Progress()
	now := opts.Now()
	prov := findings.LocalProvenance(now, "secops")

	if opts.Wait > 0 {
		prog.Step("waiting up to %s for %s", opts.Wait, opts.Target)
		if err := dast.WaitForTarget(ctx, opts.Target, opts.Wait); err != nil {
			prog.Done("")
			return err
		}
	}
	var list []findings.Finding
	var scope *findings.Scope
	var summary []string
	if opts.ZAP != "" {
		list, scope, summary, err = runZAP(ctx, opts, prog, prov)
	} else {
		list, scope, summary, err = runBuiltinDAST(ctx, opts, prog, prov)
	}
	if err != nil && list == nil {
		prog.Done("")
		return err
	}
	scanErr := err
	prog.Done("")

	backend := ""
	var stored dastStore
	if !opts.NoStore {
		st, err := opts.Store(ctx)
		if err != nil {
			return fmt.Errorf("open findings store: %w", err)
		}
		defer st.Close()
		stored = st
		backend = st.Backend()
		res, err := st.Import(ctx, list, findings.ImportOptions{Scope: scope})
		if err != nil {
			return fmt.Errorf("save %d findings: %w; rerun with --no-store to print them only", len(list), err)
		}
		if len(res.Failed) > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "%d findings were not saved: %s (%s)\n", len(res.Failed), res.Failed[0].ErrorMessage, res.Failed[0].ErrorCode)
		}
		opts.IO.Notef("Saved to %s: %d new, %d updated, %d archived.", backend, res.New, res.Updated, res.Archived)
	}
	for _, line := range summary {
		opts.IO.Notef("%s", line)
	}
	var reader storedReader
	if stored != nil {
		reader = stored
	}
	gate, err := storedGate(ctx, reader, list, opts.FailOn)
	if err != nil {
		return err
	}
	findings.SortFindings(list, findings.SortSeverity)
	header := "target: " + opts.Target
	if backend != "" {
		header = "backend: " + backend + " · " + header
	}
	if err := report.Write(opts.IO.Out, format, list, report.Options{
		Color: opts.IO.ColorEnabled(), TTY: opts.IO.IsStdoutTTY(), Width: opts.IO.TerminalWidth(),
		Header: header, ToolName: "secops-dast",
	}); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if scanErr != nil {
		return scanErr
	}
	if !opts.IO.Quiet() {
		writeGateNote(opts.IO.ErrOut, opts.FailOn, gate)
	}
	if gate.Counted > 0 {
		return failOnError(fmt.Sprintf("%d findings at or above %s (--fail-on %s)", gate.Counted, opts.FailOn, opts.FailOn))
	}
	return nil
}

func runBuiltinDAST(ctx context.Context, opts *scanDastOptions, prog *progress.Reporter, prov findings.Provenance) ([]findings.Finding, *findings.Scope, []string, error) {
	headers, _ := parseHeaders(opts.Headers)
	res, err := dast.Scan(ctx, dast.Options{
		Target: opts.Target, Include: opts.Include, Exclude: opts.Exclude,
		MaxDepth: opts.MaxDepth, MaxRequests: opts.MaxRequests, Rate: opts.Rate, Concurrency: opts.Concurrency,
		Timeout: opts.Timeout, MaxDuration: opts.MaxDuration, Header: headers, Insecure: opts.Insecure,
		LoginURL: opts.LoginURL, LoginData: opts.LoginData, LoggedInRegex: opts.LoggedInRegex,
		SSRFCanary: opts.SSRFCanary, PassiveOnly: opts.PassiveOnly,
		Progress: func(format string, args ...any) { prog.Step(format, args...) },
	})
	if err != nil {
		return nil, nil, nil, err
	}
	list, err := res.Findings(prov)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, w := range res.Warnings {
		opts.IO.Notef("warning: %s", w)
	}
	limit := fmt.Sprintf("limit %.0f/s", res.Stats.Rate)
	if res.Stats.Rate <= 0 {
		limit = "no rate limit"
	}
	summary := []string{fmt.Sprintf("Scanned %s: %d requests in %s (%s), %d pages, %d parameters, %d findings.",
		res.Target, res.Stats.Requests, res.Stats.Duration.Round(100*time.Millisecond), limit, res.Stats.Pages, res.Stats.Parameters, len(list))}
	summary = append(summary, perCheck(res.Stats.PerCheck)...)
	if lines := res.Stats.CoverageLines(); len(lines) > 0 {
		summary = append(summary, "Parameters tested per check and location:")
		for _, l := range lines {
			summary = append(summary, "  "+l)
		}
	}
	var scope *findings.Scope
	// Only a complete scan with active checks may archive older findings.
	if !res.Incomplete && !opts.PassiveOnly && len(opts.Include) == 0 && len(opts.Exclude) == 0 {
		scope = &findings.Scope{ProductArn: findings.DefaultProductArn(prov.Partition, prov.Region, prov.AwsAccountId), Target: res.Target, GeneratorIds: []string{dast.GeneratorID}}
	}
	if res.Incomplete {
		summary = append(summary, "The scan is incomplete: older findings of this target were not archived.")
	}
	return list, scope, summary, nil
}

func perCheck(m map[string]int) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []string
	for _, id := range ids {
		out = append(out, fmt.Sprintf("  %-32s %d", id, m[id]))
	}
	return out
}

func runZAP(ctx context.Context, opts *scanDastOptions, prog *progress.Reporter, prov findings.Provenance) ([]findings.Finding, *findings.Scope, []string, error) {
	c, err := zap.NewClient(opts.ZAP, opts.ZAPAPIKey, nil)
	if err != nil {
		return nil, nil, nil, &usageError{err: err}
	}
	if opts.MaxDuration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.MaxDuration)
		defer cancel()
	}
	alerts, scanErr := zap.Scan(ctx, c, zap.Options{Target: opts.Target, Ajax: opts.ZAPAjax, SkipActive: opts.PassiveOnly,
		Progress: func(format string, args ...any) { prog.Step(format, args...) }})
	if scanErr != nil && alerts == nil {
		return nil, nil, nil, scanErr
	}
	list, err := zap.ToFindings(alerts, opts.Target, prov)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("convert ZAP alerts: %w", err)
	}
	summary := []string{fmt.Sprintf("ZAP reported %d alerts on %s: %d findings after de-duplication.", len(alerts), opts.Target, len(list))}
	var scope *findings.Scope
	if scanErr == nil && !opts.PassiveOnly {
		scope = &findings.Scope{ProductArn: findings.DefaultProductArn(prov.Partition, prov.Region, prov.AwsAccountId), Target: opts.Target, GeneratorIds: []string{zap.GeneratorID}}
	}
	if scanErr != nil {
		return list, nil, summary, fmt.Errorf("ZAP scan stopped: %w; the alerts fetched so far are shown and kept", scanErr)
	}
	return list, scope, summary, nil
}
