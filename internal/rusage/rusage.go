// Package rusage reads what the process has used so far (CPU time, peak
// resident memory), for benchmarks to report next to wall time.
package rusage
