package bootstrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/secops-dev/secops/pkg/tableprinter"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// recorder is a Reporter that keeps every line.
type recorder struct{ lines []string }

func (r *recorder) Step(format string, args ...any) {
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}
func (r *recorder) Done(format string, args ...any) {
	if format != "" {
		r.lines = append(r.lines, fmt.Sprintf(format, args...))
	}
}
func (r *recorder) String() string { return strings.Join(r.lines, "\n") }

type env struct {
	cfn  *fakeCFN
	s3   *fakeS3
	insp *fakeInspector
	rec  *recorder
	d    *Deployer
}

func newEnv(t *testing.T) *env {
	e := &env{cfn: newFakeCFN(t), s3: newFakeS3(t), insp: newFakeInspector(t), rec: &recorder{}}
	cfn, s3c, insp, stsc := clients(e.cfn.srv.URL, e.s3.srv.URL, e.insp.srv.URL, newFakeSTS(t).URL)
	e.d = &Deployer{
		CFN: cfn, S3: s3c, Inspector: insp, STS: stsc,
		Progress: e.rec, Version: "v1.2.3",
		Sleep:   func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
		Timeout: time.Minute,
	}
	return e
}

const webhook = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"

var fakeZip = []byte("PK\x03\x04 not really a zip, but bytes with a stable hash")

func TestApplyCreateNoopStatusDestroy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	stacks := allStacks

	// 1. Create.
	res, err := e.d.Apply(ctx, stacks, Inputs{Package: fakeZip, Values: Values{"SlackWebhookUrl": webhook,
		"ConnectionArn": "arn:aws:codeconnections:us-east-1:123456789012:connection/abc", "RepositoryId": "acme/shop"}})
	if err != nil {
		t.Fatalf("apply: %v\nprogress:\n%s", err, e.rec)
	}
	if got := actionsOf(res); got != "security=created alerts=created pipeline=created scanner=created" {
		t.Errorf("apply: %s", got)
	}
	if res.Inspector != "enabled" {
		t.Errorf("Inspector = %q, want enabled", res.Inspector)
	}
	creates := e.cfn.requestsFor("CreateChangeSet")
	if len(creates) != 4 {
		t.Fatalf("%d CreateChangeSet requests, want 4", len(creates))
	}
	for i, want := range []string{"secops-security", "secops-alerts", "secops-pipeline", "secops-scanner"} {
		r := creates[i]
		if r.Get("StackName") != want || r.Get("ChangeSetType") != "CREATE" || r.Get("Capabilities.member.1") != "CAPABILITY_IAM" {
			t.Errorf("CreateChangeSet %d: stack %s type %s caps %s", i, r.Get("StackName"), r.Get("ChangeSetType"), r.Get("Capabilities.member.1"))
		}
		tags := members(r, "Tags", "Key", "Value")
		if len(tags) != 2 || tags[0]["Key"] != "secops:stack" || tags[0]["Value"] != strings.TrimPrefix(want, "secops-") ||
			tags[1]["Key"] != "secops:version" || tags[1]["Value"] != "v1.2.3" {
			t.Errorf("CreateChangeSet %d tags = %v", i, tags)
		}
	}
	params := paramMap(creates[1])
	wantParams := map[string]string{
		"ArtifactsBucket":  "secops-security-artifactsbucketname",
		"SecopsPackageKey": PackageKey(fakeZip),
		"SlackWebhookUrl":  webhook,
	}
	for k, v := range wantParams {
		if params[k] != v {
			t.Errorf("alerts parameter %s = %q, want %q", k, params[k], v)
		}
	}
	pipeline := paramMap(creates[2])
	for k, v := range map[string]string{
		"ArtifactsBucket": "secops-security-artifactsbucketname", "SecopsPackageKey": PackageKey(fakeZip),
		"ConnectionArn": "arn:aws:codeconnections:us-east-1:123456789012:connection/abc", "RepositoryId": "acme/shop",
		"BranchName": "main", "ClusterName": "secops", "AppUrl": "",
	} {
		if got, ok := pipeline[k]; !ok || got != v {
			t.Errorf("pipeline parameter %s = %q (set %v), want %q", k, got, ok, v)
		}
	}
	if n := strings.Count(strings.Join(e.s3.requests, "\n"), "PUT "); n != 1 {
		t.Errorf("package uploaded %d times, want once: %v", n, e.s3.requests)
	}
	if _, ok := e.s3.objects["secops-security-artifactsbucketname/"+PackageKey(fakeZip)]; !ok {
		t.Errorf("package not uploaded; S3 requests %v", e.s3.requests)
	}
	if n := len(e.cfn.requestsFor("ExecuteChangeSet")); n != 4 {
		t.Errorf("%d ExecuteChangeSet, want 4", n)
	}
	progress := e.rec.String()
	for _, want := range []string{
		"secops-security: CREATE_COMPLETE ConfigBucket (AWS::S3::Bucket)",
		"secops-alerts: CREATE_COMPLETE secops-alerts (AWS::CloudFormation::Stack)",
		"secops-alerts: created (10 resource changes)",
		"Inspector: enabled for ECR and EC2",
	} {
		if !strings.Contains(progress, want) {
			t.Errorf("progress lacks %q:\n%s", want, progress)
		}
	}
	if strings.Contains(progress, "XXXXSECRET") {
		t.Error("progress shows the webhook URL")
	}
	if len(e.insp.enables) != 1 || fmt.Sprint(e.insp.enables[0]["resourceTypes"]) != "[ECR EC2]" || fmt.Sprint(e.insp.enables[0]["accountIds"]) != "[123456789012]" {
		t.Errorf("Inspector Enable requests = %v", e.insp.enables)
	}

	// 2. Re-apply with nothing new: no-op, stored webhook and package kept.
	before := len(e.cfn.requestsFor("ExecuteChangeSet"))
	e.rec.lines = nil
	res, err = e.d.Apply(ctx, stacks, Inputs{})
	if err != nil {
		t.Fatalf("re-apply: %v", err)
	}
	if got := actionsOf(res); got != "security=unchanged alerts=unchanged pipeline=unchanged scanner=unchanged" {
		t.Errorf("re-apply: %s", got)
	}
	if res.Inspector != "already enabled" || len(e.insp.enables) != 1 {
		t.Errorf("re-apply Inspector = %q after %d Enable calls", res.Inspector, len(e.insp.enables))
	}
	if n := len(e.cfn.requestsFor("ExecuteChangeSet")); n != before {
		t.Errorf("re-apply executed %d change sets", n-before)
	}
	last := e.cfn.requestsFor("CreateChangeSet")
	upd := last[len(last)-1]
	if upd.Get("ChangeSetType") != "UPDATE" {
		t.Errorf("re-apply change set type %s", upd.Get("ChangeSetType"))
	}
	for _, p := range members(upd, "Parameters", "ParameterKey", "ParameterValue", "UsePreviousValue") {
		if p["ParameterKey"] != "ArtifactsBucket" && (p["UsePreviousValue"] != "true" || p["ParameterValue"] != "") {
			t.Errorf("re-apply parameter %v should reuse the stored value", p)
		}
	}
	if n := len(e.cfn.requestsFor("DeleteChangeSet")); n != 4 {
		t.Errorf("%d DeleteChangeSet after four empty change sets, want 4", n)
	}
	if !strings.Contains(e.rec.String(), "secops-alerts: no changes") {
		t.Errorf("re-apply progress:\n%s", e.rec)
	}

	// 3. Status with drift detection.
	rows, err := e.d.Status(ctx, allStacks, true)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, r := range rows {
		got += fmt.Sprintf("%s=%s/%s ", r.Stack, r.Status, r.Drift)
	}
	if got != "security=CREATE_COMPLETE/IN_SYNC alerts=CREATE_COMPLETE/IN_SYNC pipeline=CREATE_COMPLETE/IN_SYNC scanner=CREATE_COMPLETE/IN_SYNC " {
		t.Errorf("status: %s", got)
	}
	if n := len(e.cfn.requestsFor("DetectStackDrift")); n != 4 {
		t.Errorf("%d DetectStackDrift, want 4", n)
	}

	// 4. Destroy keeps the data buckets.
	dres, err := e.d.Destroy(ctx, allStacks, DestroyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(dres.Deleted, ",") != "secops-scanner,secops-pipeline,secops-alerts,secops-security" || len(dres.Absent) != 0 {
		t.Errorf("destroy: deleted %v absent %v", dres.Deleted, dres.Absent)
	}
	var kept []string
	for _, r := range dres.Retained {
		if r.Type == "AWS::CodeCommit::Repository" {
			continue // the fake ignores template conditions; AWS would not create it with a connection
		}
		kept = append(kept, fmt.Sprintf("%s:%v", r.PhysicalID, r.Deleted))
	}
	if strings.Join(kept, ",") != "secops-pipeline-imagerepository:false,secops-security-artifactsbucket:false,secops-security-configbucket:false" {
		t.Errorf("retained %v", kept)
	}
	if len(e.s3.deleted) != 0 {
		t.Errorf("buckets deleted without --delete-data: %v", e.s3.deleted)
	}
	deletes := e.cfn.requestsFor("DeleteStack")
	if len(deletes) != 4 || deletes[0].Get("StackName") != "secops-scanner" || deletes[3].Get("StackName") != "secops-security" {
		t.Errorf("DeleteStack order: %v", deletes)
	}
	rows, _ = e.d.Status(ctx, allStacks, false)
	for _, r := range rows {
		if r.Status != NotDeployed {
			t.Errorf("after destroy %s is %s", r.Stack, r.Status)
		}
	}
}

func TestDestroyDeleteData(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.d.Apply(ctx, []string{StackSecurity}, Inputs{}); err != nil {
		t.Fatal(err)
	}
	e.s3.put("secops-security-configbucket", "AWSLogs/123456789012/Config/snap.json.gz", []byte("x"))
	e.s3.put("secops-security-artifactsbucket", "secops/pkg.zip", []byte("y"))
	res, err := e.d.Destroy(ctx, []string{StackSecurity}, DestroyOptions{DeleteData: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(e.s3.deleted, ",") != "secops-security-artifactsbucket,secops-security-configbucket" || len(e.s3.objects) != 0 {
		t.Errorf("deleted buckets %v, objects left %v", e.s3.deleted, e.s3.objects)
	}
	for _, r := range res.Retained {
		if !r.Deleted {
			t.Errorf("%s not marked deleted", r.PhysicalID)
		}
	}
}

func TestApplyFailedChangeSetShowsReason(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	reason := "Template format error: Unrecognized resource types: [AWS::SecurityHub::Hub]"
	e.cfn.failChangeSet = reason
	_, err := e.d.Apply(ctx, []string{StackSecurity}, Inputs{})
	var cse *ChangeSetError
	if !errors.As(err, &cse) || cse.Reason != reason || !strings.Contains(err.Error(), reason) {
		t.Fatalf("err = %v, want ChangeSetError with %q", err, reason)
	}
	if n := len(e.cfn.requestsFor("ExecuteChangeSet")); n != 0 {
		t.Errorf("executed a failed change set")
	}
	// The empty REVIEW_IN_PROGRESS stack of the CREATE change set is removed.
	if del := e.cfn.requestsFor("DeleteStack"); len(del) != 1 || del[0].Get("StackName") != "secops-security" {
		t.Errorf("DeleteStack requests %v", del)
	}
	if e.cfn.stack("secops-security") != nil {
		t.Error("placeholder stack left behind")
	}
}

func TestApplyFailedResourceShowsEvents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.cfn.failResource = "GuardDutyDetector"
	e.cfn.failReason = "Resource handler returned message: \"The request is rejected because a detector already exists for the current account.\""
	_, err := e.d.Apply(ctx, []string{StackSecurity}, Inputs{})
	var se *StackError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want StackError", err)
	}
	if se.Status != "ROLLBACK_COMPLETE" || len(se.Failures) != 1 || se.Failures[0].LogicalID != "GuardDutyDetector" || se.Failures[0].Reason != e.cfn.failReason {
		t.Errorf("StackError = %+v", se)
	}
	if !strings.Contains(err.Error(), "CREATE_FAILED GuardDutyDetector (AWS::GuardDuty::Detector): Resource handler returned message") ||
		!strings.Contains(err.Error(), "Accounts that already use these services") {
		t.Errorf("message: %v", err)
	}
	// A stack in ROLLBACK_COMPLETE cannot be updated; apply says what to do.
	_, err = e.d.Apply(ctx, []string{StackSecurity}, Inputs{})
	if err == nil || !strings.Contains(err.Error(), "secops bootstrap destroy --stacks security") {
		t.Errorf("apply on ROLLBACK_COMPLETE: %v", err)
	}
}

func TestApplyNeedsWebhookAndPackage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.d.Apply(ctx, []string{StackAlerts}, Inputs{Values: Values{"SlackWebhookUrl": webhook}, Package: fakeZip}); err == nil || !strings.Contains(err.Error(), "--stacks security") {
		t.Errorf("alerts before security: %v", err)
	}
	if _, err := e.d.Apply(ctx, []string{StackSecurity}, Inputs{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.d.Apply(ctx, []string{StackAlerts}, Inputs{Package: fakeZip}); err == nil || !strings.Contains(err.Error(), "--slack-webhook-url") {
		t.Errorf("alerts without webhook: %v", err)
	}
	if _, err := e.d.Apply(ctx, []string{StackAlerts}, Inputs{Values: Values{"SlackWebhookUrl": webhook}}); err == nil || !strings.Contains(err.Error(), "--lambda-zip") {
		t.Errorf("alerts without package: %v", err)
	}
	if _, err := e.d.Apply(ctx, []string{StackScanner}, Inputs{Package: fakeZip, Values: Values{"SubnetId": "subnet-1"}}); err == nil || !strings.Contains(err.Error(), "--vpc-id") {
		t.Errorf("scanner subnet without VPC: %v", err)
	}
}

func TestPlanLeavesNothingBehind(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rows, err := e.d.Plan(ctx, []string{StackSecurity, StackScanner}, Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, r := range rows {
		if r.Action != "Add" {
			t.Errorf("row %+v, want Add", r)
		}
		counts[r.Stack]++
	}
	if counts[StackSecurity] != 12 || counts[StackScanner] != 5 {
		t.Errorf("plan rows per stack %v, want security 12, scanner 5", counts)
	}
	// The scanner stack is planned with placeholders: security does not exist yet.
	scanner := paramMap(e.cfn.requestsFor("CreateChangeSet")[1])
	if scanner["ArtifactsBucket"] != placeholder || scanner["SecopsPackageKey"] != placeholder {
		t.Errorf("scanner plan parameters %v", scanner)
	}
	if len(e.cfn.requestsFor("ExecuteChangeSet")) != 0 || len(e.cfn.requestsFor("DeleteChangeSet")) != 2 || len(e.cfn.requestsFor("DeleteStack")) != 2 {
		t.Errorf("plan requests: %v", e.cfn.actions())
	}
	for _, s := range []string{"secops-security", "secops-scanner"} {
		if e.cfn.stack(s) != nil {
			t.Errorf("plan left stack %s", s)
		}
	}

	// Planning a deployed, unchanged stack shows "none".
	if _, err := e.d.Apply(ctx, []string{StackSecurity}, Inputs{}); err != nil {
		t.Fatal(err)
	}
	rows, err = e.d.Plan(ctx, []string{StackSecurity}, Inputs{})
	if err != nil || len(rows) != 1 || rows[0].Action != "none" {
		t.Errorf("plan of unchanged stack = %+v, %v", rows, err)
	}
}

func TestWriteTables(t *testing.T) {
	var b bytes.Buffer
	WritePlan(&b, tableprinter.Options{}, []Change{
		{Stack: "security", Action: "Add", LogicalID: "ConfigBucket", Type: "AWS::S3::Bucket"},
		{Stack: "alerts", Action: "none"},
		{Stack: "pipeline", Action: "Modify", LogicalID: "Pipeline", Type: "AWS::CodePipeline::Pipeline", Replacement: "False"},
	})
	want := "STACK     ACTION  LOGICAL ID    TYPE                         REPLACEMENT\n" +
		"security  Add     ConfigBucket  AWS::S3::Bucket              -\n" +
		"alerts    none    -             -                            -\n" +
		"pipeline  Modify  Pipeline      AWS::CodePipeline::Pipeline  False\n"
	if b.String() != want {
		t.Errorf("plan table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func actionsOf(r *ApplyResult) string {
	var parts []string
	for _, s := range r.Stacks {
		parts = append(parts, s.Stack+"="+s.Action)
	}
	return strings.Join(parts, " ")
}

func paramMap(form map[string][]string) map[string]string {
	m := map[string]string{}
	for _, p := range members(form, "Parameters", "ParameterKey", "ParameterValue") {
		m[p["ParameterKey"]] = p["ParameterValue"]
	}
	return m
}

func TestCheckDeployable(t *testing.T) {
	tests := []struct {
		status types.StackStatus
		want   string // "" = deployable
	}{
		{"", ""},
		{types.StackStatusCreateComplete, ""},
		{types.StackStatusUpdateComplete, ""},
		{types.StackStatusUpdateRollbackComplete, ""},
		{types.StackStatusReviewInProgress, ""},
		{types.StackStatusRollbackComplete, "destroy --stacks security"},
		{types.StackStatusRollbackFailed, "destroy --stacks security"},
		{types.StackStatusUpdateRollbackFailed, "continue-update-rollback"},
		{types.StackStatusDeleteFailed, "destroy --stacks security"},
		{types.StackStatusUpdateInProgress, "busy"},
		{types.StackStatusCreateInProgress, "busy"},
	}
	for _, tt := range tests {
		var s *types.Stack
		if tt.status != "" {
			s = &types.Stack{StackStatus: tt.status}
		}
		err := checkDeployable("secops-security", s)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.status, err, tt.want)
		}
	}
}
