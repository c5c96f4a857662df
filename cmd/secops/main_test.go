package main

import (
	"os"
	"testing"
	"time"
)

// TestInterruptExitsAtOnce: Ctrl-C cancels the command; one that goes on
// (busy in work that does not watch its context) is ended after the grace
// period, or at once by a second Ctrl-C; one that stops in time is left to
// return its own exit code.
func TestInterruptExitsAtOnce(t *testing.T) {
	tests := []struct {
		name        string
		second      bool
		stopsInTime bool
		wantExit    bool
	}{
		{name: "busy command, one Ctrl-C", wantExit: true},
		{name: "busy command, second Ctrl-C", second: true, wantExit: true},
		{name: "command stops in time", stopsInTime: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signals := make(chan os.Signal, 2)
			finished := make(chan struct{})
			cancelled := make(chan struct{})
			exited := make(chan struct{})
			grace := time.Hour
			if !tt.second && !tt.stopsInTime {
				grace = 20 * time.Millisecond
			}
			go watchInterrupts(signals, func() { close(cancelled) }, finished, grace, func() { close(exited) })
			signals <- os.Interrupt
			<-cancelled
			switch {
			case tt.stopsInTime:
				close(finished)
			case tt.second:
				signals <- os.Interrupt
			}
			select {
			case <-exited:
				if !tt.wantExit {
					t.Error("exited although the command stopped in time")
				}
			case <-time.After(time.Second):
				if tt.wantExit {
					t.Error("did not exit")
				}
			}
		})
	}
}
