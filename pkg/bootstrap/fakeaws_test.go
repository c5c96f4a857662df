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
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
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
	for _, b := range f.deleted {
		if b == bucket {
			w.WriteHeader(404)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>%s</BucketName></Error>`, bucket)
			return
		}
	}
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
	srv      *httptest.Server
	mu       sync.Mutex
	enabled  bool
	calls    []string
	enables  []map[string]any
	disables []map[string]any
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
			fmt.Fprintf(w, `{"accounts":[{"accountId":"123456789012","state":{"status":%q},"resourceState":{"ec2":{"status":%q},"ecr":{"status":%q},"lambda":{"status":%q}}}],"failedAccounts":[]}`, st, st, st, st)
		case "/enable":
			f.enables = append(f.enables, body)
			f.enabled = true
			fmt.Fprint(w, `{"accounts":[{"accountId":"123456789012","status":"ENABLING","resourceStatus":{"ec2":"ENABLING","ecr":"ENABLING","lambda":"ENABLING"}}],"failedAccounts":[]}`)
		case "/disable":
			f.disables = append(f.disables, body)
			f.enabled = false
			fmt.Fprint(w, `{"accounts":[{"accountId":"123456789012","status":"DISABLING","resourceStatus":{"ec2":"DISABLING","ecr":"DISABLING","lambda":"DISABLING"}}],"failedAccounts":[]}`)
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

// endpoints are where the SDK clients of a test deployer go.
type endpoints struct {
	CFN, S3, Inspector, STS, ECR, KMS, SSM, IAM, EC2 string
}

// sameEndpoint points every client at one URL (moto).
func sameEndpoint(url string) endpoints {
	return endpoints{url, url, url, url, url, url, url, url, url}
}

// deployer builds a Deployer with real SDK clients pointed at the
// endpoints.
func deployer(e endpoints) *Deployer {
	cfg := testConfig()
	return &Deployer{
		CFN:       cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(e.CFN) }),
		S3:        s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(e.S3); o.UsePathStyle = true }),
		Inspector: inspector2.NewFromConfig(cfg, func(o *inspector2.Options) { o.BaseEndpoint = aws.String(e.Inspector) }),
		STS:       sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(e.STS) }),
		ECR:       ecr.NewFromConfig(cfg, func(o *ecr.Options) { o.BaseEndpoint = aws.String(e.ECR) }),
		KMS:       kms.NewFromConfig(cfg, func(o *kms.Options) { o.BaseEndpoint = aws.String(e.KMS) }),
		SSM:       ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(e.SSM) }),
		IAM:       iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(e.IAM) }),
		EC2:       &EC2QueryClient{Config: cfg, Endpoint: e.EC2},
		Region:    cfg.Region,
	}
}

// fakeServices answers the awsJson1_1 calls of ECR, KMS and SSM and IAM's
// awsQuery CreateServiceLinkedRole, remembering what they were asked.
type fakeServices struct {
	t   *testing.T
	srv *httptest.Server

	mu           sync.Mutex
	calls        []string // target or Action, with the resource
	deletedRepos map[string]bool
	pendingKeys  map[string]bool
	serviceRoles map[string]bool
	latestAMI    string
}

func newFakeServices(t *testing.T) *fakeServices {
	f := &fakeServices{t: t, deletedRepos: map[string]bool{}, pendingKeys: map[string]bool{}, serviceRoles: map[string]bool{}, latestAMI: "ami-0123456789abcdef0"}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServices) callsOf(prefix string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeServices) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target := r.Header.Get("X-Amz-Target")
	if target == "" && r.FormValue("Action") == "DescribeSubnets" { // EC2: query
		if r.PostForm.Get("Version") != "2016-11-15" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(r.Header.Get("Authorization"), "/us-east-1/ec2/aws4_request") {
			f.t.Errorf("fake EC2: %v %q", r.PostForm, r.Header.Get("Authorization"))
		}
		filter := r.PostForm.Get("Filter.1.Name") + "=" + r.PostForm.Get("Filter.1.Value.1")
		f.calls = append(f.calls, "ec2:DescribeSubnets "+filter)
		subnets := map[string]string{ // id -> defaultForAz
			"subnet-0a1b2c3d4e5f60718": "false", "subnet-0default000000001": "true",
		}
		w.Header().Set("Content-Type", "text/xml")
		var items strings.Builder
		for id, def := range subnets {
			if filter == "default-for-az=true" && def == "true" || filter == "subnet-id="+id {
				vpc := "vpc-0a1b2c3d4e5f60718"
				if def == "true" {
					vpc = "vpc-0default00000000"
				}
				fmt.Fprintf(&items, "<item><subnetId>%s</subnetId><vpcId>%s</vpcId><availabilityZone>us-east-1a</availabilityZone><defaultForAz>%s</defaultForAz></item>", id, vpc, def)
			}
		}
		fmt.Fprintf(w, `<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>1</requestId><subnetSet>%s</subnetSet></DescribeSubnetsResponse>`, items.String())
		return
	}
	if target == "" { // IAM: awsQuery
		_ = r.ParseForm()
		action, service := r.PostForm.Get("Action"), r.PostForm.Get("AWSServiceName")
		if action != "CreateServiceLinkedRole" || r.PostForm.Get("Version") != "2010-05-08" {
			f.t.Errorf("fake IAM: %v", r.PostForm)
		}
		f.calls = append(f.calls, action+" "+service)
		w.Header().Set("Content-Type", "text/xml")
		if f.serviceRoles[service] {
			w.WriteHeader(400)
			fmt.Fprint(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>InvalidInput</Code><Message>Service role name AWSServiceRoleForConfig has been taken in this account, please try a different suffix.</Message></Error><RequestId>1</RequestId></ErrorResponse>`)
			return
		}
		f.serviceRoles[service] = true
		fmt.Fprint(w, `<CreateServiceLinkedRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateServiceLinkedRoleResult><Role><Path>/aws-service-role/config.amazonaws.com/</Path><RoleName>AWSServiceRoleForConfig</RoleName><RoleId>AROA1</RoleId><Arn>arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig</Arn><CreateDate>2026-11-28T10:00:00Z</CreateDate></Role></CreateServiceLinkedRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></CreateServiceLinkedRoleResponse>`)
		return
	}
	var in map[string]any
	_ = json.NewDecoder(r.Body).Decode(&in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fail := func(code, msg string) {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
	}
	switch target {
	case "AmazonEC2ContainerRegistry_V20150921.DeleteRepository":
		name, _ := in["repositoryName"].(string)
		f.calls = append(f.calls, "ecr:DeleteRepository "+name)
		if in["force"] != true {
			f.t.Errorf("DeleteRepository without force: %v", in)
		}
		if f.deletedRepos[name] {
			fail("RepositoryNotFoundException", "The repository with name '"+name+"' does not exist in the registry with id '123456789012'")
			return
		}
		f.deletedRepos[name] = true
		fmt.Fprintf(w, `{"repository":{"repositoryName":%q,"registryId":"123456789012"}}`, name)
	case "TrentService.ScheduleKeyDeletion":
		id, _ := in["KeyId"].(string)
		f.calls = append(f.calls, "kms:ScheduleKeyDeletion "+id)
		if fmt.Sprint(in["PendingWindowInDays"]) != "7" {
			f.t.Errorf("ScheduleKeyDeletion window %v", in["PendingWindowInDays"])
		}
		if f.pendingKeys[id] {
			fail("KMSInvalidStateException", "arn:aws:kms:us-east-1:123456789012:key/"+id+" is pending deletion.")
			return
		}
		f.pendingKeys[id] = true
		fmt.Fprintf(w, `{"KeyId":%q,"DeletionDate":1796000000,"KeyState":"PendingDeletion","PendingWindowInDays":7}`, id)
	case "AmazonSSM.GetParameter":
		f.calls = append(f.calls, "ssm:GetParameter "+fmt.Sprint(in["Name"]))
		fmt.Fprintf(w, `{"Parameter":{"Name":%q,"Type":"String","Value":%q,"Version":92,"ARN":"arn:aws:ssm:us-east-1::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64","DataType":"text"}}`, in["Name"], f.latestAMI)
	default:
		f.t.Errorf("fake services: unexpected target %q", target)
		w.WriteHeader(400)
	}
}
