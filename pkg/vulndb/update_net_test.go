package vulndb

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestUpdateRetriesAndStalls: the bucket's 429 and 5xx answers are asked
// again (Retry-After honoured), a download that stops sending is ended
// rather than waited on forever, and a slow one that keeps sending is not.
// Whatever fails, the previous copy stays.
func TestUpdateRetriesAndStalls(t *testing.T) {
	good := zipOf(t, map[string]string{"TEST-NPM-1.json": readTestRecord(t, "npm/TEST-NPM-1.json")})
	tests := []struct {
		name      string
		serve     func(w http.ResponseWriter, r *http.Request, n int32)
		wantErr   string
		wantCalls int32
		wantWaits string
	}{
		{
			name: "503 then 429 then the export",
			serve: func(w http.ResponseWriter, _ *http.Request, n int32) {
				switch n {
				case 1:
					w.WriteHeader(http.StatusServiceUnavailable)
				case 2:
					w.Header().Set("Retry-After", "7")
					w.WriteHeader(http.StatusTooManyRequests)
				default:
					w.Write(good)
				}
			},
			wantCalls: 3, wantWaits: "1s 7s",
		},
		{
			name:    "always 500",
			serve:   func(w http.ResponseWriter, _ *http.Request, _ int32) { w.WriteHeader(http.StatusInternalServerError) },
			wantErr: "HTTP 500", wantCalls: downloadAttempts, wantWaits: "1s 2s",
		},
		{
			name: "stalls mid-body",
			serve: func(w http.ResponseWriter, r *http.Request, _ int32) {
				w.Header().Set("Content-Length", "100000")
				w.Write(good[:10])
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			},
			wantErr: "the download stalled", wantCalls: 1,
		},
		{
			name: "slow but moving",
			// In all, longer than the stall timeout; never a gap that long.
			serve: func(w http.ResponseWriter, _ *http.Request, _ int32) {
				step := len(good)/20 + 1
				for i := 0; i < len(good); i += step {
					w.Write(good[i:min(i+step, len(good))])
					w.(http.Flusher).Flush()
					time.Sleep(40 * time.Millisecond)
				}
			},
			wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tt.serve(w, r, calls.Add(1))
			}))
			defer srv.Close()
			dir := t.TempDir()
			zipPath := filepath.Join(dir, ScalibrDir, "npm", ExportName)
			if err := os.MkdirAll(filepath.Dir(zipPath), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(zipPath, good, 0o644); err != nil {
				t.Fatal(err)
			}
			var waits []string
			u := &Updater{Dir: dir, BaseURL: srv.URL, HTTP: srv.Client(), StallTimeout: 400 * time.Millisecond,
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d.String()); return nil }}
			_, err := u.Update(context.Background(), []string{"npm"})
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Update: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Update error = %v, want %q", err, tt.wantErr)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("%d requests, want %d", got, tt.wantCalls)
			}
			if got := strings.Join(waits, " "); got != tt.wantWaits {
				t.Errorf("waits %q, want %q", got, tt.wantWaits)
			}
			if b, err := os.ReadFile(zipPath); err != nil || string(b) != string(good) {
				t.Error("the database zip is not the good export")
			}
		})
	}
}

// TestQueryBatchEndlessPages: a server that always answers another
// next_page_token ends the query with an error after maxPagesPerQuery
// pages, instead of looping or returning part of the results as whole.
func TestQueryBatchEndlessPages(t *testing.T) {
	var pages atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		w.Write([]byte(`{"results":[{"vulns":[{"id":"TEST-GEM-1"}],"next_page_token":"again"}]}`))
	}))
	defer srv.Close()
	c := NewClient(srv.URL, srv.Client())
	_, err := c.QueryBatch(context.Background(), []PackageQuery{{Ecosystem: "RubyGems", Name: "demo-gem", Version: "2.2.3"}})
	if err == nil || !strings.Contains(err.Error(), "still has more results after 100 pages") {
		t.Fatalf("err = %v", err)
	}
	if got := pages.Load(); got != maxPagesPerQuery {
		t.Errorf("%d pages asked for, want %d", got, maxPagesPerQuery)
	}
}
