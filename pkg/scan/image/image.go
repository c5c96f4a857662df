// Package image scans container images (tarballs, OCI layouts, registries)
// for vulnerable OS and language packages.
package image

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/scan"
	"github.com/secops-dev/secops/pkg/scan/sca"
)

// Scanner name and generator of image findings.
const (
	Name      = "image"
	Generator = "secops/image"
)

// Options configure an image scan. Advisory options are the SCA
// scanner's.
type Options struct {
	DBDir      string
	Offline    bool
	APIBaseURL string
	HTTPClient *http.Client
	Source     sca.Source
	Now        func() time.Time
	Progress   *progress.Reporter
	// Provenance stamps the findings.
	Provenance findings.Provenance
	// Target names the image in findings (secops/Target); empty means ref.
	Target string
	// RemoteOptions are added to registry pulls (transport, platform).
	RemoteOptions []remote.Option
}

// ecrHost matches Amazon ECR private registries.
var ecrHost = regexp.MustCompile(`^(\d{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$`)

// Scan scans one image and returns one finding per package, version and
// advisory. Findings name the image digest (Resources[0].Id = ref@digest)
// and the layer of the package's database file (SourceLayerHash).
func Scan(ctx context.Context, ref string, opts Options) (scan.Result, error) {
	var res scan.Result
	opts.Progress.Step("image: opening %s", ref)
	src, err := load(ctx, ref, opts.Offline, opts.RemoteOptions)
	if err != nil {
		return res, err
	}
	digest, err := src.img.Digest()
	if err != nil {
		return res, fmt.Errorf("image %s: digest: %w", ref, err)
	}
	exts, err := sca.ImageExtractors()
	if err != nil {
		return res, err
	}
	opts.Progress.Step("image: reading layers of %s", digest)
	files, err := flatten(ctx, src.img, exts)
	if err != nil {
		return res, fmt.Errorf("image %s: %w", ref, err)
	}
	tmp, err := os.MkdirTemp("", "secops-image-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	layerOf, err := materialize(files, tmp)
	if err != nil {
		return res, fmt.Errorf("image %s: %w", ref, err)
	}
	s := sca.New(sca.Options{
		DBDir: opts.DBDir, Offline: opts.Offline, APIBaseURL: opts.APIBaseURL, HTTPClient: opts.HTTPClient,
		Source: opts.Source, Now: opts.Now, Extractors: exts,
	})
	pkgs, skipped, err := s.Packages(ctx, tmp)
	if err != nil {
		return res, err
	}
	res.Skipped = skipped
	// Layers alone are not coverage: an image without a package database
	// gave nothing to match, and says so.
	if layers, err := src.img.Layers(); err == nil && len(pkgs) > 0 {
		res.Coverage.Add(len(layers), "layer")
	}
	res.Coverage.Add(len(pkgs), "package")
	for i := range pkgs {
		pkgs[i].LayerHash = layerOf[pkgs[i].Path]
		if f, ok := files[pkgs[i].Path]; ok && f.link == "" && isPackageDB(pkgs[i].Path) {
			pkgs[i].LayerHash = installedIn(f, pkgs[i].Path, pkgs[i].Name, pkgs[i].Version)
		}
		pkgs[i].Path = "/" + pkgs[i].Path
	}
	if len(pkgs) == 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("image %s: no OS package database or lockfile found", ref))
		res.Coverage.Hint = "no dpkg, apk or rpm database and no lockfile in the image: nothing to match against advisories"
		return res, nil
	}
	advisories, warnings, closeSrc, err := s.AdvisorySource()
	if err != nil {
		return res, err
	}
	defer closeSrc()
	res.Warnings = append(res.Warnings, warnings...)
	uncovered, err := sca.CoverageWarnings(advisories, pkgs)
	if err != nil {
		return res, err
	}
	if len(uncovered) > 0 {
		res.Warnings = append(res.Warnings, uncovered...)
		res.Incomplete = true
	}
	imageID := src.repo + "@" + digest.String()
	resource := findings.Resource{Type: "Container", Id: imageID}
	target := ref
	if opts.Target != "" {
		target = opts.Target
	}
	if src.kind == "registry" {
		host := strings.SplitN(src.repo, "/", 2)[0]
		if m := ecrHost.FindStringSubmatch(host); m != nil {
			resource.Type = "AwsEcrContainerImage"
			resource.Region = m[3]
			resource.Details = ecrDetails(m[1], src, digest.String())
		}
	}
	opts.Progress.Step("image: matching %d packages", len(pkgs))
	fs, warn, err := sca.MatchPackages(ctx, advisories, pkgs, sca.FindingContext{
		Generator: Generator,
		Scanner:   Name,
		Target:    target,
		Prov:      opts.Provenance,
		Resource:  func(sca.Package) findings.Resource { return resource },
		Subject:   func(p sca.Package) string { return src.repo + "#" + p.Path + "#" + p.Name },
	})
	if err != nil {
		res.Incomplete = true
		return res, err
	}
	res.Findings = fs
	res.Warnings = append(res.Warnings, warn...)
	sca.AddProblems(&res, advisories)
	return res, nil
}

func ecrDetails(account string, src *source, digest string) json.RawMessage {
	host := strings.SplitN(src.repo, "/", 2)[0]
	repo := strings.TrimPrefix(src.repo, host+"/")
	d := map[string]any{"AwsEcrContainerImage": map[string]any{
		"RegistryId":     account,
		"RepositoryName": repo,
		"ImageDigest":    digest,
	}}
	if src.tag != "" {
		d["AwsEcrContainerImage"].(map[string]any)["ImageTags"] = []string{src.tag}
	}
	b, _ := json.Marshal(d)
	return b
}
