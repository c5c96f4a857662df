package compliance

import (
	"fmt"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// Report languages (--lang).
const (
	LangEnglish = "en"
	LangKorean  = "ko"
)

// ParseLang reads --lang.
func ParseLang(s string) (string, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case LangEnglish, LangKorean:
		return v, nil
	}
	return "", fmt.Errorf("--lang %q: use en or ko", s)
}

// labels are the words of a report in one language. Control, domain and
// subdomain titles come from the catalogue; these are the report's own.
type labels struct {
	Lang, Title, Subtitle                                   string
	Account, Region, TakenAt, Generated, Packs, Snapshot    string
	Mapping, ManualFile, NoPacks                            string
	Summary, Score, ScoreNote, Controls, Chart, ChartNote   string
	Domain, Subdomain, Control, ControlTitle, Status        string
	Evidence, Rules, Resources, Evaluated, Remediation      string
	Findings, Owner, Reviewed, Notes, Reason, Verdict       string
	Manual, ManualNote, ManualEmpty, Changes, ChangesNote   string
	Regressed, Improved, Changed, NewResources, Resolved    string
	From, To, Change, Unchanged, Attribution, Method        string
	MethodText                                              []string
	Basis, DeployedAs, MoreResources                        string
	FindingsKind, Open, Top, Severity, Product, Resource    string
	FindingsNotRead, FindingsNone, NoEvidence, Automated    string
	ManualControl, Warnings, What, Source, Licence          string
	Type, Annotation, Rule, ID, SeeDocs                     string
	EvidenceType, SheetFindings, SheetChanges, SheetSources string
	statuses, bases                                         map[string]string
}

var english = labels{
	Lang: LangEnglish, Title: "ISMS-P audit report", Subtitle: "Personal Information & Information Security Management System (ISMS-P 2023) — evidence from AWS Config, secops findings and the manual checklist",
	Account: "Account", Region: "Region", TakenAt: "Evidence collected", Generated: "Report generated", Packs: "Conformance packs", Snapshot: "Snapshot file",
	Mapping: "Mapping", ManualFile: "Manual checklist", NoPacks: "none",
	Summary: "Summary", Score: "Score", ScoreNote: "Score: the share of controls with a verdict (compliant, partial, non-compliant) whose evidence all passes.",
	Controls: "%d controls", Chart: "Status per domain and subdomain", ChartNote: "Each bar is one domain or subdomain, its controls by status; the figure on the right is its score.",
	Domain: "Domain", Subdomain: "Subdomain", Control: "Control", ControlTitle: "Title", Status: "Status",
	Evidence: "Evidence", Rules: "AWS Config rules", Resources: "Non-compliant resources", Evaluated: "Evaluated", Remediation: "Remediation",
	Findings: "secops findings", Owner: "Owner", Reviewed: "Reviewed", Notes: "Notes", Reason: "Reason", Verdict: "Verdict",
	Manual: "Manual checklist", ManualNote: "Controls no AWS Config rule can evidence, and the manual evidence recorded for any control (--manual). Fill in owner, verdict, evidence and review date.",
	ManualEmpty: "to fill in",
	Changes:     "Changes since the earlier snapshot", ChangesNote: "Compared with the snapshot taken",
	Regressed: "Regressed", Improved: "Improved", Changed: "Verdict gained or lost", NewResources: "New non-compliant resources", Resolved: "Resolved resources",
	From: "From", To: "To", Change: "Change", Unchanged: "%d unchanged controls", Attribution: "Sources and attribution", Method: "How the status is decided",
	MethodText: []string{
		"A control's evidence is its mapped AWS Config rules (several deployed copies of one rule combine, any NON_COMPLIANT one winning), the open HIGH or CRITICAL secops findings of the kinds mapped to it, and the verdict recorded in the manual checklist.",
		"COMPLIANT: all evidence passes. NON_COMPLIANT: all of it fails. PARTIAL: some passes, some fails. NOT_APPLICABLE: declared out of scope in the manual checklist, with a reason.",
		"Without a verdict: INSUFFICIENT_DATA (rules deployed, not evaluated yet), NOT_DEPLOYED (none of its rules is in the account), MANUAL (only a person can evidence it; nothing recorded yet).",
		"The mapping's basis says how a rule was tied to a control: AWS's own K-ISMS mapping, a section of it, a successor rule, an analogy, or prowler's ISMS-P mapping of an equivalent check.",
	},
	Basis: "Basis", DeployedAs: "deployed as", MoreResources: "more",
	FindingsKind: "Kind", Open: "Open", Top: "Most severe", Severity: "Severity", Product: "Product", Resource: "Resource",
	FindingsNotRead: "Findings were not read", FindingsNone: "No findings were recorded in this snapshot.", NoEvidence: "No automated evidence: manual control", Automated: "automated",
	ManualControl: "manual", Warnings: "Note", What: "What", Source: "Source", Licence: "Licence",
	Type: "Type", Annotation: "Annotation", Rule: "Rule", ID: "ID", SeeDocs: "rule documentation",
	EvidenceType: "Evidence type", SheetFindings: "Findings", SheetChanges: "Changes", SheetSources: "Sources",
	statuses: map[string]string{
		StatusCompliant: "Compliant", StatusPartial: "Partial", StatusNonCompliant: "Non-compliant", StatusInsufficientData: "No data yet",
		StatusNotDeployed: "Not deployed", StatusManual: "Manual", StatusNotApplicable: "Not applicable",
	},
	bases: map[string]string{
		"aws-kisms": "AWS K-ISMS mapping", "aws-kisms-section": "AWS K-ISMS (section)", "aws-kisms-successor": "AWS K-ISMS (successor rule)",
		"analogy": "by analogy", "prowler-crosswalk": "prowler crosswalk",
	},
}

var korean = labels{
	Lang: LangKorean, Title: "ISMS-P 인증 준비 보고서", Subtitle: "정보보호 및 개인정보보호 관리체계 인증 (ISMS-P 2023) — AWS Config, secops 발견사항, 수동 점검표 기반 증적",
	Account: "계정", Region: "리전", TakenAt: "증적 수집 시각", Generated: "보고서 작성 시각", Packs: "적합성 팩", Snapshot: "스냅샷 파일",
	Mapping: "매핑", ManualFile: "수동 점검표", NoPacks: "없음",
	Summary: "요약", Score: "점수", ScoreNote: "점수: 판정이 있는 인증기준(적합, 부분 적합, 부적합) 중 모든 증적이 적합한 인증기준의 비율입니다.",
	Controls: "%d개 인증기준", Chart: "영역·분야별 상태", ChartNote: "막대 하나가 영역 또는 분야 하나이며, 인증기준을 상태별로 나눠 보여 줍니다. 오른쪽 숫자는 점수입니다.",
	Domain: "영역", Subdomain: "분야", Control: "인증기준", ControlTitle: "항목명", Status: "상태",
	Evidence: "증적", Rules: "AWS Config 규칙", Resources: "비준수 리소스", Evaluated: "평가 시각", Remediation: "조치 방안",
	Findings: "secops 발견사항", Owner: "담당자", Reviewed: "검토일", Notes: "비고", Reason: "사유", Verdict: "판정",
	Manual: "수동 점검표", ManualNote: "AWS Config 규칙으로 증적을 확보할 수 없는 인증기준과, 점검표(--manual)에 기록된 수동 증적입니다. 담당자, 판정, 증적, 검토일을 채워 주세요.",
	ManualEmpty: "기입 필요",
	Changes:     "이전 스냅샷 대비 변경 사항", ChangesNote: "비교 기준 스냅샷 수집 시각",
	Regressed: "악화", Improved: "개선", Changed: "판정 생김·사라짐", NewResources: "새 비준수 리소스", Resolved: "해소된 리소스",
	From: "이전", To: "현재", Change: "변화", Unchanged: "%d개 인증기준 변화 없음", Attribution: "출처", Method: "상태 판정 방법",
	MethodText: []string{
		"인증기준의 증적은 매핑된 AWS Config 규칙(같은 규칙이 여러 번 배포되면 하나라도 NON_COMPLIANT이면 NON_COMPLIANT), 해당 인증기준에 매핑된 종류의 미해결 HIGH·CRITICAL secops 발견사항, 수동 점검표에 기록된 판정입니다.",
		"적합(COMPLIANT): 모든 증적이 적합. 부적합(NON_COMPLIANT): 모든 증적이 부적합. 부분 적합(PARTIAL): 일부 적합, 일부 부적합. 해당 없음(NOT_APPLICABLE): 수동 점검표에 사유와 함께 범위 제외로 기록됨.",
		"판정 없음: 평가 대기(INSUFFICIENT_DATA, 규칙은 배포되었으나 아직 평가되지 않음), 규칙 미배포(NOT_DEPLOYED, 매핑된 규칙이 계정에 없음), 수동 확인 필요(MANUAL, 사람이 증적을 확인해야 하며 아직 기록 없음).",
		"매핑 근거(basis)는 규칙과 인증기준을 연결한 방법입니다: AWS K-ISMS 매핑, 그 분야 단위 매핑, 후속 규칙, 유사 규칙 유추, 또는 같은 항목을 점검하는 prowler 점검의 ISMS-P 매핑.",
	},
	Basis: "매핑 근거", DeployedAs: "배포 이름", MoreResources: "개 더 있음",
	FindingsKind: "종류", Open: "미해결", Top: "심각도 높은 순", Severity: "심각도", Product: "제품", Resource: "리소스",
	FindingsNotRead: "발견사항을 읽지 못했습니다", FindingsNone: "이 스냅샷에는 발견사항이 기록되지 않았습니다.", NoEvidence: "자동 증적 없음: 수동 확인 인증기준", Automated: "자동",
	ManualControl: "수동", Warnings: "참고", What: "내용", Source: "출처", Licence: "라이선스",
	Type: "유형", Annotation: "설명", Rule: "규칙", ID: "ID", SeeDocs: "규칙 문서",
	EvidenceType: "증적 유형", SheetFindings: "발견사항", SheetChanges: "변경 사항", SheetSources: "출처",
	statuses: map[string]string{
		StatusCompliant: "적합", StatusPartial: "부분 적합", StatusNonCompliant: "부적합", StatusInsufficientData: "평가 대기",
		StatusNotDeployed: "규칙 미배포", StatusManual: "수동 확인 필요", StatusNotApplicable: "해당 없음",
	},
	bases: map[string]string{
		"aws-kisms": "AWS K-ISMS 매핑", "aws-kisms-section": "AWS K-ISMS 분야 단위 매핑", "aws-kisms-successor": "AWS K-ISMS 후속 규칙",
		"analogy": "유사 규칙 유추", "prowler-crosswalk": "prowler 교차 매핑",
	},
}

func labelsFor(lang string) labels {
	if lang == LangKorean {
		return korean
	}
	return english
}

// status names a state for people.
func (l labels) status(s string) string {
	if v, ok := l.statuses[s]; ok {
		return v
	}
	return s
}

func (l labels) basis(b string) string {
	if v, ok := l.bases[b]; ok {
		return v
	}
	return b
}

func (l labels) title(en, ko string) string { return pick(l.Lang == LangKorean, en, ko) }

// time formats a time for people: UTC, to the minute.
func (l labels) time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// ruleDocURL is the AWS Config Developer Guide page of a managed rule.
func (l labels) ruleDocURL(configRuleName string) string {
	if l.Lang == LangKorean {
		return "https://docs.aws.amazon.com/ko_kr/config/latest/developerguide/" + configRuleName + ".html"
	}
	return "https://docs.aws.amazon.com/config/latest/developerguide/" + configRuleName + ".html"
}

// Hint is one remediation step; Link, when set, is where to read more.
type Hint struct {
	Text string
	Link string
}

// staleAfter is how old a manual review may be before a report asks for
// it again: ISMS-P certification is audited every year.
const staleAfter = 365 * 24 * time.Hour

// remediation says what would move a control forward, from its own
// evidence: the failing rules and their resources, the rules missing from
// the account, the open findings, the manual checklist.
func (l labels) remediation(c ControlResult, generated time.Time) []Hint {
	var out []Hint
	ko := l.Lang == LangKorean
	if c.Status == StatusNotApplicable {
		return nil
	}
	var notDeployed, noData []string
	for _, e := range c.Evidence {
		switch e.Status {
		case StatusNonCompliant:
			n := fmt.Sprint(len(e.NonCompliant))
			if e.MoreNonCompliant {
				n += "+"
			}
			text := fmt.Sprintf("%s: fix %s non-compliant resource(s). Required: %s", e.Identifier, n, e.Description)
			if ko {
				text = fmt.Sprintf("%s: 비준수 리소스 %s개를 조치하세요. 요구 상태: %s", e.Identifier, n, e.Description)
			}
			out = append(out, Hint{Text: text, Link: l.ruleDocURL(e.ConfigRuleName)})
		case StatusNotDeployed:
			notDeployed = append(notDeployed, e.Identifier)
		case StatusInsufficientData:
			noData = append(noData, e.Identifier)
		}
	}
	if len(notDeployed) > 0 && len(notDeployed) == len(c.Evidence) {
		text := fmt.Sprintf("None of its %d AWS Config rules is deployed: deploy the ISMS-P conformance pack ('secops bootstrap apply').", len(notDeployed))
		if ko {
			text = fmt.Sprintf("매핑된 AWS Config 규칙 %d개가 모두 배포되지 않았습니다: ISMS-P 적합성 팩을 배포하세요('secops bootstrap apply').", len(notDeployed))
		}
		out = append(out, Hint{Text: text})
	}
	if len(noData) > 0 && c.Status == StatusInsufficientData {
		text := fmt.Sprintf("AWS Config has no result for %s: either no resource of the types it checks exists (record that in the manual checklist), or the configuration recorder does not record them.", strings.Join(noData, ", "))
		if ko {
			text = fmt.Sprintf("AWS Config에 %s 규칙의 결과가 없습니다: 점검 대상 리소스가 없거나(수동 점검표에 기록하세요), 구성 레코더가 해당 리소스 유형을 기록하지 않습니다.", strings.Join(noData, ", "))
		}
		out = append(out, Hint{Text: text})
	}
	for _, g := range c.Findings {
		if !g.Failing {
			continue
		}
		high := g.BySeverity[findings.SeverityHigh] + g.BySeverity[findings.SeverityCritical]
		k, _ := findingKind(g.Kind)
		text := fmt.Sprintf("Fix or triage %d open HIGH/CRITICAL finding(s) (%s): %s", high, k.TitleEn, k.Command)
		if ko {
			text = fmt.Sprintf("미해결 HIGH/CRITICAL 발견사항 %d건(%s)을 조치하거나 검토하세요: %s", high, k.TitleKo, k.Command)
		}
		out = append(out, Hint{Text: text})
	}
	m := c.Manual
	switch {
	case m == nil && !c.Automated:
		text := "Assign an owner and record the evidence in the manual checklist (--manual; start from --manual-template)."
		if ko {
			text = "수동 점검표(--manual)에 담당자와 증적을 기록하세요(--manual-template로 양식 생성)."
		}
		out = append(out, Hint{Text: text})
	case m != nil && m.Status == ManualPending && !c.Automated:
		text := fmt.Sprintf("%s: record the evidence and a verdict in the manual checklist.", ownerText(m.Owner, ko))
		if ko {
			text = fmt.Sprintf("%s: 수동 점검표에 증적과 판정을 기록하세요.", ownerText(m.Owner, ko))
		}
		out = append(out, Hint{Text: text})
	case m != nil && (m.Status == ManualNonCompliant || m.Status == ManualPartial):
		text := fmt.Sprintf("%s: the manual check found gaps; remediate and review again.", ownerText(m.Owner, ko))
		if ko {
			text = fmt.Sprintf("%s: 수동 점검에서 미흡 사항이 확인되었습니다. 조치 후 다시 검토하세요.", ownerText(m.Owner, ko))
		}
		out = append(out, Hint{Text: text})
	}
	if m != nil && m.Reviewed != "" {
		if t, err := time.Parse(time.DateOnly, m.Reviewed); err == nil && generated.Sub(t) > staleAfter {
			text := fmt.Sprintf("The manual review of %s is more than a year old: review it again before the audit.", m.Reviewed)
			if ko {
				text = fmt.Sprintf("수동 검토일(%s)이 1년이 넘었습니다: 심사 전에 다시 검토하세요.", m.Reviewed)
			}
			out = append(out, Hint{Text: text})
		}
	}
	return out
}

func ownerText(owner string, ko bool) string {
	switch {
	case owner != "":
		return owner
	case ko:
		return "담당자 미지정"
	}
	return "No owner yet"
}
