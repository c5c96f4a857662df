package remote

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/secops-dev/secops/internal/awstest"
	"github.com/secops-dev/secops/internal/fakessm"
)

func newRunner(t *testing.T, f *fakessm.SSM) *Runner {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg := awstest.Config("us-east-1")
	client := ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return &Runner{SSM: client, Timeout: 5 * time.Minute,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
}

func TestRunStreamsOutputAndExitCode(t *testing.T) {
	tests := []struct {
		name       string
		replies    []fakessm.Invocation
		wantOut    string
		wantErr    string
		wantCode   int
		wantStatus string
		wantFail   string
	}{
		{
			name: "findings exit 1",
			replies: []fakessm.Invocation{
				{}, // not registered yet
				{Status: "InProgress", Stdout: "scanning /src\n", ResponseCode: -1},
				{Status: "InProgress", Stdout: "scanning /src\n3 findings\n", Stderr: "warn: slow\n", ResponseCode: -1},
				{Status: "Failed", Stdout: "scanning /src\n3 findings\nHIGH CVE-2024-1234\n", Stderr: "warn: slow\n", ResponseCode: 1},
			},
			wantOut: "scanning /src\n3 findings\nHIGH CVE-2024-1234\n", wantErr: "warn: slow\n",
			wantCode: 1, wantStatus: "Failed",
		},
		{
			name:    "clean",
			replies: []fakessm.Invocation{{Status: "Pending", ResponseCode: -1}, {Status: "Success", Stdout: "0 findings\n", ResponseCode: 0}},
			wantOut: "0 findings\n", wantCode: 0, wantStatus: "Success",
		},
		{
			name:     "timed out on the host",
			replies:  []fakessm.Invocation{{Status: "TimedOut", Stdout: "partial\n", ResponseCode: -1}},
			wantOut:  "partial\n",
			wantCode: -1, wantStatus: "TimedOut", wantFail: "ended TimedOut",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakessm.New(t.Errorf, tt.replies...)
			r := newRunner(t, f)
			var out, errOut bytes.Buffer
			res, err := r.Run(context.Background(), "i-0abc", []string{ScanCommand([]string{"scan", "/src", "--fail-on", "HIGH"})}, &out, &errOut)
			if tt.wantFail != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantFail) {
					t.Fatalf("err = %v, want %q", err, tt.wantFail)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.wantOut || errOut.String() != tt.wantErr {
				t.Errorf("stdout %q stderr %q", out.String(), errOut.String())
			}
			if res.ExitCode != tt.wantCode || res.Status != tt.wantStatus || res.CommandID != fakessm.CommandID {
				t.Errorf("result %+v", res)
			}
			sends := f.Sends()
			if len(sends) != 1 {
				t.Fatalf("%d SendCommand calls", len(sends))
			}
			if gets := f.Gets(); len(gets) != len(tt.replies) || gets[0]["InstanceId"] != "i-0abc" {
				t.Errorf("GetCommandInvocation calls %v, want %d for i-0abc", gets, len(tt.replies))
			}
			s := sends[0]
			params := s["Parameters"].(map[string]any)
			if s["DocumentName"] != "AWS-RunShellScript" || fmt.Sprint(s["InstanceIds"]) != "[i-0abc]" ||
				fmt.Sprint(params["commands"]) != "[secops 'scan' '/src' '--fail-on' 'HIGH']" ||
				fmt.Sprint(params["executionTimeout"]) != "[300]" {
				t.Errorf("SendCommand body %v", s)
			}
		})
	}
}

func TestRunNeedsInstance(t *testing.T) {
	r := &Runner{}
	if _, err := r.Run(context.Background(), "", []string{"true"}, nil, nil); err == nil || !strings.Contains(err.Error(), "--stacks scanner") {
		t.Errorf("err = %v", err)
	}
}

func TestScanCommandQuotes(t *testing.T) {
	got := ScanCommand([]string{"scan", "it's; rm -rf /", "$(id)"})
	want := `secops 'scan' 'it'"'"'s; rm -rf /' '$(id)'`
	if got != want {
		t.Errorf("ScanCommand = %s, want %s", got, want)
	}
}

// SendCommand errors say what to do about them: InvalidInstanceId (the
// host is stopped, gone or its SSM agent offline) is not a permissions
// problem, and AccessDenied is not an offline agent.
func TestSendCommandErrorsExplained(t *testing.T) {
	tests := []struct {
		code, msg string
		want      []string
		notWant   string
	}{
		{"InvalidInstanceId", "Instances [[i-0abc]] not in a valid state for account 123456789012",
			[]string{"i-0abc is not reachable through SSM", "stopped", "agent", "describe-instance-information", "InvalidInstanceId"}, "ssm:SendCommand"},
		{"AccessDeniedException", "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ssm:SendCommand",
			[]string{"allow ssm:SendCommand", "ssm:GetCommandInvocation", "AccessDeniedException"}, "agent online"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			f := fakessm.New(t.Errorf)
			f.FailSend(tt.code, tt.msg)
			r := newRunner(t, f)
			res, err := r.Run(context.Background(), "i-0abc", []string{"true"}, nil, nil)
			if err == nil || res != nil {
				t.Fatalf("Run = %+v, %v", res, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), tt.notWant) {
				t.Errorf("error %q misleads with %q", err, tt.notWant)
			}
		})
	}
}
