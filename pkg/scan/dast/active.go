package dast

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// active runs the attack checks on every parameter of every target.
type active struct {
	s        *Sender
	out      *collector
	canary   *canary // nil: no SSRF checks
	minDelay time.Duration
	maxDelay time.Duration
	warn     func(string)

	mu     sync.Mutex
	stored map[string]storedProbe // marker -> where it was injected
	// covered counts, per check family and injection point, the
	// parameters tested.
	covered map[string]map[string]int
	// sinks are the places header values were seen printed.
	sinks map[string]bool
}

// cover records that check ran on a parameter in location in.
func (a *active) cover(check, in string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.covered == nil {
		a.covered = map[string]map[string]int{}
	}
	m := a.covered[check]
	if m == nil {
		m = map[string]int{}
		a.covered[check] = m
	}
	m[in]++
}

// coverage returns a copy of what cover recorded.
func (a *active) coverage() map[string]map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]map[string]int{}
	for c, m := range a.covered {
		out[c] = map[string]int{}
		for k, v := range m {
			out[c][k] = v
		}
	}
	return out
}

type storedProbe struct {
	t   *Target
	p   Param
	req *Request
}

// token returns a random lower-case alphanumeric string: the markers
// probes carry. They come from crypto/rand so that a target cannot guess
// one and echo it to fake a confirmation.
func token(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	crand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// probe is one parameter under test.
type probe struct {
	a     *active
	t     *Target
	p     Param
	base  *Response
	delay time.Duration
	// timing describes the last confirmed time-based rounds.
	timing string
	// only, when set, limits the checks to these families (a header whose
	// screening showed a reflection or a database error).
	only map[string]bool
}

func fatal(err error) bool {
	return err != nil && (errors.Is(err, ErrBudget) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "--timeout"))
}

func (pr *probe) send(ctx context.Context, value string) (*Response, error) {
	if pr.p.In == InHeader {
		// A header value cannot carry control characters.
		value = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, value)
	}
	return pr.a.s.Do(ctx, pr.t.Build(pr.p, value))
}

func (pr *probe) report(check string, resp *Response, needle string, conf int, detail string) {
	pr.a.out.add(Issue{Check: check, URL: pr.t.issueURL(pr.p), Method: pr.t.Method, Param: pr.p.Name, In: pr.p.In,
		Confidence: conf, Detail: detail, Request: dumpRequest(resp.Request), Response: dumpResponse(resp, needle)})
}

// runTarget tests every injectable parameter of t.
func (a *active) runTarget(ctx context.Context, t *Target, types map[string]string) error {
	base, err := a.s.Do(ctx, t.Baseline())
	if err != nil {
		if fatal(err) {
			return err
		}
		a.warn(fmt.Sprintf("skip %s %s: %v", t.Method, stripQuery(t.URL), err))
		return nil
	}
	params := t.Params
	var only map[string]map[string]bool
	if len(params) > 0 && params[0].In == InHeader {
		if params, only, err = a.screenHeaders(ctx, t, base); err != nil {
			if fatal(err) {
				return err
			}
			return nil
		}
	}
	for _, p := range params {
		if !injectable(p, types[p.Name]) {
			continue
		}
		// Time-based checks ask for a delay well above the response time;
		// a target too slow for that within --timeout skips them.
		delay := max(3*base.Duration, a.minDelay).Round(100*time.Millisecond) + 100*time.Millisecond
		if delay > a.maxDelay {
			a.warn(fmt.Sprintf("%s answers too slowly (%s) for time-based checks within --timeout %s; they were skipped there", stripQuery(t.URL), base.Duration.Round(time.Millisecond), 3*a.maxDelay))
			delay = 0
		}
		pr := &probe{a: a, t: t, p: p, base: base, delay: delay, only: only[p.Name]}
		if err := pr.run(ctx); err != nil {
			if fatal(err) {
				return err
			}
			a.warn(fmt.Sprintf("%s %s parameter %q: %v", t.Method, stripQuery(t.URL), p.Name, err))
		}
	}
	return nil
}

// Check families, as coverage reports name them.
const (
	famXSS       = "xss"
	famSSTI      = "ssti"
	famSQLi      = "sqli"
	famCmdi      = "cmdi"
	famTraversal = "path-traversal"
	famRedirect  = "open-redirect"
	famSSRF      = "ssrf"
	famStored    = "xss-stored"
)

// Families lists the active check families in report order.
var Families = []string{famXSS, famSSTI, famSQLi, famCmdi, famTraversal, famRedirect, famSSRF, famStored, "default-credentials", "file-upload"}

type step struct {
	family string
	run    func(context.Context) error
}

// steps are the checks a parameter gets: all of them for query, body,
// JSON and cookie values; for path segments and headers, the ones an
// application plausibly routes such a value to (a header is logged,
// echoed or stored; it is not a file name or a redirect target).
func (pr *probe) steps() []step {
	all := []step{{famXSS, pr.reflected}, {famSQLi, pr.sqli}, {famCmdi, pr.cmdi}, {famTraversal, pr.traversal},
		{famRedirect, pr.redirect}, {famSSRF, pr.ssrf}, {famStored, pr.storedInject}}
	switch pr.p.In {
	case InHeader:
		return []step{all[0], all[1], all[2], all[6]}
	case InPath:
		return all[:3]
	}
	return all
}

// newSink reports whether a header's value lands somewhere not seen
// before, told by the text just before it: a footer that prints the
// User-Agent on every page is one sink, attacked once, while a page that
// prints it elsewhere is another.
func (a *active) newSink(header string, before []byte) bool {
	k := header + "\x00" + string(before)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sinks == nil {
		a.sinks = map[string]bool{}
	}
	if a.sinks[k] {
		return false
	}
	a.sinks[k] = true
	return true
}

// screenHeaders tests a page's headers cheaply before attacking them: one
// request carries a distinct marker and a quote in each header, another a
// stored-XSS payload in each. A header is attacked in full only when its
// marker comes back or the quote provokes a database error; the stored
// payloads are looked for by the final re-crawl.
func (a *active) screenHeaders(ctx context.Context, t *Target, base *Response) ([]Param, map[string]map[string]bool, error) {
	req := t.Baseline()
	marks := map[string]string{}
	for _, p := range t.Params {
		m := "secopsr" + token(8)
		marks[p.Name] = m
		req.Header.Set(p.Name, p.Value+m+`'"`)
		a.cover(famXSS, InHeader)
		a.cover(famSQLi, InHeader)
	}
	r, err := a.s.Do(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	dbError := sqlErrorText.disclosed(r.Body) != "" && sqlErrorText.disclosed(base.Body) == ""
	var out []Param
	only := map[string]map[string]bool{}
	for _, p := range t.Params {
		fams := map[string]bool{}
		// Every place the value is printed is a sink, told by the text
		// before the value (not before the marker: the value itself is the
		// same everywhere); a page with one new sink is attacked.
		body := string(r.Body)
		for n, off := 0, 0; n < 8; n++ {
			i := strings.Index(body[off:], marks[p.Name])
			if i < 0 {
				break
			}
			i += off
			start := i
			if v := p.Value; start >= len(v) && body[start-len(v):start] == v {
				start -= len(v)
			}
			if a.newSink(p.Name, r.Body[max(0, start-60):start]) {
				fams[famXSS] = true
			}
			off = i + len(marks[p.Name])
		}
		if dbError {
			fams[famSQLi] = true
		}
		if len(fams) > 0 {
			out = append(out, p)
			only[p.Name] = fams
		}
	}
	stored := t.Baseline()
	for _, p := range t.Params {
		mark := "secopss" + token(6)
		stored.Header.Set(p.Name, p.Value+"<img src=x onerror="+mark+"()>")
		a.cover(famStored, InHeader)
		a.mu.Lock()
		a.stored[mark] = storedProbe{t: t, p: p, req: stored}
		a.mu.Unlock()
	}
	if _, err := a.s.Do(ctx, stored); err != nil {
		return nil, nil, err
	}
	return out, only, nil
}

func (pr *probe) run(ctx context.Context) error {
	for _, st := range pr.steps() {
		if pr.only != nil && !pr.only[st.family] {
			continue
		}
		if st.family == famSSRF && pr.a.canary == nil || st.family == famStored && pr.t.Method != http.MethodPost && pr.p.In != InHeader {
			continue
		}
		if pr.p.In != InHeader || st.family == famCmdi {
			// screenHeaders counted the header's XSS, SQL and stored probes.
			pr.a.cover(st.family, pr.p.In)
		}
		if err := st.run(ctx); err != nil {
			if fatal(err) {
				return err
			}
			// One failed request (timeout, reset) skips the rest of that
			// check only.
			pr.a.warn(fmt.Sprintf("%s %s parameter %q: %v", pr.t.Method, stripQuery(pr.t.URL), pr.p.Name, err))
		}
	}
	return nil
}

// reflected finds where the parameter is echoed and tries XSS and SSTI
// payloads suited to that place.
func (pr *probe) reflected(ctx context.Context) error {
	marker := "secopsr" + token(8)
	resp, err := pr.send(ctx, pr.p.Value+marker)
	if err != nil {
		return err
	}
	if !strings.Contains(string(resp.Body), marker) {
		return nil
	}
	if resp.IsHTML() {
		contexts := reflectionContexts(resp.Body, marker)
		mark := "secopsx" + token(6)
		for _, payload := range xssPayloads(contexts, mark) {
			r, err := pr.send(ctx, pr.p.Value+payload)
			if err != nil {
				return err
			}
			if r.IsHTML() && executable(r.Body, mark) {
				// A payload that a request without it still gets back was
				// stored, not reflected.
				if seen, err := pr.servedWithout(ctx, mark); err != nil {
					return err
				} else if seen != nil {
					pr.a.reportStored(pr.t, pr.p, r.Request, seen, mark)
				} else {
					pr.report(CheckXSSReflected, r, mark, 90, fmt.Sprintf("Payload %q is echoed in an executable context.", payload))
				}
				break
			}
		}
	}
	if pr.p.In == InHeader || pr.p.In == InPath {
		return nil
	}
	pr.a.cover(famSSTI, pr.p.In)
	return pr.ssti(ctx)
}

// servedWithout fetches the target's page again without the payload: the
// URL itself for a GET, the page that holds the form for a POST. It
// returns the response when it serves mark in an executable context.
func (pr *probe) servedWithout(ctx context.Context, mark string) (*Response, error) {
	req := pr.t.Baseline()
	if pr.t.Method != http.MethodGet {
		u := pr.t.URL
		if pg := resolve(nil, pr.t.Page); pg != nil {
			u = pg
		}
		req = &Request{Method: http.MethodGet, URL: u}
	}
	r, err := pr.a.s.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if r.IsHTML() && strings.Contains(string(r.Body), mark) && executable(r.Body, mark) {
		return r, nil
	}
	return nil, nil
}

var sstiForms = []string{"{{%d*%d}}", "${%d*%d}", "<%%= %d*%d %%>", "#{%d*%d}", "{%d*%d}"}

func (pr *probe) ssti(ctx context.Context) error {
	for _, form := range sstiForms {
		hit := 0
		var last *Response
		for range 2 {
			x, y := 1000+rand.IntN(9000), 1000+rand.IntN(9000) // #nosec G404 -- arithmetic a template must evaluate, not a secret
			product := strconv.Itoa(x * y)
			payload := fmt.Sprintf(form, x, y)
			r, err := pr.send(ctx, pr.p.Value+payload)
			if err != nil {
				return err
			}
			if strings.Contains(string(r.Body), product) && !strings.Contains(string(pr.base.Body), product) && !strings.Contains(string(r.Body), payload) {
				hit++
				last = r
				continue
			}
			break
		}
		if hit == 2 {
			pr.report(CheckSSTI, last, "", 95, fmt.Sprintf("The expression %s was evaluated by the server.", strings.ReplaceAll(form, "%d", "N")))
			return nil
		}
	}
	return nil
}

func (pr *probe) sqli(ctx context.Context) error {
	if sqlErrorText.disclosed(pr.base.Body) != "" {
		// The page shows SQL errors already; error-based proof is void.
	} else {
		for _, q := range []string{"'", `"`} {
			r, err := pr.send(ctx, pr.p.Value+q)
			if err != nil {
				return err
			}
			m := sqlErrorText.disclosed(r.Body)
			if m == "" {
				continue
			}
			conf := 70
			if c, err := pr.send(ctx, pr.p.Value+q+q); err == nil && sqlErrorText.disclosed(c.Body) == "" {
				conf = 95
			}
			pr.report(CheckSQLiError, r, m, conf, fmt.Sprintf("A single %s makes the response show a database error: %q.", q, m))
			return nil
		}
	}
	found, err := pr.sqliBoolean(ctx)
	if err != nil || found {
		return err
	}
	return pr.sqliTime(ctx)
}

type boolPair struct{ t, f string }

func (pr *probe) sqliBoolean(ctx context.Context) (bool, error) {
	families := [][]boolPair{
		{{"' AND '1'='1", "' AND '1'='2"}, {"' AND 'x'='x", "' AND 'x'='y"}},
		{{" AND 1=1", " AND 1=2"}, {" AND 2>1", " AND 1>2"}},
		{{"' AND 1=1-- -", "' AND 1=2-- -"}, {"' AND 2>1-- -", "' AND 1>2-- -"}},
	}
	base := normalize(string(pr.base.Body), pr.p.Value)
	for _, fam := range families {
		ok := true
		var ev *Response
		for _, pair := range fam {
			tr, err := pr.send(ctx, pr.p.Value+pair.t)
			if err != nil {
				return false, err
			}
			tb := normalize(string(tr.Body), pr.p.Value+pair.t, pr.p.Value)
			if tr.StatusCode != pr.base.StatusCode || similarity(tb, base) < 0.95 {
				ok = false
				break
			}
			fr, err := pr.send(ctx, pr.p.Value+pair.f)
			if err != nil {
				return false, err
			}
			fb := normalize(string(fr.Body), pr.p.Value+pair.f, pr.p.Value)
			if fr.StatusCode == tr.StatusCode && (similarity(fb, base) >= 0.9 || similarity(fb, tb) >= 0.9) {
				ok = false
				break
			}
			ev = fr
		}
		if ok && ev != nil {
			pr.report(CheckSQLiBoolean, ev, "", 90, fmt.Sprintf("Appending %q keeps the page; %q changes it (confirmed with a second pair).", fam[0].t, fam[0].f))
			return true, nil
		}
	}
	return false, nil
}

func (pr *probe) sqliTime(ctx context.Context) error {
	forms := []string{"' AND SLEEP(%s)-- -", " AND SLEEP(%s)", "'||pg_sleep(%s)--", "' OR SLEEP(%s)-- -"}
	for _, form := range forms {
		hit, ev, err := pr.timeBased(ctx, func(d string) string { return pr.p.Value + fmt.Sprintf(form, d) })
		if err != nil {
			return err
		}
		if hit {
			pr.report(CheckSQLiTime, ev, "", 90, fmt.Sprintf("%s delayed the response by the requested time, and by twice that when doubled; a zero delay did not: %s.", strings.TrimSpace(fmt.Sprintf(form, "N")), pr.timing))
			return nil
		}
	}
	return nil
}

// timeBased sends mk(delay) and, when the response is slow, confirms
// that the delay is caused by the payload and not by a busy server or
// network: three zero-delay controls must stay fast, and three more rounds
// (delay, twice the delay, delay) must each take the requested time longer
// than a zero-delay control sent right after, which must itself stay fast.
func (pr *probe) timeBased(ctx context.Context, mk func(string) string) (bool, *Response, error) {
	d := pr.delay
	if d <= 0 {
		return false, nil, nil
	}
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) }
	r, err := pr.send(ctx, mk(secs(d)))
	if err != nil || r.Duration < d {
		return false, nil, err
	}
	control := func() (time.Duration, bool, error) {
		c, err := pr.send(ctx, mk("0"))
		if err != nil {
			return 0, false, err
		}
		return c.Duration, c.Duration < d/2, nil
	}
	// Calibrate on three controls: a busy target gets a longer delay
	// (once, within --timeout) rather than a verdict from noise.
	var slowest time.Duration
	for range 3 {
		c, _, err := control()
		if err != nil {
			return false, nil, err
		}
		slowest = max(slowest, c)
	}
	if slowest >= d/2 {
		d = (4 * slowest).Round(100*time.Millisecond) + 100*time.Millisecond
		if d > pr.a.maxDelay {
			return false, nil, nil
		}
		if r, err := pr.send(ctx, mk(secs(d))); err != nil || r.Duration < d {
			return false, nil, err
		}
	}
	var ev *Response
	var took []string
	for _, k := range []time.Duration{1, 2, 1} {
		r, err := pr.send(ctx, mk(secs(k*d)))
		if err != nil {
			return false, nil, err
		}
		c, fast, err := control()
		if err != nil || !fast || r.Duration-c < k*d*9/10 {
			return false, nil, err
		}
		took = append(took, fmt.Sprintf("%ss took %.2fs (control %.2fs)", secs(k*d), r.Duration.Seconds(), c.Seconds()))
		if k == 2 {
			ev = r
		}
	}
	pr.timing = strings.Join(took, "; ")
	return true, ev, nil
}

func (pr *probe) cmdi(ctx context.Context) error {
	seps := []struct{ pre, post string }{{";", ""}, {"|", ""}, {"$(", ")"}, {"`", "`"}, {"\n", ""}}
	for _, s := range seps {
		x, y := 100000+rand.IntN(900000), 100000+rand.IntN(900000) // #nosec G404 -- arithmetic a template must evaluate, not a secret
		sum := strconv.Itoa(x + y)
		r, err := pr.send(ctx, fmt.Sprintf("%s%sexpr %d + %d%s", pr.p.Value, s.pre, x, y, s.post))
		if err != nil {
			return err
		}
		if !strings.Contains(string(r.Body), sum) || strings.Contains(string(pr.base.Body), sum) {
			continue
		}
		x, y = 100000+rand.IntN(900000), 100000+rand.IntN(900000) // #nosec G404 -- arithmetic a template must evaluate, not a secret
		sum = strconv.Itoa(x + y)
		r2, err := pr.send(ctx, fmt.Sprintf("%s%sexpr %d + %d%s", pr.p.Value, s.pre, x, y, s.post))
		if err != nil {
			return err
		}
		if strings.Contains(string(r2.Body), sum) {
			pr.report(CheckCmdiOutput, r2, sum, 95, fmt.Sprintf("The shell evaluated `expr %d + %d` appended with %q.", x, y, strings.TrimSpace(s.pre)))
			return nil
		}
	}
	for _, s := range seps[:4] {
		hit, ev, err := pr.timeBased(ctx, func(d string) string { return pr.p.Value + s.pre + "sleep " + d + s.post })
		if err != nil {
			return err
		}
		if hit {
			pr.report(CheckCmdiTime, ev, "", 90, fmt.Sprintf("`sleep N` appended with %q delayed the response by N seconds, repeatedly: %s.", strings.TrimSpace(s.pre), pr.timing))
			return nil
		}
	}
	return nil
}

var passwdLine = regexp.MustCompile(`root:[x*!]?:0:0:`)

func (pr *probe) traversal(ctx context.Context) error {
	if passwdLine.Match(pr.base.Body) {
		return nil
	}
	for _, payload := range []string{"../../../../../../../../etc/passwd", "....//....//....//....//....//....//etc/passwd", "/etc/passwd", "..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd"} {
		r, err := pr.send(ctx, payload)
		if err != nil {
			return err
		}
		if m := passwdLine.FindString(string(r.Body)); m != "" {
			pr.report(CheckPathTraversal, r, m, 95, fmt.Sprintf("%q returned the contents of /etc/passwd.", payload))
			return nil
		}
	}
	return nil
}

const redirectHost = "secops-redirect.invalid"

var metaRefresh = regexp.MustCompile(`(?i)<meta[^>]+http-equiv=["']?refresh["']?[^>]+content=["']?\s*\d*\s*;\s*url=([^"'>]+)`)

func (pr *probe) redirect(ctx context.Context) error {
	for _, payload := range []string{"https://" + redirectHost + "/", "//" + redirectHost + "/"} {
		r, err := pr.send(ctx, payload)
		if err != nil {
			return err
		}
		if r.StatusCode == 200 && r.IsHTML() {
			// A meta refresh redirects as a Location header does.
			if m := metaRefresh.FindSubmatch(r.Body); m != nil {
				if loc, err := url.Parse(strings.Trim(string(m[1]), `'" `)); err == nil && strings.EqualFold(loc.Hostname(), redirectHost) {
					pr.report(CheckOpenRedirect, r, string(m[0]), 90, fmt.Sprintf("%q was put in a meta refresh to %s.", payload, loc.String()))
					return nil
				}
			}
		}
		if r.StatusCode < 300 || r.StatusCode >= 400 {
			continue
		}
		loc, err := url.Parse(r.Header.Get("Location"))
		if err != nil {
			continue
		}
		if strings.EqualFold(loc.Hostname(), redirectHost) {
			pr.report(CheckOpenRedirect, r, "", 95, fmt.Sprintf("%q redirected to %s (the redirect was not followed).", payload, loc.String()))
			return nil
		}
	}
	return nil
}

func (pr *probe) ssrf(ctx context.Context) error {
	if pr.a.canary == nil {
		return nil
	}
	tok := token(12)
	r, err := pr.send(ctx, pr.a.canary.URL(tok))
	if err != nil {
		return err
	}
	if pr.a.canary.hit(tok) {
		pr.report(CheckSSRF, r, "", 95, "The server requested the scanner's canary URL "+pr.a.canary.URL(tok)+".")
	}
	return nil
}

// storedInject submits a stored-XSS payload through POST parameters and
// headers (which applications log and show to administrators); the
// re-crawl at the end looks for it.
func (pr *probe) storedInject(ctx context.Context) error {
	if pr.t.Method != http.MethodPost && pr.p.In != InHeader {
		return nil
	}
	mark := "secopss" + token(6)
	payload := "<img src=x onerror=" + mark + "()>"
	req := pr.t.Build(pr.p, pr.p.Value+payload)
	if _, err := pr.a.s.Do(ctx, req); err != nil {
		return err
	}
	pr.a.mu.Lock()
	pr.a.stored[mark] = storedProbe{t: pr.t, p: pr.p, req: req}
	pr.a.mu.Unlock()
	return nil
}

// storedMarks returns the stored-XSS markers injected so far.
func (a *active) storedMarks() map[string]storedProbe {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]storedProbe, len(a.stored))
	for k, v := range a.stored {
		out[k] = v
	}
	return out
}

// findStored reports stored payloads that a re-crawled page serves in an
// executable context.
func (a *active) findStored(resp *Response, marks map[string]storedProbe) {
	if !resp.IsHTML() || !strings.Contains(string(resp.Body), "secopss") {
		return
	}
	for mark, sp := range marks {
		if !strings.Contains(string(resp.Body), mark) || !executable(resp.Body, mark) {
			continue
		}
		a.reportStored(sp.t, sp.p, sp.req, resp, mark)
	}
}

// reportStored reports a stored XSS with both places: where the payload
// was sent and the page that served it.
func (a *active) reportStored(t *Target, p Param, sent *Request, seen *Response, mark string) {
	u := t.issueURL(p)
	if p.In == InHeader {
		// Every page's User-Agent lands in the same log: one issue per
		// header and page that shows it, not one per page that sent it.
		u = stripQuery(seen.Request.URL)
	}
	a.out.add(Issue{Check: CheckXSSStored, URL: u, Method: t.Method, Param: p.Name, In: p.In, Confidence: 95,
		SeenAt:  stripQuery(seen.Request.URL),
		Detail:  fmt.Sprintf("The payload sent in %s %s was served unescaped by %s %s, in response to a request that did not carry it.", t.Method, t.issueURL(p), seen.Request.Method, stripQuery(seen.Request.URL)),
		Request: dumpRequest(sent), Response: dumpResponse(seen, mark)})
}

// cors probes a URL with a foreign Origin.
func (a *active) cors(ctx context.Context, u *url.URL) error {
	const origin = "https://secops-cors.invalid"
	resp, err := a.s.Do(ctx, &Request{Method: "GET", URL: u, Header: http.Header{"Origin": {origin}}})
	if err != nil {
		return err
	}
	acao := resp.Header.Get("Access-Control-Allow-Origin")
	creds := strings.EqualFold(resp.Header.Get("Access-Control-Allow-Credentials"), "true")
	if acao == origin || (acao == "null" && creds) {
		conf := 70
		detail := "The server echoes the Origin header."
		if creds {
			conf = 95
			detail = "The server echoes the Origin header and allows credentials."
		}
		a.out.add(Issue{Check: CheckCORS, URL: stripQuery(u), Method: "GET", Confidence: conf, Detail: detail,
			Request: dumpRequest(resp.Request), Response: dumpResponse(resp, "")})
	}
	return nil
}
