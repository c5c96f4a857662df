package bootstrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/secops-dev/secops/pkg/tableprinter"
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
	svc  *fakeServices
	rec  *recorder
	d    *Deployer
}

func newEnv(t *testing.T) *env {
	e := &env{cfn: newFakeCFN(t), s3: newFakeS3(t), insp: newFakeInspector(t), svc: newFakeServices(t), rec: &recorder{}}
	e.d = deployer(endpoints{
		CFN: e.cfn.srv.URL, S3: e.s3.srv.URL, Inspector: e.insp.srv.URL, STS: newFakeSTS(t).URL,
		ECR: e.svc.srv.URL, KMS: e.svc.srv.URL, SSM: e.svc.srv.URL, IAM: e.svc.srv.URL, EC2: e.svc.srv.URL,
	})
	e.d.Progress, e.d.Version = e.rec, "v1.2.3"
	e.d.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	e.d.Timeout = time.Minute
	return e
}

const webhook = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"

var fakeZip = []byte("PK\x03\x04 not really a zip, but bytes with a stable hash")

// everything are the inputs every stack needs when it is created.
func everything() Inputs {
	return Inputs{Package: fakeZip, Values: Values{
		"SlackWebhookUrl": webhook,
		"ConnectionArn":   "arn:aws:codeconnections:us-east-1:123456789012:connection/abc", "RepositoryId": "acme/shop",
		"SubnetId": "subnet-0a1b2c3d4e5f60718",
	}}
}

// theStacks are the stacks bootstrap deploys today; the tests below are
// about them, whatever stacks are added later.
var theStacks = []string{StackSecurity, StackCompliance, StackAlerts, StackPipeline, StackScanner}

func TestApplyCreateNoopStatusDestroy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	stacks := theStacks

	// 1. Create.
	res, err := e.d.Apply(ctx, stacks, everything())
	if err != nil {
		t.Fatalf("apply: %v\nprogress:\n%s", err, e.rec)
	}
	if got := actionsOf(res); got != "security=created compliance=created alerts=created pipeline=created scanner=created" {
		t.Errorf("apply: %s", got)
	}
	if res.Inspector != "enabled" {
		t.Errorf("Inspector = %q, want enabled", res.Inspector)
	}
	creates := e.cfn.requestsFor("CreateChangeSet")
	if len(creates) != 5 {
		t.Fatalf("%d CreateChangeSet requests, want 5", len(creates))
	}
	for i, want := range []string{"secops-security", "secops-compliance", "secops-alerts", "secops-pipeline", "secops-scanner"} {
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
	wantParams := map[string]map[string]string{
		"alerts": {
			"ArtifactsBucket": "secops-security-artifactsbucket-1", "LogsKeyArn": "arn:aws:fake:us-east-1:123456789012:secops-security-logskey-1",
			"SecopsPackageKey": PackageKey(fakeZip), "SecopsPackageSha256": PackageSHA256(fakeZip),
			"SlackWebhookUrl": webhook, "AlertSeverity": "HIGH", "AlertProducts": "", "ControlDigest": "daily", "AlarmEmail": "",
		},
		"pipeline": {
			"ArtifactsBucket": "secops-security-artifactsbucket-1", "LogsKeyArn": "arn:aws:fake:us-east-1:123456789012:secops-security-logskey-1",
			"SecopsPackageKey": PackageKey(fakeZip), "SecopsPackageSha256": PackageSHA256(fakeZip),
			"ConnectionArn": "arn:aws:codeconnections:us-east-1:123456789012:connection/abc", "RepositoryId": "acme/shop",
			"CodeCommitRepository": "", "BranchName": "main", "FailOn": "HIGH", "ClusterName": "secops", "AppUrl": "",
		},
		"scanner": {
			"ArtifactsBucket": "secops-security-artifactsbucket-1", "SecopsPackageKey": PackageKey(fakeZip), "SecopsPackageSha256": PackageSHA256(fakeZip),
			"VpcId": "vpc-0a1b2c3d4e5f60718", "SubnetId": "subnet-0a1b2c3d4e5f60718", "ImageId": "ami-0123456789abcdef0", "AssociatePublicIp": "false",
		},
		"security": {"CreateTrail": "true"},
	}
	for i, stack := range []string{"security", "compliance", "alerts", "pipeline", "scanner"} {
		got := paramMap(creates[i])
		if fmt.Sprint(got) != fmt.Sprint(wantParams[stack]) && !(len(got) == 0 && wantParams[stack] == nil) {
			t.Errorf("%s parameters\n got %v\nwant %v", stack, got, wantParams[stack])
		}
	}
	if n := strings.Count(strings.Join(e.s3.requests, "\n"), "PUT "); n != 1 {
		t.Errorf("package uploaded %d times, want once: %v", n, e.s3.requests)
	}
	if _, ok := e.s3.objects["secops-security-artifactsbucket-1/"+PackageKey(fakeZip)]; !ok {
		t.Errorf("package not uploaded; S3 requests %v", e.s3.requests)
	}
	if n := len(e.cfn.requestsFor("ExecuteChangeSet")); n != 5 {
		t.Errorf("%d ExecuteChangeSet, want 5", n)
	}
	progress := e.rec.String()
	for _, want := range []string{
		"created the service-linked role of config.amazonaws.com",
		"secops-security: CREATE_COMPLETE LogsBucket (AWS::S3::Bucket)",
		"secops-alerts: CREATE_COMPLETE secops-alerts (AWS::CloudFormation::Stack)",
		"secops-alerts: created (17 resource changes)",
		// Inspector is on as soon as the security stack is: a later stack's
		// failure cannot leave it off.
		"secops-security: created (17 resource changes)\nInspector: checking ECR, EC2 and LAMBDA scanning\nInspector: enabled for ECR, EC2 and LAMBDA\nsecops-compliance: creating change set",
	} {
		if !strings.Contains(progress, want) {
			t.Errorf("progress lacks %q:\n%s", want, progress)
		}
	}
	if strings.Contains(progress, "XXXXSECRET") {
		t.Error("progress shows the webhook URL")
	}
	if len(e.insp.enables) != 1 || fmt.Sprint(e.insp.enables[0]["resourceTypes"]) != "[ECR EC2 LAMBDA]" || fmt.Sprint(e.insp.enables[0]["accountIds"]) != "[123456789012]" {
		t.Errorf("Inspector Enable requests = %v", e.insp.enables)
	}
	if got := e.svc.callsOf(""); fmt.Sprint(got) != "[CreateServiceLinkedRole config.amazonaws.com ec2:DescribeSubnets subnet-id=subnet-0a1b2c3d4e5f60718 ec2:DescribeSubnets subnet-id=subnet-0a1b2c3d4e5f60718 ssm:GetParameter /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64]" {
		t.Errorf("IAM and SSM calls %v", got)
	}

	// 2. Re-apply with nothing new: no-op, stored webhook, package and AMI kept.
	before := len(e.cfn.requestsFor("ExecuteChangeSet"))
	e.rec.lines = nil
	res, err = e.d.Apply(ctx, stacks, Inputs{})
	if err != nil {
		t.Fatalf("re-apply: %v", err)
	}
	if got := actionsOf(res); got != "security=unchanged compliance=unchanged alerts=unchanged pipeline=unchanged scanner=unchanged" {
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
	if n := len(e.svc.callsOf("ssm:")); n != 1 {
		t.Errorf("the AMI was looked up %d times; a deployed host keeps its AMI", n)
	}
	if n := len(e.cfn.requestsFor("DeleteChangeSet")); n != 5 {
		t.Errorf("%d DeleteChangeSet after five empty change sets, want 5", n)
	}
	if !strings.Contains(e.rec.String(), "secops-alerts: no changes") {
		t.Errorf("re-apply progress:\n%s", e.rec)
	}
	// --image-id latest looks the AMI up again.
	e.svc.latestAMI = "ami-0fedcba9876543210"
	if _, err := e.d.Apply(ctx, []string{StackScanner}, Inputs{Values: Values{"ImageId": Refresh}}); err != nil {
		t.Fatal(err)
	}
	last = e.cfn.requestsFor("CreateChangeSet")
	if got := paramMap(last[len(last)-1])["ImageId"]; got != "ami-0fedcba9876543210" {
		t.Errorf("ImageId after --image-id latest: %q", got)
	}

	// 3. Status with drift detection.
	rows, err := e.d.Status(ctx, theStacks, true)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, r := range rows {
		got += fmt.Sprintf("%s=%s/%s ", r.Stack, r.Status, r.Drift)
	}
	if got != "security=CREATE_COMPLETE/IN_SYNC compliance=CREATE_COMPLETE/IN_SYNC alerts=CREATE_COMPLETE/IN_SYNC pipeline=CREATE_COMPLETE/IN_SYNC scanner=UPDATE_COMPLETE/IN_SYNC " {
		t.Errorf("status: %s", got)
	}
	if n := len(e.cfn.requestsFor("DetectStackDrift")); n != 5 {
		t.Errorf("%d DetectStackDrift, want 5", n)
	}

	// 4. Destroy keeps the data: buckets, the image repository, the key.
	dres, err := e.d.Destroy(ctx, theStacks, DestroyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(dres.Deleted, ",") != "secops-scanner,secops-pipeline,secops-alerts,secops-compliance,secops-security" || len(dres.Absent) != 0 {
		t.Errorf("destroy: deleted %v absent %v", dres.Deleted, dres.Absent)
	}
	if got := retainedOf(dres); got != "pipeline/ImageRepository security/AccessLogsBucket security/ArtifactsBucket security/LogsBucket security/LogsKey" {
		t.Errorf("retained %s", got)
	}
	if len(e.s3.deleted) != 0 || len(e.svc.callsOf("ecr:"))+len(e.svc.callsOf("kms:")) != 0 {
		t.Errorf("data deleted without --delete-data: %v %v", e.s3.deleted, e.svc.calls)
	}
	if dres.Inspector != "" || len(e.insp.disables) != 0 {
		t.Errorf("Inspector disabled without being asked: %v", e.insp.disables)
	}
	deletes := e.cfn.requestsFor("DeleteStack")
	if len(deletes) != 5 || deletes[0].Get("StackName") != "secops-scanner" || deletes[4].Get("StackName") != "secops-security" {
		t.Errorf("DeleteStack order: %v", deletes)
	}
	rows, _ = e.d.Status(ctx, theStacks, false)
	for _, r := range rows {
		if r.Status != NotDeployed {
			t.Errorf("after destroy %s is %s", r.Stack, r.Status)
		}
	}
	var out bytes.Buffer
	WriteDestroy(&out, dres)
	if !strings.Contains(out.String(), "kept     AWS::S3::Bucket secops-security-logsbucket-1\n") || !strings.Contains(out.String(), "run destroy again with --delete-data") {
		t.Errorf("destroy output:\n%s", out.String())
	}
}

// retainedOf lists stack/logical id of the kept or deleted data, sorted.
func retainedOf(r *DestroyResult) string {
	var out []string
	for _, k := range r.Retained {
		out = append(out, k.Stack+"/"+k.LogicalID)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestLifecycle runs apply → destroy → apply → destroy --delete-data →
// destroy --delete-data: a second apply works although the first one's
// data was kept, and --delete-data deletes the data of both, also when
// the stacks are already gone.
func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	stacks := []string{StackSecurity, StackCompliance, StackAlerts, StackPipeline}
	in := everything()
	if _, err := e.d.Apply(ctx, stacks, in); err != nil {
		t.Fatalf("apply: %v\n%s", err, e.rec)
	}
	e.s3.put("secops-security-logsbucket-1", "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/28/trail.json.gz", []byte("x"))
	if _, err := e.d.Destroy(ctx, stacks, DestroyOptions{}); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	res, err := e.d.Apply(ctx, stacks, in)
	if err != nil {
		t.Fatalf("apply after destroy: %v\n%s", err, e.rec)
	}
	if got := actionsOf(res); got != "security=created compliance=created alerts=created pipeline=created" {
		t.Errorf("apply after destroy: %s", got)
	}
	e.s3.put("secops-security-artifactsbucket-5", "secops-pipeline/Source/abc.zip", []byte("y"))
	dres, err := e.d.Destroy(ctx, stacks, DestroyOptions{DeleteData: true})
	if err != nil {
		t.Fatalf("destroy --delete-data: %v", err)
	}
	if len(dres.Deleted) != 4 {
		t.Errorf("deleted stacks %v", dres.Deleted)
	}
	var kept []string
	for _, k := range dres.Retained {
		if !k.Deleted {
			t.Errorf("%s not deleted", k.PhysicalID)
		}
		kept = append(kept, k.PhysicalID)
	}
	sort.Strings(kept)
	want := "secops-pipeline-imagerepository-4 secops-pipeline-imagerepository-8 " +
		"secops-security-accesslogsbucket-1 secops-security-accesslogsbucket-5 secops-security-artifactsbucket-1 secops-security-artifactsbucket-5 " +
		"secops-security-logsbucket-1 secops-security-logsbucket-5 secops-security-logskey-1 secops-security-logskey-5"
	if strings.Join(kept, " ") != want {
		t.Errorf("deleted data\n got %s\nwant %s", strings.Join(kept, " "), want)
	}
	sort.Strings(e.s3.deleted)
	if strings.Join(e.s3.deleted, " ") != "secops-security-accesslogsbucket-1 secops-security-accesslogsbucket-5 secops-security-artifactsbucket-1 secops-security-artifactsbucket-5 secops-security-logsbucket-1 secops-security-logsbucket-5" || len(e.s3.objects) != 0 {
		t.Errorf("deleted buckets %v, objects left %v", e.s3.deleted, e.s3.objects)
	}
	// The access-log bucket goes after the buckets that log to it.
	var order []string
	for _, r := range e.s3.requests {
		if strings.HasPrefix(r, "DELETE /") {
			order = append(order, strings.TrimPrefix(strings.TrimSuffix(r, "?"), "DELETE /"))
		}
	}
	if len(order) != 6 || !strings.Contains(order[4]+order[5], "accesslogs") {
		t.Errorf("bucket deletion order %v", order)
	}
	if got := fmt.Sprint(e.svc.callsOf("kms:")); got != "[kms:ScheduleKeyDeletion secops-security-logskey-5 kms:ScheduleKeyDeletion secops-security-logskey-1]" {
		t.Errorf("keys: %s", got)
	}
	var out bytes.Buffer
	WriteDestroy(&out, dres)
	if strings.Contains(out.String(), "run destroy again") || !strings.Contains(out.String(), "deleted  AWS::S3::Bucket secops-security-logsbucket-1 (--delete-data)") {
		t.Errorf("destroy --delete-data output:\n%s", out.String())
	}

	// Nothing left: a second --delete-data succeeds and deletes nothing.
	dres, err = e.d.Destroy(ctx, stacks, DestroyOptions{DeleteData: true})
	if err != nil || len(dres.Deleted) != 0 || len(dres.Absent) != 4 || len(dres.Retained) != 0 {
		t.Errorf("second destroy --delete-data: %+v, %v", dres, err)
	}
}

func TestDestroyDisablesInspectorWhenAsked(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.d.Apply(ctx, []string{StackSecurity}, Inputs{}); err != nil {
		t.Fatal(err)
	}
	if on, err := e.d.InspectorEnabled(ctx); err != nil || !on {
		t.Fatalf("InspectorEnabled = %v, %v", on, err)
	}
	res, err := e.d.Destroy(ctx, []string{StackSecurity}, DestroyOptions{DisableInspector: true})
	if err != nil || res.Inspector != "disabled" {
		t.Fatalf("destroy: %+v, %v", res, err)
	}
	if len(e.insp.disables) != 1 || fmt.Sprint(e.insp.disables[0]["resourceTypes"]) != "[ECR EC2 LAMBDA]" {
		t.Errorf("Disable requests %v", e.insp.disables)
	}
	if on, _ := e.d.InspectorEnabled(ctx); on {
		t.Error("Inspector still on")
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
	if _, err := e.d.Apply(ctx, []string{StackScanner}, Inputs{Package: fakeZip, Values: Values{"SubnetId": "subnet-1"}}); err == nil || !strings.Contains(err.Error(), "subnet subnet-1 not found") {
		t.Errorf("scanner in a subnet that does not exist: %v", err)
	}
	// A new pipeline needs its source: CodeConnections, or CodeCommit.
	_, err := e.d.Apply(ctx, []string{StackPipeline}, Inputs{Package: fakeZip})
	if err == nil || !strings.Contains(err.Error(), "needs --connection-arn") || !strings.Contains(err.Error(), "or --codecommit-repository") {
		t.Errorf("pipeline without a source: %v", err)
	}
	if _, err := e.d.Apply(ctx, []string{StackPipeline}, Inputs{Package: fakeZip, Values: Values{"CodeCommitRepository": "shop", "ConnectionArn": "arn:aws:codeconnections:us-east-1:1:connection/x"}}); err == nil || !strings.Contains(err.Error(), "give one source") {
		t.Errorf("two sources: %v", err)
	}
	if n := len(e.cfn.requestsFor("CreateChangeSet")); n != 1 {
		t.Errorf("%d change sets created; inputs are checked before anything is deployed", n)
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
	if counts[StackSecurity] != 17 || counts[StackScanner] != 5 {
		t.Errorf("plan rows per stack %v, want security 17, scanner 5", counts)
	}
	// The scanner stack is planned with placeholders: security does not exist yet.
	scanner := paramMap(e.cfn.requestsFor("CreateChangeSet")[1])
	// The default path: the default VPC's subnet, with a public IP.
	if scanner["ArtifactsBucket"] != placeholder || scanner["SecopsPackageKey"] != placeholder || scanner["ImageId"] != "ami-0123456789abcdef0" ||
		scanner["SubnetId"] != "subnet-0default000000001" || scanner["VpcId"] != "vpc-0default00000000" || scanner["AssociatePublicIp"] != "true" {
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
