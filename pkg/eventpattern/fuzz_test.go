package eventpattern

import "testing"

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		securityHubPattern,
		`{"detail": {"$or": [{"c-count": [{"numeric": [">", 0, "<=", 5]}]}, {"d-count": [{"numeric": ["<", 10]}]}]}}`,
		`{"a": [{"anything-but": {"wildcard": ["*/lib/*", "x\\*"]}}], "b": [{"cidr": "10.0.0.0/24"}], "c": [{"exists": false}]}`,
		`{"s": [{"prefix": {"equals-ignore-case": "eventb"}}, {"suffix": ".png"}, null, 1, true, ""]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Compile(data)
		if err != nil {
			if p != nil {
				t.Fatal("pattern returned with an error")
			}
			return
		}
		// A valid pattern must match events without panicking.
		p.Match(data)
		p.Match([]byte(shEvent("HIGH", "NEW", "ACTIVE")))
	})
}

func FuzzMatch(f *testing.F) {
	f.Add([]byte(shEvent("HIGH", "NEW", "ACTIVE")))
	f.Add([]byte(ec2Terminated))
	f.Add([]byte(macieAlert))
	f.Add([]byte(`{"detail": {"findings": [[{"Severity": {"Label": "HIGH"}}], 1, null]}}`))
	patterns := []*Pattern{
		MustCompile(securityHubPattern),
		MustCompile(`{"detail": {"$or": [{"state": [{"anything-but": {"prefix": "init"}}]}, {"risk-score": [{"numeric": [">=", 50]}]}]}}`),
		MustCompile(`{"resources": [{"wildcard": "arn:aws:*:us-*"}], "detail": {"tags": [{"exists": true}], "x": [{"exists": false}]}}`),
	}
	f.Fuzz(func(t *testing.T, event []byte) {
		for _, p := range patterns {
			p.Match(event)
		}
	})
}
