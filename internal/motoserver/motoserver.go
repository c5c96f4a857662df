// Package motoserver starts moto, an independent AWS emulator, on a free
// loopback port for one test.
package motoserver

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"
)

// ErrNotInstalled is returned by Launch when moto_server is not on PATH.
var ErrNotInstalled = errors.New("moto_server is not on PATH; install it with 'pip install \"moto[server]\"' to run the moto interop tests")

// Server is a running moto_server.
type Server struct {
	URL string
	cmd *exec.Cmd
}

// Stop kills the server and waits for it.
func (s *Server) Stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// Launch runs moto_server on a free 127.0.0.1 port and waits until it
// answers. The caller stops it.
func Launch() (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("moto_server did not start on %s: %w", s.URL, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Start runs moto_server until the test ends and returns its URL. The test
// is skipped, saying how to install it, when moto_server is not on PATH.
func Start(t testing.TB) string {
	t.Helper()
	s, err := Launch()
	if errors.Is(err, ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s.URL
}
