package dast

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// The default-credentials check tries a handful of well-known user names
// and passwords on each login form the crawl found (never on --login-url).
// Each user name gets a control with a random password first, so a page
// that tells unknown users apart from wrong passwords does not look like a
// success; a hit is confirmed by a second control and a second try giving
// the same pages. At most three wrong passwords are sent per user name, so
// an account lockout policy is not tripped.

var defaultLogins = []struct {
	user      string
	passwords []string
}{
	{"admin", []string{"admin", "password"}},
	{"root", []string{"root", "toor"}},
	{"test", []string{"test"}},
	{"guest", []string{"guest"}},
	{"user", []string{"user"}},
}

// loginFields returns the user and password fields of a sign-in form: one
// password field and a text or e-mail field.
func loginFields(f Form) (user, pass string, ok bool) {
	for _, fl := range f.Fields {
		switch fl.Type {
		case "password":
			if pass != "" {
				return "", "", false // new and confirmation: not a sign-in
			}
			pass = fl.Name
		case "text", "email":
			if user == "" {
				user = fl.Name
			}
		}
	}
	return user, pass, user != "" && pass != ""
}

// diffSize is how many bytes of the longer of a and b lie outside their
// common prefix and suffix.
func diffSize(a, b string) int {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	return max(len(a), len(b)) - p - s
}

func (a *active) defaultCredentials(ctx context.Context, forms []Form, isLogin func(*url.URL) bool, skip func(Button) bool) error {
	seen := map[string]bool{}
	for _, f := range forms {
		user, pass, ok := loginFields(f)
		if !ok || isLogin(f.Action) || !a.s.Scope().Allows(f.Action) || destructive.MatchString(f.Action.Path) {
			continue
		}
		ts := targetsFromForm(f, skip)
		if len(ts) == 0 {
			continue
		}
		t := ts[0]
		if k := t.Key(); seen[k] {
			continue
		} else {
			seen[k] = true
		}
		a.cover("default-credentials", t.Params[0].In)
		if err := a.tryLogins(ctx, t, user, pass); err != nil {
			return err
		}
	}
	return nil
}

func (a *active) tryLogins(ctx context.Context, t *Target, userField, passField string) error {
	send := func(u, p string) (*Response, string, error) {
		req := t.build(func(q Param) string {
			switch q.Name {
			case userField:
				return u
			case passField:
				return p
			}
			return q.Value
		})
		r, err := a.s.Do(ctx, req)
		if err != nil {
			return nil, "", err
		}
		// The user name is the same in the control and the guess, and a
		// password is never echoed: the bodies compare as they are (taking
		// "password" out of a page would make any guess look different).
		return r, string(r.Body), nil
	}
	for _, dl := range defaultLogins {
		_, ctl, err := send(dl.user, "Secops-"+token(10))
		if err != nil {
			return err
		}
		for _, pw := range dl.passwords {
			r, got, err := send(dl.user, pw)
			if err != nil {
				return err
			}
			if diffSize(ctl, got) < 20 {
				continue
			}
			// Confirm: wrong passwords still give the control page (no
			// lockout message took its place) and the guess gives the same
			// page again.
			_, ctl2, err := send(dl.user, "Secops-"+token(10))
			if err != nil {
				return err
			}
			_, again, err := send(dl.user, pw)
			if err != nil {
				return err
			}
			noise := diffSize(ctl, ctl2) + diffSize(got, again)
			if noise > 40 || diffSize(ctl, got) < 20+2*noise {
				return nil
			}
			a.out.add(Issue{Check: CheckWeakLogin, URL: t.issueURL(Param{}), Method: t.Method, Param: passField, In: t.Params[0].In, Confidence: 90,
				Detail:  fmt.Sprintf("User %q with password %q gives a different page than wrong passwords, twice; wrong passwords were answered without lockout.", dl.user, strings.Repeat("*", len(pw))),
				Request: dumpRequest(r.Request), Response: dumpResponse(r, "")})
			return nil
		}
	}
	return nil
}
