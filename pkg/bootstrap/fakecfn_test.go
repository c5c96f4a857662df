package bootstrap

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// fakeCFN is a local CloudFormation endpoint speaking the awsQuery protocol
// the SDK uses: form-encoded Action=…&Version=2010-05-15 to POST /, XML
// replies. It keeps stacks, change sets and events in memory, and records
// every request so tests can assert on what the client sent.
type fakeCFN struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	requests []url.Values
	stacks   map[string]*fakeStack
	deleted  []*fakeStack // deleted stacks, which CloudFormation still lists by id
	seq      int
	stackSeq int // numbers the stacks created, for their physical ids

	// failChangeSet makes the next change set fail with this reason.
	failChangeSet string
	// failResource makes the next execution fail on this logical id.
	failResource, failReason string
	// pollsPerOperation is how many DescribeStacks calls a stack stays
	// *_IN_PROGRESS after an execution or delete.
	pollsPerOperation int
}

type fakeStack struct {
	name, id     string
	seq          int // tells stacks of the same name apart in physical ids
	status       string
	template     string
	params       map[string]string
	tags         map[string]string
	created      time.Time
	updated      time.Time
	events       []fakeEvent // oldest first
	changeSets   map[string]*fakeChangeSet
	pendingPolls int
	pendingFinal string
}

type fakeChangeSet struct {
	id, name, csType, status, reason string
	template                         string
	params                           map[string]string
	changes                          [][3]string // action, logical id, type
}

type fakeEvent struct {
	id, logical, typ, status, reason string
	ts                               time.Time
}

func newFakeCFN(t *testing.T) *fakeCFN {
	f := &fakeCFN{t: t, stacks: map[string]*fakeStack{}, pollsPerOperation: 2}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// actions lists the Action of every request received, in order.
func (f *fakeCFN) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		out = append(out, r.Get("Action"))
	}
	return out
}

func (f *fakeCFN) requestsFor(action string) []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []url.Values
	for _, r := range f.requests {
		if r.Get("Action") == action {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeCFN) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		f.t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		http.Error(w, "bad request", 400)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		f.t.Errorf("Content-Type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("parse form: %v", err)
	}
	form := r.PostForm
	if form.Get("Version") != "2010-05-15" {
		f.t.Errorf("Version = %q", form.Get("Version"))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, form)
	action := form.Get("Action")
	var body string
	var err *fakeErr
	switch action {
	case "CreateChangeSet":
		body, err = f.createChangeSet(form)
	case "DescribeChangeSet":
		body, err = f.describeChangeSet(form)
	case "ExecuteChangeSet":
		body, err = f.executeChangeSet(form)
	case "DeleteChangeSet":
		body, err = f.deleteChangeSet(form)
	case "DescribeStacks":
		body, err = f.describeStacks(form)
	case "DescribeStackEvents":
		body, err = f.describeStackEvents(form)
	case "DeleteStack":
		body, err = f.deleteStack(form)
	case "ListStackResources":
		body, err = f.listStackResources(form)
	case "ListStacks":
		body, err = f.listStacks(form)
	case "DetectStackDrift":
		body = "<StackDriftDetectionId>drift-1</StackDriftDetectionId>"
	case "DescribeStackDriftDetectionStatus":
		body = fmt.Sprintf("<StackId>x</StackId><StackDriftDetectionId>drift-1</StackDriftDetectionId><StackDriftStatus>IN_SYNC</StackDriftStatus><DetectionStatus>DETECTION_COMPLETE</DetectionStatus><DriftedStackResourceCount>0</DriftedStackResourceCount><Timestamp>%s</Timestamp>", ts(time.Now()))
	default:
		err = &fakeErr{"InvalidAction", "unknown action " + action}
	}
	w.Header().Set("Content-Type", "text/xml")
	if err != nil {
		w.WriteHeader(400)
		fmt.Fprintf(w, `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>req-%d</RequestId></ErrorResponse>`, err.code, html.EscapeString(err.msg), len(f.requests))
		return
	}
	fmt.Fprintf(w, `<%sResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><%sResult>%s</%sResult><ResponseMetadata><RequestId>req-%d</RequestId></ResponseMetadata></%sResponse>`,
		action, action, body, action, len(f.requests), action)
}

type fakeErr struct{ code, msg string }

func notExist(name string) *fakeErr {
	return &fakeErr{"ValidationError", fmt.Sprintf("Stack with id %s does not exist", name)}
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func x(s string) string { return html.EscapeString(s) }

// members reads an awsQuery list: Prefix.member.N.Field.
func members(form url.Values, prefix string, fields ...string) []map[string]string {
	var out []map[string]string
	for i := 1; ; i++ {
		m := map[string]string{}
		for _, f := range fields {
			if v, ok := form[fmt.Sprintf("%s.member.%d.%s", prefix, i, f)]; ok {
				m[f] = v[0]
			}
		}
		if len(m) == 0 {
			return out
		}
		out = append(out, m)
	}
}

func (f *fakeCFN) stack(name string) *fakeStack {
	if s, ok := f.stacks[name]; ok && s.status != "DELETE_COMPLETE" {
		return s
	}
	for _, s := range f.stacks {
		if s.id == name && s.status != "DELETE_COMPLETE" {
			return s
		}
	}
	return nil
}

func templateResources(body string) [][2]string {
	var out [][2]string
	for _, r := range templateResourcePolicies(body) {
		out = append(out, [2]string{r[0], r[1]})
	}
	return out
}

// templateResourcePolicies lists logical id, type and DeletionPolicy. (The
// fake ignores Conditions: every resource is created.)
func templateResourcePolicies(body string) [][3]string {
	var doc struct {
		Resources map[string]struct {
			Type           string `yaml:"Type"`
			DeletionPolicy string `yaml:"DeletionPolicy"`
		} `yaml:"Resources"`
	}
	_ = yaml.Unmarshal([]byte(body), &doc)
	var out [][3]string
	for id, r := range doc.Resources {
		out = append(out, [3]string{id, r.Type, r.DeletionPolicy})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// physicalID is the fake's physical id of a resource.
func (s *fakeStack) physicalID(logical string) string {
	return strings.ToLower(fmt.Sprintf("%s-%s-%d", s.name, logical, s.seq))
}

// outputs returns the stack's outputs: a Ref to a resource is its
// physical id, a GetAtt of an Arn an ARN made from it.
func (s *fakeStack) outputs() [][2]string {
	var doc yaml.Node
	_ = yaml.Unmarshal([]byte(s.template), &doc)
	var out [][2]string
	if len(doc.Content) == 0 {
		return nil
	}
	outs := get(doc.Content[0], "Outputs")
	for i := 0; outs != nil && i+1 < len(outs.Content); i += 2 {
		v := get(outs.Content[i+1], "Value")
		val := strings.ToLower(s.name + "-" + outs.Content[i].Value)
		switch {
		case v == nil:
		case v.Tag == "!Ref":
			val = s.physicalID(v.Value)
		case v.Tag == "!GetAtt" && strings.HasSuffix(v.Value, ".Arn"):
			val = "arn:aws:fake:us-east-1:123456789012:" + s.physicalID(strings.TrimSuffix(v.Value, ".Arn"))
		}
		out = append(out, [2]string{outs.Content[i].Value, val})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func (f *fakeCFN) createChangeSet(form url.Values) (string, *fakeErr) {
	name, csName, csType := form.Get("StackName"), form.Get("ChangeSetName"), form.Get("ChangeSetType")
	s := f.stack(name)
	switch {
	case csType == "CREATE" && s != nil && s.status != "REVIEW_IN_PROGRESS":
		return "", &fakeErr{"AlreadyExistsException", "Stack [" + name + "] already exists"}
	case csType != "CREATE" && s == nil:
		return "", notExist(name)
	}
	if s == nil {
		f.seq++
		f.stackSeq++
		s = &fakeStack{name: name, id: fmt.Sprintf("arn:aws:cloudformation:us-east-1:123456789012:stack/%s/%d", name, f.seq), seq: f.stackSeq,
			status: "REVIEW_IN_PROGRESS", created: time.Now(), changeSets: map[string]*fakeChangeSet{}}
		f.stacks[name] = s
	}
	params := map[string]string{}
	for _, p := range members(form, "Parameters", "ParameterKey", "ParameterValue", "UsePreviousValue") {
		if p["UsePreviousValue"] == "true" {
			prev, ok := s.params[p["ParameterKey"]]
			if !ok {
				return "", &fakeErr{"ValidationError", "Invalid input for parameter key " + p["ParameterKey"] + ". Cannot specify usePreviousValue as true for a parameter key not in the previous template"}
			}
			params[p["ParameterKey"]] = prev
			continue
		}
		params[p["ParameterKey"]] = p["ParameterValue"]
	}
	tags := map[string]string{}
	for _, t := range members(form, "Tags", "Key", "Value") {
		tags[t["Key"]] = t["Value"]
	}
	f.seq++
	cs := &fakeChangeSet{id: fmt.Sprintf("arn:aws:cloudformation:us-east-1:123456789012:changeSet/%s/%d", csName, f.seq),
		name: csName, csType: csType, status: "CREATE_COMPLETE", template: form.Get("TemplateBody"), params: params}
	switch {
	case f.failChangeSet != "":
		cs.status, cs.reason = "FAILED", f.failChangeSet
		f.failChangeSet = ""
	case csType == "CREATE":
		for _, r := range templateResources(cs.template) {
			cs.changes = append(cs.changes, [3]string{"Add", r[0], r[1]})
		}
	case cs.template == s.template && fmt.Sprint(params) == fmt.Sprint(s.params):
		cs.status, cs.reason = "FAILED", "The submitted information didn't contain changes. Submit different information to create a change set."
	default:
		for _, r := range templateResources(cs.template) {
			cs.changes = append(cs.changes, [3]string{"Modify", r[0], r[1]})
		}
	}
	s.tags = tags
	s.changeSets[cs.id] = cs
	return fmt.Sprintf("<Id>%s</Id><StackId>%s</StackId>", cs.id, s.id), nil
}

func (f *fakeCFN) findChangeSet(form url.Values) (*fakeStack, *fakeChangeSet, *fakeErr) {
	s := f.stack(form.Get("StackName"))
	if s == nil {
		return nil, nil, notExist(form.Get("StackName"))
	}
	cs, ok := s.changeSets[form.Get("ChangeSetName")]
	if !ok {
		return nil, nil, &fakeErr{"ChangeSetNotFound", "ChangeSet [" + form.Get("ChangeSetName") + "] does not exist"}
	}
	return s, cs, nil
}

func (f *fakeCFN) describeChangeSet(form url.Values) (string, *fakeErr) {
	s, cs, err := f.findChangeSet(form)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<ChangeSetName>%s</ChangeSetName><ChangeSetId>%s</ChangeSetId><StackId>%s</StackId><StackName>%s</StackName><Status>%s</Status><ExecutionStatus>AVAILABLE</ExecutionStatus>",
		x(cs.name), x(cs.id), x(s.id), x(s.name), cs.status)
	if cs.reason != "" {
		fmt.Fprintf(&b, "<StatusReason>%s</StatusReason>", x(cs.reason))
	}
	b.WriteString("<Changes>")
	for _, c := range cs.changes {
		repl := ""
		if c[0] == "Modify" {
			repl = "<Replacement>False</Replacement>"
		}
		fmt.Fprintf(&b, "<member><Type>Resource</Type><ResourceChange><Action>%s</Action><LogicalResourceId>%s</LogicalResourceId><ResourceType>%s</ResourceType>%s</ResourceChange></member>", c[0], x(c[1]), x(c[2]), repl)
	}
	b.WriteString("</Changes>")
	return b.String(), nil
}

func (f *fakeCFN) addEvent(s *fakeStack, logical, typ, status, reason string) {
	f.seq++
	s.events = append(s.events, fakeEvent{id: fmt.Sprintf("ev-%d", f.seq), logical: logical, typ: typ, status: status, reason: reason, ts: time.Now()})
}

func (f *fakeCFN) executeChangeSet(form url.Values) (string, *fakeErr) {
	s, cs, err := f.findChangeSet(form)
	if err != nil {
		return "", err
	}
	if cs.status != "CREATE_COMPLETE" {
		return "", &fakeErr{"InvalidChangeSetStatus", "ChangeSet is in " + cs.status + " state"}
	}
	verb := "UPDATE"
	if cs.csType == "CREATE" {
		verb = "CREATE"
	}
	f.addEvent(s, s.name, "AWS::CloudFormation::Stack", verb+"_IN_PROGRESS", "User Initiated")
	final := verb + "_COMPLETE"
	for _, c := range cs.changes {
		f.addEvent(s, c[1], c[2], verb+"_IN_PROGRESS", "")
		if c[1] == f.failResource {
			f.addEvent(s, c[1], c[2], verb+"_FAILED", f.failReason)
			final = "ROLLBACK_COMPLETE"
			if verb == "UPDATE" {
				final = "UPDATE_ROLLBACK_COMPLETE"
			}
			f.failResource = ""
			break
		}
		f.addEvent(s, c[1], c[2], verb+"_COMPLETE", "")
	}
	if final == verb+"_COMPLETE" {
		s.template, s.params = cs.template, cs.params
		s.updated = time.Now()
	}
	s.status = verb + "_IN_PROGRESS"
	s.pendingPolls, s.pendingFinal = f.pollsPerOperation, final
	s.changeSets = map[string]*fakeChangeSet{}
	return "", nil
}

func (f *fakeCFN) deleteChangeSet(form url.Values) (string, *fakeErr) {
	s, cs, err := f.findChangeSet(form)
	if err != nil {
		return "", err
	}
	delete(s.changeSets, cs.id)
	return "", nil
}

// advance moves an in-progress stack towards its final state, one poll at a time.
func (f *fakeCFN) advance(s *fakeStack) {
	if s.pendingFinal == "" {
		return
	}
	if s.pendingPolls > 0 {
		s.pendingPolls--
		return
	}
	s.status, s.pendingFinal = s.pendingFinal, ""
	f.addEvent(s, s.name, "AWS::CloudFormation::Stack", s.status, "")
	if s.status == "DELETE_COMPLETE" && s.template != "" {
		f.deleted = append(f.deleted, s)
	}
}

func (f *fakeCFN) describeStacks(form url.Values) (string, *fakeErr) {
	name := form.Get("StackName")
	s := f.stack(name)
	if s == nil {
		return "", notExist(name)
	}
	f.advance(s)
	if s.status == "DELETE_COMPLETE" {
		return "", notExist(name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<Stacks><member><StackName>%s</StackName><StackId>%s</StackId><StackStatus>%s</StackStatus><CreationTime>%s</CreationTime>", x(s.name), x(s.id), s.status, ts(s.created))
	if !s.updated.IsZero() {
		fmt.Fprintf(&b, "<LastUpdatedTime>%s</LastUpdatedTime>", ts(s.updated))
	}
	b.WriteString("<Parameters>")
	var keys []string
	for k := range s.params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "<member><ParameterKey>%s</ParameterKey><ParameterValue>%s</ParameterValue></member>", x(k), x(s.params[k]))
	}
	b.WriteString("</Parameters>")
	b.WriteString("<Outputs>")
	if strings.HasSuffix(s.status, "_COMPLETE") && !strings.Contains(s.status, "ROLLBACK") {
		for _, o := range s.outputs() {
			fmt.Fprintf(&b, "<member><OutputKey>%s</OutputKey><OutputValue>%s</OutputValue></member>", o[0], x(o[1]))
		}
	}
	b.WriteString("</Outputs><DriftInformation><StackDriftStatus>NOT_CHECKED</StackDriftStatus></DriftInformation></member></Stacks>")
	return b.String(), nil
}

func (f *fakeCFN) describeStackEvents(form url.Values) (string, *fakeErr) {
	s := f.stack(form.Get("StackName"))
	if s == nil {
		return "", notExist(form.Get("StackName"))
	}
	var b strings.Builder
	b.WriteString("<StackEvents>")
	for i := len(s.events) - 1; i >= 0; i-- {
		e := s.events[i]
		fmt.Fprintf(&b, "<member><EventId>%s</EventId><StackName>%s</StackName><StackId>%s</StackId><LogicalResourceId>%s</LogicalResourceId><ResourceType>%s</ResourceType><Timestamp>%s</Timestamp><ResourceStatus>%s</ResourceStatus>",
			e.id, x(s.name), x(s.id), x(e.logical), x(e.typ), ts(e.ts), e.status)
		if e.reason != "" {
			fmt.Fprintf(&b, "<ResourceStatusReason>%s</ResourceStatusReason>", x(e.reason))
		}
		b.WriteString("</member>")
	}
	b.WriteString("</StackEvents>")
	return b.String(), nil
}

func (f *fakeCFN) deleteStack(form url.Values) (string, *fakeErr) {
	s := f.stack(form.Get("StackName"))
	if s == nil {
		return "", nil // DeleteStack of a missing stack succeeds
	}
	f.addEvent(s, s.name, "AWS::CloudFormation::Stack", "DELETE_IN_PROGRESS", "User Initiated")
	for _, r := range templateResourcePolicies(s.template) {
		status := "DELETE_COMPLETE"
		if r[2] == "Retain" {
			status = "DELETE_SKIPPED"
		}
		f.addEvent(s, r[0], r[1], status, "")
	}
	s.status = "DELETE_IN_PROGRESS"
	s.pendingPolls, s.pendingFinal = f.pollsPerOperation, "DELETE_COMPLETE"
	if s.template == "" { // a REVIEW_IN_PROGRESS placeholder goes at once
		s.status, s.pendingFinal = "DELETE_COMPLETE", ""
	}
	return "", nil
}

func (f *fakeCFN) listStackResources(form url.Values) (string, *fakeErr) {
	s := f.stack(form.Get("StackName"))
	if s == nil {
		for _, d := range f.deleted {
			if d.id == form.Get("StackName") {
				s = d
			}
		}
	}
	if s == nil {
		return "", notExist(form.Get("StackName"))
	}
	var b strings.Builder
	b.WriteString("<StackResourceSummaries>")
	for _, r := range templateResourcePolicies(s.template) {
		status := "CREATE_COMPLETE"
		if s.status == "DELETE_COMPLETE" {
			status = "DELETE_COMPLETE"
			if r[2] == "Retain" {
				status = "DELETE_SKIPPED"
			}
		}
		fmt.Fprintf(&b, "<member><LogicalResourceId>%s</LogicalResourceId><PhysicalResourceId>%s</PhysicalResourceId><ResourceType>%s</ResourceType><ResourceStatus>%s</ResourceStatus><LastUpdatedTimestamp>%s</LastUpdatedTimestamp></member>",
			r[0], s.physicalID(r[0]), r[1], status, ts(s.created))
	}
	b.WriteString("</StackResourceSummaries>")
	return b.String(), nil
}

// listStacks lists live and deleted stacks, filtered by status.
func (f *fakeCFN) listStacks(form url.Values) (string, *fakeErr) {
	want := map[string]bool{}
	for i := 1; ; i++ {
		v := form.Get(fmt.Sprintf("StackStatusFilter.member.%d", i))
		if v == "" {
			break
		}
		want[v] = true
	}
	all := append([]*fakeStack(nil), f.deleted...)
	for _, s := range f.stacks {
		if s.status != "DELETE_COMPLETE" {
			all = append(all, s)
		}
	}
	var b strings.Builder
	b.WriteString("<StackSummaries>")
	for _, s := range all {
		if len(want) > 0 && !want[s.status] {
			continue
		}
		fmt.Fprintf(&b, "<member><StackId>%s</StackId><StackName>%s</StackName><StackStatus>%s</StackStatus><CreationTime>%s</CreationTime></member>", x(s.id), x(s.name), s.status, ts(s.created))
	}
	b.WriteString("</StackSummaries>")
	return b.String(), nil
}
