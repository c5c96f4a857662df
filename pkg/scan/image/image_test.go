package image

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/vulndb"
)

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

type tarEntry struct {
	name, body, link string
}

func layerOf(t *testing.T, entries ...tarEntry) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg, ModTime: testNow}
		if e.link != "" {
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

const dpkgStatus = `Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Source: openssl
Version: 3.0.9-1
Description: Secure Sockets Layer toolkit - shared libraries

Package: base-files
Status: install ok installed
Priority: required
Architecture: amd64
Version: 12.4+deb12u1
Description: Debian base system miscellaneous files
`

const apkInstalled = `C:Q1abcdefghijklmnopqrstuvwxyz0123=
P:libssl3
V:3.1.4-r0
A:x86_64
S:1
I:2
T:SSL shared libraries
U:https://www.openssl.org/
L:Apache-2.0
o:openssl
m:Maintainer <m@example.invalid>
t:1700000000

`

const lock = `GEM
  remote: https://rubygems.org/
  specs:
    demo-gem (2.2.3)

PLATFORMS
  ruby

DEPENDENCIES
  demo-gem
`

// debianImage has three layers: the OS (os-release through a symlink, as
// Debian ships it), the dpkg database, and an app layer whose lockfile
// replaces one removed by a whiteout.
func debianImage(t *testing.T) (v1.Image, []v1.Hash) {
	t.Helper()
	l1 := layerOf(t,
		tarEntry{name: "usr/lib/os-release", body: "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n"},
		tarEntry{name: "etc/os-release", link: "../usr/lib/os-release"},
		tarEntry{name: "app/old/Gemfile.lock", body: lock},
	)
	l2 := layerOf(t, tarEntry{name: "var/lib/dpkg/status", body: dpkgStatus})
	l3 := layerOf(t, tarEntry{name: "app/old/.wh.Gemfile.lock"}, tarEntry{name: "app/Gemfile.lock", body: lock})
	img, err := mutate.AppendLayers(empty.Image, l1, l2, l3)
	if err != nil {
		t.Fatal(err)
	}
	var diffs []v1.Hash
	for _, l := range []v1.Layer{l1, l2, l3} {
		d, _ := l.DiffID()
		diffs = append(diffs, d)
	}
	return img, diffs
}

func opts() Options {
	return Options{DBDir: "testdata/db", Offline: true, Now: func() time.Time { return testNow }, Provenance: findings.LocalProvenance(testNow, "secops")}
}

func keys(t *testing.T, fs []findings.Finding) []string {
	t.Helper()
	var out []string
	for _, f := range fs {
		if err := f.Validate(); err != nil {
			t.Error(err)
		}
		p := f.Vulnerabilities[0].VulnerablePackages[0]
		out = append(out, p.FilePath+" "+p.Name+"@"+p.Version+" "+p.PackageManager+" "+f.Vulnerabilities[0].Id+" "+p.SourceLayerHash)
	}
	return out
}

func TestScanTarball(t *testing.T) {
	img, diffs := debianImage(t)
	path := writeTarball(t, img, "example.invalid/app:1")
	res, err := Scan(context.Background(), path, opts())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/app/Gemfile.lock demo-gem@2.2.3 RubyGems TEST-GEM-1 " + diffs[2].String(),
		"/var/lib/dpkg/status libssl3@3.0.9-1 Debian:12 TEST-DEB-12 " + diffs[1].String(),
	}
	got := keys(t, res.Findings)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	digest, _ := img.Digest()
	for _, f := range res.Findings {
		r := f.Resources[0]
		if r.Type != "Container" || !strings.HasSuffix(r.Id, "image.tar@"+digest.String()) {
			t.Errorf("resource = %+v", r)
		}
		if f.GeneratorId != "secops/image" || f.ProductFields[findings.FieldScanner] != "image" || f.ProductFields[findings.FieldTarget] != path {
			t.Errorf("finding fields = %s %v", f.GeneratorId, f.ProductFields)
		}
		if f.Vulnerabilities[0].Id == "TEST-DEB-12" {
			if f.Title != "CVE-2099-1000: libssl3 3.0.9-1 (fixed in 3.0.11-1~deb12u2)" || f.Severity.Label != "HIGH" {
				t.Errorf("Debian finding title %q severity %s", f.Title, f.Severity.Label)
			}
		}
	}
}

func TestScanOCILayoutAlpine(t *testing.T) {
	l1 := layerOf(t,
		tarEntry{name: "etc/os-release", body: "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n"},
		tarEntry{name: "lib/apk/db/installed", body: apkInstalled},
	)
	img, err := mutate.AppendLayers(empty.Image, l1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	res, err := Scan(context.Background(), dir, opts())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := l1.DiffID()
	want := []string{"/lib/apk/db/installed libssl3@3.1.4-r0 Alpine:v3.19 TEST-APK-319 " + d.String()}
	if got := keys(t, res.Findings); !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
}

func TestScanRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(nilLogger())))
	defer srv.Close()
	img, _ := debianImage(t)
	ref := strings.TrimPrefix(srv.URL, "http://") + "/team/app:1.0"
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	// A registry pull is not offline: advisories still come from the test
	// database, opened directly.
	db, err := vulndb.Open("testdata/db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o := opts()
	o.Offline, o.Source = false, db
	res, err := Scan(context.Background(), ref, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 2 {
		t.Fatalf("%d findings", len(res.Findings))
	}
	// With --offline the same reference is refused, never pulled.
	if _, err := Scan(context.Background(), ref, opts()); err == nil || !strings.Contains(err.Error(), "--offline pulls nothing from a registry") {
		t.Errorf("offline scan of a registry reference: %v", err)
	}
	digest, _ := img.Digest()
	wantID := strings.TrimPrefix(srv.URL, "http://") + "/team/app@" + digest.String()
	for _, f := range res.Findings {
		if f.Resources[0].Id != wantID || f.Resources[0].Type != "Container" {
			t.Errorf("resource = %+v, want %s", f.Resources[0], wantID)
		}
	}
	if _, err := Scan(context.Background(), strings.TrimPrefix(srv.URL, "http://")+"/team/missing:1", opts()); err == nil || !strings.Contains(err.Error(), "pull ") {
		t.Errorf("missing image error = %v", err)
	}
}

func TestECRResource(t *testing.T) {
	src := &source{repo: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app", tag: "1.0", kind: "registry"}
	m := ecrHost.FindStringSubmatch("123456789012.dkr.ecr.eu-west-1.amazonaws.com")
	if m == nil || m[1] != "123456789012" || m[3] != "eu-west-1" {
		t.Fatalf("ECR host not recognised: %v", m)
	}
	got := string(ecrDetails(m[1], src, "sha256:abc"))
	want := `{"AwsEcrContainerImage":{"ImageDigest":"sha256:abc","ImageTags":["1.0"],"RegistryId":"123456789012","RepositoryName":"team/app"}}`
	if got != want {
		t.Errorf("details = %s", got)
	}
	if ecrHost.MatchString("public.ecr.aws") || ecrHost.MatchString("ghcr.io") {
		t.Error("non-ECR host matched")
	}
}

// TestLayerAttribution: a later apt run rewrites the dpkg database; the
// package keeps the layer that installed it, while an upgraded one moves
// to the layer of the upgrade.
func TestLayerAttribution(t *testing.T) {
	osRelease := tarEntry{name: "etc/os-release", body: "ID=debian\nVERSION_ID=\"12\"\n"}
	curl := "Package: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10\nDescription: x\n"
	l1 := layerOf(t, osRelease, tarEntry{name: "var/lib/dpkg/status", body: dpkgStatus})
	l2 := layerOf(t, tarEntry{name: "var/lib/dpkg/status", body: dpkgStatus + "\n" + curl})
	img, err := mutate.AppendLayers(empty.Image, l1, l2)
	if err != nil {
		t.Fatal(err)
	}
	files, err := flatten(context.Background(), img, mustExtractors(t))
	if err != nil {
		t.Fatal(err)
	}
	f := files["var/lib/dpkg/status"]
	d1, _ := l1.DiffID()
	d2, _ := l2.DiffID()
	tests := []struct{ name, version, want string }{
		{"libssl3", "3.0.9-1", d1.String()},
		{"base-files", "12.4+deb12u1", d1.String()},
		{"curl", "7.88.1-10", d2.String()},
		{"libssl3", "3.0.11-1", d2.String()},
	}
	for _, tt := range tests {
		if got := installedIn(f, "var/lib/dpkg/status", tt.name, tt.version); got != tt.want {
			t.Errorf("installedIn(%s %s) = %s, want %s", tt.name, tt.version, got, tt.want)
		}
	}
	if !lists([]byte(apkInstalled), "lib/apk/db/installed", "libssl3", "3.1.4-r0") || lists([]byte(apkInstalled), "lib/apk/db/installed", "libssl3", "3.1.4-r1") {
		t.Error("apk stanza lookup")
	}
	// Through a whole scan: the finding names the installing layer.
	path := writeTarball(t, img, "example.invalid/app:2")
	res, err := Scan(context.Background(), path, opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Vulnerabilities[0].VulnerablePackages[0].SourceLayerHash != d1.String() {
		t.Errorf("findings = %q", keys(t, res.Findings))
	}
}

// TestScanRPMAlmaLinux reads rpm databases in the SQLite format of
// AlmaLinux 9 (built by testdata/rpm/make-rpmdb.sh). Red Hat family
// advisories give fixed versions with the epoch, so an installed
// 1:3.0.7-27.el9 is past the fix 1:3.0.1-47.el9_1 and must not be reported,
// while 1:3.0.1-43.el9_0 is before it.
func TestScanRPMAlmaLinux(t *testing.T) {
	osRelease := func(version, codename string) tarEntry {
		return tarEntry{name: "etc/os-release", body: fmt.Sprintf("NAME=\"AlmaLinux\"\nVERSION=\"%[1]s (%[2]s)\"\nID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"%[1]s\"\nPLATFORM_ID=\"platform:el9\"\nPRETTY_NAME=\"AlmaLinux %[1]s (%[2]s)\"\nCPE_NAME=\"cpe:/o:almalinux:almalinux:9::baseos\"\n", version, codename)}
	}
	tests := []struct {
		name, version, codename, db string
		want                        []string
	}{
		{
			name: "before the fix", version: "9.0", codename: "Emerald Puma", db: "almalinux-9.0.sqlite",
			want: []string{
				"/var/lib/rpm/rpmdb.sqlite openssl-libs@3.0.1-43.el9_0 AlmaLinux:9 ALSA-2023:0946 ",
				"/var/lib/rpm/rpmdb.sqlite openssl@3.0.1-43.el9_0 AlmaLinux:9 ALSA-2023:0946 ",
			},
		},
		{name: "past the fix", version: "9.3", codename: "Shamrock Pampas Cat", db: "almalinux-9.3.sqlite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rpmdb, err := os.ReadFile(filepath.Join("testdata", "rpm", tt.db))
			if err != nil {
				t.Fatal(err)
			}
			l := layerOf(t, osRelease(tt.version, tt.codename), tarEntry{name: "var/lib/rpm/rpmdb.sqlite", body: string(rpmdb)})
			img, err := mutate.AppendLayers(empty.Image, l)
			if err != nil {
				t.Fatal(err)
			}
			path := writeTarball(t, img, "example.invalid/alma:"+tt.version)
			res, err := Scan(context.Background(), path, opts())
			if err != nil {
				t.Fatal(err)
			}
			diff, _ := l.DiffID()
			var want []string
			for _, w := range tt.want {
				want = append(want, w+diff.String())
			}
			got := keys(t, res.Findings)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("findings:\n got %q\nwant %q", got, want)
			}
			for _, f := range res.Findings {
				p := f.Vulnerabilities[0].VulnerablePackages[0]
				if p.Epoch != "1" || p.Architecture != "x86_64" || p.FixedInVersion != "1:3.0.1-47.el9_1" {
					t.Errorf("%s: epoch %q arch %q fixed %q", p.Name, p.Epoch, p.Architecture, p.FixedInVersion)
				}
				if f.Severity.Label != "HIGH" || f.Title != "ALSA-2023:0946: "+p.Name+" 3.0.1-43.el9_0 (fixed in 1:3.0.1-47.el9_1)" {
					t.Errorf("severity %s title %q", f.Severity.Label, f.Title)
				}
			}
		})
	}
}

// TestScanMalformedRPMDatabase: a package database that is not one is
// reported as skipped, with why, and the rest of the image is still read.
func TestScanMalformedRPMDatabase(t *testing.T) {
	garbage := strings.Repeat("\x00\x01not a database\xff", 512)
	tests := []struct{ file, reason string }{
		{"var/lib/rpm/rpmdb.sqlite", "malformed rpmdb.sqlite (os/rpm)"},
		{"var/lib/rpm/Packages", "malformed Packages (os/rpm)"},
		{"var/lib/rpm/Packages.db", "malformed Packages.db (os/rpm)"},
	}
	for _, tt := range tests {
		t.Run(path.Base(tt.file), func(t *testing.T) {
			l := layerOf(t,
				tarEntry{name: "etc/os-release", body: "ID=debian\nVERSION_ID=\"12\"\n"},
				tarEntry{name: tt.file, body: garbage},
				tarEntry{name: "var/lib/dpkg/status", body: dpkgStatus},
			)
			img, err := mutate.AppendLayers(empty.Image, l)
			if err != nil {
				t.Fatal(err)
			}
			p := writeTarball(t, img, "example.invalid/bad:1")
			res, err := Scan(context.Background(), p, opts())
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Skipped) != 1 || res.Skipped[0].Path != tt.file || !strings.HasPrefix(res.Skipped[0].Reason, tt.reason) {
				t.Errorf("skipped = %+v, want %s: %s…", res.Skipped, tt.file, tt.reason)
			}
			if got := keys(t, res.Findings); len(got) != 1 || !strings.Contains(got[0], "libssl3@3.0.9-1 Debian:12 TEST-DEB-12") {
				t.Errorf("findings = %q, want the dpkg one", got)
			}
		})
	}
}

// Ubuntu's OSV advisories name LTS releases "Ubuntu:22.04:LTS" while the
// image says VERSION_ID="22.04"; Ubuntu Pro (ESM) advisories do not apply
// to an image without Pro. Distroless images keep one dpkg file per package
// in status.d, without Status fields.
func TestScanUbuntuAndDistroless(t *testing.T) {
	ubuntuStatus := "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.2-0ubuntu1.9\nDescription: ssl\n"
	distrolessSSL := "Package: libssl3\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.9-1\nDescription: ssl\n"
	tests := []struct {
		name   string
		layers []tarEntry
		want   []string
	}{
		{
			name: "ubuntu 22.04",
			layers: []tarEntry{
				{name: "usr/lib/os-release", body: "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n"},
				{name: "etc/os-release", link: "../usr/lib/os-release"},
				{name: "var/lib/dpkg/status", body: ubuntuStatus},
			},
			want: []string{"/var/lib/dpkg/status libssl3@3.0.2-0ubuntu1.9 Ubuntu:22.04 TEST-UBUNTU-2204 fixed=3.0.2-0ubuntu1.10"},
		},
		{
			name: "distroless debian 12",
			layers: []tarEntry{
				{name: "etc/os-release", body: "PRETTY_NAME=\"Distroless\"\nNAME=\"Debian GNU/Linux\"\nID=\"debian\"\nVERSION_ID=\"12\"\n"},
				{name: "var/lib/dpkg/status.d/libssl3", body: distrolessSSL},
				{name: "var/lib/dpkg/status.d/libssl3.md5sums", body: "d41d8cd98f00b204e9800998ecf8427e  usr/lib/x86_64-linux-gnu/libssl.so.3\n"},
			},
			want: []string{"/var/lib/dpkg/status.d/libssl3 libssl3@3.0.9-1 Debian:12 TEST-DEB-12 fixed=3.0.11-1~deb12u2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := mutate.AppendLayers(empty.Image, layerOf(t, tt.layers...))
			if err != nil {
				t.Fatal(err)
			}
			path := writeTarball(t, img, "example.invalid/os:1")
			res, err := Scan(context.Background(), path, opts())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range res.Findings {
				p := f.Vulnerabilities[0].VulnerablePackages[0]
				got = append(got, p.FilePath+" "+p.Name+"@"+p.Version+" "+p.PackageManager+" "+f.Vulnerabilities[0].Id+" fixed="+p.FixedInVersion)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings:\n got %q\nwant %q\nwarnings %v skipped %v", got, tt.want, res.Warnings, res.Skipped)
			}
		})
	}
}
