package findings

import (
	"encoding/json"
	"reflect"
	"strings"
)

// The ASFF types keep attributes they do not model in an Extra map so that
// reading and writing a finding loses nothing. Each type marshals through an
// alias (a type without methods) plus that map.

type (
	findingAlias               Finding
	severityAlias              Severity
	remediationAlias           Remediation
	resourceAlias              Resource
	complianceAlias            Compliance
	vulnerabilityAlias         Vulnerability
	cvssAlias                  Cvss
	findingProviderFieldsAlias FindingProviderFields
)

func (f *Finding) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*findingAlias)(f), &f.Extra)
}
func (f Finding) MarshalJSON() ([]byte, error) {
	return marshalWithExtra(findingAlias(f), f.Extra)
}

func (s *Severity) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*severityAlias)(s), &s.Extra)
}
func (s Severity) MarshalJSON() ([]byte, error) {
	return marshalWithExtra(severityAlias(s), s.Extra)
}

func (r *Remediation) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*remediationAlias)(r), &r.Extra)
}
func (r Remediation) MarshalJSON() ([]byte, error) {
	return marshalWithExtra(remediationAlias(r), r.Extra)
}

func (r *Resource) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*resourceAlias)(r), &r.Extra)
}
func (r Resource) MarshalJSON() ([]byte, error) {
	return marshalWithExtra(resourceAlias(r), r.Extra)
}

func (c *Compliance) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*complianceAlias)(c), &c.Extra)
}
func (c Compliance) MarshalJSON() ([]byte, error) {
	return marshalWithExtra(complianceAlias(c), c.Extra)
}

func (v *Vulnerability) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*vulnerabilityAlias)(v), &v.Extra)
}
func (v Vulnerability) MarshalJSON() ([]byte, error) {
	return marshalWithExtra(vulnerabilityAlias(v), v.Extra)
}

func (c *Cvss) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*cvssAlias)(c), &c.Extra)
}
func (c Cvss) MarshalJSON() ([]byte, error) {
	return marshalWithExtra(cvssAlias(c), c.Extra)
}

func (p *FindingProviderFields) UnmarshalJSON(b []byte) error {
	return unmarshalWithExtra(b, (*findingProviderFieldsAlias)(p), &p.Extra)
}
func (p FindingProviderFields) MarshalJSON() ([]byte, error) {
	return marshalWithExtra(findingProviderFieldsAlias(p), p.Extra)
}

// unmarshalWithExtra decodes b into known (a pointer to an alias struct) and
// puts every object key that has no field in known into extra.
func unmarshalWithExtra(b []byte, known any, extra *map[string]json.RawMessage) error {
	if err := json.Unmarshal(b, known); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	names := jsonFieldNames(reflect.TypeOf(known).Elem())
	for k := range all {
		if names[k] {
			delete(all, k)
		}
	}
	if len(all) == 0 {
		all = nil
	}
	*extra = all
	return nil
}

func marshalWithExtra(known any, extra map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(known)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var merged map[string]json.RawMessage
	if err := json.Unmarshal(b, &merged); err != nil {
		return nil, err
	}
	for k, v := range extra {
		if _, ok := merged[k]; !ok {
			merged[k] = v
		}
	}
	return json.Marshal(merged)
}

func jsonFieldNames(t reflect.Type) map[string]bool {
	names := make(map[string]bool, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = t.Field(i).Name
		}
		names[name] = true
	}
	return names
}
