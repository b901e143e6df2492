package password

import (
	"strings"
	"testing"
)

func TestHashCheck(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q", h)
	}
	if !Check(h, "correct horse battery") || Check(h, "correct horse batterx") {
		t.Fatal("check is wrong")
	}
	h2, _ := Hash("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=4294967295,t=1,p=1$AAAA$AAAA", strings.Replace(h, "p=2", "p=0", 1)} {
		if Check(bad, "x") {
			t.Errorf("forged hash %q accepted", bad)
		}
	}
}
