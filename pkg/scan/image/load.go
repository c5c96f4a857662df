package image

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// source says where an image came from.
type source struct {
	img  v1.Image
	kind string // "tarball", "oci-layout", "registry"
	repo string // repository for registry images, the path otherwise
	tag  string
}

// load opens ref as a `docker save` tarball (a file), an OCI image layout
// (a directory with oci-layout), or else a registry reference, pulled with
// the default keychain (Docker config, credential helpers such as
// docker-credential-ecr-login).
func load(ctx context.Context, ref string, offline bool, remoteOpts []remote.Option) (*source, error) {
	if st, err := os.Stat(ref); err == nil {
		if st.IsDir() {
			return loadLayout(ref)
		}
		img, err := tarball.ImageFromPath(ref, nil)
		if err != nil {
			return nil, fmt.Errorf("read image tarball %s: %w (expected the output of `docker save`)", ref, err)
		}
		abs, _ := filepath.Abs(ref)
		return &source{img: img, kind: "tarball", repo: abs}, nil
	}
	if offline {
		// Without this a mistyped tarball name is an image reference, and
		// pulled from Docker Hub.
		return nil, fmt.Errorf("%s is not a local image tarball or OCI layout, and --offline pulls nothing from a registry: check the path, or drop --offline to pull it", ref)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("%q is neither a file, a directory nor an image reference: %w", ref, err)
	}
	opts := append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}, remoteOpts...)
	img, err := remote.Image(r, opts...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w (for ECR, log in with `aws ecr get-login-password | docker login` or install docker-credential-ecr-login)", ref, err)
	}
	s := &source{img: img, kind: "registry", repo: r.Context().Name()}
	if t, ok := r.(name.Tag); ok {
		s.tag = t.TagStr()
	}
	return s, nil
}

func loadLayout(dir string) (*source, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("read OCI layout %s: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("read OCI layout %s: %w", dir, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read OCI layout %s: %w", dir, err)
	}
	for _, d := range m.Manifests {
		if !d.MediaType.IsImage() {
			continue
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("read OCI layout %s: %w", dir, err)
		}
		abs, _ := filepath.Abs(dir)
		return &source{img: img, kind: "oci-layout", repo: abs}, nil
	}
	return nil, fmt.Errorf("read OCI layout %s: no image manifest in index.json", dir)
}
