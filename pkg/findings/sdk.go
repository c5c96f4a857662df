package findings

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// The SDK's AwsSecurityFinding has exported fields named exactly as the ASFF
// attributes, so encoding/json (which uses field names when there are no
// tags) converts between the two without a hand-written mapping that would
// fall behind the SDK. The round-trip tests hold this to be lossless.

// ToSDK converts a finding to the SDK type that BatchImportFindings takes.
func ToSDK(f Finding) (types.AwsSecurityFinding, error) {
	var out types.AwsSecurityFinding
	b, err := json.Marshal(f)
	if err != nil {
		return out, fmt.Errorf("encode finding %s: %w", f.Id, err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("convert finding %s to the SDK type: %w", f.Id, err)
	}
	return out, nil
}

// FromSDK converts a finding returned by GetFindings.
func FromSDK(in types.AwsSecurityFinding) (Finding, error) {
	var out Finding
	b, err := json.Marshal(in)
	if err != nil {
		return out, fmt.Errorf("encode SDK finding: %w", err)
	}
	// The SDK's structs have no omitempty: every unset attribute encodes as
	// null or "". Drop those so they do not reappear as attributes.
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return out, fmt.Errorf("convert SDK finding: %w", err)
	}
	if b, err = json.Marshal(pruneUnset(tree)); err != nil {
		return out, fmt.Errorf("convert SDK finding: %w", err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("convert SDK finding: %w", err)
	}
	return out, nil
}

// pruneUnset removes null members from JSON objects, and empty-string
// members except in string maps (ProductFields, UserDefinedFields, Tags),
// where an empty value is data. Objects left empty are removed too.
func pruneUnset(v any) any { return prune(v, false) }

func prune(v any, keepEmptyStrings bool) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			child = prune(child, isStringMap(k))
			switch c := child.(type) {
			case nil:
				delete(t, k)
				continue
			case string:
				if c == "" && !keepEmptyStrings {
					delete(t, k)
					continue
				}
			case map[string]any:
				if len(c) == 0 && !isStringMap(k) {
					delete(t, k)
					continue
				}
			}
			t[k] = child
		}
		return t
	case []any:
		for i := range t {
			t[i] = prune(t[i], false)
		}
		return t
	}
	return v
}

func isStringMap(key string) bool {
	return key == "ProductFields" || key == "UserDefinedFields" || key == "Tags"
}
