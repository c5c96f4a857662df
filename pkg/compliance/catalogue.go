package compliance

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed data/isms-p-controls.yaml
var ismspControlsYAML []byte

// Catalogue is the whole ISMS-P 2023 control set: 3 domains, 21
// subdomains and 101 controls with their Korean and English titles
// (data/isms-p-controls.yaml, from prowler's ISMS-P files; see
// data/README.md). The mapping holds only the controls AWS Config can
// evidence; the catalogue is what a report must cover.
type Catalogue struct {
	SchemaVersion int             `yaml:"schema_version"`
	Source        CatalogueSource `yaml:"source"`
	Domains       []Domain        `yaml:"domains"`
}

// CatalogueSource names where the titles come from.
type CatalogueSource struct {
	Repo    string   `yaml:"repo"`
	Commit  string   `yaml:"commit"`
	Paths   []string `yaml:"paths"`
	Licence string   `yaml:"licence"`
}

// Domain is one of the three parts of ISMS-P (1 관리체계 수립 및 운영,
// 2 보호대책 요구사항, 3 개인정보 처리 단계별 요구사항).
type Domain struct {
	ID         string      `yaml:"id"`
	TitleKo    string      `yaml:"title_ko"`
	TitleEn    string      `yaml:"title_en"`
	Subdomains []Subdomain `yaml:"subdomains"`
}

// Subdomain groups controls within a domain, e.g. 2.5 인증 및 권한관리.
// (The mapping file calls it "domain".)
type Subdomain struct {
	ID       string         `yaml:"id"`
	TitleKo  string         `yaml:"title_ko"`
	TitleEn  string         `yaml:"title_en"`
	Controls []CatalogEntry `yaml:"controls"`
}

// CatalogEntry is one ISMS-P control.
type CatalogEntry struct {
	ID      string `yaml:"id"`
	TitleKo string `yaml:"title_ko"`
	TitleEn string `yaml:"title_en"`
}

// LoadCatalogue parses and validates the embedded ISMS-P control catalogue.
func LoadCatalogue() (*Catalogue, error) {
	return ParseCatalogue(ismspControlsYAML)
}

// ParseCatalogue parses a control catalogue and checks its structure.
func ParseCatalogue(data []byte) (*Catalogue, error) {
	var c Catalogue
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse ISMS-P control catalogue: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("ISMS-P control catalogue: %w", err)
	}
	return &c, nil
}

func (c *Catalogue) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.SchemaVersion != 1 {
		bad("schema_version %d is not supported (want 1)", c.SchemaVersion)
	}
	seen := map[string]bool{}
	for _, d := range c.Domains {
		if d.ID == "" || d.TitleKo == "" || d.TitleEn == "" {
			bad("domain %q: id or title is empty", d.ID)
		}
		for _, s := range d.Subdomains {
			if !strings.HasPrefix(s.ID, d.ID+".") || s.TitleKo == "" || s.TitleEn == "" {
				bad("subdomain %q of domain %s: id outside the domain or title empty", s.ID, d.ID)
			}
			for _, e := range s.Controls {
				if !strings.HasPrefix(e.ID, s.ID+".") || e.TitleKo == "" || e.TitleEn == "" {
					bad("control %q of subdomain %s: id outside the subdomain or title empty", e.ID, s.ID)
				}
				if seen[e.ID] {
					bad("control %s: listed twice", e.ID)
				}
				seen[e.ID] = true
			}
		}
	}
	return errors.Join(errs...)
}

// Controls lists every control in catalogue order (1.1.1 … 3.5.3).
func (c *Catalogue) Controls() []CatalogEntry {
	var out []CatalogEntry
	for _, d := range c.Domains {
		for _, s := range d.Subdomains {
			out = append(out, s.Controls...)
		}
	}
	return out
}

// Control finds a control by id.
func (c *Catalogue) Control(id string) (CatalogEntry, bool) {
	for _, e := range c.Controls() {
		if e.ID == id {
			return e, true
		}
	}
	return CatalogEntry{}, false
}

// SubdomainOf returns the subdomain id of a control id: "2.5" for "2.5.4".
func SubdomainOf(controlID string) string {
	if i := strings.LastIndexByte(controlID, '.'); i > 0 {
		return controlID[:i]
	}
	return controlID
}

// DomainOf returns the domain id of a control or subdomain id: "2" for
// "2.5.4" and "2.5".
func DomainOf(id string) string {
	if i := strings.IndexByte(id, '.'); i > 0 {
		return id[:i]
	}
	return id
}
