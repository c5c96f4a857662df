package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/secops-dev/secops/pkg/suggest"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// envPrefix is how every flag is also an environment variable:
// --fail-on is SECOPS_FAIL_ON.
const envPrefix = "SECOPS_"

// applySettings fills every flag the user did not give on the command line,
// first from SECOPS_<FLAG>, then from the config file: flag > env > file >
// default.
func applySettings(cmd *cobra.Command, f *Factory) error {
	path, explicit := configPath(cmd)
	file, err := loadConfigFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			file = nil
		} else {
			return &usageError{err: fmt.Errorf("config file %s: %w", path, err)}
		}
	}
	for _, w := range unknownConfigKeys(cmd.Root(), file) {
		fmt.Fprintf(f.IO.ErrOut, "warning: config file %s: %s\n", path, w)
	}
	var problems []string
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Changed || fl.Name == "config" || fl.Name == "help" {
			return
		}
		if v, ok := os.LookupEnv(envName(fl.Name)); ok {
			if err := cmd.Flags().Set(fl.Name, v); err != nil {
				problems = append(problems, fmt.Sprintf("%s=%q: %v", envName(fl.Name), v, err))
			}
			return
		}
		if v, ok := file[fl.Name]; ok {
			if err := cmd.Flags().Set(fl.Name, v); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %s: %q: %v", path, fl.Name, v, err))
			}
		}
	})
	if len(problems) > 0 {
		return &usageError{err: errors.New(strings.Join(problems, "; "))}
	}
	if f.Globals.Verbose && file != nil {
		f.IO.Notef("config: %s", path)
	}
	return nil
}

func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// configPath is --config, else SECOPS_CONFIG, else the XDG default. The
// second result tells whether the user named the file, which makes a
// missing file an error instead of "no config".
func configPath(cmd *cobra.Command) (string, bool) {
	if fl := cmd.Flags().Lookup("config"); fl != nil && fl.Changed {
		return fl.Value.String(), true
	}
	if v := os.Getenv(envPrefix + "CONFIG"); v != "" {
		return v, true
	}
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", false
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "secops", "config.yaml"), false
}

// loadConfigFile reads a flat YAML map of flag names to values. Lists
// become comma-separated values, as repeated or comma-separated flags take.
func loadConfigFile(path string) (map[string]string, error) {
	if path == "" {
		return nil, fs.ErrNotExist
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	out := make(map[string]string, len(raw))
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := raw[k].(type) {
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = fmt.Sprint(p)
			}
			out[k] = strings.Join(parts, ",")
		case map[string]any:
			return nil, fmt.Errorf("key %q: expected a value or a list, got a mapping (keys are flag names, e.g. output: json)", k)
		case nil:
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out, nil
}

// unknownConfigKeys names the keys of the config file that are no flag of
// any command (a key may set a flag of another command than the one run,
// such as fail-on for scan), each with the flag it probably meant.
func unknownConfigKeys(root *cobra.Command, file map[string]string) []string {
	if len(file) == 0 {
		return nil
	}
	known := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		add := func(fl *pflag.Flag) { known[fl.Name] = true }
		c.Flags().VisitAll(add)
		c.PersistentFlags().VisitAll(add)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	keys := make([]string, 0, len(file))
	for k := range file {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		msg := fmt.Sprintf("unknown key %q", k)
		if s := closestFlag(k, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		out = append(out, msg)
	}
	return out
}

// closestFlag is the flag name key most likely misspells: the same name
// in another case or with underscores, else the nearest by edit distance
// (at most 2, and less than half the key), else "".
func closestFlag(key string, known map[string]bool) string {
	norm := strings.ReplaceAll(strings.ToLower(key), "_", "-")
	if known[norm] {
		return norm
	}
	names := make([]string, 0, len(known))
	for name := range known {
		names = append(names, name)
	}
	best, dist := suggest.Closest(norm, names)
	if best == "" || dist > 2 || 2*dist >= len(norm) {
		return ""
	}
	return best
}
