// Package fakessm is an in-process AWS Systems Manager Run Command endpoint
// (awsJson1_1), for tests.
package fakessm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
)

// CommandID is the id every SendCommand is given.
const CommandID = "cmd-1"

// Invocation is one GetCommandInvocation reply. A zero Status stands for
// InvocationDoesNotExist, what SSM answers in the moment after SendCommand.
type Invocation struct {
	Status       string // Pending, InProgress, Success, Failed, TimedOut, ...
	Stdout       string
	Stderr       string
	ResponseCode int
}

// SSM is the fake endpoint. Its zero value is not usable; call New.
type SSM struct {
	errorf func(format string, args ...any)

	mu      sync.Mutex
	sends   []map[string]any
	gets    []map[string]any
	replies []Invocation
	sendErr [2]string // error type and message SendCommand answers with
}

// FailSend makes every SendCommand fail with the error type code (e.g.
// InvalidInstanceId, AccessDeniedException) and message msg, with the HTTP
// status SSM uses for it.
func (s *SSM) FailSend(code, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendErr = [2]string{code, msg}
}

// New returns an SSM that reports protocol violations through errorf
// (t.Errorf in a test) and answers with replies in order, repeating the
// last one.
func New(errorf func(format string, args ...any), replies ...Invocation) *SSM {
	return &SSM{errorf: errorf, replies: replies}
}

// Script replaces the replies still to come.
func (s *SSM) Script(replies ...Invocation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies, s.gets = replies, nil
}

// Sends returns the body of every SendCommand received, in order.
func (s *SSM) Sends() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.sends...)
}

// Gets returns the body of every GetCommandInvocation received since the
// last Script.
func (s *SSM) Gets() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.gets...)
}

func (s *SSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		s.errorf("fake SSM: unexpected %s %s (Content-Type %q)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.errorf("fake SSM: request body: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch target := r.Header.Get("X-Amz-Target"); target {
	case "AmazonSSM.SendCommand":
		s.sends = append(s.sends, body)
		if code, msg := s.sendErr[0], s.sendErr[1]; code != "" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
			return
		}
		ids, _ := json.Marshal(body["InstanceIds"])
		fmt.Fprintf(w, `{"Command":{"CommandId":%q,"DocumentName":"AWS-RunShellScript","InstanceIds":%s,"Status":"Pending"}}`, CommandID, ids)
	case "AmazonSSM.GetCommandInvocation":
		if body["CommandId"] != CommandID {
			s.errorf("fake SSM: GetCommandInvocation of command %v, want %s", body["CommandId"], CommandID)
		}
		s.gets = append(s.gets, body)
		if len(s.replies) == 0 {
			s.errorf("fake SSM: GetCommandInvocation with no reply scripted")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"InvocationDoesNotExist","message":""}`)
			return
		}
		inv := s.replies[min(len(s.gets), len(s.replies))-1]
		if inv.Status == "" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"InvocationDoesNotExist","message":""}`)
			return
		}
		out, _ := json.Marshal(map[string]any{
			"CommandId": CommandID, "InstanceId": body["InstanceId"], "DocumentName": "AWS-RunShellScript",
			"Status": inv.Status, "StatusDetails": inv.Status, "ResponseCode": inv.ResponseCode,
			"StandardOutputContent": inv.Stdout, "StandardErrorContent": inv.Stderr,
		})
		w.Write(out)
	default:
		s.errorf("fake SSM: unexpected target %q", target)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"InvalidAction","message":"unknown target %s"}`, target)
	}
}
