package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/tableprinter"
	"github.com/secops-dev/secops/pkg/vulndb"
)

// dbOptions are the flags and dependencies of `secops db update` and
// `secops db status`.
type dbOptions struct {
	IO       *iostreams.IOStreams
	Now      func() time.Time
	Progress func() *progress.Reporter
	Output   string

	Dir        string
	Ecosystems []string
	Mirror     string
}

func newDBOptions(f *Factory) *dbOptions {
	return &dbOptions{IO: f.IO, Now: f.Now, Progress: f.Progress}
}

func (o *dbOptions) dir() (string, error) {
	if o.Dir != "" {
		return o.Dir, nil
	}
	return vulndb.DefaultDir()
}

func newCmdDB(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the offline vulnerability database (OSV exports)",
		Long: `The offline vulnerability database holds OSV's advisories, one zip per ecosystem,
in osv-scanner's layout (DIR/osv-scalibr/<Ecosystem>/all.zip), so secops and
osv-scanner can share one copy (osv-scanner --local-db-path DIR).

The default directory is $XDG_CACHE_HOME/secops/osv; --db DIR (SECOPS_DB) picks
another. A directory of OSV JSON files laid out <Ecosystem>/<ID>.json works too.
Scans warn when an ecosystem is more than 7 days old.`,
	}
	cmd.AddCommand(newCmdDBUpdate(f, nil), newCmdDBStatus(f, nil))
	return cmd
}

func newCmdDBUpdate(f *Factory, runF func(*dbOptions) error) *cobra.Command {
	opts := newDBOptions(f)
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download OSV's advisories for offline scans",
		Long: `Download OSV's per-ecosystem exports into the database directory. Each download
goes to a temporary file and replaces the previous copy only once it reads as a
zip, so a failed update leaves a working database behind.

By default it downloads the ecosystems of the lockfiles 'secops scan' reads
(Go, npm, PyPI, Maven, RubyGems, crates.io, Packagist, NuGet) and no OS
ecosystems: an offline 'secops scan image' of a Debian, Ubuntu, Alpine or
Red Hat image then checks none of its OS packages (the scan warns). Add them
with:

  secops db update --ecosystems 'Debian,Ubuntu,Alpine,Red Hat'

--ecosystems replaces the default list for that run; ecosystems downloaded
before stay in the database. The scan's warning names any other ecosystem an
image needs.`,
		Example: `  secops db update
  secops db update --ecosystems Go,npm,PyPI --db ./osv-db
  # OS packages, for offline image scans
  secops db update --ecosystems 'Debian,Ubuntu,Alpine,Red Hat'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Output = f.Globals.Output
			if runF != nil {
				return runF(opts)
			}
			return dbUpdateRun(cmd.Context(), opts)
		},
	}
	acceptsOutput(cmd, "table", "json")
	cmd.Flags().StringVar(&opts.Dir, "db", "", "database directory (default $XDG_CACHE_HOME/secops/osv)")
	cmd.Flags().StringSliceVar(&opts.Ecosystems, "ecosystems", nil, "OSV ecosystems to download, comma-separated (default Go,npm,PyPI,Maven,RubyGems,crates.io,Packagist,NuGet: no OS ecosystems; add Debian,Ubuntu,Alpine,Red Hat for image scans)")
	cmd.Flags().StringVar(&opts.Mirror, "mirror", vulndb.DefaultExportURL, "base URL of the OSV exports (<URL>/<Ecosystem>/all.zip), e.g. an internal mirror")
	return cmd
}

func dbUpdateRun(ctx context.Context, opts *dbOptions) error {
	dir, err := opts.dir()
	if err != nil {
		return err
	}
	rep := opts.Progress()
	u := &vulndb.Updater{Dir: dir, BaseURL: opts.Mirror, Now: opts.Now, Progress: rep}
	done, err := u.Update(ctx, opts.Ecosystems)
	rep.Done("")
	for _, m := range done {
		opts.IO.Notef("Updated %s: %d advisories.", m.Ecosystem, m.Count)
	}
	if err != nil {
		return fmt.Errorf("db update: %w", err)
	}
	opts.IO.Notef("Database: %s", dir)
	return nil
}

func newCmdDBStatus(f *Factory, runF func(*dbOptions) error) *cobra.Command {
	opts := newDBOptions(f)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each ecosystem's advisory count and age",
		Example: `  secops db status
  secops db status --db ./osv-db -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Output = f.Globals.Output
			if runF != nil {
				return runF(opts)
			}
			return dbStatusRun(cmd.Context(), opts)
		},
	}
	acceptsOutput(cmd, "table", "json")
	cmd.Flags().StringVar(&opts.Dir, "db", "", "database directory (default $XDG_CACHE_HOME/secops/osv)")
	return cmd
}

// dbStatusJSON is the stable -o json shape of one ecosystem.
type dbStatusJSON struct {
	Ecosystem  string `json:"ecosystem"`
	Advisories int    `json:"advisories"`
	Updated    string `json:"updated"`
	AgeSeconds int64  `json:"age_seconds"`
	Stale      bool   `json:"stale"`
	Path       string `json:"path"`
	Problem    string `json:"problem,omitempty"`
	// Invalid counts records that are not OSV records (e.g. Git LFS
	// pointers); an ecosystem with any is not ok.
	Invalid      int    `json:"invalid,omitempty"`
	FirstInvalid string `json:"first_invalid,omitempty"`
}

func dbStatusRun(_ context.Context, opts *dbOptions) error {
	dir, err := opts.dir()
	if err != nil {
		return err
	}
	st, err := vulndb.ReadStatus(dir, opts.Now())
	if err != nil {
		return fmt.Errorf("db status: %w", err)
	}
	if len(st) == 0 {
		return fmt.Errorf("db status: no vulnerability database in %s: run `secops db update` (or pass --db DIR)", dir)
	}
	if opts.Output == "json" {
		out := make([]dbStatusJSON, 0, len(st))
		for _, s := range st {
			updated := ""
			if s.Problem == "" {
				updated = s.Updated.UTC().Format(time.RFC3339)
			}
			out = append(out, dbStatusJSON{s.Ecosystem, s.Count, updated, int64(s.Age.Seconds()), s.Stale, s.Path, s.Problem, s.Invalid, s.FirstInvalid})
		}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
		return damagedError(st)
	}
	fmt.Fprintf(opts.IO.Out, "Database: %s\n", dir)
	tw := tableprinter.New(opts.IO.Out, tableprinter.Options{TTY: opts.IO.IsStdoutTTY(), Width: opts.IO.TerminalWidth()},
		tableprinter.Plain("ECOSYSTEM", "ADVISORIES", "UPDATED", "AGE", "STATE")...)
	stale := 0
	for _, s := range st {
		if s.Problem != "" {
			tw.Row(s.Ecosystem, fmt.Sprint(s.Count), "-", "-", "unreadable")
			continue
		}
		state := "ok"
		if s.Invalid > 0 {
			state = fmt.Sprintf("%d invalid", s.Invalid)
		} else if s.Stale {
			state = "stale"
			stale++
		}
		tw.Row(s.Ecosystem, fmt.Sprint(s.Count), s.Updated.UTC().Format("2006-01-02 15:04"), vulndb.FormatAge(s.Age), state)
	}
	if err := tw.Render(); err != nil {
		return err
	}
	if stale > 0 {
		opts.IO.Notef("%d ecosystem(s) older than 7 days: run `secops db update`.", stale)
	}
	return damagedError(st)
}

// damagedError names the ecosystems whose files cannot be read and how to
// replace them.
func damagedError(st []vulndb.EcosystemStatus) error {
	var errs []error
	for _, s := range st {
		eco := s.Ecosystem
		if strings.ContainsAny(eco, " '") {
			eco = "'" + strings.ReplaceAll(eco, "'", `'\''`) + "'"
		}
		switch {
		case s.Problem != "":
			errs = append(errs, fmt.Errorf("%s: %s is unreadable (%s): run `secops db update --ecosystems %s`", s.Ecosystem, s.Path, s.Problem, eco))
		case s.Invalid > 0:
			errs = append(errs, fmt.Errorf("%s: %d of %d records in %s are not OSV records (first: %s): scans against it are incomplete; fetch the real files or run `secops db update --ecosystems %s`", s.Ecosystem, s.Invalid, s.Count+s.Invalid, s.Path, s.FirstInvalid, eco))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("db status: %w", errors.Join(errs...))
}
