// Package sbom writes a CycloneDX software bill of materials of a secops
// binary from the module list the Go toolchain embedded in it, so the SBOM
// says what this binary is made of, not what a source tree might build.
package sbom

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/package-url/packageurl-go"

	"github.com/secops-dev/secops/pkg/buildinfo"
)

// SpecVersion is the CycloneDX specification the documents follow.
const SpecVersion = "1.6"

// Document is a CycloneDX BOM, with the fields secops fills.
type Document struct {
	Schema       string       `json:"$schema"`
	BOMFormat    string       `json:"bomFormat"`
	SpecVersion  string       `json:"specVersion"`
	SerialNumber string       `json:"serialNumber"`
	Version      int          `json:"version"`
	Metadata     Metadata     `json:"metadata"`
	Components   []Component  `json:"components"`
	Dependencies []Dependency `json:"dependencies"`
}

// Metadata names the binary the BOM describes and the tool that wrote it.
type Metadata struct {
	Timestamp string    `json:"timestamp,omitempty"`
	Tools     Tools     `json:"tools"`
	Component Component `json:"component"`
}

// Tools lists the tools that wrote the BOM (CycloneDX 1.5+ shape).
type Tools struct {
	Components []Component `json:"components"`
}

// Component is an application or a library.
type Component struct {
	Type       string     `json:"type"`
	BOMRef     string     `json:"bom-ref,omitempty"`
	Name       string     `json:"name"`
	Version    string     `json:"version,omitempty"`
	Hashes     []Hash     `json:"hashes,omitempty"`
	PURL       string     `json:"purl,omitempty"`
	Properties []Property `json:"properties,omitempty"`
}

// Hash is a digest of a component.
type Hash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

// Property is a name/value pair from a CycloneDX property taxonomy.
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Dependency says which components a component depends on. The build
// info lists modules, not who needs whom, so only the binary has an
// entry: it depends on every module linked into it.
type Dependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

// stdlib is the name OSV and SBOM tools give the Go standard library.
const stdlib = "stdlib"

// New describes the binary info was read from.
//
// Every module is a component with its pkg:golang purl; its hash is the
// SHA-256 of its go.sum "h1:" checksum, the digest sum.golang.org records
// for it, given in hex. The Go standard library is the component "stdlib"
// at the toolchain's version, so vulnerability scanners match Go's own
// advisories too. Nothing in the document depends on when it is written:
// the timestamp is the commit time and the serial number is derived from
// the binary's identity, so one binary always gives the same SBOM.
func New(info buildinfo.Info) Document {
	mainPath := info.Path
	if mainPath == "" {
		mainPath = "github.com/secops-dev/secops"
	}
	app := Component{
		Type:       "application",
		Name:       mainPath,
		Version:    info.Version,
		PURL:       purl(mainPath, info.Version),
		Properties: buildProperties(info),
	}
	app.BOMRef = app.PURL

	var comps []Component
	var refs []string
	for _, m := range info.Modules {
		c := Component{
			Type:    "library",
			Name:    m.Path,
			Version: m.Version,
			PURL:    purl(m.Path, m.Version),
		}
		if m.Replace != "" {
			// The code is the replacement's: name it, so its advisories apply.
			c.Name, c.PURL = m.Replace, purl(m.Replace, m.Version)
			c.Properties = []Property{{Name: "secops:go:replaces", Value: m.Path}}
		}
		c.BOMRef = c.PURL
		if h, ok := sha256OfSum(m.Sum); ok {
			c.Hashes = []Hash{{Alg: "SHA-256", Content: h}}
		}
		comps = append(comps, c)
		refs = append(refs, c.BOMRef)
	}
	if goVersion := strings.TrimPrefix(strings.Fields(info.GoVersion + " ")[0], "go"); goVersion != "" {
		std := Component{Type: "library", Name: stdlib, Version: "go" + goVersion, PURL: purl(stdlib, goVersion)}
		std.BOMRef = std.PURL
		comps = append(comps, std)
		refs = append(refs, std.BOMRef)
	}

	doc := Document{
		Schema:       "http://cyclonedx.org/schema/bom-" + SpecVersion + ".schema.json",
		BOMFormat:    "CycloneDX",
		SpecVersion:  SpecVersion,
		SerialNumber: serialNumber(app, comps),
		Version:      1,
		Metadata: Metadata{
			Tools:     Tools{Components: []Component{{Type: "application", Name: "secops", Version: info.Version}}},
			Component: app,
		},
		Components:   comps,
		Dependencies: []Dependency{{Ref: app.BOMRef, DependsOn: refs}},
	}
	if doc.Components == nil {
		doc.Components = []Component{}
		doc.Dependencies[0].DependsOn = []string{}
	}
	if t, err := time.Parse(time.RFC3339, info.Date); err == nil {
		doc.Metadata.Timestamp = t.UTC().Format(time.RFC3339)
	}
	return doc
}

// Write writes doc as indented JSON.
func Write(w io.Writer, doc Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// purl is the package URL of a Go module: the last path element is the
// name, the rest the namespace. Case is kept: Go module paths are case
// sensitive.
func purl(path, version string) string {
	ns, name := "", path
	if i := strings.LastIndex(path, "/"); i >= 0 {
		ns, name = path[:i], path[i+1:]
	}
	if version == "(devel)" {
		version = ""
	}
	return packageurl.NewPackageURL(packageurl.TypeGolang, ns, name, version, nil, "").ToString()
}

// sha256OfSum turns a go.sum "h1:" checksum into the hex of its SHA-256.
func sha256OfSum(sum string) (string, bool) {
	b64, ok := strings.CutPrefix(sum, "h1:")
	if !ok {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != 32 {
		return "", false
	}
	return hex.EncodeToString(b), true
}

// buildProperties records how the binary was built, in the cdx:gomod
// property taxonomy.
func buildProperties(info buildinfo.Info) []Property {
	props := []Property{
		{Name: "cdx:gomod:build:env:GOOS", Value: info.OS},
		{Name: "cdx:gomod:build:env:GOARCH", Value: info.Arch},
	}
	if v, ok := info.Setting("CGO_ENABLED"); ok {
		props = append(props, Property{Name: "cdx:gomod:build:env:CGO_ENABLED", Value: v})
	}
	var flags []string
	if v, ok := info.Setting("-trimpath"); ok && v == "true" {
		flags = append(flags, "-trimpath")
	}
	if v, ok := info.Setting("-tags"); ok && v != "" {
		flags = append(flags, "-tags="+v)
	}
	if len(flags) > 0 {
		props = append(props, Property{Name: "cdx:gomod:build:env:GOFLAGS", Value: strings.Join(flags, " ")})
	}
	if info.Commit != buildinfo.Unknown {
		props = append(props, Property{Name: "secops:build:vcs.revision", Value: info.Commit})
	}
	return props
}

// serialNumber is a name-based (SHA-1) UUID of what the BOM lists, so that
// two different binaries never share one and one binary always has the
// same.
func serialNumber(app Component, comps []Component) string {
	var b strings.Builder
	fmt.Fprintln(&b, app.PURL)
	for _, p := range app.Properties {
		fmt.Fprintf(&b, "%s=%s\n", p.Name, p.Value)
	}
	for _, c := range comps {
		fmt.Fprintln(&b, c.PURL)
		for _, h := range c.Hashes {
			fmt.Fprintln(&b, h.Content)
		}
	}
	return "urn:uuid:" + uuid.NewSHA1(uuid.NameSpaceURL, []byte(b.String())).String()
}
