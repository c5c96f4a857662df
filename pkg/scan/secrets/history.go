package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/zricethezav/gitleaks/v8/cmd/scm"
	"github.com/zricethezav/gitleaks/v8/report"
	"github.com/zricethezav/gitleaks/v8/sources"
)

// scanHistory scans every commit reachable in the repository at root, as
// `gitleaks git` does. When the history cannot be read (no git, not a
// repository), it returns a warning instead of findings: the working tree
// scan still stands, but the history part is incomplete.
func scanHistory(ctx context.Context, s *Scanner, root string) ([]report.Finding, string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, "--secrets-history: git is not on PATH; only the working tree was scanned", nil
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Sprintf("--secrets-history: %s is not the top of a git repository; only the working tree was scanned", root), nil
	}
	d, err := s.detector(ctx)
	if err != nil {
		return nil, "", err
	}
	cmd, err := sources.NewGitLogCmdContext(ctx, root, "")
	if err != nil {
		return nil, fmt.Sprintf("--secrets-history: cannot read the git log: %v", err), nil
	}
	found, err := d.DetectSource(ctx, &sources.Git{Cmd: cmd, Config: &d.Config, Sema: d.Sema, Remote: &sources.RemoteInfo{Platform: scm.NoPlatform}})
	if err != nil {
		return nil, fmt.Sprintf("--secrets-history: reading the git history failed: %v", err), nil
	}
	return found, "", nil
}
