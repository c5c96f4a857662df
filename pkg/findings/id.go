package findings

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// NewID derives a stable finding Id from what makes a finding itself: the
// generator, the resource, the location within it and the rule. Scanning the
// same thing twice gives the same Id, so a re-scan updates a finding instead
// of adding a duplicate. The generator stays readable as the Id's prefix.
func NewID(generator, resource, location, rule string) string {
	h := sha256.New()
	for _, part := range []string{generator, resource, location, rule} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return generator + "/" + hex.EncodeToString(h.Sum(nil))[:32]
}

// LookupKey is what a short id abbreviates: the hash part of a secops Id
// (or of any Id ending in a long hex segment, as Inspector and GuardDuty
// ARNs do), else a hash of the whole Id. Other producers' Ids share long
// prefixes ("prowler-…", "CVE-…"), so their first characters would not tell
// findings apart.
func LookupKey(id string) string {
	if i := strings.LastIndexAny(id, "/:"); i >= 0 {
		if last := id[i+1:]; len(last) >= 12 && isHex(last) {
			return last
		}
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}

// ShortID is the id a table shows: the first 12 characters of LookupKey.
// Stores accept it (or any longer prefix of the key) where an Id is asked.
func ShortID(id string) string {
	return LookupKey(id)[:12]
}

func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}
