package directory

import (
	"errors"
	"strings"
	"testing"

	"github.com/custos-archive/custos/connector/usermap"
)

func TestParseUsers(t *testing.T) {
	n, err := usermap.NewNormalizer("US")
	if err != nil {
		t.Fatal(err)
	}
	in := "email,name,phones\nAlice@Corp.example,Alice Martin,+1 202-555-0143;(202) 555-0144\nbob@corp.example,Bob Chen,\n\n"
	us, err := ParseUsers(strings.NewReader(in), "users.csv", n)
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 || us[0].Email != "alice@corp.example" || strings.Join(us[0].Phones, ",") != "+12025550143,+12025550144" ||
		us[1].Name != "Bob Chen" || len(us[1].Phones) != 0 || us[1].Line != 3 {
		t.Fatalf("got %+v", us)
	}
}

func TestParseUsersErrors(t *testing.T) {
	n, _ := usermap.NewNormalizer("US")
	for _, tc := range []struct {
		in, field string
		line      int
	}{
		{"", "", 1},
		{"email,phones\n", "name", 1},
		{"email,name,dept\n", "dept", 1},
		{"email,name,phones\na@b.example,A,\nnot-an-email,B,\n", "email", 3},
		{"email,name,phones\na@b.example,,\n", "name", 2},
		{"email,name,phones\na@b.example,A,call me\n", "phones", 2},
		{"email,name,phones\na@b.example,A,\nA@b.example,B,\n", "email", 3},
		{"email,name,phones\na@b.example,A\n", "", 2},
		{"email,name,phones\n\"a@b.example,A,\n", "", 2},
	} {
		_, err := ParseUsers(strings.NewReader(tc.in), "users.csv", n)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: error %v, want *Error", tc.in, err)
			continue
		}
		if e.Line != tc.line || e.Field != tc.field || !strings.HasPrefix(e.Error(), "users.csv:") {
			t.Errorf("%q: %v (line %d field %q), want line %d field %q", tc.in, err, e.Line, e.Field, tc.line, tc.field)
		}
	}
}
