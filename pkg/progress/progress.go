// Package progress shows on stderr that long work is moving: a spinner on a
// terminal, timed lines otherwise.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Heartbeat is how long a step may run off a terminal before a line says
// it is still going.
const Heartbeat = 5 * time.Second

// Reporter shows the progress of one piece of long work. It is safe for
// concurrent use.
type Reporter struct {
	w       io.Writer
	tty     bool
	enabled bool
	start   time.Time
	// every is the spinner frame time on a terminal, the heartbeat off one.
	every time.Duration

	mu      sync.Mutex
	current string
	last    time.Time // when the last line was printed (off a terminal)
	stop    chan struct{}
	done    chan struct{}
}

// New returns a Reporter on w. On a TTY it animates a spinner; otherwise it
// prints one line per Step and a heartbeat line during long steps. A
// disabled Reporter (quiet mode) prints nothing.
func New(w io.Writer, tty, enabled bool) *Reporter {
	r := &Reporter{w: w, tty: tty, enabled: enabled, start: time.Now(), every: Heartbeat}
	if tty {
		r.every = 100 * time.Millisecond
	}
	return r
}

// WithHeartbeat sets how often a long step off a terminal is reported
// (tests use a short one).
func (r *Reporter) WithHeartbeat(d time.Duration) *Reporter {
	if r != nil && !r.tty {
		r.every = d
	}
	return r
}

// Step announces the next stage of the work.
func (r *Reporter) Step(format string, args ...any) {
	if r == nil || !r.enabled {
		return
	}
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.current = msg
	if !r.tty {
		r.printLocked(msg)
	}
	if r.stop == nil {
		r.stop, r.done = make(chan struct{}), make(chan struct{})
		go r.tick(r.stop, r.done)
	}
}

// printLocked writes one progress line; r.mu is held.
func (r *Reporter) printLocked(msg string) {
	fmt.Fprintf(r.w, "[%5.1fs] %s\n", time.Since(r.start).Seconds(), msg)
	r.last = time.Now()
}

func (r *Reporter) tick(stop, done chan struct{}) {
	defer close(done)
	frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	t := time.NewTicker(r.every)
	defer t.Stop()
	for i := 0; ; i++ {
		r.mu.Lock()
		switch {
		case r.tty:
			fmt.Fprintf(r.w, "\r\033[K%s %s (%.0fs)", frames[i%len(frames)], r.current, time.Since(r.start).Seconds())
		case time.Since(r.last) >= r.every:
			r.printLocked(r.current + " …")
		}
		r.mu.Unlock()
		select {
		case <-stop:
			if r.tty {
				fmt.Fprint(r.w, "\r\033[K")
			}
			return
		case <-t.C:
		}
	}
}

// Done stops the spinner or heartbeat and prints a closing line with the
// elapsed time.
func (r *Reporter) Done(format string, args ...any) {
	if r == nil || !r.enabled {
		return
	}
	r.mu.Lock()
	stop, done := r.stop, r.done
	r.stop = nil
	r.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	if format != "" {
		fmt.Fprintf(r.w, "%s (%.1fs)\n", fmt.Sprintf(format, args...), time.Since(r.start).Seconds())
	}
}
