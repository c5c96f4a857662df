package sca

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// TestLockfileFormats extracts one small lockfile of each supported
// format and matches it against the vulndb test database.
func TestLockfileFormats(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"yarn/yarn.lock":            "# yarn lockfile v1\n\n\n\"@demo/pkg@^0.0.1\":\n  version \"0.0.1\"\n  resolved \"https://registry.yarnpkg.com/@demo/pkg/-/pkg-0.0.1.tgz\"\n",
		"pnpm/pnpm-lock.yaml":       "lockfileVersion: '6.0'\n\npackages:\n\n  /@demo/pkg@1.2.3-beta.1:\n    resolution: {integrity: sha512-AAAA}\n    dev: false\n",
		"gradle/gradle.lockfile":    "# Gradle lockfile\norg.example:demo-core:5.3.17=compileClasspath,runtimeClasspath\nempty=\n",
		"poetry/poetry.lock":        "[[package]]\nname = \"demo-pkg-core\"\nversion = \"1.5\"\ndescription = \"\"\noptional = false\npython-versions = \"*\"\n\n[metadata]\nlock-version = \"2.0\"\npython-versions = \"^3.11\"\ncontent-hash = \"x\"\n",
		"pipenv/Pipfile.lock":       `{"_meta": {"hash": {"sha256": "x"}}, "default": {"demo-pkg-core": {"version": "==3.2.4"}}, "develop": {}}`,
		"uv/uv.lock":                "version = 1\nrequires-python = \">=3.12\"\n\n[[package]]\nname = \"demo-pkg-core\"\nversion = \"4.0.1\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
		"php/composer.lock":         `{"packages": [{"name": "demo/php-pkg", "version": "1.0.0"}], "packages-dev": []}`,
		"dotnet/packages.lock.json": `{"version": 1, "dependencies": {"net8.0": {"Demo.Pkg": {"type": "Direct", "requested": "[1.0.0, )", "resolved": "1.0.0"}}}}`,
		"ruby/Gemfile.lock":         goodGemfileLock,
		"go/go.mod":                 "module example.com/app\n\ngo 1.22\n\ntoolchain go1.22.4\n\nrequire example.com/demo/jwt v3.2.0+incompatible\n",
	})
	s := New(Options{DBDir: ownDB, Offline: true})
	pkgs, skipped, err := s.Packages(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 0 {
		t.Errorf("skipped: %+v", skipped)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, fmt.Sprintf("%s %s %s@%s line=%v", p.Path, p.Ecosystem, p.Name, p.Version, p.Line > 0))
	}
	slices.Sort(got)
	want := []string{
		"dotnet/packages.lock.json NuGet Demo.Pkg@1.0.0 line=false",
		"go/go.mod Go example.com/demo/jwt@3.2.0+incompatible line=true",
		"go/go.mod Go stdlib@1.22.4 line=true",
		"gradle/gradle.lockfile Maven org.example:demo-core@5.3.17 line=true",
		"php/composer.lock Packagist demo/php-pkg@1.0.0 line=true",
		"pipenv/Pipfile.lock PyPI demo-pkg-core@3.2.4 line=false",
		"pnpm/pnpm-lock.yaml npm @demo/pkg@1.2.3-beta.1 line=true",
		"poetry/poetry.lock PyPI demo-pkg-core@1.5 line=true",
		"ruby/Gemfile.lock RubyGems demo-gem@2.2.3 line=true",
		"uv/uv.lock PyPI demo-pkg-core@4.0.1 line=true",
		"yarn/yarn.lock npm @demo/pkg@0.0.1 line=true",
	}
	if !slices.Equal(got, want) {
		t.Errorf("packages:\n got %q\nwant %q", got, want)
	}
	res, err := s.Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range res.Findings {
		ids = append(ids, f.ProductFields[findings.FieldPath]+" "+f.ProductFields[findings.FieldRuleID])
	}
	wantIDs := []string{
		"go/go.mod TEST-GO-1",
		"gradle/gradle.lockfile TEST-MVN-1",
		"pipenv/Pipfile.lock TEST-PY-2",
		"pnpm/pnpm-lock.yaml TEST-NPM-1",
		"poetry/poetry.lock TEST-PY-1",
		"ruby/Gemfile.lock TEST-GEM-1",
		"uv/uv.lock TEST-PY-2",
		"yarn/yarn.lock TEST-NPM-1",
	}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("findings:\n got %q\nwant %q", ids, wantIDs)
	}
}
