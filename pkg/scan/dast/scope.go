package dast

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Scope decides which URLs the scanner may request: the target's scheme,
// host and port, narrowed by include and exclude patterns. Every request
// goes through Scope.Allows in the Sender, so no check can leave it.
type Scope struct {
	scheme  string
	host    string // lower-case host without port
	port    string // explicit or default port
	include []*regexp.Regexp
	exclude []*regexp.Regexp
}

// NewScope builds the scope of target. include, when not empty, requires a
// URL to match at least one pattern; exclude removes URLs matching any.
func NewScope(target *url.URL, include, exclude []string) (*Scope, error) {
	if target.Scheme != "http" && target.Scheme != "https" {
		return nil, fmt.Errorf("target %q: scheme must be http or https", target.String())
	}
	if target.Hostname() == "" {
		return nil, fmt.Errorf("target %q has no host", target.String())
	}
	s := &Scope{scheme: target.Scheme, host: strings.ToLower(target.Hostname()), port: portOf(target)}
	for _, p := range include {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("--include %q: %w", p, err)
		}
		s.include = append(s.include, re)
	}
	for _, p := range exclude {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("--exclude %q: %w", p, err)
		}
		s.exclude = append(s.exclude, re)
	}
	return s, nil
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// Allows reports whether u is inside the scope.
func (s *Scope) Allows(u *url.URL) bool {
	if u == nil || u.Scheme != s.scheme || u.User != nil {
		return false
	}
	if strings.ToLower(u.Hostname()) != s.host || portOf(u) != s.port {
		return false
	}
	forms := matchForms(u)
	if len(s.include) > 0 && !anyMatch(s.include, forms) {
		return false
	}
	return !anyMatch(s.exclude, forms)
}

// SameOrigin reports whether u has the scope's scheme, host and port,
// whatever --include and --exclude say.
func (s *Scope) SameOrigin(u *url.URL) bool {
	return u != nil && u.Scheme == s.scheme && strings.ToLower(u.Hostname()) == s.host && portOf(u) == s.port
}

// ExcludesName reports whether an --exclude pattern matches name: a
// parameter's name or a submit button's name, value or label, which the
// scanner then never attacks or presses.
func (s *Scope) ExcludesName(name string) bool {
	if name == "" {
		return false
	}
	for _, re := range s.exclude {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

// matchForms are the strings --include and --exclude patterns are matched
// against: the full URL and its path with query, each as sent and
// percent-decoded, so /%61dmin cannot slip past an exclude of /admin and
// a pattern anchored at the path (^/admin) means what it says.
func matchForms(u *url.URL) []string {
	pathQuery := u.EscapedPath()
	if pathQuery == "" {
		pathQuery = "/"
	}
	if u.RawQuery != "" {
		pathQuery += "?" + u.RawQuery
	}
	decoded := pathQuery
	if d, err := url.PathUnescape(pathQuery); err == nil {
		decoded = d
	}
	origin := u.Scheme + "://" + u.Host
	return []string{origin + pathQuery, origin + decoded, pathQuery, decoded}
}

// PatternConflict explains why --include or --exclude rule out u, or
// returns "" when they do not.
func (s *Scope) PatternConflict(u *url.URL) string {
	forms := matchForms(u)
	if len(s.include) > 0 && !anyMatch(s.include, forms) {
		return fmt.Sprintf("the target %s itself is not matched by --include %s (patterns are matched against the full URL and against its path)", u, joinPatterns(s.include))
	}
	for _, re := range s.exclude {
		if anyMatch([]*regexp.Regexp{re}, forms) {
			return fmt.Sprintf("the target %s itself is matched by --exclude %q; narrow the pattern or start from another URL", u, re.String())
		}
	}
	return ""
}

func joinPatterns(res []*regexp.Regexp) string {
	q := make([]string, len(res))
	for i, re := range res {
		q[i] = fmt.Sprintf("%q", re.String())
	}
	return strings.Join(q, ", ")
}

func anyMatch(res []*regexp.Regexp, forms []string) bool {
	for _, re := range res {
		for _, f := range forms {
			if re.MatchString(f) {
				return true
			}
		}
	}
	return false
}

// Origin is scheme://host:port of the scope, as a URL base.
func (s *Scope) Origin() string {
	host := s.host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if (s.scheme == "http" && s.port == "80") || (s.scheme == "https" && s.port == "443") {
		return s.scheme + "://" + host
	}
	return s.scheme + "://" + host + ":" + s.port
}

// IsLoopback reports whether the scope's host is a loopback address or
// localhost.
func (s *Scope) IsLoopback() bool {
	if s.host == "localhost" || strings.HasSuffix(s.host, ".localhost") {
		return true
	}
	ip := net.ParseIP(s.host)
	return ip != nil && ip.IsLoopback()
}
