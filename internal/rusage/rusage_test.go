package rusage

import (
	"runtime"
	"testing"
)

func TestReadings(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("not read on Windows")
	}
	// Spin and hold some memory so that both readings have something to show.
	buf := make([]byte, 32<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	cpu, ok := CPU()
	if !ok || cpu <= 0 {
		t.Errorf("CPU() = %v, %v; want a positive duration", cpu, ok)
	}
	rss, ok := PeakRSS()
	if !ok || rss < 32<<20 {
		t.Errorf("PeakRSS() = %d, %v; want at least the 32 MiB just touched", rss, ok)
	}
	runtime.KeepAlive(buf)
}
