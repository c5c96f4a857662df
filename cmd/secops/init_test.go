package main

import (
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/secops-dev/secops/pkg/bootstrap"
	"github.com/secops-dev/secops/pkg/iostreams"
)

// secopsCall finds a secops invocation in a shell command line, up to the
// end of that simple command.
var secopsCall = regexp.MustCompile(`(?:^|[\s;&|(])secops\s+([^;&|\n]*)`)

// shellWords splits a command line into words, keeping double-quoted
// strings together; a word that expands a variable becomes "x".
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	flush := func() {
		if inWord {
			w := cur.String()
			if strings.Contains(w, "$") {
				w = "x"
			}
			words = append(words, w)
		}
		cur.Reset()
		inWord = false
	}
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
			inWord = true
		case (r == ' ' || r == '\t') && !quoted:
			flush()
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return words
}

// shippedCommandLines returns the shell lines that the buildspec from
// 'secops init buildspec' and the bootstrap templates run in CodeBuild and
// on the scanner host: every command of every inline buildspec (a block
// command line by line) and the scanner's user data.
func shippedCommandLines(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	spec, err := bootstrap.Buildspec("HIGH")
	if err != nil {
		t.Fatal(err)
	}
	out["buildspec.yml"] = buildspecLines(t, spec)
	tmpls, err := bootstrap.Render(bootstrap.Stacks().All())
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range tmpls {
		var doc yaml.Node
		if err := yaml.Unmarshal(tm.Body, &doc); err != nil {
			t.Fatal(err)
		}
		var walk func(n *yaml.Node, key string)
		walk = func(n *yaml.Node, key string) {
			switch {
			case n.Kind == yaml.ScalarNode && key == "BuildSpec":
				out[tm.Name] = append(out[tm.Name], buildspecLines(t, n.Value)...)
			case n.Kind == yaml.ScalarNode && key == "Fn::Base64":
				out[tm.Name] = append(out[tm.Name], strings.Split(n.Value, "\n")...)
			case n.Kind == yaml.MappingNode:
				for i := 0; i+1 < len(n.Content); i += 2 {
					walk(n.Content[i+1], n.Content[i].Value)
				}
			default:
				for _, c := range n.Content {
					walk(c, key)
				}
			}
		}
		walk(&doc, "")
	}
	return out
}

// buildspecLines are the command lines of a buildspec's phases.
func buildspecLines(t *testing.T, spec string) []string {
	t.Helper()
	var doc struct {
		Phases map[string]struct {
			Commands []string `yaml:"commands"`
		} `yaml:"phases"`
	}
	if err := yaml.Unmarshal([]byte(spec), &doc); err != nil {
		t.Fatalf("buildspec: %v\n%s", err, spec)
	}
	var out []string
	for _, ph := range doc.Phases {
		for _, c := range ph.Commands {
			out = append(out, strings.Split(c, "\n")...)
		}
	}
	return out
}

// TestShippedCommandsExist runs every secops command line that the
// buildspec from 'secops init buildspec' and the bootstrap templates run in
// CodeBuild or on the scanner host through the real command tree: each
// command and flag must exist, or the pipeline stage fails on every run.
func TestShippedCommandsExist(t *testing.T) {
	seen := map[string]bool{}
	for name, lines := range shippedCommandLines(t) {
		for _, line := range lines {
			for _, m := range secopsCall.FindAllStringSubmatch(strings.TrimSpace(line), -1) {
				args := shellWords(strings.TrimSuffix(strings.TrimSpace(m[1]), " fi"))
				io, _, _, _ := iostreams.Test()
				root := newRootCmd(newFactory(io))
				cmd, rest, err := root.Find(args)
				if err != nil {
					t.Errorf("%s: secops %s: %v", name, strings.Join(args, " "), err)
					continue
				}
				seen[cmd.CommandPath()] = true
				if err := cmd.ParseFlags(rest); err != nil {
					t.Errorf("%s: secops %s: %v", name, strings.Join(args, " "), err)
					continue
				}
				if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
					t.Errorf("%s: secops %s: %v", name, strings.Join(args, " "), err)
				}
			}
		}
	}
	// The extraction must find the commands the stages are made of.
	for _, want := range []string{"secops scan", "secops scan image", "secops scan dast", "secops findings push", "secops version"} {
		if !seen[want] {
			t.Errorf("no %q found in the buildspecs and templates (found %v); the extraction is broken", want, seen)
		}
	}
}
