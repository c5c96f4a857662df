package compliance

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"

	"github.com/secops-dev/secops/internal/awstest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const targetPrefix = "StarlingDoveService."

// configHandler answers one AWS Config operation; status 0 means 200.
type configHandler func(op string, req map[string]any) (status int, body any)

// configServer is a local AWS Config endpoint speaking awsJson1_1.
type configServer struct {
	mu       sync.Mutex
	requests []string // "Operation {canonical JSON}"
}

func newConfigServer(t *testing.T, h configHandler) (*Client, *configServer) {
	t.Helper()
	cs := &configServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		if r.Method != http.MethodPost || r.URL.Path != "/" ||
			r.Header.Get("Content-Type") != "application/x-amz-json-1.1" || !strings.HasPrefix(target, targetPrefix) {
			t.Errorf("unexpected request %s %s Content-Type=%q X-Amz-Target=%q", r.Method, r.URL.Path, r.Header.Get("Content-Type"), target)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			t.Errorf("%s: request is not SigV4-signed", target)
		}
		op := strings.TrimPrefix(target, targetPrefix)
		raw, _ := io.ReadAll(r.Body)
		var req map[string]any
		if err := json.Unmarshal(raw, &req); err != nil {
			t.Errorf("%s: body is not JSON: %v", op, err)
		}
		canon, _ := json.Marshal(req) // map keys sorted
		cs.mu.Lock()
		cs.requests = append(cs.requests, op+" "+string(canon))
		cs.mu.Unlock()
		status, body := h(op, req)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		switch b := body.(type) {
		case []byte:
			w.Write(b)
		default:
			json.NewEncoder(w).Encode(b)
		}
	}))
	t.Cleanup(srv.Close)
	cfg := awstest.Config("ap-northeast-2")
	api := configservice.NewFromConfig(cfg, func(o *configservice.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return New(api, cfg.Region), cs
}

// newRecordedConfig serves the responses recorded in testdata/config/<scenario>
// in call order and, when the test ends, checks every one was asked for and
// the requests match requests.golden.
func newRecordedConfig(t *testing.T, scenario string) *Client {
	t.Helper()
	dir := filepath.Join("testdata", "config", scenario)
	files, err := filepath.Glob(filepath.Join(dir, "[0-9][0-9]-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded responses in %s", dir)
	}
	sort.Strings(files)
	next := 0
	client, cs := newConfigServer(t, func(op string, req map[string]any) (int, any) {
		if next >= len(files) {
			t.Errorf("unexpected extra call %s %v", op, req)
			return 400, map[string]string{"__type": "InvalidParameterValueException", "message": "no more recorded responses"}
		}
		f := files[next]
		next++
		want := strings.TrimSuffix(filepath.Base(f)[3:], ".json")
		if op != want {
			t.Errorf("call %d: got %s, recorded response is for %s", next, op, want)
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		return 200, data
	})
	t.Cleanup(func() {
		if next != len(files) {
			t.Errorf("%s: %d of %d recorded responses were asked for", scenario, next, len(files))
		}
		golden(t, filepath.Join(dir, "requests.golden"), []byte(strings.Join(cs.requests, "\n")+"\n"))
	})
	return client
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs (run with -update if intended):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func apiError(code, msg string) (int, any) {
	return 400, map[string]string{"__type": code, "message": msg}
}

var _ = fmt.Sprintf
