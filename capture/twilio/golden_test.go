package twilio

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestGolden parses every testdata/*.form with the parser its name names
// and compares the whole result — item, media, status or error — with
// testdata/golden/<name>.json (go test -update rewrites them).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.form"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.form")
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".form")
		t.Run(name, func(t *testing.T) {
			rec, st, err := parseAs(t, name, readForm(t, path))
			checkResult(t, rec, st, err)
			if strings.Contains(name, "_err_") != (err != nil) {
				t.Errorf("error %v: files named *_err_* and only those must fail", err)
			}
			golden(t, name, newResult(rec, st, err))
		})
	}
}
