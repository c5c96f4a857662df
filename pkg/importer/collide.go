package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/secops-dev/secops/pkg/findings"
)

// volatileFields change between runs of the same tool on the same code
// without the problem changing, so they must not tell findings apart.
var volatileFields = []string{"secops/ToolVersion", "zap/AlertCount", "zap/AlertInstances"}

// separate makes sure no two findings of one report share an Id: a store
// upserts on (ProductArn, Id) and would silently keep only the last.
//
// Each importer builds its Id from what identifies a result in its format
// (rule, resource, location, fingerprint, message ...). When two results
// still get the same Id:
//   - if they are identical in every field, the tool listed the same result
//     twice (ShellCheck's SARIF and ZAP's plugin 10031 do): the repeat
//     carries nothing new, so it is merged on purpose into the first and
//     counted in FieldOccurrences;
//   - otherwise each distinct finding gets an Id derived from the shared Id
//     and what sets it apart (its fields less those that change from run to
//     run), so the Ids do not depend on the order of the results and are
//     the same on every import of the report.
//
// Findings whose Id is not shared keep it unchanged.
func separate(list []findings.Finding) ([]findings.Finding, int) {
	byID := map[string][]int{}
	var order []string
	for i := range list {
		if _, ok := byID[list[i].Id]; !ok {
			order = append(order, list[i].Id)
		}
		byID[list[i].Id] = append(byID[list[i].Id], i)
	}
	if len(order) == len(list) {
		return list, 0
	}
	keep := make([]bool, len(list))
	merged := 0
	for _, id := range order {
		idx := byID[id]
		// Group identical findings; the first of each group stays.
		var firsts []int
		count := map[int]int{}
		content := map[string]int{}
		for _, i := range idx {
			key := digest(list[i])
			if first, ok := content[key]; ok {
				count[first]++
				merged++
				continue
			}
			content[key] = i
			firsts = append(firsts, i)
			count[i] = 1
			keep[i] = true
		}
		for _, i := range firsts {
			if n := count[i]; n > 1 {
				if list[i].ProductFields == nil {
					list[i].ProductFields = map[string]string{}
				}
				list[i].ProductFields[FieldOccurrences] = strconv.Itoa(n)
			}
		}
		if len(firsts) < 2 {
			continue
		}
		// Distinct findings behind one Id: tell them apart by what
		// identifies them, or by everything when that is not enough.
		ident := map[string]int{}
		for _, i := range firsts {
			ident[identity(list[i])]++
		}
		for _, i := range firsts {
			part := identity(list[i])
			if ident[part] > 1 {
				part = digest(list[i])
			}
			list[i].Id = findings.NewID(list[i].GeneratorId, id, part, "")
		}
	}
	out := list[:0]
	for i := range list {
		if keep[i] {
			out = append(out, list[i])
		}
	}
	return out, merged
}

// digest is a hash of everything a finding holds.
func digest(f findings.Finding) string {
	b, _ := json.Marshal(f)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// identity is a hash of what a finding is about, leaving out what changes
// from run to run (tool version, severity and confidence as databases are
// updated, remediation text, counts of the whole alert).
func identity(f findings.Finding) string {
	f.Severity, f.Confidence, f.Remediation, f.SourceUrl = nil, nil, nil, ""
	f.Workflow, f.WorkflowState, f.RecordState, f.Compliance = nil, "", "", nil
	if f.ProductFields != nil {
		pf := make(map[string]string, len(f.ProductFields))
		for k, v := range f.ProductFields {
			pf[k] = v
		}
		for _, k := range volatileFields {
			delete(pf, k)
		}
		f.ProductFields = pf
	}
	if len(f.Vulnerabilities) > 0 {
		vulns := make([]findings.Vulnerability, len(f.Vulnerabilities))
		for i, v := range f.Vulnerabilities {
			vulns[i] = findings.Vulnerability{Id: v.Id, VulnerablePackages: v.VulnerablePackages}
		}
		f.Vulnerabilities = vulns
	}
	return digest(f)
}
