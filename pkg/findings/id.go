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

// ShortID is the part of an Id worth showing in a table: the hash of a
// secops Id, or the last path segment of another provider's Id.
func ShortID(id string) string {
	if i := strings.LastIndexAny(id, "/:"); i >= 0 && i < len(id)-1 {
		id = id[i+1:]
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
