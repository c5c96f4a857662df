package dast

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/progress"
)

// appKey is the answer key of a third-party application, written from the
// application's own documentation of its vulnerabilities
// (testdata/dast/apps/*.key.json).
type appKey struct {
	Name string `json:"name"`
	App  string `json:"app"`
	// MinRecall is the recall this app's scan must reach, as measured
	// (docs/dast-evaluation.md); the goal is 0.9.
	MinRecall float64 `json:"min_recall"`
	Scan      struct {
		LoginURL      string   `json:"login_url"`
		LoginData     string   `json:"login_data"`
		LoggedInRegex string   `json:"logged_in_regex"`
		Exclude       []string `json:"exclude"`
	} `json:"scan"`
	Vulnerabilities []struct {
		ID     string   `json:"id"`
		Title  string   `json:"title"`
		Reach  string   `json:"reach"`
		Why    string   `json:"why"`
		Where  []string `json:"where"`
		Params []string `json:"params"`
		Checks []string `json:"checks"`
	} `json:"vulnerabilities"`
	Secure struct {
		Level string `json:"level"`
		Scan  *struct {
			Exclude []string `json:"exclude"`
		} `json:"scan"`
		Reviewed []struct {
			Check string `json:"check"`
			Where string `json:"where"`
			Why   string `json:"why"`
		} `json:"reviewed_true"`
	} `json:"secure"`
}

// TestThirdPartyApps scans real applications started with the scripts
// in testdata/dast/apps and compares the findings with their answer keys.
// It is skipped unless SECOPS_DAST_<NAME>_URL points at a running app
// (SECOPS_DAST_DVWA_URL, SECOPS_DAST_MUTILLIDAE_URL). With
// SECOPS_DAST_SECURE=1 the app runs in its secure mode and every finding
// must be one the key reviewed as true; otherwise recall over the
// vulnerabilities a crawler can reach must be at least 90%.
// SECOPS_DAST_HEADER adds a request header (a session cookie);
// SECOPS_DAST_REPORT names a file to write the issues to, with evidence.
func TestThirdPartyApps(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "dast", "apps", "*.key.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no answer keys: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var k appKey
		if err := json.Unmarshal(b, &k); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		t.Run(k.Name, func(t *testing.T) {
			env := "SECOPS_DAST_" + strings.ToUpper(k.Name) + "_URL"
			target := os.Getenv(env)
			if target == "" {
				t.Skipf("%s is not set; start the app with testdata/dast/apps/%s.sh and set it", env, k.Name)
			}
			scanThirdParty(t, k, target, os.Getenv("SECOPS_DAST_SECURE") == "1")
		})
	}
}

func scanThirdParty(t *testing.T, k appKey, target string, secure bool) {
	opts := Options{Target: target, MaxDuration: 20 * time.Minute, MaxRequests: 50000,
		LoginURL: k.Scan.LoginURL, LoginData: k.Scan.LoginData, LoggedInRegex: k.Scan.LoggedInRegex, Exclude: k.Scan.Exclude,
		Progress: progress.New(t.Output(), false, true)}
	if secure && k.Secure.Scan != nil {
		// The secure mode is kept in a session the header carries.
		opts.LoginURL, opts.LoginData, opts.LoggedInRegex, opts.Exclude = "", "", "", k.Secure.Scan.Exclude
	}
	if h := os.Getenv("SECOPS_DAST_HEADER"); h != "" {
		name, value, _ := strings.Cut(h, ":")
		opts.Header = http.Header{strings.TrimSpace(name): {strings.TrimSpace(value)}}
	}
	res, err := Scan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d requests in %s, %d pages, %d parameters, %d findings", k.App, res.Stats.Requests, res.Stats.Duration.Round(time.Second), res.Stats.Pages, res.Stats.Parameters, len(res.Issues))
	if out := os.Getenv("SECOPS_DAST_REPORT"); out != "" {
		// The issues with their evidence, for reviewing each one.
		b, _ := json.MarshalIndent(res.Issues, "", "  ")
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Error(err)
		}
	}
	for _, w := range res.Warnings {
		t.Logf("warning: %s", w)
	}
	if res.Incomplete {
		t.Errorf("the scan is incomplete")
	}
	origin := strings.TrimSuffix(res.Target, "/")
	where := func(i Issue) string {
		u, err := url.Parse(i.URL)
		if err != nil || !strings.HasPrefix(i.URL, origin) {
			return i.URL
		}
		w := u.EscapedPath()
		if u.RawQuery != "" {
			w += "?" + u.RawQuery
		}
		return w
	}
	if secure {
		var fps []string
		for _, i := range res.Issues {
			ok := slices.ContainsFunc(k.Secure.Reviewed, func(r struct {
				Check string `json:"check"`
				Where string `json:"where"`
				Why   string `json:"why"`
			}) bool {
				return r.Check == i.Check && (r.Where == where(i) || strings.HasSuffix(r.Where, "*") && strings.HasPrefix(where(i), strings.TrimSuffix(r.Where, "*")))
			})
			if !ok {
				fps = append(fps, fmt.Sprintf("%s %s %s", i.Check, where(i), i.Param))
			}
		}
		sort.Strings(fps)
		t.Logf("secure mode (%s): %d findings, %d not reviewed as true", k.Secure.Level, len(res.Issues), len(fps))
		if len(fps) > 0 {
			t.Errorf("false positives (or findings to review) in the secure mode:\n  %s", strings.Join(fps, "\n  "))
		}
		return
	}
	matched := map[int]bool{}
	reachable, found := 0, 0
	// Recall is also given over the documented vulnerabilities of the
	// classes the scanner has checks for.
	checkable, foundCheckable := 0, 0
	var lines []string
	for _, v := range k.Vulnerabilities {
		if v.Reach != "crawler" {
			lines = append(lines, fmt.Sprintf("  %-28s not counted (%s): %s", v.Title, v.Reach, v.Why))
			continue
		}
		reachable++
		if len(v.Checks) > 0 {
			checkable++
		}
		hit := ""
		for n, i := range res.Issues {
			if slices.Contains(v.Checks, i.Check) && (slices.Contains(v.Where, "*") || slices.Contains(v.Where, where(i))) && (len(v.Params) == 0 || slices.Contains(v.Params, i.Param)) {
				matched[n] = true
				if hit == "" {
					hit = i.Check + " " + i.Param
				}
			}
		}
		if hit != "" {
			found++
			foundCheckable++
			lines = append(lines, fmt.Sprintf("  %-28s found: %s", v.Title, hit))
		} else {
			lines = append(lines, fmt.Sprintf("  %-28s MISSED (%s): %s", v.Title, strings.Join(v.Where, " "), v.Why))
		}
	}
	var extra []string
	for n, i := range res.Issues {
		if !matched[n] {
			extra = append(extra, fmt.Sprintf("%s %s %s", i.Check, where(i), i.Param))
		}
	}
	sort.Strings(extra)
	recall := float64(found) / float64(max(reachable, 1))
	t.Logf("recall %d/%d = %.0f%% of the documented vulnerabilities a crawler can reach; %d/%d = %.0f%% of those of classes the scanner checks\n%s",
		found, reachable, 100*recall, foundCheckable, checkable, 100*float64(foundCheckable)/float64(max(checkable, 1)), strings.Join(lines, "\n"))
	t.Logf("%d findings beyond the key (review each):\n  %s", len(extra), strings.Join(extra, "\n  "))
	if want := max(k.MinRecall, 0.5); recall < want {
		t.Errorf("recall %.0f%% is under the %.0f%% this app's scan reached when measured", 100*recall, 100*want)
	}
}
