package bootstrap

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/lambdahandler"
)

// grants are a role's Allow statements: action -> resources.
type grants map[string][]string

// roleGrants reads the inline policies of every IAM role in a resolved
// stack.
func roleGrants(r *resolved) map[string]grants {
	list := func(v any) []string {
		switch v := v.(type) {
		case string:
			return []string{v}
		case []any:
			var out []string
			for _, e := range v {
				out = append(out, fmt.Sprint(e))
			}
			return out
		}
		return nil
	}
	out := map[string]grants{}
	for name, res := range r.Resources {
		if res["Type"] != "AWS::IAM::Role" {
			continue
		}
		out[name] = grants{}
		props := res["Properties"].(map[string]any)
		policies, _ := props["Policies"].([]any)
		for _, p := range policies {
			doc := p.(map[string]any)["PolicyDocument"].(map[string]any)
			for _, raw := range doc["Statement"].([]any) {
				st := raw.(map[string]any)
				if st["Effect"] != "Allow" {
					continue
				}
				for _, a := range list(st["Action"]) {
					out[name][a] = append(out[name][a], list(st["Resource"])...)
				}
			}
		}
	}
	return out
}

// commandActions are the AWS calls a shell command line in a buildspec or
// the scanner's user data makes, and on which resource ("" for any). The
// secops commands' calls are those of pkg/securityhub (scan --upload and
// findings push import, then list the target's findings to archive what
// a complete scan no longer reports) and pkg/scan/image (ECR pulls).
var commandActions = []struct {
	re      *regexp.Regexp
	actions map[string]string
}{
	{regexp.MustCompile(`aws s3 cp "s3://`), map[string]string{"s3:GetObject": "package"}},
	{regexp.MustCompile(`secops (scan [^\n]*--upload|findings push)`), map[string]string{"securityhub:BatchImportFindings": ":product/", "securityhub:GetFindings": ":hub/default"}},
	{regexp.MustCompile(`secops scan image`), map[string]string{"ecr:BatchGetImage": "repository", "ecr:GetDownloadUrlForLayer": "repository"}},
	{regexp.MustCompile(`aws ecr get-login-password`), map[string]string{"ecr:GetAuthorizationToken": ""}},
	{regexp.MustCompile(`aws ecr describe-images`), map[string]string{"ecr:DescribeImages": "repository"}},
	{regexp.MustCompile(`docker push`), map[string]string{"ecr:BatchCheckLayerAvailability": "repository", "ecr:InitiateLayerUpload": "repository", "ecr:UploadLayerPart": "repository", "ecr:CompleteLayerUpload": "repository", "ecr:PutImage": "repository"}},
	{regexp.MustCompile(`aws eks update-kubeconfig`), map[string]string{"eks:DescribeCluster": ":cluster/"}},
}

// needed lists what the commands need: action -> the resource it must be
// granted on.
func needed(commands []string) map[string]string {
	out := map[string]string{}
	for _, c := range commands {
		for _, ca := range commandActions {
			if ca.re.MatchString(c) {
				for a, r := range ca.actions {
					out[a] = r
				}
			}
		}
	}
	return out
}

// checkGrants reports an action the role lacks, or grants on the wrong
// resource.
func checkGrants(t *testing.T, who string, g grants, need map[string]string, resources map[string]string) {
	t.Helper()
	actions := sortedKeys(need)
	for _, a := range actions {
		res, ok := g[a]
		if !ok {
			t.Errorf("%s does not grant %s", who, a)
			continue
		}
		want := need[a]
		if r, ok := resources[want]; ok {
			want = r
		}
		if want != "" && !strings.Contains(strings.Join(res, " "), want) {
			t.Errorf("%s grants %s on %v, want %q", who, a, res, want)
		}
	}
}

// TestRolesGrantWhatCommandsCall compares each role with the AWS calls the
// commands run under it make: a missing action fails the pipeline stage,
// the scan on the scanner host, or the notifier, on every run. The
// commands are read from the stacks themselves: each CodeBuild project's
// buildspec, the scanner's user data, the notifier's handler.
func TestRolesGrantWhatCommandsCall(t *testing.T) {
	for _, params := range []map[string]string{nil, {"CodeCommitRepository": "shop"}} {
		r := resolveStack(t, StackPipeline, params)
		roles := roleGrants(r)
		resources := map[string]string{
			"package":    "arn:aws:s3:::" + r.Parameters["ArtifactsBucket"] + "/" + r.Parameters["SecopsPackageKey"],
			"repository": "ImageRepository.Arn",
		}
		projects := pipelineProjects(t, params)
		seen := map[string]string{}
		for _, id := range sortedKeys(projects) {
			p := projects[id]
			if other, ok := seen[p.role]; ok {
				t.Errorf("%s and %s share the role %s; each project has its own", id, other, p.role)
			}
			seen[p.role] = id
			var commands []string
			for _, phase := range []string{"install", "pre_build", "build", "post_build"} {
				if ph, ok := p.buildspec["phases"].(map[string]any)[phase]; ok && ph != nil {
					commands = append(commands, phaseCommands(p.buildspec, phase)...)
				}
			}
			need := needed(commands)
			// Every project writes its log group and reads the source artifact.
			need["logs:PutLogEvents"] = ""
			need["s3:GetObject"] = "secops-pipeline/*"
			if strings.Contains(strings.Join(commands, "\n"), "aws s3 cp") {
				need["s3:GetObject"] = "package"
			}
			checkGrants(t, "pipeline "+id+" role "+p.role, roles[p.role], need, resources)
		}
		if len(seen) != 4 {
			t.Errorf("%d project roles, want 4", len(seen))
		}
		// Only secops bootstrap writes the package: no role of the stack may
		// put or delete objects outside the pipeline's artifacts.
		for role, g := range roles {
			for _, a := range []string{"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"} {
				for _, res := range g[a] {
					if !strings.HasSuffix(res, "/secops-pipeline/*") {
						t.Errorf("pipeline %s may %s on %s", role, a, res)
					}
				}
			}
		}
	}

	// The scanner host: the package at boot, then secops scan --upload.
	r := resolveStack(t, StackScanner, nil)
	userData := r.Resources["ScannerInstance"]["Properties"].(map[string]any)["UserData"].(string)
	need := needed([]string{userData, "secops scan . --upload"})
	if len(need) != 3 {
		t.Fatalf("scanner needs %v; the command patterns no longer match the user data", need)
	}
	checkGrants(t, "scanner ScannerRole", roleGrants(r)["ScannerRole"], need,
		map[string]string{"package": "arn:aws:s3:::" + r.Parameters["ArtifactsBucket"] + "/" + r.Parameters["SecopsPackageKey"]})

	// The notifier: what pkg/lambdahandler calls.
	r = resolveStack(t, StackAlerts, nil)
	need = map[string]string{}
	for _, a := range lambdahandler.IAMActions() {
		need[a] = map[string]string{
			"securityhub:GetFindings": ":hub/default", "securityhub:BatchUpdateFindings": ":hub/default",
			"secretsmanager:GetSecretValue": "ref:SlackWebhookSecret", "dynamodb:PutItem": "DedupTable.Arn", "dynamodb:DeleteItem": "DedupTable.Arn",
		}[a]
	}
	checkGrants(t, "alerts NotifierRole", roleGrants(r)["NotifierRole"], need, nil)
}

// TestNotifierTimeoutCoversSlackRetries: the function must outlive one
// message's retry budget, with room for the AWS calls around it, or Lambda
// kills it mid-retry and the event is retried from the start.
func TestNotifierTimeoutCoversSlackRetries(t *testing.T) {
	r := resolveStack(t, StackAlerts, nil)
	timeout := r.Resources["Notifier"]["Properties"].(map[string]any)["Timeout"].(int)
	budget := int(lambdahandler.SlackRetryBudget.Seconds())
	if timeout < budget+60 {
		t.Errorf("notifier timeout %ds, Slack retry budget %ds: want at least a minute more", timeout, budget)
	}
	var names []string
	for _, id := range sortedKeys(r.Resources) {
		if r.Resources[id]["Type"] == "AWS::CloudWatch::Alarm" {
			names = append(names, id)
		}
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "FailedEventsAlarm,NotifierErrorsAlarm" {
		t.Errorf("alarms %v", names)
	}
}
