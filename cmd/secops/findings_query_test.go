package main

import (
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
)

// TestQueryFlagsCase: the values of the filter flags are case-insensitive,
// --sort like --severity and --status.
func TestQueryFlagsCase(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := newFactory(ios)
	tests := []struct {
		flags    queryFlags
		wantSort string
		wantErr  string
	}{
		{flags: queryFlags{Sort: "severity"}, wantSort: findings.SortSeverity},
		{flags: queryFlags{Sort: "SEVERITY"}, wantSort: findings.SortSeverity},
		{flags: queryFlags{Sort: "Updated"}, wantSort: findings.SortUpdated},
		{flags: queryFlags{Sort: " TITLE "}, wantSort: findings.SortTitle},
		{flags: queryFlags{Sort: "newest"}, wantErr: `--sort "newest": use severity, updated or title`},
	}
	for _, tt := range tests {
		q, err := tt.flags.query(f.Now())
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("--sort %q: error %v, want %q", tt.flags.Sort, err, tt.wantErr)
			}
			continue
		}
		if err != nil || q.Sort != tt.wantSort {
			t.Errorf("--sort %q: Sort = %q, %v, want %q", tt.flags.Sort, q.Sort, err, tt.wantSort)
		}
	}
}
