package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/secops-dev/secops/internal/awstest"
)

// fakeSSM speaks awsJson1_1 (POST /, X-Amz-Target: AmazonSSM.<Op>) and
// plays a scripted sequence of GetCommandInvocation replies.
type fakeSSM struct {
	t       *testing.T
	mu      sync.Mutex
	sends   []map[string]any
	gets    int
	replies []string // GetCommandInvocation bodies; "" = InvocationDoesNotExist
}

func (f *fakeSSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		f.t.Errorf("unexpected %s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("body: %v", err)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch r.Header.Get("X-Amz-Target") {
	case "AmazonSSM.SendCommand":
		f.sends = append(f.sends, body)
		fmt.Fprint(w, `{"Command":{"CommandId":"cmd-1","DocumentName":"AWS-RunShellScript","Status":"Pending"}}`)
	case "AmazonSSM.GetCommandInvocation":
		if body["CommandId"] != "cmd-1" || body["InstanceId"] != "i-0abc" {
			f.t.Errorf("GetCommandInvocation body %v", body)
		}
		reply := f.replies[min(f.gets, len(f.replies)-1)]
		f.gets++
		if reply == "" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"InvocationDoesNotExist","message":""}`)
			return
		}
		fmt.Fprint(w, reply)
	default:
		f.t.Errorf("unexpected target %q", r.Header.Get("X-Amz-Target"))
		w.WriteHeader(400)
	}
}

func invocation(status, stdout, stderr string, code int) string {
	b, _ := json.Marshal(map[string]any{
		"CommandId": "cmd-1", "InstanceId": "i-0abc", "Status": status, "StatusDetails": status,
		"StandardOutputContent": stdout, "StandardErrorContent": stderr, "ResponseCode": code,
	})
	return string(b)
}

func newRunner(t *testing.T, f *fakeSSM) *Runner {
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
		replies    []string
		wantOut    string
		wantErr    string
		wantCode   int
		wantStatus string
		wantFail   string
	}{
		{
			name: "findings exit 1",
			replies: []string{
				"", // not registered yet
				invocation("InProgress", "scanning /src\n", "", -1),
				invocation("InProgress", "scanning /src\n3 findings\n", "warn: slow\n", -1),
				invocation("Failed", "scanning /src\n3 findings\nHIGH CVE-2024-1234\n", "warn: slow\n", 1),
			},
			wantOut: "scanning /src\n3 findings\nHIGH CVE-2024-1234\n", wantErr: "warn: slow\n",
			wantCode: 1, wantStatus: "Failed",
		},
		{
			name:    "clean",
			replies: []string{invocation("Pending", "", "", -1), invocation("Success", "0 findings\n", "", 0)},
			wantOut: "0 findings\n", wantCode: 0, wantStatus: "Success",
		},
		{
			name:     "timed out on the host",
			replies:  []string{invocation("TimedOut", "partial\n", "", -1)},
			wantOut:  "partial\n",
			wantCode: -1, wantStatus: "TimedOut", wantFail: "ended TimedOut",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSSM{t: t, replies: tt.replies}
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
			if res.ExitCode != tt.wantCode || res.Status != tt.wantStatus || res.CommandID != "cmd-1" {
				t.Errorf("result %+v", res)
			}
			if len(f.sends) != 1 {
				t.Fatalf("%d SendCommand calls", len(f.sends))
			}
			s := f.sends[0]
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
