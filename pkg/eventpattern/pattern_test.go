package eventpattern

import (
	"strings"
	"testing"
)

const (
	docPatterns  = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html"
	docFiltering = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html"
	docOperators = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html"
	docArrays    = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html"
	docNull      = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html"
	docSecHub    = "https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-all-findings.html"
)

// Events from the EventBridge user guide.
const (
	ec2Terminated = `{
  "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
  "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
  "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"}}`
	autoscalingLaunch = `{
  "version": "0", "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
  "detail-type": "EC2 Instance Launch Successful", "source": "aws.autoscaling",
  "account": "123456789012", "time": "2015-11-11T21:31:47Z", "region": "us-east-1",
  "resources": [], "detail": {"eventVersion": "", "responseElements": null}}`
	macieAlert = `{
  "version": "0", "id": "3e355723-fca9-4de3-9fd7-154c289d6b59", "detail-type": "Macie Alert",
  "source": "aws.macie", "account": "123456789012", "time": "2017-04-24T22:28:49Z", "region": "us-east-1",
  "resources": ["arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id",
                "arn:aws:macie:us-east-1:123456789012:trigger/trigger_id"],
  "detail": {"notification-type": "ALERT_CREATED", "name": "Scanning bucket policies",
    "tags": ["Custom_Alert", "Insider"], "risk-score": 80,
    "trigger": {"rule-arn": "arn:aws:macie:us-east-1:123456789012:trigger/trigger_id", "alert-type": "basic", "risk": 8}}}`
	ec2Pending = `{
  "version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
  "account": "123456789012", "time": "2015-11-11T21:29:54Z", "region": "us-east-1",
  "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
  "detail": {"instance-id": "i-abcd1111", "state": "pending"}}`
	// The exists examples' events (the page writes their values as arrays).
	existsNoCCount   = `{"detail-type": ["EC2 Instance State-change Notification"], "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"], "detail": {"state": ["initializing", "running"]}}`
	existsCCountNode = `{"detail-type": ["EC2 Instance State-change Notification"], "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"], "detail": {"state": ["initializing", "running"], "c-count": {"c1": 100}}}`
	existsNoState    = `{"detail-type": ["EC2 Instance State-change Notification"], "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"], "detail": {"c-count": {"c1": 100}}}`
	arraysEvent      = `{"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate", "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}`
)

const securityHubPattern = `{ "source": ["aws.securityhub"],
  "detail-type": ["Security Hub Findings - Imported"],
  "detail": { "findings": {
      "Severity": { "Label": ["HIGH", "CRITICAL"] },
      "Workflow": { "Status": ["NEW"] },
      "RecordState": ["ACTIVE"] } } }`

func shEvent(label, workflow, record string) string {
	return `{"version":"0","id":"8e5622f9-d81c-4d81-612a-9319e7ee2506","detail-type":"Security Hub Findings - Imported",
	"source":"aws.securityhub","account":"123456789012","time":"2019-04-11T21:52:17Z","region":"us-west-2",
	"resources":["arn:aws:securityhub:us-west-2::product/aws/macie/arn:aws:macie:us-west-2:123456789012:integtest/trigger/6294d71b927c41cbab915159a8f326a3/alert/f2893b211841"],
	"detail":{"findings":[{"SchemaVersion":"2018-10-08","Id":"f2893b211841","Severity":{"Label":"` + label + `","Normalized":70},
	"Workflow":{"Status":"` + workflow + `"},"RecordState":"` + record + `"}]}}`
}

func TestMatchDocumentedExamples(t *testing.T) {
	tests := []struct {
		doc     string
		name    string
		pattern string
		event   string
		want    bool
	}{
		{docPatterns, "EC2 termination", `{"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"], "detail": {"state": ["terminated"]}}`, ec2Terminated, true},
		{docPatterns, "EC2 termination vs pending", `{"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"], "detail": {"state": ["terminated"]}}`, ec2Pending, false},
		{docPatterns, "source list", `{"source": ["aws.ec2", "aws.fargate"]}`, ec2Terminated, true},
		{docPatterns, "source list, other source", `{"source": ["aws.ec2", "aws.fargate"]}`, macieAlert, false},
		{docPatterns, "null field", `{"source": ["aws.autoscaling"], "detail-type": ["EC2 Instance Launch Successful"], "detail": {"responseElements": [null]}}`, autoscalingLaunch, true},
		{docPatterns, "numbers nested", `{"source": ["aws.macie"], "detail-type": ["Macie Alert"], "detail": {"risk-score": [80], "trigger": {"risk": [8]}}}`, macieAlert, true},
		{docPatterns, "numbers compare as text", `{"detail": {"risk-score": [80.0]}}`, macieAlert, false},
		{docPatterns, "case-sensitive strings", `{"source": ["AWS.EC2"]}`, ec2Terminated, false},
		{docPatterns, "field missing", `{"detail": {"missing": ["x"]}}`, ec2Terminated, false},
		{docNull, "empty string", `{"detail": {"eventVersion": [""]}}`, autoscalingLaunch, true},
		{docNull, "null", `{"detail": {"responseElements": [null]}}`, autoscalingLaunch, true},
		{docNull, "empty string is not null", `{"detail": {"responseElements": [""]}}`, autoscalingLaunch, false},
		{docNull, "null is not empty string", `{"detail": {"eventVersion": [null]}}`, autoscalingLaunch, false},
		{docArrays, "array intersection", `{"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f", "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f", "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]}`, arraysEvent, true},
		{docArrays, "array no intersection", `{"resources": ["arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]}`, arraysEvent, false},
		{docPatterns, "array element", `{"detail": {"tags": ["Insider"]}}`, macieAlert, true},
		{docFiltering, "prefix", `{"time": [{"prefix": "2017-10-02"}]}`, `{"time": "2017-10-02T18:43:48Z"}`, true},
		{docFiltering, "prefix no", `{"time": [{"prefix": "2017-10-02"}]}`, ec2Terminated, false},
		{docFiltering, "anything-but string", `{"detail": {"state": [{"anything-but": "initializing"}]}}`, ec2Terminated, true},
		{docFiltering, "anything-but string equal", `{"detail": {"state": [{"anything-but": "terminated"}]}}`, ec2Terminated, false},
		{docFiltering, "anything-but number", `{"detail": {"x-limit": [{"anything-but": 123}]}}`, `{"detail": {"x-limit": 124}}`, true},
		{docFiltering, "anything-but number equal", `{"detail": {"x-limit": [{"anything-but": 123}]}}`, `{"detail": {"x-limit": 123}}`, false},
		{docFiltering, "anything-but list", `{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}`, ec2Pending, true},
		{docFiltering, "anything-but list hit", `{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}`, `{"detail": {"state": "stopped"}}`, false},
		{docFiltering, "anything-but numbers", `{"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}`, `{"detail": {"x-limit": 200}}`, false},
		{docFiltering, "anything-but numbers miss", `{"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}`, `{"detail": {"x-limit": 250}}`, true},
		{docFiltering, "anything-but prefix", `{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}`, `{"detail": {"state": "initializing"}}`, false},
		{docFiltering, "anything-but prefix other", `{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}`, ec2Pending, true},
		{docFiltering, "anything-but needs the field", `{"detail": {"state": [{"anything-but": "initializing"}]}}`, macieAlert, false},
		{docFiltering, "numeric all fields", `{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}], "x-limit": [{"numeric": ["=", 3.018e2]}]}}`, `{"detail": {"c-count": 5, "d-count": 9.99, "x-limit": 301.8}}`, true},
		{docFiltering, "numeric lower bound exclusive", `{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}`, `{"detail": {"c-count": 0}}`, false},
		{docFiltering, "numeric upper bound", `{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}`, `{"detail": {"c-count": 5.000001}}`, false},
		{docFiltering, "numeric on a string", `{"detail": {"d-count": [{"numeric": ["<", 10]}]}}`, `{"detail": {"d-count": "5"}}`, false},
		{docFiltering, "cidr", `{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}`, `{"detail": {"sourceIPAddress": "10.0.0.255"}}`, true},
		{docFiltering, "cidr outside", `{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}`, `{"detail": {"sourceIPAddress": "10.0.1.0"}}`, false},
		{docFiltering, "cidr ipv6", `{"detail": {"sourceIPAddress": [{"cidr": "2001:db8::/32"}]}}`, `{"detail": {"sourceIPAddress": "2001:db8:1::5"}}`, true},
		{docFiltering, "exists false", `{"detail": {"c-count": [{"exists": false}]}}`, existsNoCCount, true},
		{docFiltering, "exists false on an object", `{"detail": {"c-count": [{"exists": false}]}}`, existsCCountNode, true},
		{docFiltering, "exists true", `{"detail": {"state": [{"exists": true}]}}`, ec2Pending, true},
		{docFiltering, "exists true missing", `{"detail": {"state": [{"exists": true}]}}`, existsNoState, false},
		{docFiltering, "complex", `{"time": [{"prefix": "2017-10-02"}], "detail": {"state": [{"anything-but": "initializing"}], "c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}], "x-limit": [{"anything-but": [100, 200, 300]}]}}`,
			`{"time": "2017-10-02T00:00:01Z", "detail": {"state": "running", "c-count": 3, "d-count": 2, "x-limit": 150}}`, true},
		{docFiltering, "complex, one field fails", `{"time": [{"prefix": "2017-10-02"}], "detail": {"state": [{"anything-but": "initializing"}], "c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}], "x-limit": [{"anything-but": [100, 200, 300]}]}}`,
			`{"time": "2017-10-02T00:00:01Z", "detail": {"state": "running", "c-count": 3, "d-count": 2, "x-limit": 300}}`, false},
		{docFiltering, "duplicate key: last wins", `{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}`, `{"detail": {"location": "eu-west"}}`, true},
		{docOperators, "and", `{"Location": ["New York"], "Day": ["Monday"]}`, `{"Location": "New York", "Day": "Monday"}`, true},
		{docOperators, "and, one differs", `{"Location": ["New York"], "Day": ["Monday"]}`, `{"Location": "New York", "Day": "Tuesday"}`, false},
		{docOperators, "anything-but begins with", `{"Region": [{"anything-but": {"prefix": "us-"}}]}`, `{"Region": "us-east-1"}`, false},
		{docOperators, "anything-but begins with, other", `{"Region": [{"anything-but": {"prefix": "us-"}}]}`, `{"Region": "ap-northeast-2"}`, true},
		{docOperators, "anything-but ends with", `{"FileName": [{"anything-but": {"suffix": ".png"}}]}`, `{"FileName": "a.png"}`, false},
		{docOperators, "anything-but ends with, other", `{"FileName": [{"anything-but": {"suffix": ".png"}}]}`, `{"FileName": "a.jpg"}`, true},
		{docOperators, "anything-but ignore case", `{"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}`, `{"state": "INITIALIZING"}`, false},
		{docOperators, "anything-but ignore case list", `{"state": [{"anything-but": {"equals-ignore-case": ["initializing", "stopped"]}}]}`, `{"state": "Running"}`, true},
		{docOperators, "anything-but wildcard", `{"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}`, `{"FilePath": "/usr/lib/x.so"}`, false},
		{docOperators, "anything-but wildcard, other", `{"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}`, `{"FilePath": "/usr/bin/x"}`, true},
		{docOperators, "begins with", `{"Region": [{"prefix": "us-"}]}`, `{"Region": "us-west-2"}`, true},
		{docOperators, "begins with ignore case", `{"service": [{"prefix": {"equals-ignore-case": "eventb"}}]}`, `{"service": "EventBridge"}`, true},
		{docOperators, "begins with ignore case, other", `{"service": [{"prefix": {"equals-ignore-case": "eventb"}}]}`, `{"service": "SQS"}`, false},
		{docOperators, "ends with", `{"FileName": [{"suffix": ".png"}]}`, `{"FileName": "image.png"}`, true},
		{docOperators, "ends with ignore case", `{"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}`, `{"FileName": "IMAGE.PNG"}`, true},
		{docOperators, "ends with is case-sensitive", `{"FileName": [{"suffix": ".png"}]}`, `{"FileName": "IMAGE.PNG"}`, false},
		{docOperators, "empty", `{"LastName": [""]}`, `{"LastName": ""}`, true},
		{docOperators, "equals", `{"Name": ["Alice"]}`, `{"Name": "Alice"}`, true},
		{docOperators, "equals ignore case", `{"Name": [{"equals-ignore-case": "alice"}]}`, `{"Name": "ALICE"}`, true},
		{docOperators, "exists on an array value", `{"ProductName": [{"exists": true}]}`, `{"ProductName": ["a", "b"]}`, true},
		{docOperators, "does not exist", `{"ProductName": [{"exists": false}]}`, `{"Other": 1}`, true},
		{docOperators, "not", `{"Weather": [{"anything-but": ["Raining"]}]}`, `{"Weather": "Sunny"}`, true},
		{docOperators, "null", `{"UserID": [null]}`, `{"UserID": null}`, true},
		{docOperators, "or on values", `{"PaymentType": ["Credit", "Debit"]}`, `{"PaymentType": "Debit"}`, true},
		{docOperators, "$or", `{"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]}`, `{"Location": "Seoul", "Day": "Monday"}`, true},
		{docOperators, "$or, no branch", `{"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]}`, `{"Location": "Seoul", "Day": "Friday"}`, false},
		{docOperators, "$or nested with numeric", `{"detail": {"$or": [{"c-count": [{"numeric": [">", 0, "<=", 5]}]}, {"d-count": [{"numeric": ["<", 10]}]}, {"x-limit": [{"numeric": ["=", 3.018e2]}]}]}}`, `{"detail": {"c-count": 50, "x-limit": 301.8}}`, true},
		{docOperators, "$or and a sibling field", `{"source": ["aws.ec2"], "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2"]}]}`, `{"source": "aws.ec2", "namespace": "AWS/EC2"}`, true},
		{docOperators, "$or, sibling fails", `{"source": ["aws.ec2"], "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2"]}]}`, `{"source": "aws.rds", "namespace": "AWS/EC2"}`, false},
		{docOperators, "wildcard", `{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}`, `{"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"}`, true},
		{docOperators, "wildcard, other region", `{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}`, `{"EventBusArn": "arn:aws:events:us-west-2:123456789012:event-bus/default"}`, false},
		{docOperators, "wildcard file name", `{"FileName": [{"wildcard": "dir/*.png"}]}`, `{"FileName": "dir/a.png"}`, true},
		{docOperators, "wildcard file name, other ext", `{"FileName": [{"wildcard": "dir/*.png"}]}`, `{"FileName": "dir/a.png.txt"}`, false},
		{docSecHub, "Security Hub HIGH NEW ACTIVE", securityHubPattern, shEvent("HIGH", "NEW", "ACTIVE"), true},
		{docSecHub, "Security Hub CRITICAL", securityHubPattern, shEvent("CRITICAL", "NEW", "ACTIVE"), true},
		{docSecHub, "Security Hub MEDIUM", securityHubPattern, shEvent("MEDIUM", "NEW", "ACTIVE"), false},
		{docSecHub, "Security Hub NOTIFIED", securityHubPattern, shEvent("HIGH", "NOTIFIED", "ACTIVE"), false},
		{docSecHub, "Security Hub ARCHIVED", securityHubPattern, shEvent("HIGH", "NEW", "ARCHIVED"), false},
		{docArrays, "array of objects: one element must match all", `{"detail": {"findings": {"Severity": {"Label": ["HIGH"]}, "RecordState": ["ACTIVE"]}}}`,
			`{"detail": {"findings": [{"Severity": {"Label": "HIGH"}, "RecordState": "ARCHIVED"}, {"Severity": {"Label": "LOW"}, "RecordState": "ACTIVE"}]}}`, false},
		{docArrays, "array of objects: second element matches", `{"detail": {"findings": {"Severity": {"Label": ["HIGH"]}, "RecordState": ["ACTIVE"]}}}`,
			`{"detail": {"findings": [{"Severity": {"Label": "LOW"}, "RecordState": "ARCHIVED"}, {"Severity": {"Label": "HIGH"}, "RecordState": "ACTIVE"}]}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile([]byte(tt.pattern))
			if err != nil {
				t.Fatalf("%s: compile: %v", tt.doc, err)
			}
			got, err := p.Match([]byte(tt.event))
			if err != nil {
				t.Fatalf("%s: match: %v", tt.doc, err)
			}
			if got != tt.want {
				t.Errorf("%s: pattern %s on event %s = %v, want %v", tt.doc, tt.pattern, tt.event, got, tt.want)
			}
		})
	}
}

func TestWildcard(t *testing.T) {
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"a*", "a", true},
		{"a*", "ba", false},
		{"*a", "ba", true},
		{"*a", "ab", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyycd", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{`a\\b`, `a\b`, true},
		{"abc", "abc", true},
		{"abc", "abcd", false},
	}
	for _, tt := range tests {
		w, err := compileWildcard(tt.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		if got := w.match(scalar{'s', tt.value}); got != tt.want {
			t.Errorf("wildcard %q on %q = %v, want %v", tt.pattern, tt.value, got, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		pattern, want string
	}{
		{``, "not a JSON object"},
		{`[]`, "not a JSON object"},
		{`{"source": "aws.ec2"}`, `event pattern: source: a field's value must be an array`},
		{`{"source": []}`, "source: empty array matches nothing"},
		{`{"detail": {}}`, "detail: empty object"},
		{`{"source": [["a"]]}`, "nested arrays"},
		{`{"source": [{"prefix": 1}]}`, "prefix: takes a string"},
		{`{"source": [{"prefix": "a", "suffix": "b"}]}`, "exactly one operator"},
		{`{"source": [{"regex": "a.*"}]}`, `unknown operator "regex"`},
		{`{"n": [{"numeric": [">", "x"]}]}`, "is not a number"},
		{`{"n": [{"numeric": ["~", 1]}]}`, "unknown operator"},
		{`{"n": [{"numeric": [">", 1, "<"]}]}`, "one or two"},
		{`{"n": [{"numeric": ["<", 1, ">", 0]}]}`, "lower bound first"},
		{`{"n": [{"numeric": [">", 5, "<", 1]}]}`, "range is empty"},
		{`{"n": [{"numeric": ["=", 1, "<", 2]}]}`, `"=" cannot be combined`},
		{`{"ip": [{"cidr": "10.0.0.0/33"}]}`, "cidr"},
		{`{"e": [{"exists": "yes"}]}`, "exists takes true or false"},
		{`{"a": [{"anything-but": ["x", 1]}]}`, "not both"},
		{`{"a": [{"anything-but": {"prefix": ["x"]}}]}`, "single string"},
		{`{"a": [{"anything-but": {"numeric": [">", 1]}}]}`, `does not take "numeric"`},
		{`{"a": [{"anything-but": true}]}`, "anything-but takes"},
		{`{"w": [{"wildcard": "a**b"}]}`, "consecutive"},
		{`{"w": [{"wildcard": "a\\b"}]}`, "backslash"},
		{`{"$or": [{"a": ["x"]}]}`, "at least two"},
		{`{"$or": {"a": ["x"]}}`, "array of patterns"},
		{`{"$or": [{"a": ["x"]}, "b"]}`, "each alternative must be an object"},
		{`{"source": ["a"]} trailing`, "not a JSON object"},
	}
	for _, tt := range tests {
		_, err := Compile([]byte(tt.pattern))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile(%s) = %v, want an error containing %q", tt.pattern, err, tt.want)
		}
	}
}

func TestMatchBadEvents(t *testing.T) {
	p := MustCompile(`{"source": ["aws.ec2"]}`)
	for _, ev := range []string{``, `[]`, `"x"`, `{"source": `, `{} {}`} {
		if _, err := p.Match([]byte(ev)); err == nil {
			t.Errorf("Match(%q): no error", ev)
		}
	}
}

func BenchmarkMatchSecurityHub(b *testing.B) {
	p := MustCompile(securityHubPattern)
	ev := []byte(shEvent("HIGH", "NEW", "ACTIVE"))
	for b.Loop() {
		if ok, _ := p.Match(ev); !ok {
			b.Fatal("no match")
		}
	}
}
