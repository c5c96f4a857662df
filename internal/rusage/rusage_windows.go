//go:build windows

package rusage

import "time"

// CPU is not read on Windows.
func CPU() (time.Duration, bool) { return 0, false }

// PeakRSS is not read on Windows.
func PeakRSS() (int64, bool) { return 0, false }
