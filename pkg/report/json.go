package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/secops-dev/secops/pkg/findings"
)

// writeJSON writes the findings as an indented JSON array of ASFF findings,
// the shape `aws securityhub get-findings` users know; an empty list is [].
// Attribute order follows findings.Finding, so output is stable.
func writeJSON(w io.Writer, list []findings.Finding) error {
	bw := bufio.NewWriter(w)
	if err := streamArray(bw, list, ""); err != nil {
		return err
	}
	bw.WriteString("\n")
	return bw.Flush()
}

// writeASFF writes {"Findings": [...]}, which
// `aws securityhub batch-import-findings --cli-input-json file://out.json`
// accepts as it is. Security Hub takes at most 100 findings per call, so a
// longer list has to be split before it is sent that way (`secops findings
// push` does this itself).
func writeASFF(w io.Writer, list []findings.Finding) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("{\n  \"Findings\": ")
	if err := streamArray(bw, list, "  "); err != nil {
		return err
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// streamArray writes list as an indented JSON array whose lines start with
// prefix, byte for byte what encodeIndented writes for the slice, but one
// finding at a time: a scan of many findings never holds the whole
// document in memory.
func streamArray(w *bufio.Writer, list []findings.Finding, prefix string) error {
	if len(list) == 0 {
		_, err := w.WriteString("[]")
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent(prefix+"  ", "  ")
	enc.SetEscapeHTML(false)
	w.WriteString("[\n")
	for i := range list {
		buf.Reset()
		if err := enc.Encode(&list[i]); err != nil {
			return err
		}
		w.WriteString(prefix + "  ")
		w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if i < len(list)-1 {
			w.WriteString(",")
		}
		if _, err := w.WriteString("\n"); err != nil {
			return err
		}
	}
	_, err := w.WriteString(prefix + "]")
	return err
}

// encodeIndented writes v as two-space indented JSON without escaping <, >
// and & (URLs and code snippets stay readable).
func encodeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
