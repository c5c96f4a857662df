package bootstrap

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Values are stack parameter values by CloudFormation parameter key. An
// empty or absent value means "not given": a new stack gets the parameter's
// default, a deployed one keeps its value.
type Values map[string]string

// Inputs are what the user chose for the stacks being planned or applied.
type Inputs struct {
	// Values hold the parameters given on the command line (or by the
	// command that deploys the stack). Secret values are never printed.
	Values Values
	// Package is the secops package (a zip with the secops binary named
	// bootstrap) for stacks that install it. Empty on update keeps the
	// deployed one.
	Package []byte
}

// StackResult is what apply did to one stack.
type StackResult struct {
	Stack   string   `json:"stack"`
	Name    string   `json:"name"`
	Action  string   `json:"action"` // created, updated, unchanged
	Status  string   `json:"status"`
	Changes []Change `json:"changes,omitempty"`
}

// ApplyResult is the outcome of apply.
type ApplyResult struct {
	Stacks []StackResult `json:"stacks"`
	// Inspector is "enabled", "already enabled", or "" when not attempted.
	Inspector string `json:"inspector,omitempty"`
}

// applyState is what one apply shares between its stacks.
type applyState struct {
	packageKey string // uploaded once, used by every stack that installs secops
}

// Apply deploys the stacks in order through change sets. A stack whose
// change set holds no changes is left alone and reported unchanged. Each
// stack's AfterApply runs as soon as that stack is deployed, so a later
// stack's failure does not undo it.
func (d *Deployer) Apply(ctx context.Context, names []string, in Inputs) (*ApplyResult, error) {
	stacks, err := d.lookup(names)
	if err != nil {
		return nil, err
	}
	if err := d.checkInputs(ctx, stacks, in); err != nil {
		return nil, err
	}
	res := &ApplyResult{}
	st := &applyState{}
	for _, s := range stacks {
		r, err := d.applyStack(ctx, s, in, st, res)
		if r != nil {
			res.Stacks = append(res.Stacks, *r)
		}
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func (d *Deployer) applyStack(ctx context.Context, s Stack, in Inputs, st *applyState, res *ApplyResult) (*StackResult, error) {
	t, err := s.Render()
	if err != nil {
		return nil, err
	}
	existing, err := d.describeStack(ctx, t.Name)
	if err != nil {
		return nil, err
	}
	if err := checkDeployable(t.Name, existing); err != nil {
		return nil, err
	}
	if s.BeforeApply != nil {
		if err := s.BeforeApply(ctx, d); err != nil {
			return nil, err
		}
	}
	params, err := d.parameters(ctx, s, t, existing, in, st, true)
	if err != nil {
		return nil, err
	}
	d.progress().Step("%s: creating change set", t.Name)
	cs, err := d.createChangeSet(ctx, t, existing, params)
	if err != nil {
		d.progress().Done("")
		return nil, err
	}
	var r StackResult
	if cs.noChange {
		d.progress().Done("%s: no changes", t.Name)
		r = StackResult{Stack: t.Stack, Name: t.Name, Action: "unchanged", Status: string(existing.StackStatus)}
	} else {
		start := d.now()
		if _, err := d.CFN.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{
			StackName: aws.String(t.Name), ChangeSetName: aws.String(cs.id),
		}); err != nil {
			d.progress().Done("")
			return nil, fmt.Errorf("execute change set for stack %s: %w", t.Name, err)
		}
		var before *types.Stack
		if !cs.create {
			before = existing
		}
		final, err := d.watch(ctx, t.Name, start, before, false)
		if err != nil {
			d.progress().Done("")
			return nil, err
		}
		action := "updated"
		if cs.create {
			action = "created"
		}
		d.progress().Done("%s: %s (%d resource changes)", t.Name, action, len(cs.changes))
		r = StackResult{Stack: t.Stack, Name: t.Name, Action: action, Status: string(final.StackStatus), Changes: cs.changes}
	}
	if s.AfterApply != nil {
		if err := s.AfterApply(ctx, d, res); err != nil {
			return &r, err
		}
	}
	return &r, nil
}

// lookup finds the named stacks in the registry, in deployment order.
func (d *Deployer) lookup(names []string) ([]Stack, error) {
	reg := d.registry()
	var out []Stack
	for _, s := range reg.All() {
		if slices.Contains(names, s.Name) {
			out = append(out, s)
		}
	}
	for _, n := range names {
		if _, ok := reg.Get(n); !ok {
			return nil, fmt.Errorf("unknown stack %q: choose from %s", n, strings.Join(Names(reg.All()), ", "))
		}
	}
	return out, nil
}

// checkInputs validates the values the user gave, before anything is
// deployed: each given value, the combinations each stack checks, and that
// a stack about to be created has every required value and the package.
func (d *Deployer) checkInputs(ctx context.Context, stacks []Stack, in Inputs) error {
	missing, err := d.Missing(ctx, stacks, in)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return missing[0].err()
	}
	return nil
}

// MissingInput is a required value a stack about to be created lacks.
type MissingInput struct {
	Stack string
	// Param is the parameter without a value; zero for the package.
	Param Param
}

// Error says what to pass.
func (m MissingInput) Error() string { return m.err().Error() }

func (m MissingInput) err() error {
	name := CloudFormationName(m.Stack)
	if m.Param.Key == "" {
		return fmt.Errorf("stack %s needs the secops package: pass --lambda-zip FILE, or --build-lambda to build it with go", name)
	}
	if m.Param.Flag == "" {
		return fmt.Errorf("stack %s needs a value for its %s parameter", name, m.Param.Key)
	}
	how := "pass --" + m.Param.Flag
	if m.Param.Secret {
		how += ", set " + "SECOPS_" + strings.ToUpper(strings.ReplaceAll(m.Param.Flag, "-", "_")) + ", or run on a terminal to be asked"
	}
	if m.Param.Usage != "" {
		how = m.Param.Usage + "; " + how
	}
	if m.Param.RequiredUnless != "" {
		how += ", or --" + flagOf(m.Stack, m.Param.RequiredUnless)
	}
	if s, ok := Stacks().Get(m.Stack); ok && s.Command == "" {
		how += " (or leave the stack out with --stacks)"
	}
	return fmt.Errorf("stack %s needs --%s: %s", name, m.Param.Flag, how)
}

// flagOf is the flag of a stack's parameter.
func flagOf(stack, key string) string {
	if s, ok := Stacks().Get(stack); ok {
		for _, p := range s.Params {
			if p.Key == key && p.Flag != "" {
				return p.Flag
			}
		}
	}
	return key
}

// Missing validates the given values and lists the required ones that the
// stacks about to be created lack (the secops package included), so that
// a command can ask for them before anything is deployed.
func (d *Deployer) Missing(ctx context.Context, stacks []Stack, in Inputs) ([]MissingInput, error) {
	var out []MissingInput
	for _, s := range stacks {
		for _, p := range s.Params {
			if v := in.Values[p.Key]; v != "" && p.Validate != nil {
				if err := p.Validate(v); err != nil {
					return nil, err
				}
			}
		}
		if s.Check != nil {
			if err := s.Check(in.Values); err != nil {
				return nil, err
			}
		}
		existing, err := d.describeStack(ctx, s.CloudFormationName())
		if err != nil {
			return nil, err
		}
		if !isNew(existing) {
			continue
		}
		for _, p := range s.Params {
			if p.required(in.Values) && p.From == nil && p.Resolve == nil && p.Default == "" && in.Values[p.Key] == "" {
				out = append(out, MissingInput{Stack: s.Name, Param: p})
			}
		}
		if s.Package && len(in.Package) == 0 {
			out = append(out, MissingInput{Stack: s.Name})
		}
	}
	return out, nil
}

// required tells whether the parameter needs a value, given the others.
func (p Param) required(v Values) bool {
	return p.Required && (p.RequiredUnless == "" || v[p.RequiredUnless] == "")
}

// isNew tells whether a change set for the stack creates it.
func isNew(s *types.Stack) bool {
	return s == nil || s.StackStatus == types.StackStatusReviewInProgress
}

// checkDeployable refuses stacks CloudFormation cannot update right now.
func checkDeployable(name string, s *types.Stack) error {
	if s == nil {
		return nil
	}
	short := strings.TrimPrefix(name, StackNamePrefix)
	switch {
	case s.StackStatus == types.StackStatusRollbackComplete || s.StackStatus == types.StackStatusRollbackFailed:
		return fmt.Errorf("stack %s is %s after a failed create and cannot be updated; remove it with 'secops bootstrap destroy --stacks %s' and apply again", name, s.StackStatus, short)
	case s.StackStatus == types.StackStatusUpdateRollbackFailed:
		return fmt.Errorf("stack %s is UPDATE_ROLLBACK_FAILED; finish the rollback first ('aws cloudformation continue-update-rollback --stack-name %s', skipping the resources its events name) and apply again", name, name)
	case s.StackStatus == types.StackStatusDeleteFailed:
		return fmt.Errorf("stack %s is DELETE_FAILED; run 'secops bootstrap destroy --stacks %s' again (its events say what blocked the delete)", name, short)
	case statusInProgress(s.StackStatus) && s.StackStatus != types.StackStatusReviewInProgress:
		return fmt.Errorf("stack %s is busy (%s); wait for it to finish (secops bootstrap status) and apply again", name, s.StackStatus)
	}
	return nil
}

// placeholder stands in for values a plan cannot know yet.
const placeholder = "pending-apply"

// parameters builds a stack's parameters. apply=false (plan) never uploads
// and uses placeholders for what does not exist yet.
func (d *Deployer) parameters(ctx context.Context, s Stack, t Template, existing *types.Stack, in Inputs, st *applyState, apply bool) ([]types.Parameter, error) {
	ptypes, err := ParameterTypes(t.Body)
	if err != nil {
		return nil, err
	}
	set := func(k, v string) types.Parameter {
		return types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)}
	}
	keep := func(k string) types.Parameter {
		return types.Parameter{ParameterKey: aws.String(k), UsePreviousValue: aws.Bool(true)}
	}
	deployed := map[string]bool{}
	current := Values{} // the stack's values as they stand: deployed, given, resolved
	if !isNew(existing) {
		for _, p := range existing.Parameters {
			deployed[aws.ToString(p.ParameterKey)] = true
			current[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
		}
	}
	for k, v := range in.Values {
		if v != "" && v != Refresh {
			current[k] = v
		}
	}
	var out []types.Parameter
	for _, p := range s.Params {
		v := in.Values[p.Key]
		// Resolved again when asked, or when what it follows was given
		// and it was not.
		again := v == Refresh || v == "" && p.Follows != "" && in.Values[p.Follows] != ""
		switch {
		case p.From != nil:
			got, err := d.output(ctx, *p.From, apply)
			if err != nil {
				return nil, err
			}
			out = append(out, set(p.Key, got))
		case p.Resolve != nil && (again || v == "" && !deployed[p.Key]):
			got, err := p.Resolve(ctx, d, current)
			if err != nil {
				return nil, err
			}
			current[p.Key] = got
			out = append(out, set(p.Key, got))
		case v != "":
			out = append(out, set(p.Key, v))
		case deployed[p.Key]:
			out = append(out, keep(p.Key))
		case p.required(in.Values) && (apply || strings.HasPrefix(ptypes[p.Key], "AWS::")):
			// A plan can stand in for a string, not for an id CloudFormation
			// looks up when it creates the change set.
			return nil, MissingInput{Stack: s.Name, Param: p}.err()
		case p.required(in.Values):
			out = append(out, set(p.Key, placeholder))
		case p.Default != "" || p.Flag != "":
			// Sent even when empty, so that the deployed stack records it
			// and later updates keep it.
			out = append(out, set(p.Key, p.Default))
		}
	}
	if s.Package {
		switch {
		case len(in.Package) > 0 && apply:
			if st.packageKey == "" {
				bucket, err := d.output(ctx, *artifactsBucket.From, true)
				if err != nil {
					return nil, err
				}
				if st.packageKey, err = d.uploadPackage(ctx, bucket, in.Package); err != nil {
					return nil, err
				}
			}
			out = append(out, set(ParamPackageKey, st.packageKey), set(ParamPackageSHA256, PackageSHA256(in.Package)))
		case len(in.Package) > 0:
			out = append(out, set(ParamPackageKey, PackageKey(in.Package)), set(ParamPackageSHA256, PackageSHA256(in.Package)))
		case deployed[ParamPackageKey] && deployed[ParamPackageSHA256]:
			out = append(out, keep(ParamPackageKey), keep(ParamPackageSHA256))
		case apply:
			return nil, MissingInput{Stack: s.Name}.err()
		default:
			out = append(out, set(ParamPackageKey, placeholder), set(ParamPackageSHA256, placeholder))
		}
	}
	return out, nil
}

// output reads a value another stack exports. A plan of stacks whose
// source does not exist yet gets a placeholder.
func (d *Deployer) output(ctx context.Context, o Output, apply bool) (string, error) {
	name := CloudFormationName(o.Stack)
	src, err := d.describeStack(ctx, name)
	if err != nil {
		return "", err
	}
	if v := outputs(src)[o.Key]; v != "" {
		return v, nil
	}
	if src != nil && !statusInProgress(src.StackStatus) && o.Resource != "" {
		// Emulators such as moto do not fill Outputs for stacks created
		// through change sets; the resource list has the same value.
		if v, err := d.physicalID(ctx, name, o.Resource); err != nil || v != "" {
			return v, err
		}
	}
	if !apply {
		return placeholder, nil
	}
	return "", fmt.Errorf("stack %s has no %s output yet: deploy it first with 'secops bootstrap apply --stacks %s'", name, o.Key, o.Stack)
}

// physicalID returns the physical id of a stack's resource, "" if absent.
func (d *Deployer) physicalID(ctx context.Context, stackName, logicalID string) (string, error) {
	var token *string
	for {
		page, err := d.CFN.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(stackName), NextToken: token})
		if err != nil {
			return "", fmt.Errorf("list resources of stack %s: %w", stackName, err)
		}
		for _, r := range page.StackResourceSummaries {
			if aws.ToString(r.LogicalResourceId) == logicalID {
				return aws.ToString(r.PhysicalResourceId), nil
			}
		}
		if aws.ToString(page.NextToken) == "" {
			return "", nil
		}
		token = page.NextToken
	}
}
