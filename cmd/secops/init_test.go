package main

import (
	"regexp"
	"strings"
	"testing"

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

// TestShippedCommandsExist runs every secops command line that the
// buildspec from 'secops init buildspec' and the bootstrap templates run in
// CodeBuild through the real command tree: each command and flag must
// exist, or the pipeline stage fails on every run.
func TestShippedCommandsExist(t *testing.T) {
	spec, err := bootstrap.Buildspec("HIGH")
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{"buildspec.yml": spec}
	tmpls, err := bootstrap.Render(bootstrap.Stacks().All())
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range tmpls {
		sources[tm.Name] = string(tm.Body)
	}
	calls := 0
	for name, body := range sources {
		for _, line := range strings.Split(body, "\n") {
			trimmed := strings.TrimSpace(line)
			// Commands are YAML list items of a buildspec's phases.
			if !strings.HasPrefix(trimmed, "- ") {
				continue
			}
			for _, m := range secopsCall.FindAllStringSubmatch(trimmed, -1) {
				args := shellWords(strings.TrimSuffix(strings.TrimSpace(m[1]), " fi"))
				calls++
				io, _, _, _ := iostreams.Test()
				root := newRootCmd(newFactory(io))
				cmd, rest, err := root.Find(args)
				if err != nil {
					t.Errorf("%s: secops %s: %v", name, strings.Join(args, " "), err)
					continue
				}
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
	if calls < 3 {
		t.Fatalf("found %d secops command lines in the buildspec and templates; the extraction is broken", calls)
	}
}
