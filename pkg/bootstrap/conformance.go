package bootstrap

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/secops-dev/secops/pkg/compliance"
)

// MaxConformancePackBytes is AWS Config's limit on PutConformancePack
// TemplateBody (and the AWS::Config::ConformancePack TemplateBody property).
const MaxConformancePackBytes = compliance.MaxTemplateBody

// ConformancePackName is the name the ISMS-P pack is deployed under.
const ConformancePackName = compliance.ISMSPPackName

// ConformancePackTemplate returns the ISMS-P conformance pack of
// pkg/compliance (one AWS managed Config rule per rule of the ISMS-P
// mapping, with its parameters) in compact form: every parameter and every
// rule on one line. The content is the same; the compact form is what lets
// the security stack embed the pack inline and still stay inside
// CloudFormation's 51,200-byte TemplateBody limit.
func ConformancePackTemplate() ([]byte, error) {
	body, err := compliance.ConformancePackTemplate()
	if err != nil {
		return nil, fmt.Errorf("conformance pack: %w", err)
	}
	return compactPack([]byte(body))
}

// compactPack re-encodes a conformance pack with flow-style parameters and
// resources, keeping the leading comment.
func compactPack(body []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("conformance pack: parse: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("conformance pack: not a mapping")
	}
	root := doc.Content[0]
	for _, section := range []string{"Parameters", "Resources"} {
		m := get(root, section)
		for i := 1; m != nil && i < len(m.Content); i += 2 {
			m.Content[i].Style = yaml.FlowStyle
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("conformance pack: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("conformance pack: encode: %w", err)
	}
	if buf.Len() > MaxConformancePackBytes {
		return nil, fmt.Errorf("conformance pack is %d bytes, over the %d-byte TemplateBody limit; deploy it through TemplateS3Uri instead", buf.Len(), MaxConformancePackBytes)
	}
	return buf.Bytes(), nil
}
