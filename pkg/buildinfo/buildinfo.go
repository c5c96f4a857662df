// Package buildinfo describes a secops binary from what the Go toolchain
// recorded in it: its version and commit, the scanning engines and AWS SDK
// it embeds, and every module it was built from.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
)

// Stamp is what a release build sets through -ldflags -X; each field that
// is set wins over what the toolchain recorded.
type Stamp struct {
	Version string
	Commit  string
	Date    string // the commit's time, RFC 3339: never the build's
}

// Info describes one binary.
type Info struct {
	Version   string // v1.2.3; "dev" for a build from a work tree
	Commit    string // the full VCS revision, or "unknown"
	Date      string // the commit time, or "unknown"
	GoVersion string // the toolchain: go1.26.8
	OS        string
	Arch      string
	Path      string   // the main module: github.com/secops-dev/secops
	Modules   []Module // every module linked in besides the main one, by path
	Settings  []debug.BuildSetting
}

// Module is one module linked into the binary.
type Module struct {
	Path    string // the path the code imports
	Version string // v1.2.3, or "(devel)" for a local replacement
	// Sum is the go.sum checksum ("h1:" and base64 of a SHA-256);
	// empty for a local replacement, which has none.
	Sum string
	// Replace is the module path that replaced Path (a fork), when a
	// replace directive changed it; Version and Sum are then that module's.
	Replace string
}

// Unknown stands for a value the binary does not record.
const Unknown = "unknown"

// Read describes the running binary.
func Read(s Stamp) Info {
	bi, _ := debug.ReadBuildInfo()
	return FromBuildInfo(bi, s)
}

// FromBuildInfo describes the binary bi was read from; bi may be nil (a
// binary built without module support).
func FromBuildInfo(bi *debug.BuildInfo, s Stamp) Info {
	info := Info{
		Version:   s.Version,
		Commit:    s.Commit,
		Date:      s.Date,
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
	}
	if bi != nil {
		info.Path = bi.Main.Path
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		// `go install …@v1.2.3` records the version of the main module.
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		info.Settings = append(info.Settings, bi.Settings...)
		for _, st := range bi.Settings {
			switch st.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = st.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = st.Value
				}
			case "GOOS":
				info.OS = st.Value
			case "GOARCH":
				info.Arch = st.Value
			}
		}
		for _, d := range bi.Deps {
			info.Modules = append(info.Modules, moduleOf(d))
		}
		sort.Slice(info.Modules, func(i, j int) bool { return info.Modules[i].Path < info.Modules[j].Path })
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = Unknown
	}
	if info.Date == "" {
		info.Date = Unknown
	}
	return info
}

func moduleOf(d *debug.Module) Module {
	m := Module{Path: d.Path, Version: d.Version, Sum: d.Sum}
	if r := d.Replace; r != nil {
		m.Version, m.Sum = r.Version, r.Sum
		if r.Version == "" {
			// A directory on the build machine: no version, no checksum.
			m.Version = "(devel)"
		}
		if r.Path != d.Path && !strings.HasPrefix(r.Path, ".") && !strings.HasPrefix(r.Path, "/") {
			m.Replace = r.Path
		}
	}
	return m
}

// Module returns the linked module with the given path.
func (i Info) Module(path string) (Module, bool) {
	n := sort.Search(len(i.Modules), func(k int) bool { return i.Modules[k].Path >= path })
	if n < len(i.Modules) && i.Modules[n].Path == path {
		return i.Modules[n], true
	}
	return Module{}, false
}

// Setting returns a build setting (-trimpath, -tags, CGO_ENABLED, vcs.time…).
func (i Info) Setting(key string) (string, bool) {
	for _, s := range i.Settings {
		if s.Key == key {
			return s.Value, true
		}
	}
	return "", false
}

// Engine is a third-party engine secops embeds; its version decides what
// a scan can find.
type Engine struct {
	Name    string `json:"name"`
	Module  string `json:"module"`
	Version string `json:"version"`
}

// engines are the engines `secops version` names, in that order.
var engines = []struct{ name, module string }{
	{"osv-scalibr", "github.com/google/osv-scalibr"},   // SCA: lockfile and package extraction
	{"gitleaks", "github.com/zricethezav/gitleaks/v8"}, // secrets: detector and its default rules
	{"gosec", "github.com/securego/gosec/v2"},          // SAST for Go
	{"aws-sdk-go-v2", "github.com/aws/aws-sdk-go-v2"},  // every AWS call: its core module
}

// Engines lists the embedded engines with the versions linked in; one the
// binary does not contain has version "unknown".
func (i Info) Engines() []Engine {
	out := make([]Engine, 0, len(engines))
	for _, e := range engines {
		v := Unknown
		if m, ok := i.Module(e.module); ok {
			v = m.Version
		}
		out = append(out, Engine{Name: e.name, Module: e.module, Version: v})
	}
	return out
}
