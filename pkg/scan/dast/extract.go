package dast

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Field is one named input of a form.
type Field struct {
	Name  string
	Type  string
	Value string
}

// Form is an HTML form as the crawler found it.
type Form struct {
	Page    string // URL of the page holding the form
	Action  *url.URL
	Method  string // GET or POST
	Enctype string
	Fields  []Field
}

// JSONCall is a JSON API call found in a script: fetch(url, {method:
// "POST", body: JSON.stringify({...})}).
type JSONCall struct {
	URL    *url.URL
	Method string
	Body   map[string]any
}

// Extracted is everything a page points to.
type Extracted struct {
	Links []*url.URL
	Forms []Form
	JSON  []JSONCall
}

// maxExtracted bounds what one page may contribute, so a hostile page
// cannot make the crawler queue millions of URLs.
const maxExtracted = 2000

// ExtractHTML finds links, forms and script URLs in an HTML document.
// base is the document's URL. It never fails: broken HTML gives what the
// tokenizer could make of it.
func ExtractHTML(base *url.URL, body []byte) Extracted {
	var out Extracted
	z := html.NewTokenizer(bytes.NewReader(body))
	var form *Form
	var inScript, inTextarea, inSelect bool
	var script strings.Builder
	var textarea *Field
	var sel *Field
	selHasValue := false
	add := func(raw string) {
		if len(out.Links) >= maxExtracted {
			return
		}
		if u := resolve(base, raw); u != nil {
			out.Links = append(out.Links, u)
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if form != nil {
				out.Forms = append(out.Forms, *form)
			}
			dedupeLinks(&out)
			return out
		case html.TextToken:
			switch {
			case inScript:
				script.Write(z.Text())
			case inTextarea && textarea != nil:
				textarea.Value += string(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			attrs := attrMap(tok.Attr)
			switch tok.DataAtom {
			case atom.Base:
				if h, ok := attrs["href"]; ok {
					if u := resolve(base, h); u != nil {
						base = u
					}
				}
			case atom.A, atom.Area, atom.Link:
				if h, ok := attrs["href"]; ok {
					add(h)
				}
			case atom.Iframe, atom.Frame:
				if h, ok := attrs["src"]; ok {
					add(h)
				}
			case atom.Script:
				if h, ok := attrs["src"]; ok {
					add(h)
				}
				if tt == html.StartTagToken {
					inScript = true
					script.Reset()
				}
			case atom.Meta:
				if strings.EqualFold(attrs["http-equiv"], "refresh") {
					c := attrs["content"]
					if i := strings.Index(strings.ToLower(c), "url="); i >= 0 {
						add(strings.Trim(c[i+4:], `'" `))
					}
				}
			case atom.Form:
				if form != nil {
					out.Forms = append(out.Forms, *form)
				}
				action := base
				if a, ok := attrs["action"]; ok && strings.TrimSpace(a) != "" {
					action = resolve(base, a)
				}
				method := strings.ToUpper(strings.TrimSpace(attrs["method"]))
				if method != "POST" {
					method = "GET"
				}
				if action == nil {
					form = nil
					continue
				}
				form = &Form{Page: base.String(), Action: action, Method: method, Enctype: strings.ToLower(attrs["enctype"])}
			case atom.Input, atom.Button:
				if form == nil {
					continue
				}
				name := attrs["name"]
				typ := strings.ToLower(attrs["type"])
				if tok.DataAtom == atom.Button {
					if typ == "" {
						typ = "submit"
					}
					if name == "" {
						continue
					}
				}
				if name == "" || typ == "image" || typ == "reset" || typ == "file" {
					continue
				}
				if (typ == "checkbox" || typ == "radio") && !hasAttr(tok.Attr, "checked") && formHas(form, name) {
					continue
				}
				if typ == "" {
					typ = "text"
				}
				if len(form.Fields) < 200 {
					form.Fields = append(form.Fields, Field{Name: name, Type: typ, Value: attrs["value"]})
				}
			case atom.Textarea:
				if form != nil && attrs["name"] != "" && len(form.Fields) < 200 {
					form.Fields = append(form.Fields, Field{Name: attrs["name"], Type: "textarea"})
					textarea = &form.Fields[len(form.Fields)-1]
					inTextarea = tt == html.StartTagToken
				}
			case atom.Select:
				if form != nil && attrs["name"] != "" && len(form.Fields) < 200 {
					form.Fields = append(form.Fields, Field{Name: attrs["name"], Type: "select"})
					sel = &form.Fields[len(form.Fields)-1]
					selHasValue = false
					inSelect = tt == html.StartTagToken
				}
			case atom.Option:
				if inSelect && sel != nil {
					v, ok := attrs["value"]
					if !ok {
						continue
					}
					if !selHasValue || hasAttr(tok.Attr, "selected") {
						sel.Value = v
						selHasValue = true
					}
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Script:
				if inScript {
					inScript = false
					links, calls := ExtractScript(base, script.String())
					for _, l := range links {
						if len(out.Links) < maxExtracted {
							out.Links = append(out.Links, l)
						}
					}
					out.JSON = append(out.JSON, calls...)
				}
			case atom.Textarea:
				inTextarea = false
				textarea = nil
			case atom.Select:
				inSelect = false
				sel = nil
			case atom.Form:
				if form != nil {
					out.Forms = append(out.Forms, *form)
					form = nil
				}
			}
		}
		if len(out.Forms) > maxExtracted {
			out.Forms = out.Forms[:maxExtracted]
		}
	}
}

func formHas(f *Form, name string) bool {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return true
		}
	}
	return false
}

func attrMap(attrs []html.Attribute) map[string]string {
	m := make(map[string]string, len(attrs))
	for _, a := range attrs {
		if _, dup := m[a.Key]; !dup {
			m[a.Key] = a.Val
		}
	}
	return m
}

func hasAttr(attrs []html.Attribute, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// resolve makes raw absolute against base and drops the fragment. It
// returns nil for schemes the crawler does not fetch (javascript:,
// mailto:, data:, …).
func resolve(base *url.URL, raw string) *url.URL {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.HasPrefix(raw, "#") || len(raw) > 4096 {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil
	}
	u.Fragment = ""
	u.RawFragment = ""
	return u
}

func dedupeLinks(out *Extracted) {
	seen := map[string]bool{}
	links := out.Links[:0]
	for _, l := range out.Links {
		k := l.String()
		if !seen[k] {
			seen[k] = true
			links = append(links, l)
		}
	}
	out.Links = links
}

var (
	// jsString matches single, double and back-quoted string literals
	// without interpolation.
	jsString = regexp.MustCompile("\"((?:[^\"\\\\\\n]|\\\\.){1,512})\"|'((?:[^'\\\\\\n]|\\\\.){1,512})'|`([^`$]{1,512})`")
	jsFetch  = regexp.MustCompile(`fetch\(\s*["'\x60]([^"'\x60]{1,512})["'\x60]\s*,\s*\{([^{}]{0,512}?)JSON\.stringify\(\s*(\{[^()]{0,1000}?\})\s*\)`)
	jsMethod = regexp.MustCompile(`method\s*:\s*["']([A-Za-z]+)["']`)
	pathLike = regexp.MustCompile(`^(?:https?://[^\s"'<>]+|/[A-Za-z0-9._~!$&()*+,;=:@%/?-]*|[A-Za-z0-9_-]+(?:/[A-Za-z0-9._~-]+)*\.(?:php|html?|aspx?|jsp|json|do|action)(?:\?[^\s"'<>]*)?)$`)
)

// ExtractScript finds URLs in a script's obvious string literals and JSON
// calls made with fetch.
func ExtractScript(base *url.URL, js string) ([]*url.URL, []JSONCall) {
	var links []*url.URL
	for _, m := range jsString.FindAllStringSubmatch(js, maxExtracted) {
		s := m[1] + m[2] + m[3]
		if strings.HasPrefix(s, "//") || !pathLike.MatchString(s) {
			continue
		}
		if u := resolve(base, s); u != nil {
			links = append(links, u)
		}
	}
	var calls []JSONCall
	for _, m := range jsFetch.FindAllStringSubmatch(js, 100) {
		u := resolve(base, m[1])
		if u == nil {
			continue
		}
		method := "POST"
		if mm := jsMethod.FindStringSubmatch(m[2]); mm != nil {
			method = strings.ToUpper(mm[1])
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(m[3]), &body); err != nil || len(body) == 0 {
			continue
		}
		calls = append(calls, JSONCall{URL: u, Method: method, Body: body})
	}
	return links, calls
}
