package lambdahandler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/secops-dev/secops/internal/awstest"
	"github.com/secops-dev/secops/internal/motoserver"
)

// fakeDynamo speaks DynamoDB's awsJson1_0 (POST /, X-Amz-Target
// DynamoDB_20120810.<Operation>) for PutItem with the dedup store's
// condition and DeleteItem, keeping items in memory.
type fakeDynamo struct {
	t        *testing.T
	mu       sync.Mutex
	items    map[string]int64 // pk -> expiresAt
	requests []map[string]any
	targets  []string
}

func (f *fakeDynamo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	target := r.Header.Get("X-Amz-Target")
	f.targets = append(f.targets, target)
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/x-amz-json-1.0" {
		f.t.Errorf("%s %s Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		f.t.Errorf("body: %v", err)
	}
	f.requests = append(f.requests, in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	attr := func(m any, name, typ string) string {
		v, _ := m.(map[string]any)[name].(map[string]any)
		s, _ := v[typ].(string)
		return s
	}
	switch target {
	case "DynamoDB_20120810.PutItem":
		if in["TableName"] != "secops-notifier-dedup" || in["ConditionExpression"] != "attribute_not_exists(pk) OR expiresAt < :now" {
			f.t.Errorf("PutItem %v", in)
		}
		pk := attr(in["Item"], "pk", "S")
		exp, _ := strconv.ParseInt(attr(in["Item"], "expiresAt", "N"), 10, 64)
		now, _ := strconv.ParseInt(attr(in["ExpressionAttributeValues"], ":now", "N"), 10, 64)
		if old, ok := f.items[pk]; ok && old >= now {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`)
			return
		}
		f.items[pk] = exp
		fmt.Fprint(w, `{}`)
	case "DynamoDB_20120810.DeleteItem":
		delete(f.items, attr(in["Key"], "pk", "S"))
		fmt.Fprint(w, `{}`)
	default:
		f.t.Errorf("unexpected target %q", target)
		w.WriteHeader(400)
	}
}

func TestDynamoDedup(t *testing.T) {
	fake := &fakeDynamo{t: t, items: map[string]int64{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client := dynamodb.NewFromConfig(awstest.Config("us-east-1"), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	d := &DynamoDedup{Client: client, Table: "secops-notifier-dedup", TTL: 24 * time.Hour}
	claimCycle(t, d)
	if len(fake.targets) != 6 || fake.targets[3] != "DynamoDB_20120810.DeleteItem" {
		t.Errorf("requests %v", fake.targets)
	}
	first := fake.requests[0]
	item, _ := json.Marshal(first["Item"])
	if string(item) != `{"expiresAt":{"N":"1795946400"},"pk":{"S":"config|restricted-ssh-conformance-pack-k7vxs0ncl|AWS::EC2::SecurityGroup|sg-0123456789abcdef0|NON_COMPLIANT"},"postedAt":{"S":"2026-11-28T10:00:00Z"}}` {
		t.Errorf("first item %s", item)
	}
}

// TestMotoDynamoDedup runs the same cycle against moto's DynamoDB.
func TestMotoDynamoDedup(t *testing.T) {
	endpoint := motoserver.Start(t)
	client := dynamodb.NewFromConfig(awstest.Config("us-east-1"), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
	ctx := context.Background()
	if _, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("secops-notifier-dedup"),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	claimCycle(t, &DynamoDedup{Client: client, Table: "secops-notifier-dedup", TTL: 24 * time.Hour})
}

// claimCycle: a first claim wins, a second (another instance, after a cold
// start) loses, a released claim can be claimed again, and an expired one
// is claimed although DynamoDB has not removed it yet.
func claimCycle(t *testing.T, d *DynamoDedup) {
	t.Helper()
	ctx := context.Background()
	key := "config|restricted-ssh-conformance-pack-k7vxs0ncl|AWS::EC2::SecurityGroup|sg-0123456789abcdef0|NON_COMPLIANT"
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		name string
		do   func() (bool, error)
		want bool
	}{
		{"first claim", func() (bool, error) { return d.Claim(ctx, key, now) }, true},
		{"again 15 minutes later", func() (bool, error) { return d.Claim(ctx, key, now.Add(15*time.Minute)) }, false},
		{"again 23 hours later", func() (bool, error) { return d.Claim(ctx, key, now.Add(23*time.Hour)) }, false},
		{"release", func() (bool, error) { return true, d.Release(ctx, key) }, true},
		{"claim after release", func() (bool, error) { return d.Claim(ctx, key, now.Add(time.Hour)) }, true},
		{"claim after expiry", func() (bool, error) { return d.Claim(ctx, key, now.Add(26*time.Hour)) }, true},
	}
	for _, s := range steps {
		got, err := s.do()
		if err != nil || got != s.want {
			t.Fatalf("%s: %v, %v; want %v", s.name, got, err, s.want)
		}
	}
}
