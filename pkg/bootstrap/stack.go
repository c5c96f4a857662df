package bootstrap

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Stack is one CloudFormation stack secops deploys: its template, its
// parameters, whether it installs the secops package, and whether it is
// deployed by default. Each stack is declared in its own file
// (stack_<name>.go, calling Register) beside its template
// (templates/<name>.yaml); plan, apply, status, destroy, the command help
// and docs/bootstrap.md all read the declarations.
type Stack struct {
	// Name is the --stacks value; the CloudFormation stack is secops-<Name>
	// and the template templates/<Name>.yaml.
	Name string
	// Summary says in one line what the stack holds (help text, docs).
	Summary string
	// Order places the stack among the others: apply goes up, destroy down.
	Order int
	// OptIn stacks are deployed only when named in --stacks (they cost
	// money while they run, or need inputs most users do not have).
	OptIn bool
	// Command is the secops command that deploys the stack, empty for
	// `secops bootstrap`. Stacks of other commands (e.g. "secops deploy
	// cluster") show in bootstrap status but are planned, applied and
	// destroyed by their own command through the same Deployer.
	Command string
	// Params are the stack's parameters that secops fills in, in order.
	Params []Param
	// Package makes the stack install the secops package: it gets the
	// package key and SHA-256 parameters, and apply uploads the package.
	Package bool
	// Data adds values the template's placeholders take ({{ .Name }} or
	// {{ indent N .Name }}), beyond the parameters CloudFormation resolves
	// at deploy time.
	Data func() (map[string]string, error)
	// BeforeApply runs before the stack's change set (e.g. a service-linked
	// role the template needs); AfterApply once the stack is deployed (e.g.
	// a service CloudFormation cannot turn on). Both may be nil.
	BeforeApply func(ctx context.Context, d *Deployer) error
	AfterApply  func(ctx context.Context, d *Deployer, res *ApplyResult) error
	// Check validates the values the user gave together (one parameter
	// that needs another); nil accepts any.
	Check func(v Values) error
	// Variants are parameter sets that switch the template's conditions;
	// the template checks (cfn-lint) run on each.
	Variants []map[string]string

	// body replaces the embedded template (tests).
	body string
}

// CloudFormationName is the stack's CloudFormation stack name.
func (s Stack) CloudFormationName() string { return CloudFormationName(s.Name) }

// Param is one stack parameter secops fills in. A value comes, in order,
// from the user (a flag, or the Values a command passes), another stack's
// output (From), the deployed stack (kept on update), Resolve, or Default;
// a Required parameter with none of these stops apply before anything is
// deployed.
type Param struct {
	// Key is the CloudFormation parameter name.
	Key string
	// Flag is the command-line flag that sets it ("" for none).
	Flag  string
	Usage string
	// Default is the value a new stack gets when the user gives none (sent
	// to CloudFormation, even empty, for parameters with a flag); it must
	// equal the template's default.
	Default string
	// Required parameters must have a value when the stack is created,
	// unless the parameter RequiredUnless names has one.
	Required       bool
	RequiredUnless string
	// Secret values are never printed; on a terminal apply asks for a
	// missing one without echo.
	Secret bool
	// From reads the value from another stack's output.
	From *Output
	// Resolve computes a value the user did not give (e.g. the newest
	// Amazon Linux AMI) when the stack is created; on update the deployed
	// value is kept unless the user gives Refresh as the value, or gives
	// the parameter Follows names. v holds the stack's values so far: the
	// deployed ones, the given ones and those resolved before.
	Resolve func(ctx context.Context, d *Deployer, v Values) (string, error)
	Follows string
	// Validate checks a value the user gave.
	Validate func(string) error
}

// Refresh, given as the value of a parameter with Resolve, computes it
// again on update instead of keeping the deployed value.
const Refresh = "latest"

// Output names a value another stack exports: its output, or the physical
// id of Resource where an emulator fills no outputs.
type Output struct {
	Stack    string
	Key      string
	Resource string
}

// Package parameters of stacks with Package set.
const (
	ParamPackageKey    = "SecopsPackageKey"
	ParamPackageSHA256 = "SecopsPackageSha256"
)

// Registry is an ordered set of stacks.
type Registry struct {
	stacks []Stack
}

// registry holds the stacks the stack files register while the package
// initialises; it is not changed afterwards.
var registry = &Registry{}

// Register adds a stack to the package's registry. Each stack file calls it
// once, from a package-level variable declaration.
func Register(s Stack) Stack {
	if err := registry.add(s); err != nil {
		panic(err) // a programming error in a stack file
	}
	return s
}

// Stacks returns the package's registry.
func Stacks() *Registry { return registry }

// NewRegistry returns a registry of the given stacks (tests, examples).
func NewRegistry(stacks ...Stack) (*Registry, error) {
	r := &Registry{}
	for _, s := range stacks {
		if err := r.add(s); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *Registry) add(s Stack) error {
	if s.Name == "" || strings.ToLower(s.Name) != s.Name || strings.ContainsAny(s.Name, " ,/") {
		return fmt.Errorf("stack name %q: use lower-case letters, digits and dashes", s.Name)
	}
	for _, o := range r.stacks {
		if o.Name == s.Name {
			return fmt.Errorf("stack %s registered twice", s.Name)
		}
		if o.Order == s.Order {
			return fmt.Errorf("stacks %s and %s have the same Order %d", o.Name, s.Name, s.Order)
		}
	}
	r.stacks = append(r.stacks, s)
	sort.SliceStable(r.stacks, func(i, j int) bool { return r.stacks[i].Order < r.stacks[j].Order })
	return nil
}

// All returns every stack in deployment order.
func (r *Registry) All() []Stack { return slices.Clone(r.stacks) }

// Get returns the named stack.
func (r *Registry) Get(name string) (Stack, bool) {
	for _, s := range r.stacks {
		if s.Name == name {
			return s, true
		}
	}
	return Stack{}, false
}

// Names returns the names of the stacks, in order.
func Names(stacks []Stack) []string {
	out := make([]string, len(stacks))
	for i, s := range stacks {
		out[i] = s.Name
	}
	return out
}

// Owned returns the stacks the given command deploys ("" for bootstrap),
// in deployment order.
func (r *Registry) Owned(command string) []Stack {
	var out []Stack
	for _, s := range r.stacks {
		if s.Command == command {
			out = append(out, s)
		}
	}
	return out
}

// Defaults returns the bootstrap stacks that are not opt-in.
func (r *Registry) Defaults() []Stack {
	var out []Stack
	for _, s := range r.Owned("") {
		if !s.OptIn {
			out = append(out, s)
		}
	}
	return out
}

// Select validates a --stacks list for the bootstrap commands and returns
// the stacks in deployment order. An empty list gives def; "all" every
// stack bootstrap deploys. anyOwner lets status name the stacks of other
// commands too.
func (r *Registry) Select(names []string, def []Stack, anyOwner bool) ([]Stack, error) {
	var want []string
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			want = append(want, n)
		}
	}
	if len(names) == 0 {
		return slices.Clone(def), nil
	}
	choices := strings.Join(Names(r.Owned("")), ", ")
	if len(want) == 0 {
		return nil, fmt.Errorf("--stacks is empty: choose from %s, or all", choices)
	}
	var out []Stack
	for _, s := range r.stacks {
		switch {
		case slices.Contains(want, "all") && (s.Command == "" || anyOwner):
			out = append(out, s)
		case slices.Contains(want, s.Name):
			if s.Command != "" && !anyOwner {
				return nil, fmt.Errorf("stack %s is deployed by '%s', not by bootstrap", s.Name, s.Command)
			}
			out = append(out, s)
		}
	}
	for _, n := range want {
		if _, ok := r.Get(n); !ok && n != "all" {
			return nil, fmt.Errorf("unknown stack %q: choose from %s, or all", n, choices)
		}
	}
	return out, nil
}

// params returns the parameters secops fills in for the stack, the package
// parameters included.
func (s Stack) params() []Param {
	ps := slices.Clone(s.Params)
	if s.Package {
		ps = append(ps,
			Param{Key: ParamPackageKey},
			Param{Key: ParamPackageSHA256},
		)
	}
	return ps
}

// FlagParams returns the parameters of the stacks that have a flag, each
// flag once, in stack order.
func FlagParams(stacks []Stack) []Param {
	var out []Param
	seen := map[string]bool{}
	for _, s := range stacks {
		for _, p := range s.Params {
			if p.Flag == "" || seen[p.Flag] {
				continue
			}
			seen[p.Flag] = true
			out = append(out, p)
		}
	}
	return out
}
