package dast

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// The upload check sends each file-upload form a tiny PHP script that
// prints a marker it computes (so the source never contains the marker
// itself), then requests the places the upload may have landed: a path the
// response names, or an uploads directory beside the form. The marker in a
// response proves the server ran the uploaded file. The file stays on the
// server under a name the finding gives, so it can be removed.

var uploadedPath = regexp.MustCompile(`[^\s"'<>()]*secopsu[a-z0-9]{8}\.php`)

func (a *active) uploads(ctx context.Context, forms []Form, skip func(Button) bool) error {
	seen := map[string]bool{}
	for _, f := range forms {
		if len(f.Files) == 0 || f.Method != "POST" || !a.s.Scope().Allows(f.Action) || destructive.MatchString(f.Action.Path) {
			continue
		}
		ts := targetsFromForm(f, skip)
		if len(ts) == 0 || seen[ts[0].Key()+f.Files[0]] {
			continue
		}
		seen[ts[0].Key()+f.Files[0]] = true
		a.cover("file-upload", "body")
		if err := a.upload(ctx, ts[0], f.Files[0]); err != nil {
			return err
		}
	}
	return nil
}

func (a *active) upload(ctx context.Context, t *Target, field string) error {
	tok := token(8)
	name := "secopsu" + tok + ".php"
	marker := "secopsu" + tok + "ran"
	script := fmt.Sprintf(`<?php echo "secopsu" . "%s" . "ran"; ?>`, tok)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range t.Params {
		if p.In == InBody {
			_ = mw.WriteField(p.Name, p.Value)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name))
	h.Set("Content-Type", "image/png")
	w, _ := mw.CreatePart(h)
	_, _ = w.Write([]byte(script))
	_ = mw.Close()
	u := *t.URL
	for _, p := range t.Params {
		if p.In == InQuery {
			u.RawQuery = url.Values{p.Name: {p.Value}}.Encode()
		}
	}
	req := &Request{Method: http.MethodPost, URL: &u, Body: body.Bytes(), Header: http.Header{"Content-Type": {mw.FormDataContentType()}}}
	resp, err := a.s.Do(ctx, req)
	if err != nil {
		if fatal(err) {
			return err
		}
		return nil
	}
	var candidates []*url.URL
	add := func(raw string) {
		if c := resolve(t.URL, raw); c != nil && a.s.Scope().Allows(c) {
			candidates = append(candidates, c)
		}
	}
	for _, m := range uploadedPath.FindAllString(string(resp.Body), 5) {
		add(m)
	}
	dir := path.Dir(t.URL.Path)
	for _, d := range []string{dir + "/uploads/", dir + "/upload/", dir + "/files/", "/uploads/", "/upload/", "/files/"} {
		add(path.Clean(d) + "/" + name)
	}
	seen := map[string]bool{}
	for _, c := range candidates {
		if seen[c.String()] {
			continue
		}
		seen[c.String()] = true
		r, err := a.s.Do(ctx, &Request{Method: http.MethodGet, URL: c})
		if err != nil {
			if fatal(err) {
				return err
			}
			continue
		}
		if r.StatusCode == 200 && strings.Contains(string(r.Body), marker) {
			a.out.add(Issue{Check: CheckUpload, URL: t.issueURL(Param{}), Method: t.Method, Param: field, In: InBody, Confidence: 95, SeenAt: stripQuery(c),
				Detail:  fmt.Sprintf("A PHP script uploaded as %s ran when %s was requested; remove that file from the server.", name, stripQuery(c)),
				Request: dumpRequest(req), Response: dumpResponse(r, marker)})
			return nil
		}
	}
	return nil
}
