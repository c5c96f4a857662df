// Package goenv holds the environment the go command gets when a scan
// must not touch the network.
package goenv

import (
	"os"
	"sync"
)

// offlineEnv keeps the go command off the network: modules come from the
// module cache or vendor/ only (GOPROXY=off), go.sum is checked against
// itself (GOSUMDB=off; the checksum database is on the network too), and
// no newer toolchain is downloaded (GOTOOLCHAIN=local).
var offlineEnv = map[string]string{
	"GOPROXY":     "off",
	"GOSUMDB":     "off",
	"GOTOOLCHAIN": "local",
}

var once sync.Once

// SetOffline sets the offline environment for this process, so that every
// go command it starts from now on (gosec's and govulncheck's package
// loading, which take no environment of their own) stays offline. A module
// missing from the cache then fails to load, and the scan reports it as
// incomplete instead of downloading it.
func SetOffline() {
	once.Do(func() {
		for k, v := range offlineEnv {
			os.Setenv(k, v)
		}
	})
}

// Offline lists the offline environment as KEY=VALUE, for commands that
// take an explicit environment.
func Offline() []string {
	out := make([]string, 0, len(offlineEnv))
	for k, v := range offlineEnv {
		out = append(out, k+"="+v)
	}
	return out
}
