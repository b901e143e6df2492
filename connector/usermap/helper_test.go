package usermap

import "testing"

func normalizer(t testing.TB, region string) *Normalizer {
	t.Helper()
	n, err := NewNormalizer(region)
	if err != nil {
		t.Fatalf("NewNormalizer(%q): %v", region, err)
	}
	return n
}
