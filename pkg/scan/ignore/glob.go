package ignore

import (
	"fmt"
	"path"
	"strings"
)

// MatchGlob reports whether the slash-separated name matches pattern.
// Segments match as path.Match does; a "**" segment matches zero or more
// whole segments, as doublestar and .gitignore do. A pattern that matches a
// directory also matches everything under it, so "vendor" and "vendor/**"
// mean the same.
func MatchGlob(pattern, name string) bool {
	pattern = strings.TrimPrefix(path.Clean("/"+pattern), "/")
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	ps := strings.Split(pattern, "/")
	ns := strings.Split(name, "/")
	for end := len(ns); end >= 1; end-- {
		if matchSegments(ps, ns[:end]) {
			return true
		}
	}
	return false
}

func matchSegments(ps, ns []string) bool {
	for len(ps) > 0 {
		if ps[0] == "**" {
			// Collapse runs of ** and try every split point.
			for len(ps) > 0 && ps[0] == "**" {
				ps = ps[1:]
			}
			if len(ps) == 0 {
				return true
			}
			for i := 0; i <= len(ns); i++ {
				if matchSegments(ps, ns[i:]) {
					return true
				}
			}
			return false
		}
		if len(ns) == 0 {
			return false
		}
		ok, err := path.Match(ps[0], ns[0])
		if err != nil || !ok {
			return false
		}
		ps, ns = ps[1:], ns[1:]
	}
	return len(ns) == 0
}

// checkGlob reports a malformed pattern, e.g. an unclosed "[".
func checkGlob(pattern string) error {
	if strings.TrimSpace(pattern) == "" {
		return fmt.Errorf("empty path pattern")
	}
	for _, seg := range strings.Split(pattern, "/") {
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("path pattern %q: %w", pattern, err)
		}
	}
	return nil
}
