package zap

import (
	"sort"
	"strconv"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer"
)

// GeneratorID is the GeneratorId of findings converted from ZAP alerts: the
// same as that of a ZAP report imported with `secops findings import`.
const GeneratorID = importer.GeneratorZAP

// ToFindings converts alerts to ASFF through the same converter as a ZAP
// report's import (importer.ZAPFindings): one finding per alert instance,
// with the same Id either way; an instance listed twice in every field is
// one finding. The API lists each instance as an alert of its own; they
// are grouped back into alerts as ZAP's reports list them. Alerts a user
// marked "False Positive" in ZAP are SUPPRESSED. Findings are ordered most
// severe first.
func ToFindings(alerts []Alert, target string, prov findings.Provenance) ([]findings.Finding, error) {
	list, err := importer.ZAPFindings(target, group(alerts), "", prov)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(list, func(i, j int) bool {
		ri, rj := findings.SeverityRank(list[i].Severity.Label), findings.SeverityRank(list[j].Severity.Label)
		if ri != rj {
			return ri > rj
		}
		return list[i].Id < list[j].Id
	})
	return list, nil
}

// group turns the API's alerts, one per instance, into alerts with their
// instances: those that agree on everything but the place are one alert,
// in the order they first appear.
func group(alerts []Alert) []importer.ZAPAlert {
	var out []importer.ZAPAlert
	index := map[string]int{}
	for _, a := range alerts {
		za := importer.ZAPAlert{PluginID: a.PluginID, AlertRef: a.AlertRef, Name: firstNonEmpty(a.Alert, a.Name), Risk: a.Risk,
			Confidence: a.Confidence, Description: a.Description, Solution: a.Solution, Reference: a.Reference,
			CWEID: a.CWEID, WASCID: a.WASCID}
		key := strings.Join([]string{za.PluginID, za.AlertRef, za.Name, za.Risk, za.Confidence, za.Description, za.Solution,
			za.Reference, za.CWEID, za.WASCID}, "\x00")
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, za)
		}
		out[i].Instances = append(out[i].Instances, importer.ZAPInstance{URI: a.URL, Method: a.Method, Param: a.Param,
			Attack: a.Attack, Evidence: a.Evidence, OtherInfo: a.Other})
	}
	// The API lists every instance, so the count ZAP's reports give is theirs.
	for i := range out {
		out[i].Count = strconv.Itoa(len(out[i].Instances))
	}
	return out
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
