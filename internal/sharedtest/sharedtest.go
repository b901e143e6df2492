// Package sharedtest finds the shared sample files the acceptance tests
// read: shared/testdata, which lives beside the repository (../shared from
// the module's root). CI has it; elsewhere the tests skip, saying so.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns shared/testdata/sub, or skips the test with a message naming
// where it looked when that folder is not there.
func Dir(t testing.TB, sub string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the package: cannot find the repository root, so not the shared samples either")
		}
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared", "testdata", sub)
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("shared samples not found at %s (they live beside the repository, in ../shared/testdata); skipping the acceptance test: %v", shared, err)
	}
	return shared
}
