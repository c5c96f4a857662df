package dast

import (
	"encoding/hex"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Scripts build requests with nested option objects (headers, params)
// that no regular expression follows. scriptCalls finds the call sites
// with a regular expression and reads their arguments with a small,
// bounded reader of JavaScript literals: strings, numbers, objects and
// arrays; anything computed at run time becomes an unknown (nil) value.

var callSite = regexp.MustCompile(`(\bfetch|\baxios(?:\.(?:get|post|put|patch|delete))?|(?:\$|\bjQuery)\.(?:get|post|ajax|getJSON)|\.open)\s*\(`)

const maxCalls = 200

func scriptCalls(base *url.URL, js string) []JSONCall {
	var out []JSONCall
	for _, loc := range callSite.FindAllStringSubmatchIndex(js, maxCalls) {
		fn := js[loc[2]:loc[3]]
		args := callArgs(js, loc[1])
		if len(args) == 0 {
			continue
		}
		var c *JSONCall
		switch {
		case fn == "fetch":
			c = fetchCall(base, args)
		case strings.HasPrefix(fn, "axios"):
			c = axiosCall(base, fn, args)
		case fn == ".open":
			c = xhrCall(base, js, loc[1], args)
		default:
			c = jqueryCall(base, fn[strings.IndexByte(fn, '.')+1:], args)
		}
		if c != nil && len(out) < maxCalls {
			out = append(out, *c)
		}
	}
	return out
}

// callArgs splits the argument list that starts at js[i] (just after the
// opening parenthesis) into the source text of each argument.
func callArgs(js string, i int) []string {
	var args []string
	depth, start := 0, i
	for n := 0; i < len(js) && n < 8192; i, n = i+1, n+1 {
		switch c := js[i]; c {
		case '"', '\'', '`':
			i = skipString(js, i)
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			if depth == 0 {
				if a := strings.TrimSpace(js[start:i]); a != "" {
					args = append(args, a)
				}
				return args
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(js[start:i]))
				start = i + 1
			}
		}
	}
	return nil
}

// skipString returns the index of the quote closing the string that
// opens at js[i].
func skipString(js string, i int) int {
	q := js[i]
	for j := i + 1; j < len(js); j++ {
		switch js[j] {
		case '\\':
			j++
		case q:
			return j
		case '\n':
			if q != '`' {
				return j
			}
		}
	}
	return len(js) - 1
}

// jsValue reads one JavaScript literal. Objects become map[string]any,
// arrays []any, strings string, numbers float64, booleans bool; anything
// else (a variable, a call) is nil.
func jsValue(src string) any {
	r := &jsReader{s: src}
	v := r.value(0)
	r.space()
	if r.i < len(r.s) {
		// Trailing code: the value is an expression computed at run time,
		// unless it is an object or array literal used as is.
		if _, ok := v.(map[string]any); !ok {
			return nil
		}
	}
	return v
}

type jsReader struct {
	s string
	i int
}

func (r *jsReader) space() {
	for r.i < len(r.s) && strings.IndexByte(" \t\r\n", r.s[r.i]) >= 0 {
		r.i++
	}
}

func (r *jsReader) value(depth int) any {
	r.space()
	if r.i >= len(r.s) || depth > 8 {
		return nil
	}
	switch c := r.s[r.i]; {
	case c == '{':
		return r.object(depth)
	case c == '[':
		return r.array(depth)
	case c == '"' || c == '\'' || c == '`':
		s, ok := r.str()
		if !ok {
			return nil
		}
		return s
	case c == '-' || (c >= '0' && c <= '9'):
		j := r.i + 1
		for j < len(r.s) && strings.IndexByte("0123456789.eE+-", r.s[j]) >= 0 {
			j++
		}
		f, err := strconv.ParseFloat(r.s[r.i:j], 64)
		r.i = j
		if err != nil {
			return nil
		}
		return f
	}
	word := r.expr()
	switch word {
	case "true":
		return true
	case "false":
		return false
	}
	return nil
}

// expr skips an expression up to the next , } ] or ) at its own depth.
func (r *jsReader) expr() string {
	start, depth := r.i, 0
	for ; r.i < len(r.s); r.i++ {
		switch c := r.s[r.i]; c {
		case '"', '\'', '`':
			r.i = skipString(r.s, r.i)
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			if depth == 0 {
				return strings.TrimSpace(r.s[start:r.i])
			}
			depth--
		case ',':
			if depth == 0 {
				return strings.TrimSpace(r.s[start:r.i])
			}
		}
	}
	return strings.TrimSpace(r.s[start:])
}

func (r *jsReader) str() (string, bool) {
	q := r.s[r.i]
	end := skipString(r.s, r.i)
	if end >= len(r.s) || r.s[end] != q {
		return "", false
	}
	raw := r.s[r.i+1 : end]
	r.i = end + 1
	if q == '`' && strings.Contains(raw, "${") {
		return "", false
	}
	if !strings.Contains(raw, `\`) {
		return raw, true
	}
	var b strings.Builder
	for k := 0; k < len(raw); k++ {
		if raw[k] != '\\' || k+1 >= len(raw) {
			b.WriteByte(raw[k])
			continue
		}
		k++
		switch raw[k] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if k+4 < len(raw) {
				// Four hex digits: one UTF-16 code unit, read as two bytes
				// so that no conversion can overflow.
				var unit [2]byte
				if _, err := hex.Decode(unit[:], []byte(raw[k+1:k+5])); err == nil {
					b.WriteRune(rune(unit[0])<<8 | rune(unit[1]))
					k += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(raw[k])
		}
	}
	return b.String(), true
}

func (r *jsReader) object(depth int) map[string]any {
	out := map[string]any{}
	r.i++ // {
	for n := 0; n < 200; n++ {
		r.space()
		if r.i >= len(r.s) {
			return out
		}
		if r.s[r.i] == '}' {
			r.i++
			return out
		}
		var key string
		switch c := r.s[r.i]; {
		case c == '"' || c == '\'':
			k, ok := r.str()
			if !ok {
				return out
			}
			key = k
		case c == '[' || c == '.':
			// Computed keys and spreads: skip the member.
			r.expr()
		default:
			j := r.i
			for j < len(r.s) && isIdent(r.s[j]) && r.s[j] != '.' {
				j++
			}
			if j == r.i {
				return out
			}
			key = r.s[r.i:j]
			r.i = j
		}
		r.space()
		switch {
		case r.i < len(r.s) && r.s[r.i] == ':':
			r.i++
			v := r.value(depth + 1)
			r.space()
			if r.i < len(r.s) && r.s[r.i] != ',' && r.s[r.i] != '}' {
				// The literal was only the start of an expression.
				r.expr()
				v = nil
			}
			if key != "" {
				out[key] = v
			}
		case key != "":
			// Shorthand {id, name}: the value is a variable.
			out[key] = nil
		}
		r.space()
		if r.i < len(r.s) && r.s[r.i] == ',' {
			r.i++
		}
	}
	return out
}

func (r *jsReader) array(depth int) []any {
	var out []any
	r.i++ // [
	for n := 0; n < 200; n++ {
		r.space()
		if r.i >= len(r.s) {
			return out
		}
		if r.s[r.i] == ']' {
			r.i++
			return out
		}
		out = append(out, r.value(depth+1))
		r.space()
		if r.i < len(r.s) && r.s[r.i] != ',' && r.s[r.i] != ']' {
			r.expr()
		}
		if r.i < len(r.s) && r.s[r.i] == ',' {
			r.i++
		}
	}
	return out
}

// stringArg returns a string literal argument.
func stringArg(src string) (string, bool) {
	s, ok := jsValue(src).(string)
	return s, ok && s != ""
}

func objectArg(src string) map[string]any {
	m, _ := jsValue(src).(map[string]any)
	return m
}

// bodyOf reads a request body expression: JSON.stringify(obj), an object
// (JSON for axios, form-encoded for jQuery), a query-string literal or
// new URLSearchParams(obj).
func bodyOf(src string, objectIsForm bool) (map[string]any, bool) {
	src = strings.TrimSpace(src)
	for _, fn := range []string{"JSON.stringify(", "new URLSearchParams("} {
		if strings.HasPrefix(src, fn) {
			args := callArgs(src, len(fn))
			if len(args) == 0 {
				return nil, false
			}
			return objectArg(args[0]), fn != "JSON.stringify("
		}
	}
	if s, ok := stringArg(src); ok {
		if vals, err := url.ParseQuery(s); err == nil && strings.Contains(s, "=") {
			m := map[string]any{}
			for k := range vals {
				m[k] = vals.Get(k)
			}
			return m, true
		}
		return nil, false
	}
	return objectArg(src), objectIsForm
}

func newCall(base *url.URL, raw, method string, body map[string]any, form bool) *JSONCall {
	u := resolve(base, raw)
	if u == nil {
		return nil
	}
	method = strings.ToUpper(method)
	if method == "" {
		method = "GET"
	}
	if method == "GET" || method == "HEAD" {
		// Data of a GET goes in the query string.
		if len(body) > 0 {
			q := u.Query()
			for k, v := range body {
				if s, ok := scalarString(v); ok {
					q.Set(k, s)
				} else if v == nil {
					q.Set(k, fillerFor(k))
				}
			}
			u.RawQuery = q.Encode()
		}
		if u.RawQuery == "" {
			return nil // a plain GET is a link, found by the string scan
		}
		return &JSONCall{URL: u, Method: "GET"}
	}
	return &JSONCall{URL: u, Method: method, Body: body, Form: form}
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func fetchCall(base *url.URL, args []string) *JSONCall {
	raw, ok := stringArg(args[0])
	if !ok {
		return nil
	}
	method := "GET"
	var body map[string]any
	form := false
	if len(args) > 1 {
		opts := jsValueRaw(args[1])
		if m, ok := stringArg(opts["method"]); ok {
			method = m
		} else if opts["body"] != "" {
			method = "POST"
		}
		if b := opts["body"]; b != "" {
			body, form = bodyOf(b, false)
		}
	}
	return newCall(base, raw, method, body, form)
}

func axiosCall(base *url.URL, fn string, args []string) *JSONCall {
	if fn == "axios" {
		opts := jsValueRaw(args[0])
		raw, ok := stringArg(opts["url"])
		if !ok {
			return nil
		}
		method, _ := stringArg(opts["method"])
		body, form := bodyOf(opts["data"], false)
		if p := objectArg(opts["params"]); len(p) > 0 {
			c := newCall(base, raw, "GET", p, false)
			if c != nil && method != "" && !strings.EqualFold(method, "GET") {
				c.Method, c.Body, c.Form = strings.ToUpper(method), body, form
			}
			return c
		}
		return newCall(base, raw, method, body, form)
	}
	method := strings.ToUpper(strings.TrimPrefix(fn, "axios."))
	raw, ok := stringArg(args[0])
	if !ok {
		return nil
	}
	var body map[string]any
	form := false
	switch {
	case (method == "GET" || method == "DELETE") && len(args) > 1:
		body = objectArg(jsValueRaw(args[1])["params"])
	case len(args) > 1:
		body, form = bodyOf(args[1], false)
	}
	return newCall(base, raw, method, body, form)
}

func jqueryCall(base *url.URL, fn string, args []string) *JSONCall {
	if fn == "ajax" {
		opts := jsValueRaw(args[0])
		raw, ok := stringArg(opts["url"])
		if !ok {
			return nil
		}
		method, ok := stringArg(opts["method"])
		if !ok {
			method, _ = stringArg(opts["type"])
		}
		ct, _ := stringArg(opts["contentType"])
		body, form := bodyOf(opts["data"], !strings.Contains(ct, "json"))
		return newCall(base, raw, method, body, form)
	}
	raw, ok := stringArg(args[0])
	if !ok {
		return nil
	}
	var body map[string]any
	if len(args) > 1 {
		body, _ = bodyOf(args[1], true)
	}
	method := "GET"
	if fn == "post" {
		method = "POST"
	}
	return newCall(base, raw, method, body, true)
}

// xhrCall reads xhr.open(method, url) and the xhr.send(body) that follows.
func xhrCall(base *url.URL, js string, at int, args []string) *JSONCall {
	if len(args) < 2 {
		return nil
	}
	method, ok := stringArg(args[0])
	if !ok {
		return nil
	}
	raw, ok := stringArg(args[1])
	if !ok {
		return nil
	}
	var body map[string]any
	form := false
	rest := js[at:min(len(js), at+4000)]
	if i := strings.Index(rest, ".send("); i >= 0 {
		if sa := callArgs(rest, i+len(".send(")); len(sa) > 0 {
			body, form = bodyOf(sa[0], false)
		}
	}
	return newCall(base, raw, method, body, form)
}

// jsValueRaw splits an object literal into its members' source text, so
// each member can be read as what it is (a literal, a call, a variable).
func jsValueRaw(src string) map[string]string {
	out := map[string]string{}
	src = strings.TrimSpace(src)
	if !strings.HasPrefix(src, "{") {
		return out
	}
	r := &jsReader{s: src, i: 1}
	for n := 0; n < 100; n++ {
		r.space()
		if r.i >= len(r.s) || r.s[r.i] == '}' {
			return out
		}
		var key string
		if c := r.s[r.i]; c == '"' || c == '\'' {
			k, ok := r.str()
			if !ok {
				return out
			}
			key = k
		} else {
			j := r.i
			for j < len(r.s) && isIdent(r.s[j]) && r.s[j] != '.' {
				j++
			}
			if j == r.i {
				r.expr()
				if r.i < len(r.s) && r.s[r.i] == ',' {
					r.i++
					continue
				}
				return out
			}
			key = r.s[r.i:j]
			r.i = j
		}
		r.space()
		if r.i < len(r.s) && r.s[r.i] == ':' {
			r.i++
			out[key] = r.expr()
		}
		if r.i < len(r.s) && r.s[r.i] == ',' {
			r.i++
		}
	}
	return out
}
