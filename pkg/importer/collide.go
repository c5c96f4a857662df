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

// FieldProducerID is the ProductFields key that keeps the Id an ASFF
// finding's producer gave it, when the finding had to be given another
// one (see separate).
const FieldProducerID = "secops/ProducerId"

// idPolicy says how separate treats findings that share an Id.
type idPolicy struct {
	// fixed findings keep their Id even when another finding shares it;
	// it must depend on nothing but the ProductArn.
	fixed func(*findings.Finding) bool
	// identity is what a finding is about: findings that share an Id get
	// distinct Ids derived from it.
	identity func(findings.Finding) string
	// rename gives a finding whose Id (shared) it shares with others the
	// distinct Id that part, what sets it apart, derives.
	rename func(f *findings.Finding, shared, part string)
}

// toolIDs is the policy for findings an importer built: their Ids are
// secops's own.
var toolIDs = idPolicy{
	fixed:    func(*findings.Finding) bool { return false },
	identity: identity,
	rename: func(f *findings.Finding, shared, part string) {
		f.Id = findings.NewID(f.GeneratorId, shared, part, "")
	},
}

// collisions is what separate did.
type collisions struct {
	// merged counts findings identical to an earlier one, folded into it.
	merged int
	// renamed lists the Ids that were shared by findings given distinct
	// Ids, once each, and renamedCount how many findings were.
	renamed      []string
	renamedCount int
	// fixed lists the Ids that fixed findings share, once each, and
	// fixedCount how many findings share them.
	fixed      []string
	fixedCount int
}

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
//     and what sets it apart (its identity, or everything when that is not
//     enough), so the Ids do not depend on the order of the results and
//     are the same on every import of the report.
//
// Findings whose Id is not shared keep it unchanged, and so do the fixed
// ones of the policy: separate only counts them.
func separate(list []findings.Finding, p idPolicy) ([]findings.Finding, collisions) {
	var c collisions
	type key struct{ productArn, id string }
	byID := map[key][]int{}
	var order []key
	for i := range list {
		k := key{list[i].ProductArn, list[i].Id}
		if _, ok := byID[k]; !ok {
			order = append(order, k)
		}
		byID[k] = append(byID[k], i)
	}
	if len(order) == len(list) {
		return list, c
	}
	keep := make([]bool, len(list))
	for _, k := range order {
		idx := byID[k]
		if p.fixed(&list[idx[0]]) {
			// Whether an Id is fixed depends on the ProductArn, which
			// the findings of one key share.
			for _, i := range idx {
				keep[i] = true
			}
			c.fixed = append(c.fixed, k.id)
			c.fixedCount += len(idx)
			continue
		}
		// Group identical findings; the first of each group stays.
		var firsts []int
		count := map[int]int{}
		content := map[string]int{}
		for _, i := range idx {
			key := digest(list[i])
			if first, ok := content[key]; ok {
				count[first]++
				c.merged++
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
			ident[p.identity(list[i])]++
		}
		for _, i := range firsts {
			part := p.identity(list[i])
			if ident[part] > 1 {
				part = digest(list[i])
			}
			p.rename(&list[i], k.id, part)
		}
		c.renamed = append(c.renamed, k.id)
		c.renamedCount += len(firsts)
	}
	out := list[:0]
	for i := range list {
		if keep[i] {
			out = append(out, list[i])
		}
	}
	return out, c
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
