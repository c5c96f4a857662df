package importer

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// FormatInspector2 is Amazon Inspector2's findings as ListFindings answers.
const FormatInspector2 Format = "inspector2"

var inspector2Tool = tool{format: FormatInspector2, name: "Inspector", company: "Amazon"}

var inspector2Importer = importer{
	tool:    inspector2Tool,
	aliases: []string{"inspector", "inspectorv2"},
	about:   "Amazon Inspector2 findings (aws inspector2 list-findings)",
	shape:   `Inspector2 {"findings": [...]}`,
	object: func(top keys) bool {
		// ASFF in the same envelope is ASFF's.
		first, ok := firstElement(top["findings"])
		return top.has("findings") && !(ok && isASFF(first))
	},
	parse: noSkips(parseInspector2),
}

// Amazon Inspector2 findings as ListFindings returns them (aws inspector2
// list-findings, or boto3's list_findings dumped to JSON).
// https://docs.aws.amazon.com/inspector/v2/APIReference/API_Finding.html
type inspectorFinding struct {
	FindingArn       string          `json:"findingArn"`
	AwsAccountID     string          `json:"awsAccountId"`
	Type             string          `json:"type"`
	Title            string          `json:"title"`
	Description      string          `json:"description"`
	Severity         string          `json:"severity"`
	Status           string          `json:"status"`
	FirstObservedAt  json.RawMessage `json:"firstObservedAt"`
	LastObservedAt   json.RawMessage `json:"lastObservedAt"`
	UpdatedAt        json.RawMessage `json:"updatedAt"`
	InspectorScore   *float64        `json:"inspectorScore"`
	FixAvailable     string          `json:"fixAvailable"`
	ExploitAvailable string          `json:"exploitAvailable"`
	Remediation      *struct {
		Recommendation *struct {
			Text string `json:"text"`
			URL  string `json:"Url"`
		} `json:"recommendation"`
	} `json:"remediation"`
	Resources []struct {
		Type      string            `json:"type"`
		ID        string            `json:"id"`
		Partition string            `json:"partition"`
		Region    string            `json:"region"`
		Tags      map[string]string `json:"tags"`
		Details   inspectorDetails  `json:"details"`
	} `json:"resources"`
	PackageVulnerabilityDetails *struct {
		VulnerabilityID        string          `json:"vulnerabilityId"`
		Source                 string          `json:"source"`
		SourceURL              string          `json:"sourceUrl"`
		VendorSeverity         string          `json:"vendorSeverity"`
		VendorCreatedAt        json.RawMessage `json:"vendorCreatedAt"`
		VendorUpdatedAt        json.RawMessage `json:"vendorUpdatedAt"`
		ReferenceURLs          []string        `json:"referenceUrls"`
		RelatedVulnerabilities []string        `json:"relatedVulnerabilities"`
		Cvss                   []struct {
			BaseScore     *float64 `json:"baseScore"`
			ScoringVector string   `json:"scoringVector"`
			Source        string   `json:"source"`
			Version       string   `json:"version"`
		} `json:"cvss"`
		VulnerablePackages []struct {
			Name                 string `json:"name"`
			Version              string `json:"version"`
			Epoch                *int   `json:"epoch"`
			Release              string `json:"release"`
			Arch                 string `json:"arch"`
			PackageManager       string `json:"packageManager"`
			FilePath             string `json:"filePath"`
			FixedInVersion       string `json:"fixedInVersion"`
			Remediation          string `json:"remediation"`
			SourceLayerHash      string `json:"sourceLayerHash"`
			SourceLambdaLayerArn string `json:"sourceLambdaLayerArn"`
		} `json:"vulnerablePackages"`
	} `json:"packageVulnerabilityDetails"`
	CodeVulnerabilityDetails *struct {
		FilePath *struct {
			FileName  string `json:"fileName"`
			FilePath  string `json:"filePath"`
			StartLine int    `json:"startLine"`
			EndLine   int    `json:"endLine"`
		} `json:"filePath"`
		DetectorID   string   `json:"detectorId"`
		DetectorName string   `json:"detectorName"`
		RuleID       string   `json:"ruleId"`
		Cwes         []string `json:"cwes"`
	} `json:"codeVulnerabilityDetails"`
}

// inspectorResourceTypes maps Inspector2 resource types to ASFF's.
var inspectorResourceTypes = map[string]string{
	"AWS_EC2_INSTANCE":        "AwsEc2Instance",
	"AWS_ECR_CONTAINER_IMAGE": "AwsEcrContainerImage",
	"AWS_ECR_REPOSITORY":      "AwsEcrRepository",
	"AWS_LAMBDA_FUNCTION":     "AwsLambdaFunction",
	"CODE_REPOSITORY":         "CodeRepository",
}

func parseInspector2(data []byte) ([]findings.Finding, error) {
	var r struct {
		Findings []inspectorFinding `json:"findings"`
	}
	if err := json.Unmarshal(stripBOM(data), &r); err != nil {
		return nil, jsonErr(data, err)
	}
	out := make([]findings.Finding, 0, len(r.Findings))
	for _, in := range r.Findings {
		out = append(out, inspectorToASFF(in))
	}
	return out, nil
}

func inspectorToASFF(in inspectorFinding) findings.Finding {
	resID, resType := "", ""
	if len(in.Resources) > 0 {
		resID, resType = in.Resources[0].ID, in.Resources[0].Type
	}
	rule := ""
	if p := in.PackageVulnerabilityDetails; p != nil {
		rule = p.VulnerabilityID
	} else if c := in.CodeVulnerabilityDetails; c != nil {
		rule = firstNonEmpty(c.RuleID, c.DetectorID)
	}
	location := in.FindingArn
	f := newFinding(inspector2Tool, resID, location, firstNonEmpty(rule, in.Type))
	// Inspector's own Security Hub integration reports UNTRIAGED as
	// INFORMATIONAL.
	label, ok := labelFromWord(in.Severity)
	if !ok {
		label = findings.SeverityInformational
	}
	f.Severity = severity(label, in.Severity)
	f.CompanyName = "Amazon"
	if in.AwsAccountID != "" {
		f.AwsAccountId = in.AwsAccountID
	}
	region, partition := arnPart(in.FindingArn, 3), arnPart(in.FindingArn, 1)
	if region != "" && f.AwsAccountId != "" {
		f.Region = region
		f.ProductArn = findings.DefaultProductArn(partition, region, f.AwsAccountId)
	}
	switch in.Type {
	case "PACKAGE_VULNERABILITY":
		f.Types = []string{typeVulnerability}
	case "CODE_VULNERABILITY":
		f.Types = []string{"Software and Configuration Checks/Vulnerabilities/Code Vulnerability"}
	case "NETWORK_REACHABILITY":
		f.Types = []string{typeAWSPractice + "/Network Reachability"}
	default:
		f.Types = []string{"Software and Configuration Checks/Vulnerabilities"}
	}
	f.Title = firstNonEmpty(in.Title, rule, in.Type)
	f.Description = in.Description
	if in.Remediation != nil && in.Remediation.Recommendation != nil {
		rec := in.Remediation.Recommendation
		text := rec.Text
		if text == "None Provided" {
			text = ""
		}
		if text != "" || rec.URL != "" {
			f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{Text: text, Url: rec.URL}}
		}
	}
	f.FirstObservedAt = awsTime(in.FirstObservedAt)
	f.LastObservedAt = awsTime(in.LastObservedAt)
	f.CreatedAt = f.FirstObservedAt
	f.UpdatedAt = firstNonEmpty(awsTime(in.UpdatedAt), f.LastObservedAt)
	switch in.Status {
	case "CLOSED":
		f.RecordState = findings.RecordArchived
		f.Workflow = &findings.Workflow{Status: findings.WorkflowResolved}
	case "SUPPRESSED":
		f.Workflow = &findings.Workflow{Status: findings.WorkflowSuppressed}
	}
	if p := in.PackageVulnerabilityDetails; p != nil {
		v := findings.Vulnerability{
			Id:                     p.VulnerabilityID,
			RelatedVulnerabilities: p.RelatedVulnerabilities,
			ReferenceUrls:          capList(p.ReferenceURLs, 10),
			FixAvailable:           in.FixAvailable,
			ExploitAvailable:       in.ExploitAvailable,
			Vendor: &findings.VulnerabilityVendor{Name: firstNonEmpty(p.Source, "Inspector"), Url: p.SourceURL, VendorSeverity: p.VendorSeverity,
				VendorCreatedAt: awsTime(p.VendorCreatedAt), VendorUpdatedAt: awsTime(p.VendorUpdatedAt)},
		}
		for _, c := range p.Cvss {
			v.Cvss = append(v.Cvss, findings.Cvss{Version: c.Version, BaseScore: c.BaseScore, BaseVector: c.ScoringVector, Source: c.Source})
		}
		for _, vp := range p.VulnerablePackages {
			sp := findings.SoftwarePackage{Name: vp.Name, Version: vp.Version, Release: vp.Release, Architecture: vp.Arch,
				PackageManager: vp.PackageManager, FilePath: vp.FilePath, FixedInVersion: vp.FixedInVersion,
				Remediation: vp.Remediation, SourceLayerHash: vp.SourceLayerHash, SourceLayerArn: vp.SourceLambdaLayerArn}
			if vp.Epoch != nil {
				sp.Epoch = strconv.Itoa(*vp.Epoch)
			}
			v.VulnerablePackages = append(v.VulnerablePackages, sp)
		}
		f.Vulnerabilities = []findings.Vulnerability{v}
		f.SourceUrl = p.SourceURL
	}
	if c := in.CodeVulnerabilityDetails; c != nil && c.FilePath != nil {
		f.ProductFields[findings.FieldPath] = firstNonEmpty(c.FilePath.FilePath, c.FilePath.FileName)
		f.ProductFields[findings.FieldStartLine] = itoa(c.FilePath.StartLine)
		f.ProductFields[findings.FieldEndLine] = itoa(c.FilePath.EndLine)
		f.ProductFields["inspector2/Cwes"] = strings.Join(c.Cwes, ",")
	}
	f.ProductFields[findings.FieldRuleID] = rule
	f.ProductFields["aws/inspector/FindingArn"] = in.FindingArn
	f.ProductFields["aws/inspector/FindingStatus"] = in.Status
	f.ProductFields["inspector2/Type"] = in.Type
	f.ProductFields["inspector2/ResourceType"] = resType
	if in.InspectorScore != nil {
		f.ProductFields["aws/inspector/inspectorScore"] = strconv.FormatFloat(*in.InspectorScore, 'f', -1, 64)
	}
	for _, r := range in.Resources {
		t := inspectorResourceTypes[r.Type]
		if t == "" {
			t = "Other"
		}
		tags := capTags(r.Tags, 50) // Security Hub takes at most 50 tags per resource
		f.Resources = append(f.Resources, findings.Resource{Type: t, Id: firstNonEmpty(r.ID, "unknown resource"), Partition: r.Partition, Region: r.Region, Tags: tags,
			Details: r.Details.asff()})
	}
	if len(f.Resources) == 0 {
		f.Resources = []findings.Resource{{Type: "AwsAccount", Id: "AWS::::Account:" + firstNonEmpty(in.AwsAccountID, findings.LocalAccountID)}}
	}
	return f
}

// arnPart returns field i of an ARN (1 partition, 3 region, 4 account).
func arnPart(arn string, i int) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[i]
}

// awsTime reads a timestamp as the AWS CLI (ISO 8601), boto3 dumps
// ("2025-12-26 14:21:44.742000+01:00") or the raw API (epoch seconds)
// write it.
func awsTime(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var sec float64
		if json.Unmarshal(raw, &sec) != nil || sec <= 0 {
			return ""
		}
		return time.Unix(int64(sec), int64((sec-float64(int64(sec)))*1e9)).UTC().Format(time.RFC3339)
	}
	return asffTime(s)
}

// inspectorDetails is the resource detail Inspector2 gives for the three
// resource types it scans.
type inspectorDetails struct {
	AwsEcrContainerImage *struct {
		Architecture   string          `json:"architecture"`
		ImageHash      string          `json:"imageHash"`
		ImageTags      []string        `json:"imageTags"`
		Platform       string          `json:"platform"`
		PushedAt       json.RawMessage `json:"pushedAt"`
		Registry       string          `json:"registry"`
		RepositoryName string          `json:"repositoryName"`
	} `json:"awsEcrContainerImage"`
	AwsEc2Instance *struct {
		IamInstanceProfileArn string          `json:"iamInstanceProfileArn"`
		ImageID               string          `json:"imageId"`
		IPV4Addresses         []string        `json:"ipV4Addresses"`
		IPV6Addresses         []string        `json:"ipV6Addresses"`
		KeyName               string          `json:"keyName"`
		LaunchedAt            json.RawMessage `json:"launchedAt"`
		SubnetID              string          `json:"subnetId"`
		Type                  string          `json:"type"`
		VpcID                 string          `json:"vpcId"`
	} `json:"awsEc2Instance"`
	AwsLambdaFunction *struct {
		Architectures    []string        `json:"architectures"`
		CodeSha256       string          `json:"codeSha256"`
		ExecutionRoleArn string          `json:"executionRoleArn"`
		FunctionName     string          `json:"functionName"`
		LastModifiedAt   json.RawMessage `json:"lastModifiedAt"`
		Layers           []string        `json:"layers"`
		PackageType      string          `json:"packageType"`
		Runtime          string          `json:"runtime"`
		Version          string          `json:"version"`
		VpcConfig        *struct {
			SecurityGroupIDs []string `json:"securityGroupIds"`
			SubnetIDs        []string `json:"subnetIds"`
			VpcID            string   `json:"vpcId"`
		} `json:"vpcConfig"`
	} `json:"awsLambdaFunction"`
}

// asff writes the details in ASFF's Resources[].Details shape
// (AwsEcrContainerImage, AwsEc2Instance, AwsLambdaFunction).
func (d inspectorDetails) asff() json.RawMessage {
	out := map[string]any{}
	if e := d.AwsEcrContainerImage; e != nil {
		out["AwsEcrContainerImage"] = omitEmpty(map[string]any{
			"Architecture": e.Architecture, "ImageDigest": e.ImageHash, "ImageTags": e.ImageTags,
			"ImagePublishedAt": awsTime(e.PushedAt), "RegistryId": e.Registry, "RepositoryName": e.RepositoryName,
		})
	}
	if e := d.AwsEc2Instance; e != nil {
		out["AwsEc2Instance"] = omitEmpty(map[string]any{
			"IamInstanceProfileArn": e.IamInstanceProfileArn, "ImageId": e.ImageID, "IpV4Addresses": e.IPV4Addresses,
			"IpV6Addresses": e.IPV6Addresses, "KeyName": e.KeyName, "LaunchedAt": awsTime(e.LaunchedAt),
			"SubnetId": e.SubnetID, "Type": e.Type, "VpcId": e.VpcID,
		})
	}
	if l := d.AwsLambdaFunction; l != nil {
		var layers []map[string]string
		for _, arn := range l.Layers {
			layers = append(layers, map[string]string{"Arn": arn})
		}
		m := map[string]any{
			"Architectures": l.Architectures, "CodeSha256": l.CodeSha256, "Role": l.ExecutionRoleArn,
			"FunctionName": l.FunctionName, "LastModified": awsTime(l.LastModifiedAt), "PackageType": l.PackageType,
			"Runtime": l.Runtime, "Version": l.Version,
		}
		if len(layers) > 0 {
			m["Layers"] = layers
		}
		if v := l.VpcConfig; v != nil {
			m["VpcConfig"] = omitEmpty(map[string]any{"SecurityGroupIds": v.SecurityGroupIDs, "SubnetIds": v.SubnetIDs, "VpcId": v.VpcID})
		}
		out["AwsLambdaFunction"] = omitEmpty(m)
	}
	if len(out) == 0 {
		return nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil
	}
	return b
}

func omitEmpty(m map[string]any) map[string]any {
	for k, v := range m {
		switch x := v.(type) {
		case string:
			if x == "" {
				delete(m, k)
			}
		case []string:
			if len(x) == 0 {
				delete(m, k)
			}
		case map[string]any:
			if len(x) == 0 {
				delete(m, k)
			}
		}
	}
	return m
}

// capTags keeps at most n tags, the first by key, and nil for none.
func capTags(tags map[string]string, n int) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	if len(tags) <= n {
		return tags
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, n)
	for _, k := range keys[:n] {
		out[k] = tags[k]
	}
	return out
}
