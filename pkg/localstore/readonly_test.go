package localstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secops-dev/secops/internal/readonly"
	"github.com/secops-dev/secops/pkg/findings"
)

func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// dirToo makes the store's directory read-only as well, so SQLite
		// cannot create the shared-memory file a WAL database needs.
		dirToo  bool
		wantErr string
	}{
		{name: "file read-only"},
		{name: "file and directory read-only", dirToo: true, wantErr: "findings.db-shm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "secops")
			path := filepath.Join(dir, "findings.db")
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			want := vuln(1, "HIGH", "app", t0)
			mustImport(t, s, []findings.Finding{want}, findings.ImportOptions{})
			s.Close()
			readonly.Make(t, path)
			if tt.dirToo {
				readonly.Make(t, dir)
			}

			// A command that writes is told why it cannot.
			if _, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "permission denied") {
				t.Errorf("Open for writing: error %v, want permission denied", err)
			}

			ro, err := Open(ctx, path, ReadOnlyFallback())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "read-only") {
					t.Fatalf("Open read-only: error %v, want one naming %s", err, tt.wantErr)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatalf("Open read-only: %v", err)
			}
			defer ro.Close()
			if got := ro.Backend(); got != "local ("+path+", read-only)" {
				t.Errorf("Backend() = %q", got)
			}
			list, err := ro.Query(ctx, findings.Query{})
			if err != nil || len(list) != 1 || list[0].Id != want.Id {
				t.Fatalf("Query = %v, %v, want the stored finding", ids(list), err)
			}
			if _, err := ro.Get(ctx, findings.ShortID(want.Id)); err != nil {
				t.Errorf("Get: %v", err)
			}
			_, err = ro.Update(ctx, findings.Update{Ids: []string{want.Id}, Status: findings.WorkflowSuppressed})
			if err == nil || !strings.Contains(err.Error(), "read-only") {
				t.Errorf("Update on a read-only store: error %v, want one saying it is read-only", err)
			}
		})
	}
}
