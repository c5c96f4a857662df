package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the heartbeat goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestHeartbeatOffTerminal: a long step on a pipe prints a line at least
// every heartbeat, so a CI log shows the work is moving.
func TestHeartbeatOffTerminal(t *testing.T) {
	var out syncBuffer
	r := New(&out, false, true).WithHeartbeat(10 * time.Millisecond)
	r.Step("sast: loading packages")
	time.Sleep(100 * time.Millisecond)
	r.Done("done")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	beats := 0
	for _, l := range lines {
		if strings.HasSuffix(l, "sast: loading packages …") {
			beats++
		}
	}
	if beats < 2 {
		t.Errorf("%d heartbeat lines in:\n%s", beats, out.String())
	}
	if !strings.HasPrefix(lines[len(lines)-1], "done (") {
		t.Errorf("last line %q", lines[len(lines)-1])
	}
	// Nothing is printed once the work is done.
	n := len(out.String())
	time.Sleep(30 * time.Millisecond)
	if len(out.String()) != n {
		t.Error("heartbeat goes on after Done")
	}
}

// TestQuietPrintsNothing: -q means results and errors only.
func TestQuietPrintsNothing(t *testing.T) {
	var out syncBuffer
	r := New(&out, false, false).WithHeartbeat(5 * time.Millisecond)
	r.Step("working")
	time.Sleep(20 * time.Millisecond)
	r.Done("done")
	if out.String() != "" {
		t.Errorf("quiet reporter printed %q", out.String())
	}
}

// TestStepsAreLines: each step off a terminal is one line, and a step
// announced within the heartbeat leaves no extra line.
func TestStepsAreLines(t *testing.T) {
	var out syncBuffer
	r := New(&out, false, true).WithHeartbeat(time.Hour)
	r.Step("one")
	r.Step("two %d", 2)
	r.Done("")
	got := out.String()
	if strings.Count(got, "\n") != 2 || !strings.Contains(got, "] one\n") || !strings.Contains(got, "] two 2\n") {
		t.Errorf("output %q", got)
	}
}
