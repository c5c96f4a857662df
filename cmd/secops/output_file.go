package main

import (
	"fmt"
	"os"
)

// createOutputFile opens a report file for writing, with an error that
// names the file.
func createOutputFile(path string) (*os.File, error) {
	file, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return file, nil
}
