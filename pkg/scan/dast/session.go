package dast

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The session check asks again for a response that issued a session-like
// cookie and reads the values it gets: a counter, a timestamp or the hash
// of either is predictable. Random values never are, so it cannot fire on
// a framework's session manager.

const sessionSamples = 4

// sessionIssuers returns, per cookie name, the first crawled request whose
// response set a session-like cookie.
func sessionIssuers(pages []*Page, skip func(*Request) bool) map[string]*Request {
	out := map[string]*Request{}
	for _, pg := range pages {
		if skip(pg.Resp.Request) {
			continue
		}
		for _, line := range pg.Resp.Header.Values("Set-Cookie") {
			c, err := http.ParseSetCookie(line)
			if err != nil || c.Value == "" || c.MaxAge < 0 || !sessionLike(c.Name) {
				continue
			}
			if _, ok := out[c.Name]; !ok {
				out[c.Name] = pg.Resp.Request
			}
		}
	}
	return out
}

func sessionLike(name string) bool {
	n := strings.ToLower(name)
	return sessionCookie.MatchString(name) || strings.HasSuffix(n, "id")
}

// sessionIDs replays req and judges the values the cookie takes.
func (a *active) sessionIDs(ctx context.Context, name string, req *Request) error {
	var vals []string
	var last *Response
	for range sessionSamples {
		r, err := a.s.Do(ctx, req)
		if err != nil {
			return err
		}
		for _, c := range setCookies(r) {
			if c.Name == name && c.Value != "" {
				vals = append(vals, c.Value)
				last = r
			}
		}
	}
	if len(vals) < 3 {
		return nil
	}
	if why := predictable(vals, time.Now()); why != "" {
		a.out.add(Issue{Check: CheckSessionID, URL: stripQuery(req.URL), Method: req.Method, Param: name, In: InCookie, Confidence: 90,
			Detail: fmt.Sprintf("%d values in a row: %s.", len(vals), why), Request: dumpRequest(req), Response: dumpResponse(last, "")})
	}
	return nil
}

func setCookies(r *Response) []*http.Cookie {
	var out []*http.Cookie
	for _, line := range r.Header.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil {
			out = append(out, c)
		}
	}
	return out
}

// predictable explains why vals, issued one after the other, can be
// guessed, or returns "".
func predictable(vals []string, now time.Time) string {
	nums := make([]int64, 0, len(vals))
	for _, v := range vals {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			break
		}
		nums = append(nums, n)
	}
	if len(nums) == len(vals) {
		step := true
		for i := 1; i < len(nums); i++ {
			if d := nums[i] - nums[i-1]; d < 0 || d > 10 {
				step = false
			}
		}
		distinct := nums[len(nums)-1] != nums[0]
		switch {
		case step && distinct:
			return fmt.Sprintf("a counter (%s)", strings.Join(vals, ", "))
		case step && abs64(nums[0]-now.Unix()) < 86400:
			return fmt.Sprintf("the current Unix time (%s)", strings.Join(vals, ", "))
		}
		return ""
	}
	// The hash of a small counter or of the current time.
	if n, kind := hashedCounter(vals[0], now); kind != "" {
		return fmt.Sprintf("the %s of %s", kind, n)
	}
	return ""
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// hashedCounter finds v among the MD5, SHA-1 and SHA-256 hashes of the
// numbers 0 to 10000 and of the Unix times of the last day.
func hashedCounter(v string, now time.Time) (string, string) {
	v = strings.ToLower(v)
	var kind string
	var sum func(string) string
	switch len(v) {
	case 32:
		kind, sum = "MD5", func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	case 40:
		kind, sum = "SHA-1", func(s string) string { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	case 64:
		kind, sum = "SHA-256", func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	default:
		return "", ""
	}
	if _, err := hex.DecodeString(v); err != nil {
		return "", ""
	}
	for i := 0; i <= 10000; i++ {
		if sum(strconv.Itoa(i)) == v {
			return "counter value " + strconv.Itoa(i), kind
		}
	}
	t := now.Unix()
	for i := int64(0); i <= 86400; i++ {
		if sum(strconv.FormatInt(t-i, 10)) == v {
			return "Unix time " + strconv.FormatInt(t-i, 10), kind
		}
	}
	return "", ""
}
