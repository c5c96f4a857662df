package main

import (
	"context"
	"fmt"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/localstore"
)

// openLocalStore opens the SQLite store at --store (SECOPS_STORE) or the
// default path in the user's data directory.
func (f *Factory) openLocalStore(ctx context.Context) (*localstore.Store, error) {
	path := f.Globals.StorePath
	if path == "" {
		p, err := localstore.DefaultPath()
		if err != nil {
			return nil, fmt.Errorf("find the data directory: %w (set --store PATH or SECOPS_STORE)", err)
		}
		path = p
	}
	return localstore.Open(ctx, path, localstore.WithClock(f.Now))
}

// Store opens the findings backend the user chose.
func (f *Factory) Store(ctx context.Context) (findings.Store, error) {
	return f.openLocalStore(ctx)
}
