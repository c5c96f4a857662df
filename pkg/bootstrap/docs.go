package bootstrap

import (
	"fmt"
	"strings"
)

// StacksMarkdown is the generated stack table of docs/bootstrap.md: every
// registered stack in deployment order, whether it is deployed by default,
// what it holds and the flags that set its parameters.
func StacksMarkdown() string {
	var b strings.Builder
	b.WriteString("| stack | CloudFormation stack | deployed | what it holds | flags |\n| --- | --- | --- | --- | --- |\n")
	for _, s := range Stacks().All() {
		when := "by default"
		switch {
		case s.Command != "":
			when = "by `" + s.Command + "`"
		case s.OptIn:
			when = "when named in `--stacks`"
		}
		var flags []string
		for _, p := range s.Params {
			if p.Flag == "" {
				continue
			}
			f := "`--" + p.Flag + "`"
			var notes []string
			if p.Required && p.Default == "" && p.Resolve == nil {
				notes = append(notes, "required on create")
			}
			if p.Secret {
				notes = append(notes, "secret")
			}
			if len(notes) > 0 {
				f += " (" + strings.Join(notes, ", ") + ")"
			}
			flags = append(flags, f)
		}
		if s.Package {
			flags = append(flags, "`--lambda-zip`/`--build-lambda` (the secops package)")
		}
		if len(flags) == 0 {
			flags = []string{"-"}
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", s.Name, s.CloudFormationName(), when, strings.ReplaceAll(s.Summary, "|", "\\|"), strings.Join(flags, ", "))
	}
	b.WriteString("\nApply creates or updates them in this order and destroy deletes them in reverse. A flag not given\n" +
		"on update keeps the deployed value. Stacks that install secops get the package's object key and\n" +
		"SHA-256 as parameters.\n")
	return b.String()
}
