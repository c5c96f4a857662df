// Package eventpattern matches JSON events against Amazon EventBridge event
// patterns, with EventBridge's own syntax and semantics: exact values,
// prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, cidr,
// exists and $or. It lets secops filter the events it is handed (in the
// Lambda handler) with the same pattern as the EventBridge rule that routed
// them.
//
// Semantics, from the EventBridge user guide (event patterns, content
// filtering, arrays, null values):
//   - a pattern is a JSON object with the structure of the events it
//     matches; fields not in the pattern are ignored; every field in the
//     pattern must match (AND), and the values of one field are alternatives
//     (OR); "$or" lists alternative sub-patterns;
//   - strings match character by character, numbers by their JSON text
//     (300 and 300.0 differ) except in "numeric" comparisons, null matches
//     only null and "" only the empty string;
//   - when the event holds an array, the field matches if any element does;
//     a sub-pattern under an array of objects must match within one element;
//   - "exists" looks at leaf values only: an object, an empty array or a
//     missing field does not exist.
package eventpattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strings"
)

// Pattern is a compiled event pattern, safe for concurrent use.
type Pattern struct {
	root *objNode
}

type objNode struct {
	fields []*fieldNode // sorted by key
	or     []*objNode   // "$or" alternatives, nil when absent
}

type fieldNode struct {
	key      string
	sub      *objNode  // the pattern value is an object
	matchers []matcher // the pattern value is an array
}

// Error is an invalid pattern, with the path of the offending field.
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "event pattern: " + e.Msg
	}
	return fmt.Sprintf("event pattern: %s: %s", e.Path, e.Msg)
}

// Compile parses an EventBridge event pattern.
func Compile(pattern []byte) (*Pattern, error) {
	raw, err := decodeObject(pattern)
	if err != nil {
		return nil, &Error{Msg: "not a JSON object: " + err.Error()}
	}
	root, err := compileObject(raw, "")
	if err != nil {
		return nil, err
	}
	return &Pattern{root: root}, nil
}

// MustCompile is Compile for patterns known to be valid; it panics otherwise.
func MustCompile(pattern string) *Pattern {
	p, err := Compile([]byte(pattern))
	if err != nil {
		panic(err)
	}
	return p
}

func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, errors.New("expected '{'")
	}
	var raw map[string]json.RawMessage // duplicate keys: the last one wins, as in EventBridge
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the object")
	}
	return raw, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func compileObject(raw map[string]json.RawMessage, path string) (*objNode, error) {
	if len(raw) == 0 {
		return nil, &Error{Path: path, Msg: "empty object: give at least one field to match"}
	}
	n := &objNode{}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := bytes.TrimSpace(raw[k])
		p := join(path, k)
		if k == "$or" {
			alts, err := compileOr(v, p)
			if err != nil {
				return nil, err
			}
			n.or = alts
			continue
		}
		switch {
		case len(v) > 0 && v[0] == '{':
			sub, err := decodeObject(v)
			if err != nil {
				return nil, &Error{Path: p, Msg: err.Error()}
			}
			node, err := compileObject(sub, p)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, &fieldNode{key: k, sub: node})
		case len(v) > 0 && v[0] == '[':
			ms, err := compileValues(v, p)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, &fieldNode{key: k, matchers: ms})
		default:
			return nil, &Error{Path: p, Msg: fmt.Sprintf("a field's value must be an array of values to match or an object, got %s (write [%s])", short(v), short(v))}
		}
	}
	return n, nil
}

func compileOr(v []byte, path string) ([]*objNode, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return nil, &Error{Path: path, Msg: "must be an array of patterns"}
	}
	if len(items) < 2 {
		return nil, &Error{Path: path, Msg: "must list at least two alternative patterns"}
	}
	alts := make([]*objNode, 0, len(items))
	for i, it := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		obj, err := decodeObject(it)
		if err != nil {
			return nil, &Error{Path: p, Msg: "each alternative must be an object: " + err.Error()}
		}
		node, err := compileObject(obj, path)
		if err != nil {
			return nil, err
		}
		alts = append(alts, node)
	}
	return alts, nil
}

func compileValues(v []byte, path string) ([]matcher, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return nil, &Error{Path: path, Msg: "not a JSON array: " + err.Error()}
	}
	if len(items) == 0 {
		return nil, &Error{Path: path, Msg: "empty array matches nothing: list at least one value"}
	}
	ms := make([]matcher, 0, len(items))
	for _, it := range items {
		m, err := compileValue(bytes.TrimSpace(it), path)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, nil
}

func compileValue(v []byte, path string) (matcher, error) {
	if len(v) == 0 {
		return nil, &Error{Path: path, Msg: "empty value"}
	}
	switch v[0] {
	case '[':
		return nil, &Error{Path: path, Msg: "nested arrays are not allowed in a pattern"}
	case '{':
		return compileOperator(v, path)
	}
	s, err := scalarOf(v)
	if err != nil {
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	return exact{s}, nil
}

// scalar is a JSON leaf value: kind is 's' string, 'n' number, 'b' bool, 'z' null.
type scalar struct {
	kind byte
	text string // string value, number text, "true"/"false"
}

func scalarOf(v []byte) (scalar, error) {
	switch {
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return scalar{}, err
		}
		return scalar{'s', s}, nil
	case string(v) == "null":
		return scalar{kind: 'z'}, nil
	case string(v) == "true" || string(v) == "false":
		return scalar{'b', string(v)}, nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		return scalar{}, fmt.Errorf("not a JSON value: %s", short(v))
	}
	return scalar{'n', n.String()}, nil
}

func compileOperator(v []byte, path string) (matcher, error) {
	obj, err := decodeObject(v)
	if err != nil {
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	if len(obj) != 1 {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("a matching object holds exactly one operator, got %d keys", len(obj))}
	}
	for op, arg := range obj {
		arg = bytes.TrimSpace(arg)
		switch op {
		case "prefix", "suffix":
			s, ignoreCase, err := stringOrIgnoreCase(arg)
			if err != nil {
				return nil, &Error{Path: path, Msg: fmt.Sprintf("%s: %v", op, err)}
			}
			return affix{suffix: op == "suffix", s: s, ignoreCase: ignoreCase}, nil
		case "equals-ignore-case":
			var s string
			if err := json.Unmarshal(arg, &s); err != nil {
				return nil, &Error{Path: path, Msg: "equals-ignore-case takes a string"}
			}
			return ignoreCase{s}, nil
		case "wildcard":
			var s string
			if err := json.Unmarshal(arg, &s); err != nil {
				return nil, &Error{Path: path, Msg: "wildcard takes a string"}
			}
			w, err := compileWildcard(s)
			if err != nil {
				return nil, &Error{Path: path, Msg: err.Error()}
			}
			return w, nil
		case "exists":
			var b bool
			if err := json.Unmarshal(arg, &b); err != nil {
				return nil, &Error{Path: path, Msg: "exists takes true or false"}
			}
			return exists{b}, nil
		case "numeric":
			return compileNumeric(arg, path)
		case "cidr":
			var s string
			if err := json.Unmarshal(arg, &s); err != nil {
				return nil, &Error{Path: path, Msg: "cidr takes a string such as \"10.0.0.0/24\""}
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, &Error{Path: path, Msg: fmt.Sprintf("cidr %q: %v", s, err)}
			}
			return cidr{p.Masked()}, nil
		case "anything-but":
			return compileAnythingBut(arg, path)
		default:
			return nil, &Error{Path: path, Msg: fmt.Sprintf("unknown operator %q (known: prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, cidr, exists)", op)}
		}
	}
	panic("unreachable")
}

func stringOrIgnoreCase(arg []byte) (string, bool, error) {
	if len(arg) > 0 && arg[0] == '{' {
		obj, err := decodeObject(arg)
		if err != nil || len(obj) != 1 {
			return "", false, errors.New(`takes a string or {"equals-ignore-case": "…"}`)
		}
		v, ok := obj["equals-ignore-case"]
		var s string
		if !ok || json.Unmarshal(v, &s) != nil {
			return "", false, errors.New(`takes a string or {"equals-ignore-case": "…"}`)
		}
		return s, true, nil
	}
	var s string
	if err := json.Unmarshal(arg, &s); err != nil {
		return "", false, errors.New(`takes a string or {"equals-ignore-case": "…"}`)
	}
	return s, false, nil
}

func compileNumeric(arg []byte, path string) (matcher, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(arg, &items); err != nil || len(items) == 0 {
		return nil, &Error{Path: path, Msg: `numeric takes an array such as [">", 0, "<=", 5]`}
	}
	if len(items)%2 != 0 || len(items) > 4 {
		return nil, &Error{Path: path, Msg: `numeric takes one or two (operator, number) pairs, e.g. [">", 0, "<=", 5]`}
	}
	n := numeric{lo: math.Inf(-1), hi: math.Inf(1)}
	var seenLo, seenHi, seenEq bool
	for i := 0; i < len(items); i += 2 {
		var op string
		if err := json.Unmarshal(items[i], &op); err != nil {
			return nil, &Error{Path: path, Msg: fmt.Sprintf("numeric: %s is not an operator (=, <, <=, >, >=)", short(items[i]))}
		}
		var f float64
		if err := json.Unmarshal(items[i+1], &f); err != nil {
			return nil, &Error{Path: path, Msg: fmt.Sprintf("numeric: %s after %q is not a number", short(items[i+1]), op)}
		}
		switch op {
		case "=":
			if len(items) != 2 {
				return nil, &Error{Path: path, Msg: `numeric: "=" cannot be combined with another comparison`}
			}
			n.lo, n.hi, n.loIncl, n.hiIncl, seenEq = f, f, true, true, true
		case ">", ">=":
			if seenLo || seenHi {
				return nil, &Error{Path: path, Msg: "numeric: give the lower bound first, once"}
			}
			n.lo, n.loIncl, seenLo = f, op == ">=", true
		case "<", "<=":
			if seenHi {
				return nil, &Error{Path: path, Msg: "numeric: upper bound given twice"}
			}
			n.hi, n.hiIncl, seenHi = f, op == "<=", true
		default:
			return nil, &Error{Path: path, Msg: fmt.Sprintf("numeric: unknown operator %q (=, <, <=, >, >=)", op)}
		}
	}
	if !seenEq && (n.lo > n.hi || (n.lo == n.hi && !(n.loIncl && n.hiIncl))) {
		return nil, &Error{Path: path, Msg: "numeric: the range is empty"}
	}
	return n, nil
}

func compileAnythingBut(arg []byte, path string) (matcher, error) {
	if len(arg) == 0 {
		return nil, &Error{Path: path, Msg: "anything-but needs a value"}
	}
	switch arg[0] {
	case '{':
		obj, err := decodeObject(arg)
		if err != nil || len(obj) != 1 {
			return nil, &Error{Path: path, Msg: "anything-but takes a value, a list, or one of {prefix|suffix|equals-ignore-case|wildcard: …}"}
		}
		for op, v := range obj {
			switch op {
			case "prefix", "suffix":
				var s string
				if err := json.Unmarshal(v, &s); err != nil {
					return nil, &Error{Path: path, Msg: fmt.Sprintf("anything-but %s takes a single string", op)}
				}
				return anythingBut{inner: []matcher{affix{suffix: op == "suffix", s: s}}, stringsOnly: true}, nil
			case "equals-ignore-case", "wildcard":
				list, err := stringList(v)
				if err != nil {
					return nil, &Error{Path: path, Msg: fmt.Sprintf("anything-but %s takes a string or a list of strings", op)}
				}
				ab := anythingBut{stringsOnly: true}
				for _, s := range list {
					if op == "wildcard" {
						w, err := compileWildcard(s)
						if err != nil {
							return nil, &Error{Path: path, Msg: err.Error()}
						}
						ab.inner = append(ab.inner, w)
					} else {
						ab.inner = append(ab.inner, ignoreCase{s})
					}
				}
				return ab, nil
			default:
				return nil, &Error{Path: path, Msg: fmt.Sprintf("anything-but does not take %q", op)}
			}
		}
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(arg, &items); err != nil || len(items) == 0 {
			return nil, &Error{Path: path, Msg: "anything-but list must hold at least one string or number"}
		}
		ab := anythingBut{}
		var kind byte
		for _, it := range items {
			s, err := scalarOf(bytes.TrimSpace(it))
			if err != nil || (s.kind != 's' && s.kind != 'n') {
				return nil, &Error{Path: path, Msg: "anything-but list must hold only strings or only numbers"}
			}
			if kind != 0 && s.kind != kind {
				return nil, &Error{Path: path, Msg: "anything-but list must hold only strings or only numbers, not both"}
			}
			kind = s.kind
			ab.inner = append(ab.inner, exact{s})
		}
		return ab, nil
	}
	s, err := scalarOf(arg)
	if err != nil || (s.kind != 's' && s.kind != 'n') {
		return nil, &Error{Path: path, Msg: "anything-but takes a string, a number, a list of them, or an operator object"}
	}
	return anythingBut{inner: []matcher{exact{s}}}, nil
}

func stringList(v []byte) ([]string, error) {
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(v, &list); err != nil || len(list) == 0 {
		return nil, errors.New("want a string or a non-empty list of strings")
	}
	return list, nil
}

func short(v []byte) string {
	s := string(v)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.TrimSpace(s)
}
