package secrets

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/zricethezav/gitleaks/v8/config"
)

// RuleSet identifies the rules the scanner runs: gitleaks' default
// configuration as embedded in the gitleaks module linked in. The module
// version says which release the rules come from; the digest tells two
// rule sets apart even when the version string does not.
type RuleSet struct {
	Source string `json:"source"`
	Rules  int    `json:"rules"`
	SHA256 string `json:"sha256"`
}

// DefaultRuleSet describes the rules every secrets scan uses, without
// compiling them.
func DefaultRuleSet() RuleSet {
	sum := sha256.Sum256([]byte(config.DefaultConfig))
	return RuleSet{
		Source: "gitleaks default config",
		Rules:  countRules(config.DefaultConfig),
		SHA256: hex.EncodeToString(sum[:]),
	}
}

// countRules counts the [[rules]] tables of a gitleaks TOML config.
func countRules(toml string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(toml))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "[[rules]]" {
			n++
		}
	}
	return n
}
