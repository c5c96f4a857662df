// Package progress shows that long work is moving: a spinner on a terminal,
// one line per step otherwise. It writes to stderr only, so stdout stays
// clean for -o json.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Reporter shows the progress of one piece of long work.
type Reporter struct {
	w       io.Writer
	tty     bool
	enabled bool
	start   time.Time

	mu      sync.Mutex
	current string
	stop    chan struct{}
	done    chan struct{}
}

// New returns a Reporter on w. On a TTY it animates a spinner; otherwise it
// prints one line per Step. A disabled Reporter (quiet mode) prints nothing.
func New(w io.Writer, tty, enabled bool) *Reporter {
	return &Reporter{w: w, tty: tty, enabled: enabled, start: time.Now()}
}

// Step announces the next stage of the work.
func (r *Reporter) Step(format string, args ...any) {
	if r == nil || !r.enabled {
		return
	}
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	r.current = msg
	r.mu.Unlock()
	if !r.tty {
		fmt.Fprintf(r.w, "[%5.1fs] %s\n", time.Since(r.start).Seconds(), msg)
		return
	}
	if r.stop == nil {
		r.stop, r.done = make(chan struct{}), make(chan struct{})
		go r.spin()
	}
}

func (r *Reporter) spin() {
	defer close(r.done)
	frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		r.mu.Lock()
		msg := r.current
		r.mu.Unlock()
		fmt.Fprintf(r.w, "\r\033[K%s %s (%.0fs)", frames[i%len(frames)], msg, time.Since(r.start).Seconds())
		select {
		case <-r.stop:
			fmt.Fprint(r.w, "\r\033[K")
			return
		case <-tick.C:
		}
	}
}

// Done stops the spinner and prints a closing line with the elapsed time.
func (r *Reporter) Done(format string, args ...any) {
	if r == nil || !r.enabled {
		return
	}
	if r.stop != nil {
		close(r.stop)
		<-r.done
		r.stop = nil
	}
	if format != "" {
		fmt.Fprintf(r.w, "%s (%.1fs)\n", fmt.Sprintf(format, args...), time.Since(r.start).Seconds())
	}
}
