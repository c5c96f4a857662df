package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
)

// updateStore records what findings update asks of the store and answers
// with a canned result.
type updateStore struct {
	memStore
	gets    int
	updates []findings.Update
	res     findings.UpdateResult
	err     error
}

func (s *updateStore) Backend() string { return "securityhub (us-east-1, account 123456789012)" }
func (s *updateStore) Get(ctx context.Context, id string) (findings.Finding, error) {
	s.gets++
	return findings.Finding{Id: "secops/secrets/" + id}, nil
}
func (s *updateStore) Update(ctx context.Context, u findings.Update) (findings.UpdateResult, error) {
	s.updates = append(s.updates, u)
	return s.res, s.err
}

func TestFindingsUpdateRun(t *testing.T) {
	fatal := errors.New("update findings: securityhub:BatchUpdateFindings: AccessDeniedException: not authorized")
	tests := []struct {
		name      string
		res       findings.UpdateResult
		err       error
		wantErr   string
		wantCode  int
		wantLines []string
	}{
		{
			name:     "all updated",
			res:      findings.UpdateResult{Processed: []string{"a", "b"}},
			wantCode: exitOK,
			wantLines: []string{
				"Updated 2 finding(s) in securityhub (us-east-1, account 123456789012).",
			},
		},
		{
			name: "some unprocessed",
			res: findings.UpdateResult{Processed: []string{"a"}, Unprocessed: []findings.FailedFinding{
				{Id: "b", ErrorCode: "FindingNotFound", ErrorMessage: "no finding has this Id in Security Hub"},
			}},
			wantErr:  "1 finding(s) were not updated",
			wantCode: exitFailure,
			wantLines: []string{
				"not updated: b: FindingNotFound no finding has this Id in Security Hub",
				"Updated 1 finding(s) in securityhub (us-east-1, account 123456789012).",
			},
		},
		{
			name: "fatal error midway keeps the partial result",
			res: findings.UpdateResult{Processed: []string{"a"}, Unprocessed: []findings.FailedFinding{
				{Id: "b", ErrorCode: "AccessDeniedException", ErrorMessage: "not authorized"},
				{Id: "c", ErrorCode: "AccessDeniedException", ErrorMessage: "not authorized"},
			}},
			err:      fatal,
			wantErr:  "update findings: securityhub:BatchUpdateFindings: AccessDeniedException: not authorized",
			wantCode: exitFailure,
			wantLines: []string{
				"not updated: b: AccessDeniedException not authorized",
				"not updated: c: AccessDeniedException not authorized",
				"Updated 1 finding(s) in securityhub (us-east-1, account 123456789012).",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, stderr := iostreams.Test()
			st := &updateStore{res: tt.res, err: tt.err}
			opts := &updateOptions{
				IO:     ios,
				Store:  func(context.Context) (findings.Store, error) { return st, nil },
				Ids:    []string{"3f9c2a1b7d4e", "secops/secrets/9a0b1c2d3e4f", "abc"},
				Status: "suppressed",
			}
			err := findingsUpdateRun(context.Background(), opts)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if code := exitCode(context.Background(), ios, err); code != tt.wantCode {
				t.Errorf("exit %d, want %d", code, tt.wantCode)
			}
			// The store resolves the ids, once: the command passes them on.
			if st.gets != 0 {
				t.Errorf("the command looked up %d findings itself before the update", st.gets)
			}
			if len(st.updates) != 1 || !slices.Equal(st.updates[0].Ids, opts.Ids) || st.updates[0].Status != findings.WorkflowSuppressed {
				t.Errorf("updates = %+v, want one with the ids as given", st.updates)
			}
			got := stderr.String()
			for _, want := range tt.wantLines {
				if !strings.Contains(got, want+"\n") {
					t.Errorf("stderr lacks %q:\n%s", want, got)
				}
			}
			if strings.Count(got, "update findings:") > 1 {
				t.Errorf("doubled prefix:\n%s", got)
			}
		})
	}
}

func TestCheckNote(t *testing.T) {
	tests := []struct {
		text, by, wantErr string
	}{
		{"test fixture", "me", ""},
		{strings.Repeat("é", 512), "me", ""},
		{"", "me", "--note must not be empty"},
		{" \t\n", "me", "--note must not be empty"},
		{strings.Repeat("x", 513), "me", "--note is 513 characters long: Security Hub takes at most 512"},
		{"why", " ", "--updated-by must not be empty"},
	}
	for _, tt := range tests {
		err := checkNote(tt.text, tt.by)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)) {
			t.Errorf("checkNote(%.20q, %q) = %v, want %q", tt.text, tt.by, err, tt.wantErr)
		}
	}
}

// TestFindingsUpdateEmptyNote: an empty --note is a usage error (exit 2)
// and the store is not even opened.
func TestFindingsUpdateEmptyNote(t *testing.T) {
	ios, _, _, stderr := iostreams.Test()
	f := newFactory(ios)
	cmd := newCmdFindingsUpdate(f, nil)
	cmd.SetArgs([]string{"3f9c2a1b7d4e", "--status", "SUPPRESSED", "--note", ""})
	cmd.SetOut(ios.ErrOut)
	cmd.SetErr(ios.ErrOut)
	dir := filepath.Join(t.TempDir(), "store")
	f.Globals.StorePath, f.Globals.Backend = filepath.Join(dir, "findings.db"), backendLocal
	err := cmd.Execute()
	if _, statErr := os.Stat(dir); statErr == nil {
		t.Error("the store was opened for a refused update")
	}
	if code := exitCode(context.Background(), ios, err); code != exitFailure {
		t.Errorf("exit %d, want 2", code)
	}
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Errorf("error %v is not a usage error", err)
	}
	if !strings.Contains(stderr.String(), "--note must not be empty") {
		t.Errorf("stderr:\n%s", stderr)
	}
}
