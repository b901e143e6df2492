package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/custos-archive/custos/store"
)

func TestPasswordsAndAppPasswords(t *testing.T) {
	ctx := context.Background()
	st := open(t, t.TempDir())
	st.PutUser(ctx, store.User{Email: "alice@corp.example", Name: "Alice"})
	st.PutUser(ctx, store.User{Email: "bob@corp.example", Name: "Bob"})

	// No password yet: nobody gets in, and an unknown user looks the same.
	for _, c := range [][2]string{{"alice@corp.example", ""}, {"alice@corp.example", "x"}, {"nobody@corp.example", "x"}} {
		if _, err := st.Authenticate(ctx, c[0], c[1]); !errors.Is(err, store.ErrAuth) {
			t.Fatalf("Authenticate(%q, %q) = %v, want ErrAuth", c[0], c[1], err)
		}
	}
	if err := st.SetPassword(ctx, "alice@corp.example", "short"); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("short password: %v", err)
	}
	if err := st.SetPassword(ctx, "nobody@corp.example", "long enough password"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("password of an unknown user: %v", err)
	}
	if err := st.SetPassword(ctx, "Alice@Corp.example", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	u, err := st.Authenticate(ctx, "ALICE@corp.example", "correct horse battery")
	if err != nil || u.Email != "alice@corp.example" {
		t.Fatalf("login with the password: %+v %v", u, err)
	}
	if _, err := st.Authenticate(ctx, "bob@corp.example", "correct horse battery"); !errors.Is(err, store.ErrAuth) {
		t.Fatalf("alice's password for bob: %v", err)
	}
	// A new password replaces the old.
	if err := st.SetPassword(ctx, "alice@corp.example", "another long password"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Authenticate(ctx, "alice@corp.example", "correct horse battery"); !errors.Is(err, store.ErrAuth) {
		t.Fatalf("old password still works: %v", err)
	}

	secret, err := st.AddAppPassword(ctx, "alice@corp.example", "phone")
	if err != nil || len(secret) != 29 {
		t.Fatalf("app password %q %v", secret, err)
	}
	if _, err := st.AddAppPassword(ctx, "alice@corp.example", "phone"); !errors.Is(err, store.ErrExists) {
		t.Fatalf("same name twice: %v", err)
	}
	for _, typed := range []string{secret, strings.ToUpper(secret), strings.ReplaceAll(secret, "-", "")} {
		if _, err := st.Authenticate(ctx, "alice@corp.example", typed); err != nil {
			t.Fatalf("app password typed as %q: %v", typed, err)
		}
	}
	if _, err := st.Authenticate(ctx, "bob@corp.example", secret); !errors.Is(err, store.ErrAuth) {
		t.Fatalf("alice's app password for bob: %v", err)
	}
	aps, err := st.AppPasswords(ctx, "alice@corp.example")
	if err != nil || len(aps) != 1 || aps[0].Name != "phone" || aps[0].LastUsedAt.IsZero() {
		t.Fatalf("app passwords %+v %v", aps, err)
	}
	if err := st.RevokeAppPassword(ctx, "alice@corp.example", "phone"); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeAppPassword(ctx, "alice@corp.example", "phone"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoking twice: %v", err)
	}
	if _, err := st.Authenticate(ctx, "alice@corp.example", secret); !errors.Is(err, store.ErrAuth) {
		t.Fatalf("revoked app password still works: %v", err)
	}
}
