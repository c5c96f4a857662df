package release

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/linkage"
)

var cold = flag.Bool("cold", false, "compile the second release build in an empty build cache (minutes)")

// TestReleaseBuildIsReproducible builds the linux/amd64 release binary
// twice, from two copies of the module at different paths, with the
// release's flags, and requires the same bytes. It then checks what a
// release promises: static, stripped, no build ID, no build machine path,
// the commit's time embedded, and the size budget.
//
// By default both builds share the build cache, so the second one mostly
// links again: that catches anything the linker or the stamps make
// differ (a build time, a path in the build info, a random build ID), and
// the search for build paths in the binary catches what -trimpath should
// have removed from the compiled packages. With -cold the second build
// gets an empty cache and compiles every package again in its own
// directory; the release runs that (see .goreleaser.yaml). -short skips
// the builds: a first build in a cold cache takes minutes.
func TestReleaseBuildIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the release build takes minutes in a cold build cache")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the size budget and the checks are for linux/amd64; this is %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	ctx := t.Context()
	root := repoRoot(t)
	stamp := commitStamp(ctx, t, root)

	tmp := t.TempDir()
	dirA := filepath.Join(tmp, "a", "secops")
	dirB := filepath.Join(tmp, "b", "elsewhere", "secops-copy")
	for _, d := range []string{dirA, dirB} {
		if err := copyModule(ctx, root, d); err != nil {
			t.Fatal(err)
		}
	}
	binA := filepath.Join(tmp, "secops-a")
	binB := filepath.Join(tmp, "secops-b")

	start := time.Now()
	goBuild(ctx, t, dirA, stamp, binA, "")
	t.Logf("first build: %s", time.Since(start).Round(time.Second))
	cache := ""
	if *cold {
		cache = filepath.Join(tmp, "gocache")
	}
	start = time.Now()
	goBuild(ctx, t, dirB, stamp, binB, cache)
	t.Logf("second build (cold cache: %v): %s", *cold, time.Since(start).Round(time.Second))

	a, err := os.ReadFile(binA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(binB)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("two builds of the same source differ: %s", describeDiff(binA, a, b))
	}

	t.Run("static", func(t *testing.T) {
		if err := linkage.CheckStatic(binA); err != nil {
			t.Error(err)
		}
	})

	t.Run("stripped, no build ID", func(t *testing.T) {
		f, err := elf.Open(binA)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, s := range f.Sections {
			if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
				t.Errorf("section %s: the binary is not stripped", s.Name)
			}
			if s.Name == ".note.go.buildid" && s.Size > 16 {
				t.Errorf("section %s of %d bytes: the binary carries a build ID", s.Name, s.Size)
			}
		}
	})

	t.Run("no build path", func(t *testing.T) {
		paths := map[string]string{"first copy": dirA, "second copy": dirB, "temp dir": tmp}
		for _, v := range []string{"GOROOT", "GOMODCACHE", "GOPATH"} {
			if p := goEnv(ctx, t, v); len(p) > 4 {
				paths[v] = p
			}
		}
		for name, p := range paths {
			if i := bytes.Index(a, []byte(p)); i >= 0 {
				t.Errorf("the binary contains the %s path %s at offset %d: it depends on where it was built", name, p, i)
			}
		}
	})

	t.Run("build info", func(t *testing.T) {
		bi, err := buildinfo.ReadFile(binA)
		if err != nil {
			t.Fatal(err)
		}
		// -ldflags is not recorded with -trimpath (it may hold paths);
		// the version subtest checks what it stamped.
		want := map[string]string{
			"-trimpath":   "true",
			"-tags":       strings.Join(Tags, ","),
			"CGO_ENABLED": "0",
			"GOOS":        "linux",
			"GOARCH":      "amd64",
		}
		got := map[string]string{}
		for _, s := range bi.Settings {
			got[s.Key] = s.Value
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("build setting %s = %q, want %q", k, got[k], v)
			}
		}
	})

	t.Run("version is the commit's", func(t *testing.T) {
		out, err := exec.CommandContext(ctx, binA, "version", "-o", "json").Output()
		if err != nil {
			t.Fatalf("secops version: %v", err)
		}
		var v struct{ Version, Commit, Date string }
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if v.Version != stamp.Version || v.Commit != stamp.Commit || v.Date != stamp.Date {
			t.Errorf("secops version says %+v, want %+v", v, stamp)
		}
	})

	t.Run("size budget", func(t *testing.T) {
		zipped := zipSize(t, a)
		t.Logf("linux/amd64 binary %d bytes (%.1f MB), zipped %d bytes (%.1f MB)", len(a), float64(len(a))/1e6, zipped, float64(zipped)/1e6)
		// What the build tags are for: these packages must stay out.
		for pkg, importer := range releaseDeps(ctx, t, dirA, "net/rpc", "golang.org/x/net/trace") {
			t.Errorf("the release build links %s (imported by %s), which looks up methods by name: check the build tags %v", pkg, importer, Tags)
		}
		if chains := reflectMethodChains(ctx, t, dirA, stamp); len(chains) > 0 {
			if onlyThrough(chains, "github.com/secops-dev/secops/pkg/compliance.WriteReportHTML") {
				// Known and being changed: the compliance report is an
				// html/template. Delete this branch once it is not.
				t.Skipf("compliance.WriteReportHTML executes an html/template, which turns off the linker's dead-code elimination of methods; the budget applies once it does not:\n%s", strings.Join(chains, "\n"))
			}
			t.Errorf("the release binary calls code that looks up methods by name, so the linker keeps every exported method of every type:\n%s", strings.Join(chains, "\n"))
		}
		if len(a) > MaxBinaryBytes {
			t.Errorf("the binary is %d bytes, over the %d-byte budget", len(a), MaxBinaryBytes)
		}
		if zipped > MaxLambdaZipBytes {
			t.Errorf("the Lambda package would be %d bytes, over the %d-byte budget", zipped, MaxLambdaZipBytes)
		}
	})
}

// commitStamp is what the release would stamp for HEAD: its hash and
// commit time (UTC, RFC 3339, as GoReleaser's .CommitDate). Without git it
// is a fixed stamp: the builds are still compared with each other.
func commitStamp(ctx context.Context, t *testing.T, root string) Stamp {
	s := Stamp{Version: "v0.0.0-reproducible", Commit: strings.Repeat("0", 40), Date: "2026-01-01T00:00:00Z"}
	out, err := exec.CommandContext(ctx, "git", "-C", root, "log", "-1", "--format=%H %ct").Output()
	if err != nil {
		t.Logf("no git commit (%v): using a fixed stamp", err)
		return s
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return s
	}
	sec, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return s
	}
	s.Commit, s.Date = f[0], time.Unix(sec, 0).UTC().Format(time.RFC3339)
	return s
}

// copyModule copies the files git would commit (tracked, and new files not
// ignored) from root to dst; without git, every file but .git and dist.
func copyModule(ctx context.Context, root, dst string) error {
	var files []string
	out, err := exec.CommandContext(ctx, "git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err == nil {
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
	} else {
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if d.IsDir() && (rel == ".git" || rel == "dist") {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() {
				files = append(files, rel)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, f := range files {
		src := filepath.Join(root, f)
		info, err := os.Lstat(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			continue
		}
		if err := copyFile(src, filepath.Join(dst, f), info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// goBuild builds the release binary from dir, in the build cache cache
// when it is set.
func goBuild(ctx context.Context, t *testing.T, dir string, s Stamp, out, cache string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, "go", BuildArgs(s, out)...)
	cmd.Dir = dir
	env := buildEnv(cache)
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(cmd.Args[1:], " "), dir, err, b)
	}
}

// buildEnv is the environment of a release build: the release's, cleared
// of anything from the developer's that changes the output; the module
// cache is the only source (no network); with cache set, that build cache.
func buildEnv(cache string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "CGO_"), strings.HasPrefix(k, "GO") && k != "GOPATH" && k != "GOMODCACHE" && k != "GOCACHE":
			continue // GOFLAGS, GOOS, GOAMD64, GOEXPERIMENT…: not the release's
		}
		env = append(env, kv)
	}
	env = append(env, Env...)
	env = append(env, "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "GOTOOLCHAIN=local",
		"GOFLAGS=-mod=readonly -buildvcs=false", "GOPROXY=off", "GOWORK=off")
	if cache != "" {
		env = append(env, "GOCACHE="+cache)
	}
	return env
}

func goEnv(ctx context.Context, t *testing.T, name string) string {
	out, err := exec.CommandContext(ctx, "go", "env", name).Output()
	if err != nil {
		t.Logf("go env %s: %v", name, err)
		return ""
	}
	return strings.TrimSpace(string(out))
}

// reflectMethodChains links the release binary again with the linker's
// -dumpdep and returns the call chains from the program's entry to the
// functions that look up a method by a name known only at run time
// (reflect.Value.MethodByName and the like, as text/template, html/template
// and net/rpc do). While one is reachable the linker cannot tell which
// methods are unused and keeps every exported method of every type.
//
// The dump lists each symbol once, with the edge that first reached it.
// The linker first follows calls and references, then marks methods (of
// types used as interfaces, or all of them once a method lookup is
// reachable). The causes are the lookups reached in the first phase, and
// the first lookup in the dump: later ones may only be reachable because
// every method is kept.
func reflectMethodChains(ctx context.Context, t *testing.T, dir string, s Stamp) []string {
	t.Helper()
	args := append([]string{"build"}, Flags()...)
	args = append(args, "-ldflags="+LDFlags(s)+" -dumpdep", "-o", os.DevNull, "./cmd/secops")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = buildEnv("")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	parent := map[string]string{}
	var causes []string
	methodPhase := false
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), " -> ")
		if !ok {
			continue
		}
		from = strings.TrimSuffix(strings.TrimSuffix(from, " <ReflectMethod>"), " <UsedInIface>")
		to, reflective := strings.CutSuffix(to, " <ReflectMethod>")
		to = strings.TrimSuffix(to, " <UsedInIface>")
		if strings.HasPrefix(from, "type:") && !strings.HasPrefix(to, "type:") && !strings.HasPrefix(to, "go:") && strings.Contains(to, ".") {
			methodPhase = true // a type reaching a method: the method phase
		}
		if _, seen := parent[to]; !seen {
			parent[to] = from
		}
		if reflective && (!methodPhase || len(causes) == 0) {
			causes = append(causes, to)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	var chains []string
	for _, fn := range causes {
		var path []string
		for n, steps := fn, 0; n != "" && n != "_" && steps < 10000; n, steps = parent[n], steps+1 {
			path = append(path, n)
		}
		slices.Reverse(path)
		chains = append(chains, "  "+strings.Join(packageBoundaries(path), " → "))
	}
	return chains
}

// releaseDeps returns which of pkgs the release build links, each with a
// package that imports it.
func releaseDeps(ctx context.Context, t *testing.T, dir string, pkgs ...string) map[string]string {
	t.Helper()
	args := append([]string{"list", "-deps"}, Flags()...)
	args = append(args, "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./cmd/secops")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = buildEnv("")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	found := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		for _, imp := range f[min(1, len(f)):] {
			if slices.Contains(pkgs, imp) {
				found[imp] = f[0]
			}
		}
	}
	return found
}

// packageBoundaries keeps the first and last function of a call chain and
// each function where the chain enters another package.
func packageBoundaries(path []string) []string {
	pkg := func(fn string) string {
		i := strings.LastIndex(fn, "/")
		if j := strings.Index(fn[i+1:], "."); j >= 0 {
			return fn[:i+1+j]
		}
		return fn
	}
	var out []string
	for i, fn := range path {
		if i == 0 || i == len(path)-1 || pkg(fn) != pkg(path[i-1]) {
			out = append(out, fn)
		}
	}
	return out
}

// onlyThrough reports whether every chain passes through fn.
func onlyThrough(chains []string, fn string) bool {
	for _, c := range chains {
		if !strings.Contains(c, fn+" ") {
			return false
		}
	}
	return len(chains) > 0
}

// zipSize is the size of a Lambda package holding b as "bootstrap",
// deflated at the best compression (as zip -9).
func zipSize(t *testing.T, b []byte) int {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// describeDiff says where two builds first differ, by ELF section.
func describeDiff(path string, a, b []byte) string {
	if len(a) != len(b) {
		return fmt.Sprintf("sizes %d and %d bytes", len(a), len(b))
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	where := "outside any section"
	if f, err := elf.Open(path); err == nil {
		for _, s := range f.Sections {
			if s.Type != elf.SHT_NOBITS && uint64(i) >= s.Offset && uint64(i) < s.Offset+s.Size {
				where = "in " + s.Name
			}
		}
		f.Close()
	}
	n := 0
	for j := range a {
		if a[j] != b[j] {
			n++
		}
	}
	return fmt.Sprintf("%d differing bytes, the first at offset %d %s", n, i, where)
}
