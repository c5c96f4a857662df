package main

import "context"

// defaultDastStore opens the Factory's findings store.
func defaultDastStore(f *Factory) func(ctx context.Context) (dastStore, error) {
	return func(ctx context.Context) (dastStore, error) {
		st, err := f.ScanStore(ctx)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
}
