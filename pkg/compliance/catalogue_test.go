package compliance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/secops-dev/secops/internal/sharedtest"
)

func TestCatalogueHoldsTheWholeControlSet(t *testing.T) {
	c, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	perDomain := map[string]int{}
	subdomains := 0
	for _, d := range c.Domains {
		subdomains += len(d.Subdomains)
		for _, s := range d.Subdomains {
			perDomain[d.ID] += len(s.Controls)
		}
	}
	// ISMS-P 2023: 101 controls, 16 + 64 + 21, in 21 subdomains.
	if got := len(c.Controls()); got != 101 || perDomain["1"] != 16 || perDomain["2"] != 64 || perDomain["3"] != 21 || subdomains != 21 {
		t.Errorf("%d controls (%v) in %d subdomains, want 101 (16/64/21) in 21", got, perDomain, subdomains)
	}
	want := map[string][2]string{
		"1":      {"관리체계 수립 및 운영", "Establishment and Operation of the Management System"},
		"2":      {"보호대책 요구사항", "Control Measures Requirements"},
		"3":      {"개인정보 처리 단계별 요구사항", "Requirements for Each Stage of Personal Information Processing"},
		"2.2":    {"인적 보안", "Human Security"},
		"2.5.4":  {"비밀번호 관리", "Password Management"},
		"3.5.3":  {"정보주체에 대한 통지", "Notification to Data Subjects"},
		"2.12.2": {"재해 복구 시험 및 개선", "Disaster Recovery Testing and Improvement"},
	}
	for id, titles := range want {
		ko, en := catalogueTitles(c, id)
		if ko != titles[0] || en != titles[1] {
			t.Errorf("%s: %q / %q, want %q / %q", id, ko, en, titles[0], titles[1])
		}
	}
	// The Korean source has "2.4.5 " with a trailing space; the catalogue does not.
	if _, ok := c.Control("2.4.5"); !ok {
		t.Error("2.4.5 missing")
	}
	order := c.Controls()
	if order[0].ID != "1.1.1" || order[len(order)-1].ID != "3.5.3" {
		t.Errorf("order %s … %s", order[0].ID, order[len(order)-1].ID)
	}
}

func catalogueTitles(c *Catalogue, id string) (ko, en string) {
	for _, d := range c.Domains {
		if d.ID == id {
			return d.TitleKo, d.TitleEn
		}
		for _, s := range d.Subdomains {
			if s.ID == id {
				return s.TitleKo, s.TitleEn
			}
			for _, e := range s.Controls {
				if e.ID == id {
					return e.TitleKo, e.TitleEn
				}
			}
		}
	}
	return "", ""
}

// TestCatalogueAgreesWithMapping checks that the mapping and the catalogue,
// both taken from prowler's ISMS-P files, name every control alike.
func TestCatalogueAgreesWithMapping(t *testing.T) {
	c, _ := LoadCatalogue()
	m, _ := LoadISMSP()
	check := func(id, ko, en, sub string) {
		e, ok := c.Control(id)
		if !ok {
			t.Errorf("mapping control %s is not in the catalogue", id)
			return
		}
		if e.TitleKo != ko || e.TitleEn != en || SubdomainOf(id) != sub {
			t.Errorf("%s: mapping says %q / %q in %s, catalogue %q / %q", id, ko, en, sub, e.TitleKo, e.TitleEn)
		}
	}
	for _, mc := range m.Controls {
		check(mc.ID, mc.TitleKo, mc.TitleEn, mc.Domain)
		ko, en := catalogueTitles(c, mc.Domain)
		if ko != mc.DomainKo || en != mc.DomainEn {
			t.Errorf("%s: subdomain %s titled %q / %q, catalogue %q / %q", mc.ID, mc.Domain, mc.DomainKo, mc.DomainEn, ko, en)
		}
	}
	for _, mc := range m.UnmappedControls {
		check(mc.ID, mc.TitleKo, mc.TitleEn, mc.Domain)
	}
}

// TestEmbeddedDataMatchesShared checks the embedded mapping against the
// copy in the shared data it was taken from.
func TestEmbeddedDataMatchesShared(t *testing.T) {
	dir := sharedtest.Dir(t, "compliance")
	shared, err := os.ReadFile(filepath.Join(dir, "isms-p-aws.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(shared) != string(ismspYAML) {
		t.Error("pkg/compliance/data/isms-p-aws.yaml differs from the shared mapping: copy it again")
	}
	var doc struct {
		Framework struct {
			ControlSet string `yaml:"control_set"`
		} `yaml:"framework"`
	}
	if err := yaml.Unmarshal(shared, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Framework.ControlSet, "prowler kisa_isms_p_2023") {
		t.Errorf("the shared mapping's titles come from %q, not the catalogue's source", doc.Framework.ControlSet)
	}
}

func TestParseCatalogueRefusesBrokenData(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown key":     "schema_version: 1\ndomains: []\nextra: 1\n",
		"version":         "schema_version: 2\ndomains: []\n",
		"control outside": "schema_version: 1\ndomains:\n- {id: \"1\", title_ko: a, title_en: b, subdomains: [{id: \"1.1\", title_ko: a, title_en: b, controls: [{id: \"1.2.1\", title_ko: a, title_en: b}]}]}\n",
		"duplicate":       "schema_version: 1\ndomains:\n- {id: \"1\", title_ko: a, title_en: b, subdomains: [{id: \"1.1\", title_ko: a, title_en: b, controls: [{id: \"1.1.1\", title_ko: a, title_en: b}, {id: \"1.1.1\", title_ko: a, title_en: b}]}]}\n",
	} {
		if _, err := ParseCatalogue([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
