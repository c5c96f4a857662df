package securityhub

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/secops-dev/secops/pkg/findings"
)

// startMoto runs moto_server on a free loopback port for the test and
// returns its URL.
func startMoto(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not on PATH: install moto[server] to run the Security Hub interop test")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 60 s: %v", url, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestMotoInterop pushes findings to moto's Security Hub and reads them
// back. moto ignores GetFindings filters; Store.Query filters the results
// again with Query.Matches anyway, which is what makes the filtered query
// below exact against moto.
func TestMotoInterop(t *testing.T) {
	url := startMoto(t)
	ctx := context.Background()
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(url),
	}
	s := New(cfg, Options{})

	account, partition, err := s.Account(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if account != "123456789012" || partition != "aws" {
		t.Errorf("caller account %s partition %s, want moto's 123456789012 aws", account, partition)
	}
	if got := s.Backend(); got != "securityhub (us-east-1, account 123456789012)" {
		t.Errorf("Backend() = %q", got)
	}

	now := time.Now().UTC().Truncate(time.Millisecond)
	labels := []string{"HIGH", "LOW", "CRITICAL"}
	var list []findings.Finding
	for i := range 150 {
		list = append(list, localFinding(i, labels[i%3], "app", now))
	}
	res, err := s.Import(ctx, list, findings.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 150 || len(res.Failed) != 0 {
		t.Fatalf("import into moto: %+v", res)
	}

	all, err := s.Query(ctx, findings.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 150 {
		t.Fatalf("read back %d findings, want 150", len(all))
	}
	byID := map[string]findings.Finding{}
	for _, f := range all {
		byID[f.Id] = f
	}
	for _, f := range list {
		got, ok := byID[f.Id]
		if !ok {
			t.Fatalf("finding %s not read back", f.Id)
		}
		if got.AwsAccountId != account || got.ProductArn != findings.DefaultProductArn("aws", "us-east-1", account) ||
			got.Title != f.Title || got.SeverityLabel() != f.SeverityLabel() || got.Resources[0].Id != f.Resources[0].Id {
			t.Fatalf("read back %+v\nfor %+v", got, f)
		}
	}

	high, err := s.Query(ctx, findings.Query{Severities: []string{"HIGH"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(high) != 50 {
		t.Errorf("HIGH findings: %d, want 50", len(high))
	}
	limited, err := s.Query(ctx, findings.Query{Severities: []string{"CRITICAL"}, Limit: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(limited) != 7 {
		t.Errorf("limit 7: %d findings", len(limited))
	}
}
