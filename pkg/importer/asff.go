package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/secops-dev/secops/pkg/findings"
)

// FormatASFF is the AWS Security Finding Format itself.
const FormatASFF Format = "asff"

var asffImporter = importer{
	tool:    tool{format: FormatASFF, name: "ASFF"},
	aliases: []string{"securityhub"},
	about:   `ASFF: one finding, an array, or {"Findings": [...]} as BatchImportFindings takes`,
	shape:   `ASFF {"Findings": [...]}, one finding or an array of findings`,
	object: func(top keys) bool {
		if top.has("Findings") || isASFF(top) {
			return true
		}
		// Inspector2's ListFindings also answers {"findings": [...]}.
		first, ok := firstElement(top["findings"])
		return ok && isASFF(first)
	},
	array: isASFF,
	parse: noSkips(parseASFF),
	asff:  true,
}

func isASFF(k keys) bool {
	return k.has("SchemaVersion", "ProductArn") || k.has("AwsAccountId", "GeneratorId")
}

// parseASFF reads ASFF findings in every container people hand around: a
// bare array (BatchImportFindings body, Prowler, DefectDojo),
// {"Findings": [...]} (GetFindings), {"findings": [...]}, an EventBridge
// "Security Hub Findings - Imported" event, or one finding. Findings keep
// their own Ids (unless different findings share one: see asffIDs),
// products and accounts; only what Security Hub would reject is repaired
// (see repairASFF).
func parseASFF(data []byte) ([]findings.Finding, error) {
	t := stripBOM(data)
	var list []findings.Finding
	if t[0] == '[' {
		if err := json.Unmarshal(t, &list); err != nil {
			return nil, jsonErr(t, err)
		}
		return list, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(t, &top); err != nil {
		return nil, jsonErr(t, err)
	}
	raw, ok := top["Findings"]
	if !ok {
		raw, ok = top["findings"]
	}
	if !ok {
		if detail, has := top["detail"]; has {
			var d struct {
				Findings json.RawMessage `json:"findings"`
			}
			if json.Unmarshal(detail, &d) == nil && d.Findings != nil {
				raw, ok = d.Findings, true
			}
		}
	}
	if ok {
		if string(raw) == "null" {
			return nil, nil
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, jsonErr(raw, err)
		}
		return list, nil
	}
	var one findings.Finding
	if err := json.Unmarshal(t, &one); err != nil {
		return nil, jsonErr(t, err)
	}
	if one.Id == "" && one.ProductArn == "" {
		return nil, errors.New("the document is neither an ASFF finding nor a list of them: expected a JSON array, {\"Findings\": [...]} or one finding with Id and ProductArn")
	}
	return []findings.Finding{one}, nil
}

// repairASFF makes a finding another producer wrote acceptable to Security
// Hub without changing what it says: over-long titles and descriptions are
// cut with "…", a missing description repeats the title, missing Types get
// the generic top-level namespace, and a missing product name is read from
// the ProductArn.
func repairASFF(f *findings.Finding) {
	if len(f.Types) == 0 {
		f.Types = []string{"Software and Configuration Checks"}
	}
	// ProductArn: arn:aws:securityhub:REGION:ACCOUNT:product/COMPANY/PRODUCT
	if _, rest, ok := strings.Cut(f.ProductArn, ":product/"); ok {
		company, product, _ := strings.Cut(rest, "/")
		if f.ProductName == "" {
			f.ProductName = product
		}
		if f.CompanyName == "" && strings.Trim(company, "0123456789") != "" {
			f.CompanyName = company
		}
	}
	f.Title = findings.Truncate(f.Title, maxTitle)
	if strings.TrimSpace(f.Description) == "" {
		f.Description = f.Title
	}
	f.Description = findings.Truncate(f.Description, maxDescription)
}

// asffIDs is the policy for ASFF findings that share a (ProductArn, Id):
// findings of a producer Security Hub manages keep their Ids, which
// Security Hub and the AWS service own (separate only counts them); those
// of any other producer (Trivy's ASFF names both secrets of a file by the
// file) are told apart as an importer's findings are, their Ids derived
// from the producer's, which is kept in FieldProducerID.
var asffIDs = idPolicy{
	fixed: func(f *findings.Finding) bool { return securityHubManaged(f.ProductArn) },
	identity: func(f findings.Finding) string {
		// What changes from one run of the producer to the next.
		f.CreatedAt, f.UpdatedAt, f.FirstObservedAt, f.LastObservedAt = "", "", "", ""
		f.FindingProviderFields, f.Note, f.UserDefinedFields, f.VerificationState, f.Criticality = nil, nil, nil, "", nil
		return identity(f)
	},
	rename: func(f *findings.Finding, shared, part string) {
		sum := sha256.Sum256([]byte(shared + "\x00" + part))
		id := shared + "/" + hex.EncodeToString(sum[:])[:32]
		if utf8.RuneCountInString(id) > maxASFFIDLength {
			id = findings.NewID(tool{format: FormatASFF}.generatorID(), shared, part, "")
		}
		f.Id = id
		if f.ProductFields == nil {
			f.ProductFields = map[string]string{}
		}
		// Security Hub takes at most 50 product fields.
		if len(f.ProductFields) < 50 {
			f.ProductFields[FieldProducerID] = shared
		}
	},
}

// maxASFFIDLength is the longest Id Security Hub accepts, in characters.
const maxASFFIDLength = 512

// securityHubManaged reports whether the product is one Security Hub
// manages: an AWS service integration (GuardDuty, Inspector, Config,
// Security Hub's own controls ...), arn:PARTITION:securityhub:REGION::product/aws/NAME.
func securityHubManaged(productArn string) bool {
	_, rest, ok := strings.Cut(productArn, ":product/")
	company, _, _ := strings.Cut(rest, "/")
	return ok && company == "aws"
}
