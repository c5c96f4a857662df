package eventpattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Match reports whether the JSON event matches the pattern. The error is
// for an event that is not a JSON object.
func (p *Pattern) Match(event []byte) (bool, error) {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return false, fmt.Errorf("event is not valid JSON: %w", err)
	}
	if dec.More() {
		return false, errors.New("event is not valid JSON: trailing data after the object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return false, errors.New("event is not a JSON object")
	}
	return p.MatchValue(obj), nil
}

// MatchValue matches an event already decoded with json.Decoder.UseNumber
// (numbers as json.Number).
func (p *Pattern) MatchValue(event map[string]any) bool {
	return p.root.match(event, true)
}

// match checks an object pattern against v; present is false when the
// event has no value at this path, where only absence tests can hold.
func (n *objNode) match(v any, present bool) bool {
	obj, _ := v.(map[string]any)
	for _, f := range n.fields {
		child, ok := obj[f.key]
		if !f.match(child, ok && present) {
			return false
		}
	}
	if n.or != nil {
		for _, alt := range n.or {
			if alt.match(v, present) {
				return true
			}
		}
		return false
	}
	return true
}

func (f *fieldNode) match(v any, present bool) bool {
	if f.sub != nil {
		if !present {
			return f.sub.match(nil, false)
		}
		switch t := v.(type) {
		case map[string]any:
			return f.sub.match(t, true)
		case []any:
			objects := 0
			for _, el := range flatten(t) {
				if m, ok := el.(map[string]any); ok {
					objects++
					if f.sub.match(m, true) {
						return true
					}
				}
			}
			if objects > 0 {
				return false
			}
		}
		return f.sub.match(nil, false)
	}
	leaves := leafValues(v, present)
	for _, m := range f.matchers {
		if e, ok := m.(exists); ok {
			if e.want == (len(leaves) > 0) {
				return true
			}
			continue
		}
		for _, l := range leaves {
			if m.match(l) {
				return true
			}
		}
	}
	return false
}

// leafValues are the scalar values at a path: the value itself, or the
// scalar elements of an array (nested arrays flattened).
func leafValues(v any, present bool) []scalar {
	if !present {
		return nil
	}
	if arr, ok := v.([]any); ok {
		var out []scalar
		for _, el := range flatten(arr) {
			if s, ok := toScalar(el); ok {
				out = append(out, s)
			}
		}
		return out
	}
	if s, ok := toScalar(v); ok {
		return []scalar{s}
	}
	return nil
}

func flatten(arr []any) []any {
	nested := false
	for _, el := range arr {
		if _, ok := el.([]any); ok {
			nested = true
			break
		}
	}
	if !nested {
		return arr
	}
	var out []any
	for _, el := range arr {
		if inner, ok := el.([]any); ok {
			out = append(out, flatten(inner)...)
		} else {
			out = append(out, el)
		}
	}
	return out
}

func toScalar(v any) (scalar, bool) {
	switch t := v.(type) {
	case string:
		return scalar{'s', t}, true
	case json.Number:
		return scalar{'n', t.String()}, true
	case float64:
		return scalar{'n', strconv.FormatFloat(t, 'g', -1, 64)}, true
	case bool:
		return scalar{'b', strconv.FormatBool(t)}, true
	case nil:
		return scalar{kind: 'z'}, true
	}
	return scalar{}, false
}

// matcher tests one leaf value.
type matcher interface {
	match(scalar) bool
}

type exact struct{ want scalar }

func (m exact) match(s scalar) bool { return s == m.want }

type affix struct {
	suffix     bool
	s          string
	ignoreCase bool
}

func (m affix) match(v scalar) bool {
	if v.kind != 's' || len(v.text) < len(m.s) {
		return false
	}
	part := v.text[:len(m.s)]
	if m.suffix {
		part = v.text[len(v.text)-len(m.s):]
	}
	if m.ignoreCase {
		return strings.EqualFold(part, m.s)
	}
	return part == m.s
}

type ignoreCase struct{ s string }

func (m ignoreCase) match(v scalar) bool { return v.kind == 's' && strings.EqualFold(v.text, m.s) }

type exists struct{ want bool }

func (exists) match(scalar) bool { return false } // handled in fieldNode.match

type numeric struct {
	lo, hi         float64
	loIncl, hiIncl bool
}

func (m numeric) match(v scalar) bool {
	if v.kind != 'n' {
		return false
	}
	f, err := strconv.ParseFloat(v.text, 64)
	if err != nil {
		return false
	}
	if f < m.lo || (f == m.lo && !m.loIncl) {
		return false
	}
	if f > m.hi || (f == m.hi && !m.hiIncl) {
		return false
	}
	return true
}

type cidr struct{ prefix netip.Prefix }

func (m cidr) match(v scalar) bool {
	if v.kind != 's' {
		return false
	}
	a, err := netip.ParseAddr(v.text)
	if err != nil {
		return false
	}
	return m.prefix.Contains(a.Unmap())
}

// anythingBut matches a leaf that none of inner matches; with stringsOnly
// (prefix, suffix, equals-ignore-case, wildcard forms) only string values
// qualify.
type anythingBut struct {
	inner       []matcher
	stringsOnly bool
}

func (m anythingBut) match(v scalar) bool {
	if m.stringsOnly && v.kind != 's' {
		return false
	}
	for _, in := range m.inner {
		if in.match(v) {
			return false
		}
	}
	return true
}

// wildcard is a glob where "*" matches any run of characters; "\*" is a
// literal star and "\\" a literal backslash.
type wildcard struct {
	parts []string // literal pieces between stars
	lead  bool     // pattern starts with a star
	trail bool     // pattern ends with a star
}

func compileWildcard(p string) (wildcard, error) {
	var w wildcard
	if !utf8.ValidString(p) {
		return w, fmt.Errorf("wildcard %q is not valid UTF-8", p)
	}
	var cur strings.Builder
	prevStar := false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 >= len(p) || (p[i+1] != '*' && p[i+1] != '\\') {
				return w, fmt.Errorf("wildcard %q: a backslash must escape * or \\", p)
			}
			cur.WriteByte(p[i+1])
			i++
			prevStar = false
		case '*':
			if prevStar {
				return w, fmt.Errorf("wildcard %q: consecutive * are not allowed", p)
			}
			if i == 0 {
				w.lead = true
			} else {
				w.parts = append(w.parts, cur.String())
			}
			cur.Reset()
			prevStar = true
			w.trail = i == len(p)-1
		default:
			cur.WriteByte(c)
			prevStar = false
		}
	}
	if !w.trail {
		w.parts = append(w.parts, cur.String())
	}
	return w, nil
}

func (w wildcard) match(v scalar) bool {
	if v.kind != 's' {
		return false
	}
	s := v.text
	parts := w.parts
	if len(parts) == 0 { // "*"
		return true
	}
	if !w.lead {
		if !strings.HasPrefix(s, parts[0]) {
			return false
		}
		s = s[len(parts[0]):]
		parts = parts[1:]
		if len(parts) == 0 {
			return w.trail || s == ""
		}
	}
	last := len(parts) - 1
	for i, part := range parts {
		if i == last && !w.trail {
			return strings.HasSuffix(s, part)
		}
		idx := strings.Index(s, part)
		if idx < 0 {
			return false
		}
		s = s[idx+len(part):]
	}
	return true
}
