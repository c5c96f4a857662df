package secrets

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/zricethezav/gitleaks/v8/config"
)

// The cheap count must be the number of rules the scanner really compiles.
func TestDefaultRuleSet(t *testing.T) {
	cfg, err := New(Options{}).config()
	if err != nil {
		t.Fatal(err)
	}
	rs := DefaultRuleSet()
	if rs.Rules != len(cfg.Rules) || rs.Rules < 100 {
		t.Errorf("DefaultRuleSet().Rules = %d, the scanner compiles %d rules", rs.Rules, len(cfg.Rules))
	}
	sum := sha256.Sum256([]byte(config.DefaultConfig))
	if rs.SHA256 != hex.EncodeToString(sum[:]) || rs.Source != "gitleaks default config" {
		t.Errorf("DefaultRuleSet() = %+v", rs)
	}
}

func TestCountRules(t *testing.T) {
	const toml = `title = "t"
[[rules]]
id = "a"
[[rules.allowlists]]
paths = ["x"]
  [[rules]]
id = "b"
[allowlist]
`
	if n := countRules(toml); n != 2 {
		t.Errorf("countRules = %d, want 2", n)
	}
}
