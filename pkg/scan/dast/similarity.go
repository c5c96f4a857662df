package dast

import (
	"html"
	"net/url"
	"strings"
)

// normalize removes the injected values from a body so pages that echo
// their input compare equal.
func normalize(body string, injected ...string) string {
	for _, v := range injected {
		if v == "" {
			continue
		}
		for _, form := range []string{v, html.EscapeString(v), url.QueryEscape(v), strings.ReplaceAll(html.EscapeString(v), "&#39;", "&#x27;"), strings.ReplaceAll(html.EscapeString(v), "&#34;", "&quot;")} {
			body = strings.ReplaceAll(body, form, "")
		}
	}
	return body
}

// similarity is a cheap 0..1 resemblance of two bodies: the share of the
// longer one covered by their common prefix and suffix.
func similarity(a, b string) float64 {
	if a == b {
		return 1
	}
	n := max(len(a), len(b))
	if n == 0 {
		return 1
	}
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	return float64(p+s) / float64(n)
}
