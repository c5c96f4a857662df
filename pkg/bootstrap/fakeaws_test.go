package bootstrap

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secops-dev/secops/internal/awstest"
)

func testConfig() aws.Config { return awstest.Config("us-east-1") }

// fakeS3 is a path-style S3 endpoint (REST-XML) with versioned buckets in
// memory, enough for the package upload and --delete-data.
type fakeS3 struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	objects  map[string][]byte // bucket/key
	deleted  []string          // buckets
	requests []string          // "METHOD /path?query"
}

func newFakeS3(t *testing.T) *fakeS3 {
	f := &fakeS3{t: t, objects: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeS3) put(bucket, key string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[bucket+"/"+key] = body
}

func (f *fakeS3) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodHead && key != "":
		if _, ok := f.objects[path]; !ok {
			w.WriteHeader(404)
			return
		}
		w.WriteHeader(200)
	case r.Method == http.MethodPut && key != "":
		b, _ := io.ReadAll(r.Body)
		f.objects[path] = b
		w.Header().Set("ETag", `"etag"`)
		w.WriteHeader(200)
	case r.Method == http.MethodGet && q.Has("versions"):
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>%s</Name><IsTruncated>false</IsTruncated>`, bucket)
		var keys []string
		for k := range f.objects {
			if strings.HasPrefix(k, bucket+"/") {
				keys = append(keys, strings.TrimPrefix(k, bucket+"/"))
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "<Version><Key>%s</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest></Version>", k)
		}
		b.WriteString("</ListVersionsResult>")
		w.Write([]byte(b.String()))
	case r.Method == http.MethodPost && q.Has("delete"):
		var req struct {
			Objects []struct {
				Key       string `xml:"Key"`
				VersionID string `xml:"VersionId"`
			} `xml:"Object"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := xml.Unmarshal(body, &req); err != nil {
			f.t.Errorf("DeleteObjects body: %v", err)
		}
		for _, o := range req.Objects {
			if o.VersionID != "v1" {
				f.t.Errorf("DeleteObjects without the version id: %+v", o)
			}
			delete(f.objects, bucket+"/"+o.Key)
		}
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></DeleteResult>`))
	case r.Method == http.MethodDelete && key == "":
		f.deleted = append(f.deleted, bucket)
		w.WriteHeader(204)
	default:
		f.t.Errorf("fake S3: unexpected %s %s", r.Method, r.URL)
		w.WriteHeader(400)
	}
}

// fakeInspector speaks Inspector2's restJson1 and remembers whether Enable
// was called; fakeSTS answers GetCallerIdentity (awsQuery).
type fakeInspector struct {
	srv     *httptest.Server
	mu      sync.Mutex
	enabled bool
	calls   []string
	enables []map[string]any
}

func newFakeInspector(t *testing.T) *fakeInspector {
	f := &fakeInspector{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls = append(f.calls, r.Method+" "+r.URL.Path)
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/status/batch/get":
			st := "DISABLED"
			if f.enabled {
				st = "ENABLED"
			}
			fmt.Fprintf(w, `{"accounts":[{"accountId":"123456789012","state":{"status":%q},"resourceState":{"ec2":{"status":%q},"ecr":{"status":%q},"lambda":{"status":"DISABLED"}}}],"failedAccounts":[]}`, st, st, st)
		case "/enable":
			f.enables = append(f.enables, body)
			f.enabled = true
			fmt.Fprint(w, `{"accounts":[{"accountId":"123456789012","status":"ENABLING","resourceStatus":{"ec2":"ENABLING","ecr":"ENABLING"}}],"failedAccounts":[]}`)
		default:
			t.Errorf("fake Inspector: unexpected %s %s", r.Method, r.URL.Path)
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func newFakeSTS(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("Action") != "GetCallerIdentity" {
			t.Errorf("fake STS: action %q", r.PostForm.Get("Action"))
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// clients builds real SDK clients pointed at the fakes.
func clients(cfnURL, s3URL, inspURL, stsURL string) (*cloudformation.Client, *s3.Client, *inspector2.Client, *sts.Client) {
	cfg := testConfig()
	return cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(cfnURL) }),
		s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(s3URL); o.UsePathStyle = true }),
		inspector2.NewFromConfig(cfg, func(o *inspector2.Options) { o.BaseEndpoint = aws.String(inspURL) }),
		sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(stsURL) })
}
