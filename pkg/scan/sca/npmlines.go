package sca

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// npmLockLines maps each name@version of an npm lockfile (v2 and v3, the
// "packages" object) to every line where it is installed, ascending.
// osv-scalibr keeps one place per name@version, picked by map order, so a
// package installed in several node_modules folders moved from line to
// line between scans; this gives all of them, in a stable order.
func npmLockLines(data []byte) map[string][]int {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	out := map[string][]int{}
	// lineAt counts lines incrementally: keys come in file order.
	seenOff, seenLine := 0, 1
	lineAt := func(off int) int {
		if off > seenOff {
			seenLine += bytes.Count(data[seenOff:off], []byte("\n"))
			seenOff = off
		}
		return seenLine
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		if key != "packages" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return nil
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil
			}
			path, _ := tok.(string)
			// The key's token ends at InputOffset; its line is the line of
			// that offset.
			line := lineAt(int(dec.InputOffset()))
			var p struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Link    bool   `json:"link"`
			}
			if dec.Decode(&p) != nil {
				return nil
			}
			if path == "" || p.Link || p.Version == "" {
				continue
			}
			name := p.Name
			if name == "" {
				name = npmNameOf(path)
			}
			k := name + "@" + p.Version
			out[k] = append(out[k], line)
		}
		break
	}
	for _, ls := range out {
		sort.Ints(ls)
	}
	return out
}

// npmNameOf is the package name of a "packages" key:
// "node_modules/a/node_modules/@scope/b" is "@scope/b".
func npmNameOf(path string) string {
	i := strings.LastIndex(path, "node_modules/")
	if i < 0 {
		return path
	}
	return path[i+len("node_modules/"):]
}
