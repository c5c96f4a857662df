package dast

import (
	"context"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestNoFalsePositivesOnNoisyTarget scans a page that is safe but hard:
// random response times, random content, its input echoed escaped, and a
// 500 for anything odd. No active check may fire.
func TestNoFalsePositivesOnNoisyTarget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(rand.IntN(200)) * time.Millisecond)
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.URL.Path != "/" && r.URL.Path != "/item" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query().Get("q")
		status := 200
		for _, c := range q {
			if c == '\'' || c == '"' || c == ';' || c == '<' {
				status = 500
			}
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `<a href="/item?q=shoes">item</a><p>You searched for <b>%s</b>; request id %d; %d results.</p><input value="%s">`,
			html.EscapeString(q), rand.Int64(), rand.IntN(1000), html.EscapeString(q))
	}))
	defer srv.Close()
	res, err := Scan(context.Background(), Options{Target: srv.URL, Rate: -1, MaxDuration: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range res.Issues {
		if Checks[i.Check].Active {
			t.Errorf("false positive: %s on %s %s\n%s\n---\n%s", i.Check, i.URL, i.Param, i.Request, i.Response)
		}
	}
	if res.Stats.Parameters == 0 {
		t.Fatal("the noisy parameter was not found")
	}
}
