package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/scan/dast"
	"github.com/secops-dev/secops/pkg/scan/zap"
)

// scanDastOptions are the flags and dependencies of `secops scan dast`.
type scanDastOptions struct {
	scanCommon

	URL           string
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

	ZAP       string
	ZAPAPIKey string
	ZAPAjax   bool
}

func newCmdScanDast(f *Factory, runF func(*scanDastOptions) error) *cobra.Command {
	opts := &scanDastOptions{scanCommon: scanCommon{scanDeps: newScanDeps(f)}}
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

Credentials given with --header or --login-data, and the session cookies a
login returns, are redacted from every finding's evidence.

` + scanCommonHelp,
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
			opts.URL = args[0]
			if err := opts.parse(f); err != nil {
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
				return runF(opts)
			}
			return scanDastRun(cmd.Context(), opts)
		},
	}
	acceptsOutput(cmd, findingFormats()...)
	fl := cmd.Flags()
	opts.scanFlags.register(fl, "./.secopsignore")
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
	if opts.ZAP != "" {
		c, err := zap.NewClient(opts.ZAP, opts.ZAPAPIKey, nil)
		if err != nil {
			return &usageError{err: err}
		}
		return runScan(ctx, &opts.scanCommon, &zap.Source{Client: c, MaxDuration: opts.MaxDuration,
			Options: zap.Options{Target: opts.URL, Ajax: opts.ZAPAjax, SkipActive: opts.PassiveOnly}})
	}
	headers, _ := parseHeaders(opts.Headers)
	return runScan(ctx, &opts.scanCommon, &dast.Source{Wait: opts.Wait, Options: dast.Options{
		Target: opts.URL, Include: opts.Include, Exclude: opts.Exclude,
		MaxDepth: opts.MaxDepth, MaxRequests: opts.MaxRequests, Rate: opts.Rate, Concurrency: opts.Concurrency,
		Timeout: opts.Timeout, MaxDuration: opts.MaxDuration, Header: headers, Insecure: opts.Insecure,
		LoginURL: opts.LoginURL, LoginData: opts.LoginData, LoggedInRegex: opts.LoggedInRegex,
		SSRFCanary: opts.SSRFCanary, PassiveOnly: opts.PassiveOnly,
	}})
}
