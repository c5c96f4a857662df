package main

import (
	"context"
	"errors"
)

// defaultDastStore opens the Factory's findings store.
func defaultDastStore(f *Factory) func(ctx context.Context) (dastStore, error) {
	return func(ctx context.Context) (dastStore, error) {
		return nil, errors.New("the findings store is not available in this build; rerun with --no-store")
	}
}
