package bench

import (
	"context"
	"path/filepath"
	"testing"
)

// TestIngestSmallCorpus runs the benchmark path over a 50-message corpus
// made by shared/bench/gencorpus.py (--n 50 --users 5 --seed 42, kept in
// testdata): every message archived once, attachments regenerated and
// matching their SHA-256, and the manifest's queries finding exactly the
// expected hits.
func TestIngestSmallCorpus(t *testing.T) {
	res, err := Ingest(context.Background(), "testdata", filepath.Join(t.TempDir(), "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.CountsCorrect || res.Items != 50 || res.Copies != 50 {
		t.Fatalf("counts: %+v", res)
	}
	for _, q := range res.Queries {
		if !q.OK {
			t.Errorf("query %s %q: %d hits, manifest expects %d", q.Name, q.KQL, q.Hits, q.Expect)
		}
	}
}
