package dast

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// canary is a listener on 127.0.0.1 that records which SSRF tokens
// reached it. The scanner points SSRF payloads at it and nowhere else.
type canary struct {
	srv  *http.Server
	ln   net.Listener
	mu   sync.Mutex
	hits map[string]string // token -> remote address
}

func startCanary() (*canary, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start SSRF canary listener: %w", err)
	}
	c := &canary{ln: ln, hits: map[string]string{}}
	c.srv = &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token := strings.TrimPrefix(r.URL.Path, "/ssrf/")
			c.mu.Lock()
			if _, ok := c.hits[token]; !ok {
				c.hits[token] = r.RemoteAddr
			}
			c.mu.Unlock()
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintln(w, "secops ssrf canary")
		}),
	}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

// URL is the payload for token.
func (c *canary) URL(token string) string {
	return "http://" + c.ln.Addr().String() + "/ssrf/" + token
}

func (c *canary) hit(token string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.hits[token]
	return ok
}

func (c *canary) Close(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_ = c.srv.Shutdown(ctx)
}
