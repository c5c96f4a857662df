package bootstrap

// StackCompliance holds the ISMS-P conformance pack. It is a stack of its
// own because the pack alone nearly fills CloudFormation's TemplateBody
// limit.
const StackCompliance = "compliance"

var _ = Register(Stack{
	Name:    StackCompliance,
	Summary: "the ISMS-P conformance pack: one AWS Config managed rule per rule of secops's ISMS-P mapping",
	Order:   15,
	Data: func() (map[string]string, error) {
		pack, err := ConformancePackTemplate()
		if err != nil {
			return nil, err
		}
		return map[string]string{"ConformancePackName": ConformancePackName, "ConformancePack": string(pack)}, nil
	},
})
