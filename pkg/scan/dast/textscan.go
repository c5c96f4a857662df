package dast

import (
	"bytes"
	"regexp"
)

// Regular expressions with large alternations are slow on megabyte pages
// (seconds per page). findNear runs them only in windows around cheap
// literal anchors, which keeps a scan of big pages within its time budget.

// asciiLower lower-cases A-Z only, so byte offsets stay those of body.
func asciiLower(body []byte) []byte {
	out := make([]byte, len(body))
	for i, c := range body {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

type anchoredRegexp struct {
	re      *regexp.Regexp
	anchors [][]byte // lower-case literals; every match contains one
	before  int      // bytes of context before an anchor
	after   int      // bytes of context after an anchor
}

func anchored(re string, before, after int, anchors ...string) *anchoredRegexp {
	a := &anchoredRegexp{re: regexp.MustCompile(re), before: before, after: after}
	for _, s := range anchors {
		a.anchors = append(a.anchors, []byte(s))
	}
	return a
}

// find returns the first match near an anchor. lower is asciiLower(body),
// or nil to compute it.
func (a *anchoredRegexp) find(body, lower []byte) string {
	m, _ := a.findAt(body, lower, nil)
	return m
}

// findAt returns the first match near an anchor for which keep (when not
// nil) accepts the match's offset in body, and that offset.
func (a *anchoredRegexp) findAt(body, lower []byte, keep func(int) bool) (string, int) {
	if lower == nil {
		lower = asciiLower(body)
	}
	for _, anchor := range a.anchors {
		off := 0
		for n := 0; n < 200; n++ {
			i := bytes.Index(lower[off:], anchor)
			if i < 0 {
				break
			}
			i += off
			lo, hi := max(0, i-a.before), min(len(body), i+len(anchor)+a.after)
			if loc := a.re.FindIndex(body[lo:hi]); loc != nil && (keep == nil || keep(lo+loc[0])) {
				return string(body[lo+loc[0] : lo+loc[1]]), lo + loc[0]
			}
			off = i + len(anchor)
		}
	}
	return "", -1
}

// inCodeSample reports whether offset i of an HTML body lies in a code
// sample rendered from documentation (<code class="language-…">): a
// troubleshooting page that quotes an error does not disclose one.
func inCodeSample(lower []byte, i int) bool {
	open := bytes.LastIndex(lower[:i], []byte("<code"))
	if open < 0 || bytes.Contains(lower[open:i], []byte("</code")) {
		return false
	}
	tag := lower[open:min(len(lower), open+80)]
	return bytes.Contains(tag, []byte(`class="language-`)) || bytes.Contains(tag, []byte(`class='language-`))
}

// disclosed returns the first match in body that is not a documentation
// code sample.
func (a *anchoredRegexp) disclosed(body []byte) string {
	lower := asciiLower(body)
	m, _ := a.findAt(body, lower, func(i int) bool { return !inCodeSample(lower, i) })
	return m
}
