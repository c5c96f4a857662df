package sca

import (
	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/dotnet/packageslockjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/golang/gobinary"
	"github.com/google/osv-scalibr/extractor/filesystem/language/golang/gomod"
	"github.com/google/osv-scalibr/extractor/filesystem/language/java/gradlelockfile"
	"github.com/google/osv-scalibr/extractor/filesystem/language/java/pomxml"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagelockjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/pnpmlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/yarnlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/php/composerlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/pipfilelock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/poetrylock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/requirements"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/uvlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/ruby/gemfilelock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/rust/cargolock"
	"github.com/google/osv-scalibr/extractor/filesystem/os/apk"
	"github.com/google/osv-scalibr/extractor/filesystem/os/dpkg"
	"github.com/google/osv-scalibr/extractor/filesystem/os/rpm"
)

// LockfileExtractors are the scalibr extractors for the manifests and
// lockfiles secops reads: Go, npm/yarn/pnpm, Maven/Gradle, PyPI, RubyGems,
// crates.io, Composer and NuGet.
func LockfileExtractors() ([]filesystem.Extractor, error) {
	ctors := []func(*cpb.PluginConfig) (filesystem.Extractor, error){
		gomod.New,
		packagelockjson.New,
		yarnlock.New,
		pnpmlock.New,
		pomxml.New,
		gradlelockfile.New,
		requirements.New,
		poetrylock.New,
		pipfilelock.New,
		uvlock.New,
		gemfilelock.New,
		cargolock.New,
		composerlock.New,
		packageslockjson.New,
	}
	return build(ctors)
}

// ImageExtractors are the lockfile extractors plus the OS package
// databases of container images: dpkg (Debian, Ubuntu), apk (Alpine) and
// rpm (Red Hat family; pure Go, no cgo).
func ImageExtractors() ([]filesystem.Extractor, error) {
	// Go binaries' build info names their modules and the Go that built
	// them: the one source of a standard library version in an image.
	ctors := []func(*cpb.PluginConfig) (filesystem.Extractor, error){dpkg.New, apk.New, rpm.New, gobinary.New}
	os, err := build(ctors)
	if err != nil {
		return nil, err
	}
	lf, err := LockfileExtractors()
	if err != nil {
		return nil, err
	}
	return append(os, lf...), nil
}

func build(ctors []func(*cpb.PluginConfig) (filesystem.Extractor, error)) ([]filesystem.Extractor, error) {
	cfg := &cpb.PluginConfig{}
	out := make([]filesystem.Extractor, 0, len(ctors))
	for _, c := range ctors {
		e, err := c(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
