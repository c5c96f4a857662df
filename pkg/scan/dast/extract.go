package dast

import (
	"bytes"
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

// Button is a named submit button: a browser sends its name and value
// only when it is the one pressed, to its own formaction when it has one.
type Button struct {
	Name  string
	Value string
	// Label is the value or, for a <button>, its text: what the user
	// reads, matched against --exclude and the destructive-button guard.
	Label  string
	Action *url.URL // nil: the form's action
	Method string   // "": the form's method
}

// Form is an HTML form as the crawler found it.
type Form struct {
	Page    string // URL of the page holding the form
	Action  *url.URL
	Method  string // GET or POST
	Enctype string
	// Fields are the inputs sent with every submission; Buttons the named
	// submit buttons, of which one at a time is sent.
	Fields  []Field
	Buttons []Button
	// Files are the names of its file inputs.
	Files []string
}

// JSONCall is a request a script makes: fetch(url, {method: "POST",
// body: JSON.stringify({...})}), an XMLHttpRequest, axios or jQuery call.
// Body values the script computes at run time are nil.
type JSONCall struct {
	URL    *url.URL
	Method string
	Body   map[string]any
	// Form is set when the body is form-encoded rather than JSON.
	Form bool
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
	doc := base // the document's own URL: empty and "#" actions submit here
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
				if script.Len() < 1<<20 {
					script.Write(z.Text())
				}
			case inTextarea && textarea != nil:
				textarea.Value += string(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			attrs := attrMap(tok.Attr)
			// URLs kept in data-* attributes are loaded by the page's
			// scripts: crawl them as links.
			for _, a := range tok.Attr {
				if strings.HasPrefix(a.Key, "data-") && looksLikePath(strings.TrimSpace(a.Val)) {
					add(a.Val)
				}
			}
			if ss, ok := attrs["srcset"]; ok {
				for _, cand := range strings.Split(ss, ",") {
					if f := strings.Fields(cand); len(f) > 0 {
						add(f[0])
					}
				}
			}
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
				form = nil
				action := formTarget(doc, base, attrs["action"], hasAttr(tok.Attr, "action"))
				if action == nil {
					continue
				}
				method := strings.ToUpper(strings.TrimSpace(attrs["method"]))
				if method != "POST" {
					method = "GET"
				}
				form = &Form{Page: doc.String(), Action: action, Method: method, Enctype: strings.ToLower(attrs["enctype"])}
			case atom.Input, atom.Button:
				name := attrs["name"]
				typ := strings.ToLower(attrs["type"])
				if tok.DataAtom == atom.Button && typ == "" {
					typ = "submit"
				}
				if typ == "submit" || typ == "image" {
					if fa, ok := attrs["formaction"]; ok {
						add(fa)
					}
				}
				if form == nil {
					continue
				}
				if typ == "submit" || typ == "image" {
					if name == "" && !hasAttr(tok.Attr, "formaction") {
						continue
					}
					b := Button{Name: name, Value: attrs["value"], Label: attrs["value"]}
					if tok.DataAtom == atom.Button && b.Label == "" && tt == html.StartTagToken {
						b.Label = buttonText(z)
					}
					if typ == "image" && name != "" {
						// An image button sends its click coordinates.
						b.Name, b.Value = name+".x", "1"
					}
					if fa, ok := attrs["formaction"]; ok {
						b.Action = formTarget(doc, base, fa, true)
					}
					if fm := strings.ToUpper(strings.TrimSpace(attrs["formmethod"])); fm == "GET" || fm == "POST" {
						b.Method = fm
					}
					if len(form.Buttons) < 20 {
						form.Buttons = append(form.Buttons, b)
					}
					continue
				}
				if typ == "file" && name != "" && len(form.Files) < 10 {
					form.Files = append(form.Files, name)
				}
				if name == "" || typ == "reset" || typ == "file" || typ == "button" {
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
		if len(out.JSON) > maxExtracted {
			out.JSON = out.JSON[:maxExtracted]
		}
	}
}

// formTarget resolves a form's (or button's) action as a browser does: a
// missing or empty action, or one that is only a fragment, submits to the
// document's own URL.
func formTarget(doc, base *url.URL, action string, present bool) *url.URL {
	a := strings.TrimSpace(action)
	if !present || a == "" || strings.HasPrefix(a, "#") {
		u := *doc
		u.Fragment, u.RawFragment = "", ""
		return &u
	}
	return resolve(base, a)
}

// buttonText reads the text of a <button> up to its end tag; a button
// without a value attribute sends an empty value, but its text names the
// action (for --exclude and the destructive-button guard).
func buttonText(z *html.Tokenizer) string {
	var b strings.Builder
	for i := 0; i < 20; i++ {
		switch z.Next() {
		case html.TextToken:
			b.Write(z.Text())
		case html.EndTagToken, html.ErrorToken:
			return strings.TrimSpace(b.String())
		}
	}
	return strings.TrimSpace(b.String())
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
	// A browser sends spaces in a link as %20; a raw space breaks the
	// request line.
	if strings.ContainsAny(u.RawQuery, " \t") {
		u.RawQuery = strings.NewReplacer(" ", "%20", "\t", "%09").Replace(u.RawQuery)
	}
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
	pathLike = regexp.MustCompile(`^(?:https?://[^\s"'<>]+|/[A-Za-z0-9._~!$&()*+,;=:@%/?-]*|[A-Za-z0-9_-]+(?:/[A-Za-z0-9._~-]+)*\.(?:php|html?|aspx?|jsp|json|do|action)(?:\?[^\s"'<>]*)?)$`)
)

// looksLikePath reports whether s is plainly a URL or a same-site path,
// not a word or a protocol-relative reference to another host.
func looksLikePath(s string) bool {
	return s != "" && !strings.HasPrefix(s, "//") && pathLike.MatchString(s)
}

// ExtractScript finds URLs in a script's obvious string literals and the
// requests it makes with fetch, XMLHttpRequest, axios and jQuery.
func ExtractScript(base *url.URL, js string) ([]*url.URL, []JSONCall) {
	var links []*url.URL
	for _, m := range jsString.FindAllStringSubmatch(js, maxExtracted) {
		s := m[1] + m[2] + m[3]
		if !looksLikePath(s) {
			continue
		}
		if u := resolve(base, s); u != nil {
			links = append(links, u)
		}
	}
	return links, scriptCalls(base, js)
}
