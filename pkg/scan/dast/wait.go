package dast

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/wait"
)

// WaitForTarget waits until target's host accepts TCP connections, for
// pipelines that start the application just before the scan. It sends no
// HTTP request.
func WaitForTarget(ctx context.Context, target string, timeout time.Duration) error {
	u, err := url.Parse(strings.TrimSpace(target))
	if err != nil || u.Host == "" {
		return fmt.Errorf("target %q is not a URL; use e.g. http://127.0.0.1:8080/", target)
	}
	addr := net.JoinHostPort(u.Hostname(), portOf(u))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			conn.Close()
			return nil
		}
		if serr := wait.Sleep(ctx, 200*time.Millisecond); serr != nil {
			if errors.Is(serr, context.DeadlineExceeded) {
				return fmt.Errorf("%s did not accept connections within %s (--wait): %v", addr, timeout, err)
			}
			return serr
		}
	}
}
