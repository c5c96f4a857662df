package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/secops-dev/secops/pkg/awsconfig"
	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/localstore"
	"github.com/secops-dev/secops/pkg/securityhub"
)

// Backends a user can pick with --backend.
const (
	backendAuto        = "auto"
	backendLocal       = "local"
	backendSecurityHub = "securityhub"
)

// openLocalStore opens the SQLite store at --store (SECOPS_STORE) or the
// default path in the user's data directory.
func (f *Factory) openLocalStore(ctx context.Context, extra ...localstore.Option) (*localstore.Store, error) {
	path := f.Globals.StorePath
	if path == "" {
		p, err := localstore.DefaultPath()
		if err != nil {
			return nil, fmt.Errorf("find the data directory: %w (set --store PATH or SECOPS_STORE)", err)
		}
		path = p
	}
	return localstore.Open(ctx, path, append([]localstore.Option{localstore.WithClock(f.Now)}, extra...)...)
}

// openSecurityHub builds the Security Hub backend from the global AWS flags.
func (f *Factory) openSecurityHub(ctx context.Context) (*securityhub.Store, error) {
	cfg, err := f.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, errors.New("Security Hub is regional: pass --region or set AWS_REGION")
	}
	// Without this check the first call fails with the SDK's whole
	// credential chain (ending in the instance metadata service), and a
	// push repeats it for every finding.
	if !awsconfig.HasCredentials(ctx, cfg) {
		return nil, fmt.Errorf("%w (or pass --profile, or run 'aws sso login'); to work without AWS, use --backend local", awsconfig.ErrNoCredentials)
	}
	return securityhub.New(cfg, securityhub.Options{Now: f.Now}), nil
}

// Store opens the findings backend chosen with --backend: the local store,
// Security Hub, or (auto, the default) Security Hub when AWS credentials
// and a Region resolve and the local store otherwise.
func (f *Factory) Store(ctx context.Context) (findings.Store, error) {
	return f.store(ctx)
}

// ReadStore is Store for commands that only read: a local store this user
// may not write is opened read-only instead of refused.
func (f *Factory) ReadStore(ctx context.Context) (findings.Store, error) {
	return f.store(ctx, localstore.ReadOnlyFallback())
}

func (f *Factory) store(ctx context.Context, local ...localstore.Option) (findings.Store, error) {
	// A store path given on purpose (--store, SECOPS_STORE or the config
	// file) is a choice of the local backend, whatever AWS credentials the
	// environment happens to hold.
	explicitStore := f.Globals.StorePath != ""
	switch f.Globals.Backend {
	case backendLocal:
		return f.openLocalStore(ctx, local...)
	case backendSecurityHub:
		if explicitStore {
			return nil, &usageError{err: fmt.Errorf("--store %s names a local store, but --backend securityhub reads and writes Security Hub: drop one of them", f.Globals.StorePath)}
		}
		return f.openSecurityHub(ctx)
	case backendAuto, "":
		if !explicitStore && f.awsDetected(ctx) {
			return f.openSecurityHub(ctx)
		}
		return f.openLocalStore(ctx, local...)
	}
	return nil, &usageError{err: fmt.Errorf("--backend %q: use local, securityhub or auto", f.Globals.Backend)}
}

// awsDetected is --backend auto's test, made without any network call.
func (f *Factory) awsDetected(ctx context.Context) bool {
	return awsconfig.Detect(ctx, awsconfig.Options{Profile: f.Globals.Profile, Region: f.Globals.Region})
}

// ScanStore is where scanners write: always the local store, which keeps
// the archive bookkeeping and anything an upload could not deliver.
// `secops scan --upload` and `secops findings push` send findings on to
// Security Hub.
func (f *Factory) ScanStore(ctx context.Context) (findings.Store, error) {
	return f.openLocalStore(ctx)
}
