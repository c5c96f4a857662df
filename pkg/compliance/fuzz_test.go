package compliance

import "testing"

func FuzzParseMapping(f *testing.F) {
	f.Add([]byte(validMapping))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMapping(data)
		if err != nil {
			return
		}
		// A mapping that validates must evaluate and render a template.
		m.Evaluate([]RuleStatus{{Name: "r", Identifier: "IAM_PASSWORD_POLICY", Status: StatusNonCompliant}})
		m.ConformancePackTemplate()
	})
}
