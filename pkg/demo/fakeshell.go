package demo

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// fakeFS is the demo's pretend file system: path traversal reads from it,
// never from the real disk.
var fakeFS = map[string]string{
	"/etc/passwd":                "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n",
	"/etc/hostname":              "vulnerable-demo\n",
	"/var/www/files/report.txt":  "Quarterly report: all systems nominal.\n",
	"/var/www/files/notes.txt":   "Remember to rotate the demo keys.\n",
	"/var/www/files/backup.sql":  "-- demo backup\nINSERT INTO users VALUES (1, 'alice');\n",
	"/var/www/pages/about.txt":   "About: a deliberately vulnerable demo.\n",
	"/var/www/lang/en":           "Welcome!\n",
	"/var/www/lang/de":           "Willkommen!\n",
	"/var/www/pages/contact.txt": "Contact: security@example.test\n",
}

func readFakeFile(p string) (string, bool) {
	c, ok := fakeFS[path.Clean(p)]
	return c, ok
}

// fakeShell runs a command line the way sh -c would for the handful of
// commands the demo knows, without touching the real system. It supports
// ; | && || and newlines as separators, $(...) and `...` substitution,
// quotes, and sleep (real, capped).
type fakeShell struct {
	maxSleep time.Duration
}

var hostLike = regexp.MustCompile(`^[A-Za-z0-9.-]{1,253}$`)

func (sh fakeShell) Run(ctx context.Context, line string) string {
	var out strings.Builder
	for _, cmd := range splitCommands(line) {
		out.WriteString(sh.exec(ctx, sh.substitute(ctx, cmd)))
	}
	return out.String()
}

// splitCommands splits on ; | && || and newlines outside quotes and
// substitutions.
func splitCommands(line string) []string {
	var out []string
	var cur strings.Builder
	depth := 0
	var quote byte
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '$' && i+1 < len(line) && line[i+1] == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0 && (c == ';' || c == '\n' || c == '|' || c == '&'):
			flush()
			if i+1 < len(line) && (line[i+1] == '|' || line[i+1] == '&') {
				i++
			}
			continue
		}
		cur.WriteByte(c)
	}
	flush()
	return out
}

// substitute replaces $(cmd) and `cmd` with their output.
func (sh fakeShell) substitute(ctx context.Context, s string) string {
	for i := 0; i < 10; i++ {
		if a := strings.Index(s, "$("); a >= 0 {
			depth, end := 0, -1
			for j := a + 1; j < len(s); j++ {
				if s[j] == '(' {
					depth++
				} else if s[j] == ')' {
					depth--
					if depth == 0 {
						end = j
						break
					}
				}
			}
			if end < 0 {
				return s
			}
			s = s[:a] + strings.TrimSpace(sh.Run(ctx, s[a+2:end])) + s[end+1:]
			continue
		}
		if a := strings.IndexByte(s, '`'); a >= 0 {
			b := strings.IndexByte(s[a+1:], '`')
			if b < 0 {
				return s
			}
			s = s[:a] + strings.TrimSpace(sh.Run(ctx, s[a+1:a+1+b])) + s[a+2+b:]
			continue
		}
		break
	}
	return s
}

func words(s string) []string {
	var out []string
	var cur strings.Builder
	var quote byte
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote = c
			in = true
		case c == ' ' || c == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

func (sh fakeShell) exec(ctx context.Context, cmd string) string {
	w := words(cmd)
	if len(w) == 0 {
		return ""
	}
	args := w[1:]
	switch w[0] {
	case "ping":
		host := ""
		for i := 0; i < len(args); i++ {
			if args[i] == "-c" || args[i] == "-W" {
				i++
				continue
			}
			host = args[i]
		}
		if !hostLike.MatchString(host) {
			return fmt.Sprintf("ping: %s: Name or service not known\n", host)
		}
		return fmt.Sprintf("PING %s (%s) 56(84) bytes of data.\n64 bytes from %s: icmp_seq=1 ttl=64 time=0.042 ms\n", host, host, host)
	case "nslookup":
		return "Server:\t\t127.0.0.53\nAddress:\t127.0.0.53#53\n"
	case "echo":
		return strings.Join(args, " ") + "\n"
	case "expr":
		if len(args) == 3 {
			a, err1 := strconv.ParseInt(args[0], 10, 64)
			b, err2 := strconv.ParseInt(args[2], 10, 64)
			if err1 == nil && err2 == nil {
				switch args[1] {
				case "+":
					return strconv.FormatInt(a+b, 10) + "\n"
				case "-":
					return strconv.FormatInt(a-b, 10) + "\n"
				case "*":
					return strconv.FormatInt(a*b, 10) + "\n"
				}
			}
		}
		return "expr: syntax error\n"
	case "sleep":
		if len(args) == 1 {
			if f, err := strconv.ParseFloat(args[0], 64); err == nil && f > 0 {
				t := time.NewTimer(min(time.Duration(f*float64(time.Second)), sh.maxSleep))
				select {
				case <-ctx.Done():
					t.Stop()
				case <-t.C:
				}
			}
		}
		return ""
	case "id":
		return "uid=33(www-data) gid=33(www-data) groups=33(www-data)\n"
	case "whoami":
		return "www-data\n"
	case "uname":
		return "Linux vulnerable-demo 5.15.0 x86_64 GNU/Linux\n"
	case "cat":
		var b strings.Builder
		for _, a := range args {
			if c, ok := readFakeFile(a); ok {
				b.WriteString(c)
			} else {
				fmt.Fprintf(&b, "cat: %s: No such file or directory\n", a)
			}
		}
		return b.String()
	}
	return fmt.Sprintf("sh: 1: %s: not found\n", w[0])
}

// renderTemplate is the demo's fake template engine: it evaluates
// {{ a OP b }} with integers and "strings", like Jinja would on a
// template built from user input.
var templateExpr = regexp.MustCompile(`\{\{\s*(.*?)\s*\}\}`)
var arith = regexp.MustCompile(`^(-?\d{1,9})\s*([*+-])\s*(-?\d{1,9})$`)

func renderTemplate(src string, vars map[string]string) string {
	return templateExpr.ReplaceAllStringFunc(src, func(m string) string {
		e := strings.TrimSpace(templateExpr.FindStringSubmatch(m)[1])
		if v, ok := vars[e]; ok {
			return v
		}
		if a := arith.FindStringSubmatch(e); a != nil {
			x, _ := strconv.ParseInt(a[1], 10, 64)
			y, _ := strconv.ParseInt(a[3], 10, 64)
			switch a[2] {
			case "*":
				return strconv.FormatInt(x*y, 10)
			case "+":
				return strconv.FormatInt(x+y, 10)
			case "-":
				return strconv.FormatInt(x-y, 10)
			}
		}
		if len(e) >= 2 && (e[0] == '"' || e[0] == '\'') && e[len(e)-1] == e[0] {
			return e[1 : len(e)-1]
		}
		return ""
	})
}
