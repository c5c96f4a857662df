package main

import (
	"archive/tar"
	"bytes"
	"io"
	"sort"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// debianImage is the file tree of a Debian 12 image with libssl3 from the
// given openssl source version.
func debianImage(opensslVersion string) map[string]string {
	return map[string]string{
		"etc/os-release":      "ID=debian\nVERSION_ID=\"12\"\n",
		"var/lib/dpkg/status": "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: " + opensslVersion + "\nDescription: x\n",
	}
}

// writeImage writes a one-layer image holding files as a 'docker save'
// tarball at path, tagged example.invalid/app:1.
func writeImage(path string, files map[string]string) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	b := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	tag, err := name.NewTag("example.invalid/app:1")
	if err != nil {
		return err
	}
	return tarball.WriteToFile(path, tag, img)
}
