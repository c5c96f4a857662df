package bootstrap

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// apiPrefixes maps each narrow AWS interface of the package to its IAM
// service prefix.
var apiPrefixes = map[string]string{
	"cloudFormationAPI": "cloudformation",
	"s3API":             "s3",
	"inspectorAPI":      "inspector2",
	"stsAPI":            "sts",
	"ssmAPI":            "ssm",
	"parameterStoreAPI": "ssm",
	"ecrAPI":            "ecr",
	"kmsAPI":            "kms",
	"iamAPI":            "iam",
	"ec2API":            "ec2",
}

// methodActions are SDK methods whose IAM action has another name.
var methodActions = map[string][]string{
	"s3:HeadObject":         {"s3:GetObject", "s3:ListBucket"},
	"s3:ListObjectVersions": {"s3:ListBucketVersions"},
	"s3:DeleteObjects":      {"s3:DeleteObject", "s3:DeleteObjectVersion"},
	"inspector2:Enable":     {"inspector2:Enable", "iam:CreateServiceLinkedRole"},
}

// calledActions reads the AWS interfaces declared in the package sources
// and returns the IAM actions their methods need.
func calledActions(t *testing.T, dirs ...string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	found := map[string]bool{}
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok {
					return true
				}
				it, ok := ts.Type.(*ast.InterfaceType)
				if !ok || !strings.HasSuffix(ts.Name.Name, "API") {
					return true
				}
				prefix, ok := apiPrefixes[ts.Name.Name]
				if !ok {
					t.Errorf("%s: interface %s has no IAM prefix in apiPrefixes", file, ts.Name.Name)
					return true
				}
				found[ts.Name.Name] = true
				for _, m := range it.Methods.List {
					for _, name := range m.Names {
						key := prefix + ":" + name.Name
						if acts, ok := methodActions[key]; ok {
							for _, a := range acts {
								out[a] = true
							}
							continue
						}
						out[key] = true
					}
				}
				return true
			})
		}
	}
	if len(found) == 0 {
		t.Errorf("no AWS interfaces found in %v", dirs)
	}
	return out
}

func TestDirectActionsMatchCode(t *testing.T) {
	called := calledActions(t, ".")
	for a := range called {
		if _, ok := directActions[a]; !ok {
			t.Errorf("the code calls %s but directActions (and so docs/bootstrap.md) does not list it", a)
		}
	}
	for a := range directActions {
		if !called[a] {
			t.Errorf("directActions lists %s but no interface method needs it", a)
		}
	}
	remote := calledActions(t, "../scan/remote")
	if len(remote) != len(remoteActions) {
		t.Errorf("scan --remote calls %v, remoteActions lists %v", remote, remoteActions)
	}
	for a := range remote {
		if _, ok := remoteActions[a]; !ok {
			t.Errorf("scan --remote calls %s but remoteActions does not list it", a)
		}
	}
}

func TestResourcePermissionsCoverTemplates(t *testing.T) {
	tmpls, err := renderNames(allStacks...)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, tm := range tmpls {
		types, err := ResourceTypes(tm.Body)
		if err != nil {
			t.Fatal(err)
		}
		for _, ty := range types {
			used[ty] = true
			if len(resourcePermissions[ty]) == 0 {
				t.Errorf("%s uses %s, which has no permissions listed", tm.Stack, ty)
			}
		}
	}
	for ty := range resourcePermissions {
		if !used[ty] {
			t.Errorf("resourcePermissions lists %s, which no template uses", ty)
		}
	}
}

const (
	docPath   = "../../docs/bootstrap.md"
	beginMark = "<!-- BEGIN GENERATED: secops bootstrap permissions (go test ./pkg/bootstrap -update) -->\n"
	endMark   = "<!-- END GENERATED -->\n"
)

// generatedSection returns the text between a section's markers in
// docs/bootstrap.md, rewriting it with want under -update.
func generatedSection(t *testing.T, begin, want string) string {
	t.Helper()
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("read %s: %v", docPath, err)
	}
	doc := string(raw)
	i := strings.Index(doc, begin)
	j := -1
	if i >= 0 {
		j = strings.Index(doc[i:], endMark)
	}
	if i < 0 || j < 0 {
		t.Fatalf("%s lacks the markers %q … %q", docPath, begin, endMark)
	}
	j += i
	section := doc[i+len(begin) : j]
	if *update && section != want {
		doc = doc[:i+len(begin)] + want + doc[j:]
		if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		section = want
	}
	return section
}

// TestDocStacks keeps the stack table of docs/bootstrap.md equal to the
// registry.
func TestDocStacks(t *testing.T) {
	const begin = "<!-- BEGIN GENERATED: secops bootstrap stacks (go test ./pkg/bootstrap -update) -->\n"
	if generatedSection(t, begin, StacksMarkdown()) != StacksMarkdown() {
		t.Fatalf("%s stack table is stale; run go test ./pkg/bootstrap -run TestDocStacks -update", docPath)
	}
	for _, s := range Stacks().All() {
		if !strings.Contains(StacksMarkdown(), "| "+s.Name+" | `secops-"+s.Name+"` |") {
			t.Errorf("stack %s missing from the table", s.Name)
		}
	}
}

// TestDocPermissions keeps the generated section of docs/bootstrap.md equal
// to PermissionsMarkdown, and checks its policy holds every action.
func TestDocPermissions(t *testing.T) {
	want := PermissionsMarkdown()
	section := generatedSection(t, beginMark, want)
	if section != want {
		t.Fatalf("%s permissions section is stale; run go test ./pkg/bootstrap -run TestDocPermissions -update", docPath)
	}
	js := section[strings.Index(section, "The deployer policy:\n\n```json\n")+len("The deployer policy:\n\n```json\n"):]
	js = js[:strings.Index(js, "```")]
	var policy policyDocument
	if err := json.Unmarshal([]byte(js), &policy); err != nil {
		t.Fatalf("policy in %s: %v", docPath, err)
	}
	inDoc := map[string]bool{}
	for _, s := range policy.Statement {
		for _, a := range s.Action {
			if strings.Contains(a, "*") {
				t.Errorf("wildcard action %s in the deployer policy", a)
			}
			inDoc[a] = true
		}
	}
	// The policy holds what bootstrap and CloudFormation call, and no more.
	needed := map[string]bool{}
	for _, a := range RequiredActions() {
		needed[a] = true
	}
	for a := range calledActions(t, ".") {
		needed[a] = true
	}
	var missing, extra []string
	for a := range needed {
		if !inDoc[a] {
			missing = append(missing, a)
		}
	}
	for a := range inDoc {
		if !needed[a] {
			extra = append(extra, a)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("policy in %s lacks %v and has %v that nothing calls", docPath, missing, extra)
	}
	for _, a := range []string{"ssm:SendCommand", "ssm:GetCommandInvocation"} {
		if inDoc[a] {
			t.Errorf("the deployer policy grants %s, which only scan --remote needs", a)
		}
	}
}

// TestScopesHoldEveryAction: every action lands in exactly one statement,
// and every action a scope names exactly is one bootstrap needs.
func TestScopesHoldEveryAction(t *testing.T) {
	required := map[string]bool{}
	for _, a := range RequiredActions() {
		required[a] = true
		if _, ok := placeAction(a); !ok {
			t.Errorf("%s has no scope", a)
		}
	}
	seen := map[string]string{}
	for _, s := range scopes {
		for _, a := range s.Actions {
			if strings.HasSuffix(a, ":*") {
				continue
			}
			if !required[a] {
				t.Errorf("scope %s names %s, which nothing calls", s.Sid, a)
			}
			if other, ok := seen[a]; ok {
				t.Errorf("%s is in scopes %s and %s", a, other, s.Sid)
			}
			seen[a] = s.Sid
		}
	}
}
