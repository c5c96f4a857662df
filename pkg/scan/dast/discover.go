package dast

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Discovery asks for files an application never links to but a server
// often serves by mistake: backup and editor copies of its scripts, the
// .git directory, .env files, .DS_Store, phpinfo() pages and the server's
// status page. Each is confirmed by its content, never by a 200 alone, so
// a server that answers 200 to everything reports nothing.

// scriptExt matches the extensions of server-side scripts whose copies
// would show source code.
var scriptExt = regexp.MustCompile(`(?i)\.(php\d?|phtml|inc|asp|aspx|ascx|jsp|jspx|cfm|cgi|pl|py|rb|config|conf|ini)$`)

// source matches the start of server-side source code in a copy.
var source = regexp.MustCompile(`<\?php|<\?=|<%@|<%=|<%\s|^#!/|\A\s*<\?xml[^>]*\?>\s*<configuration`)

const (
	maxDiscoveryDirs    = 20
	maxDiscoveryScripts = 150
)

// backupNames are the copies of dir/name an editor or an admin leaves.
func backupNames(name string) []string {
	return []string{name + ".bak", name + ".old", name + "~", name + ".swp", "." + name + ".swp", name + ".orig", name + ".save"}
}

type discoveryProbe struct {
	path  string
	check string
	// confirm reports the evidence in the body, or "".
	confirm func(*Response) string
}

var (
	gitHead  = regexp.MustCompile(`\A(ref: refs/[^\s]+|[0-9a-f]{40})\s*\z`)
	envLine  = regexp.MustCompile(`(?m)^[A-Z][A-Z0-9_]{1,63}=\S*$`)
	envValue = regexp.MustCompile(`(?m)^([^=\n]*)=.*$`)
	dsMagic  = []byte("\x00\x00\x00\x01Bud1")
	apacheSt = regexp.MustCompile(`Apache Server (Status|Information) for |<h1>Apache Server (Status|Information)`)
	nginxSt  = regexp.MustCompile(`(?s)\AActive connections: \d+\s*\nserver accepts handled requests`)
)

func notHTML(r *Response) bool {
	head := bytes.ToLower(r.Body[:min(len(r.Body), 512)])
	return !bytes.Contains(head, []byte("<html")) && !bytes.Contains(head, []byte("<!doctype"))
}

// dirProbes are asked for in every discovered directory.
var dirProbes = []discoveryProbe{
	{".git/HEAD", CheckGit, func(r *Response) string {
		if r.StatusCode == 200 && gitHead.Match(r.Body) {
			return strings.TrimSpace(string(r.Body))
		}
		return ""
	}},
	{".env", CheckEnvFile, func(r *Response) string {
		if r.StatusCode == 200 && notHTML(r) && len(envLine.FindAll(r.Body, 3)) >= 2 {
			// The names only: the values are secrets.
			var names []string
			for _, m := range envLine.FindAll(r.Body, 3) {
				n, _, _ := strings.Cut(string(m), "=")
				names = append(names, n)
			}
			return "variables " + strings.Join(names, ", ")
		}
		return ""
	}},
	{".DS_Store", CheckDSStore, func(r *Response) string {
		if r.StatusCode == 200 && len(r.Body) >= 8 && bytes.Equal(r.Body[:8], dsMagic) {
			return "Bud1"
		}
		return ""
	}},
}

// rootProbes are asked for at the root and in the target's directory.
var rootProbes = []discoveryProbe{
	{"phpinfo.php", CheckPHPInfo, nil}, // confirmed by the passive phpinfo check
	{"info.php", CheckPHPInfo, nil},
	{"server-status", CheckServerStatus, func(r *Response) string {
		if r.StatusCode == 200 {
			if m := apacheSt.Find(r.Body); m != nil {
				return string(m)
			}
			if nginxSt.Match(r.Body) {
				return "Active connections:"
			}
		}
		return ""
	}},
	{"server-info", CheckServerStatus, func(r *Response) string {
		if m := apacheSt.Find(r.Body); r.StatusCode == 200 && m != nil {
			return string(m)
		}
		return ""
	}},
	{"nginx_status", CheckServerStatus, func(r *Response) string {
		if r.StatusCode == 200 && nginxSt.Match(r.Body) {
			return "Active connections:"
		}
		return ""
	}},
}

// discover runs the discovery probes for what the crawl found.
func (a *active) discover(ctx context.Context, start *url.URL, pages []*Page) error {
	origin, _ := url.Parse(a.s.Scope().Origin() + "/")
	dirs := []string{"/"}
	seenDir := map[string]bool{"/": true}
	addDir := func(d string) {
		if !seenDir[d] && len(dirs) < maxDiscoveryDirs {
			seenDir[d] = true
			dirs = append(dirs, d)
		}
	}
	addDir(dirOf(start.Path))
	var scripts []string
	seenScript := map[string]bool{}
	for _, pg := range pages {
		if pg.Resp.StatusCode >= 400 {
			continue
		}
		p := pg.URL.Path
		addDir(dirOf(p))
		if scriptExt.MatchString(p) && !seenScript[p] && len(scripts) < maxDiscoveryScripts {
			seenScript[p] = true
			scripts = append(scripts, p)
		}
	}
	sort.Strings(scripts)
	probe := func(p string, pr discoveryProbe) error {
		u := origin.ResolveReference(&url.URL{Path: p})
		if !a.s.Scope().Allows(u) {
			return nil
		}
		r, err := a.s.Do(ctx, &Request{Method: "GET", URL: u})
		if err != nil {
			if fatal(err) {
				return err
			}
			return nil
		}
		if pr.confirm == nil {
			return nil
		}
		if ev := pr.confirm(r); ev != "" {
			if pr.check == CheckEnvFile {
				// The evidence shows the variables' names, never their values.
				shown := *r
				shown.Body = envValue.ReplaceAll(r.Body, []byte("${1}=REDACTED"))
				r = &shown
			}
			a.out.add(Issue{Check: pr.check, URL: stripQuery(u), Method: "GET", Confidence: 95, Detail: "Served: " + ev + ".",
				Request: dumpRequest(r.Request), Response: dumpResponse(r, "")})
		}
		return nil
	}
	for i, d := range dirs {
		if i < 2 {
			for _, pr := range rootProbes {
				if err := probe(d+pr.path, pr); err != nil {
					return err
				}
			}
		}
		for _, pr := range dirProbes {
			if err := probe(d+pr.path, pr); err != nil {
				return err
			}
		}
	}
	for _, sp := range scripts {
		dir, name := path.Split(sp)
		for _, b := range backupNames(name) {
			orig := sp
			if err := probe(dir+b, discoveryProbe{check: CheckBackupFile, confirm: func(r *Response) string {
				if r.StatusCode != 200 {
					return ""
				}
				if bytes.HasPrefix(r.Body, []byte("b0VIM")) {
					return "a vim swap file of " + orig
				}
				if m := source.Find(r.Body[:min(len(r.Body), 4096)]); m != nil {
					return fmt.Sprintf("source code of %s (%q)", orig, m)
				}
				return ""
			}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// dirOf returns the directory of a URL path, with a trailing slash.
func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i+1]
	}
	return "/"
}
