package importer

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Detect tells a report's format from its content: the keys of a JSON
// document or the root element of an XML one. It never trusts file names.
// An empty document gives ErrEmptyReport.
func Detect(data []byte) (Format, error) {
	if len(data) > MaxReportBytes {
		return "", fmt.Errorf("the report is %d MiB, larger than the %d MiB limit: split it or filter it with the tool first", len(data)>>20, MaxReportBytes>>20)
	}
	if isEmptyDocument(data) {
		return "", ErrEmptyReport
	}
	t := stripBOM(data)
	switch t[0] {
	case '{', '[':
		return detectJSON(t)
	case '<':
		return detectXML(t)
	}
	return "", notRecognised(t)
}

func notRecognised(t []byte) error {
	switch {
	case bytes.HasPrefix(t, []byte{0x1f, 0x8b}):
		return errors.New("not a recognised report: the file is gzip-compressed; decompress it first (gunzip -c FILE | secops findings import -)")
	case bytes.HasPrefix(t, []byte("PK\x03\x04")):
		return errors.New("not a recognised report: the file is a zip archive; extract the report from it first")
	}
	what := "binary data"
	if utf8.Valid(t[:min(len(t), 512)]) {
		what = fmt.Sprintf("text starting %q", firstChars(t, 24))
	}
	return fmt.Errorf("not a recognised report (%s): expected the JSON or XML output of one of %s; pass --format if the tool is one of these", what, formatList())
}

func firstChars(b []byte, n int) string {
	s := string(b[:min(len(b), n*4)])
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// keys is a JSON object with its values left raw.
type keys map[string]json.RawMessage

func (k keys) has(names ...string) bool {
	for _, n := range names {
		if _, ok := k[n]; !ok {
			return false
		}
	}
	return true
}

func (k keys) string(name string) string {
	var s string
	_ = json.Unmarshal(k[name], &s)
	return s
}

// firstElement returns the first object of a JSON array held in raw.
func firstElement(raw json.RawMessage) (keys, bool) {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil, false
	}
	var k keys
	if json.Unmarshal(list[0], &k) != nil {
		return nil, false
	}
	return k, true
}

func detectJSON(t []byte) (Format, error) {
	if t[0] == '[' {
		first, ok := firstElement(t)
		if !ok {
			if !json.Valid(t) {
				return "", fmt.Errorf("not a recognised report: the JSON is malformed (%v); expected the output of one of %s", jsonSyntax(t), formatList())
			}
			return "", fmt.Errorf("not a recognised report: a JSON array of something other than objects; expected one of %s", formatList())
		}
		for _, im := range importers {
			if im.array != nil && im.array(first) {
				return im.format, nil
			}
		}
		return "", unknownKeys(first, true)
	}
	var top keys
	if err := json.Unmarshal(t, &top); err != nil {
		return "", fmt.Errorf("not a recognised report: the JSON is malformed (%v); expected the output of one of %s", jsonSyntax(t), formatList())
	}
	for _, im := range importers {
		if im.object != nil && im.object(top) {
			return im.format, nil
		}
	}
	return "", unknownKeys(top, false)
}

// acceptedShapes says what each format looks like at the top.
func acceptedShapes() string {
	var shapes, xmlForms []string
	for _, im := range importers {
		shapes = append(shapes, im.shape)
		if im.xmlRoot != "" {
			xmlForms = append(xmlForms, im.name)
		}
	}
	out := strings.Join(shapes, "; ")
	if len(xmlForms) > 0 {
		out += "; " + joinAnd(xmlForms) + " also as XML"
	}
	return out
}

// xmlRoots names the root element of each format that has an XML form.
func xmlRoots() string {
	var roots []string
	for _, im := range importers {
		if im.xmlRoot != "" {
			roots = append(roots, fmt.Sprintf("<%s> (%s)", im.xmlRoot, im.name))
		}
	}
	return joinOr(roots)
}

func joinAnd(items []string) string { return joinWith(items, " and ") }
func joinOr(items []string) string  { return joinWith(items, " or ") }

func joinWith(items []string, last string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + last + items[len(items)-1]
}

// unknownKeys explains JSON that names no format: the keys it has (or that
// it has none), and the shapes that are accepted.
func unknownKeys(k keys, inArray bool) error {
	if len(k) == 0 {
		what := "an empty JSON object ({}): it has no keys"
		if inArray {
			what = "a JSON array of empty objects ({}): they have no keys"
		}
		return fmt.Errorf("not a recognised report: %s to tell the format by; expected one of: %s; check that the tool wrote its report, or pass --format", what, acceptedShapes())
	}
	names := make([]string, 0, len(k))
	for n := range k {
		names = append(names, n)
	}
	names = sorted(names)
	if len(names) > 8 {
		names = append(names[:8], "…")
	}
	what := "a JSON object"
	if inArray {
		what = "a JSON array of objects"
	}
	return fmt.Errorf("not a recognised report: %s with keys %s; expected the JSON of one of %s; pass --format if the tool is one of these", what, strings.Join(names, ", "), formatList())
}

func detectXML(t []byte) (Format, error) {
	root, err := xmlRoot(t)
	if err != nil {
		return "", fmt.Errorf("not a recognised report: the XML is malformed (%v); expected the output of one of %s", err, formatList())
	}
	for _, im := range importers {
		if im.xmlRoot != "" && im.xmlRoot == root.Local {
			return im.format, nil
		}
	}
	return "", fmt.Errorf("not a recognised report: XML with root element <%s>; expected %s, or the JSON of one of %s", root.Local, xmlRoots(), formatList())
}

// xmlRoot returns the name of the first element, past any declaration,
// comments or processing instructions in front of it.
func xmlRoot(t []byte) (xml.Name, error) {
	d := xml.NewDecoder(bytes.NewReader(t))
	d.Strict = false
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return xml.Name{}, errors.New("no root element")
			}
			return xml.Name{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name, nil
		}
	}
}

func jsonSyntax(t []byte) error {
	var v any
	err := json.Unmarshal(t, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(t[:min(int(se.Offset), len(t))], []byte{'\n'})
		return fmt.Errorf("line %d: %v", line, se)
	}
	return err
}
