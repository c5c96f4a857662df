package main

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/secops-dev/secops/internal/motoserver"

	"github.com/secops-dev/secops/pkg/iostreams"
)

// TestBootstrapCLIAgainstMoto drives the commands as a user would, through
// --endpoint-url, against moto_server: apply, status, apply again (no
// changes), destroy --yes --delete-data. The pipeline stack is left out
// because moto does not model CodeBuild or CodePipeline (see
// pkg/bootstrap/moto_test.go for the quirks).
func TestBootstrapCLIAgainstMoto(t *testing.T) {
	endpoint := motoserver.Start(t)

	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("SECOPS_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("SECOPS_SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/MOTOSECRET")

	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	h := &zip.FileHeader{Name: "bootstrap"}
	h.SetMode(0o755)
	w, _ := zw.CreateHeader(h)
	w.Write([]byte("#!/bin/sh\necho fake\n"))
	zw.Close()
	pkg := filepath.Join(dir, "secops.zip")
	if err := os.WriteFile(pkg, zbuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	secops := func(args ...string) (int, string, string) {
		io, _, out, errOut := iostreams.Test()
		root := newRootCmd(newFactory(io))
		root.SetArgs(append(args, "--endpoint-url", endpoint))
		err := root.ExecuteContext(context.Background())
		code := exitCode(context.Background(), io, err)
		if strings.Contains(out.String()+errOut.String(), "MOTOSECRET") {
			t.Errorf("secops %v printed the webhook URL", args)
		}
		return code, out.String(), errOut.String()
	}
	stacks := "security,compliance,alerts,scanner"
	code, out, errOut := secops("bootstrap", "apply", "--stacks", stacks, "--lambda-zip", pkg)
	if code != 0 {
		t.Fatalf("apply exit %d\n%s\n%s", code, out, errOut)
	}
	for _, re := range []string{`(?m)^security +created +CREATE_COMPLETE +17$`, `(?m)^compliance +created +CREATE_COMPLETE +1$`, `(?m)^alerts +created +CREATE_COMPLETE +17$`, `(?m)^scanner +created +CREATE_COMPLETE +5$`, `Inspector \(ECR, EC2, LAMBDA\): enabled`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("apply output lacks %s:\n%s", re, out)
		}
	}
	if !strings.Contains(errOut, "secops-alerts: CREATE_COMPLETE secops-alerts (AWS::CloudFormation::Stack)") {
		t.Errorf("apply progress:\n%s", errOut)
	}

	code, out, errOut = secops("bootstrap", "status", "-o", "json")
	if code != 0 || !strings.Contains(out, `"status": "CREATE_COMPLETE"`) || !strings.Contains(out, `"status": "NOT_DEPLOYED"`) {
		t.Errorf("status exit %d\n%s\n%s", code, out, errOut)
	}

	code, out, errOut = secops("bootstrap", "apply", "--stacks", stacks, "--lambda-zip", pkg)
	if code != 0 || !strings.Contains(out, "No changes: every stack is up to date.") || !strings.Contains(out, "Inspector (ECR, EC2, LAMBDA): already enabled") {
		t.Errorf("re-apply exit %d\n%s\n%s", code, out, errOut)
	}

	code, out, errOut = secops("bootstrap", "destroy")
	if code != exitFailure || !strings.Contains(errOut, "pass --yes") {
		t.Errorf("destroy without --yes: exit %d\n%s", code, errOut)
	}
	code, out, errOut = secops("bootstrap", "destroy", "--yes", "--delete-data")
	if code != 0 || !strings.Contains(out, "deleted  secops-security") || strings.Count(out, "(--delete-data)") != 4 {
		t.Errorf("destroy exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = secops("bootstrap", "status", "--drift=false")
	if code != 0 || strings.Count(out, "NOT_DEPLOYED") != 5 {
		t.Errorf("status after destroy exit %d\n%s", code, out)
	}
}
