package findings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxDocumentBytes bounds what Decode reads: far above any real report
// (100,000 findings take about 200 MB), far below what would exhaust memory.
const MaxDocumentBytes = 1 << 30

// Decode reads ASFF findings in any of the shapes people hand around: one
// finding, a JSON array of findings (what `aws securityhub get-findings`
// users paste), or {"Findings": [...]} (the BatchImportFindings request).
// Every finding is validated; the error lists each invalid one by position
// and field. Nothing is returned unless the whole document is good.
func Decode(r io.Reader) ([]Finding, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("input is larger than %d MiB; split it into smaller files", MaxDocumentBytes>>20)
	}
	return DecodeBytes(data)
}

// DecodeBytes is Decode on a document already in memory.
func DecodeBytes(data []byte) ([]Finding, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return nil, errors.New("empty input: expected a finding, an array of findings or {\"Findings\": [...]}")
	}
	var list []Finding
	switch trimmed[0] {
	case '[':
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, jsonError(data, err)
		}
	case '{':
		var probe struct {
			Findings json.RawMessage `json:"Findings"`
		}
		if err := json.Unmarshal(data, &probe); err != nil {
			return nil, jsonError(data, err)
		}
		if probe.Findings != nil {
			if err := json.Unmarshal(probe.Findings, &list); err != nil {
				return nil, fmt.Errorf("Findings: %w", jsonError(probe.Findings, err))
			}
		} else {
			var one Finding
			if err := json.Unmarshal(data, &one); err != nil {
				return nil, jsonError(data, err)
			}
			list = []Finding{one}
		}
	default:
		return nil, fmt.Errorf("not JSON: expected a finding, an array of findings or {\"Findings\": [...]}, got %q", firstBytes(trimmed))
	}
	var problems []error
	for i := range list {
		if err := list[i].ValidateForImport(); err != nil {
			problems = append(problems, fmt.Errorf("finding #%d: %w", i+1, err))
		}
		if len(problems) == 20 {
			problems = append(problems, errors.New("… stopped after 20 invalid findings"))
			break
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return list, nil
}

// ReadFile decodes the findings in a file, refusing directories and files
// too large to be a findings document before reading them.
func ReadFile(path string) ([]Finding, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory: give a JSON file of findings", path)
	}
	if st.Size() > MaxDocumentBytes {
		return nil, fmt.Errorf("%s is %d MiB, larger than the %d MiB a findings document may be: split it", path, st.Size()>>20, MaxDocumentBytes>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Decode(f)
}

// jsonError turns encoding/json's byte offsets into line and column.
func jsonError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		// Offset counts the offending byte itself; point at it.
		line, col := position(data, syntax.Offset-1)
		return fmt.Errorf("malformed JSON at line %d, column %d: %v", line, col, syntax)
	case errors.As(err, &typeErr):
		line, col := position(data, typeErr.Offset)
		field := typeErr.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("field %s at line %d, column %d: expected %s, got JSON %s", field, line, col, typeErr.Type, typeErr.Value)
	}
	return err
}

func position(data []byte, offset int64) (line, col int) {
	if offset < 0 {
		offset = 0
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line = 1 + bytes.Count(data[:offset], []byte{'\n'})
	col = int(offset) - bytes.LastIndexByte(data[:offset], '\n')
	return line, col
}

func firstBytes(b []byte) string {
	if len(b) > 16 {
		b = b[:16]
	}
	return string(b)
}
