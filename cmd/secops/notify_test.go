package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/iostreams"
)

func TestNotifyTestCommand(t *testing.T) {
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	hook := srv.URL + "/services/T9SECRET/B9SECRET/zzzzsecret"
	t.Setenv("SECOPS_WEBHOOK_URL", hook)
	ios, _, out, errOut := iostreams.Test()
	f := newFactory(ios)
	f.Now = func() time.Time { return time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC) }
	root := newRootCmd(f)
	root.SetArgs([]string{"notify", "test"})
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if code := exitCode(context.Background(), ios, root.Execute()); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !bytes.Contains(got, []byte(`"text":"secops: Slack notifications work"`)) || !bytes.Contains(got, []byte("2026-11-28T10:00:00Z")) {
		t.Errorf("payload %s", got)
	}
	if strings.Contains(out.String()+errOut.String(), "SECRET") || !strings.Contains(out.String(), "/services/***") {
		t.Errorf("output %q / %q", out, errOut)
	}

	// Slack refuses: exit 2, the URL stays hidden.
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		io.WriteString(w, "no_service")
	})
	ios, _, out, errOut = iostreams.Test()
	root = newRootCmd(newFactory(ios))
	root.SetArgs([]string{"notify", "test"})
	code := exitCode(context.Background(), ios, root.Execute())
	if code != 2 || !strings.Contains(errOut.String(), `HTTP 404 "no_service"`) || strings.Contains(errOut.String(), "SECRET") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
