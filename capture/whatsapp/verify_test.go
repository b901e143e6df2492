package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// sign computes the X-Hub-Signature-256 of a body.
func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestVerifySignature(t *testing.T) {
	const secret = "6a7d1c0b1e2f4a5b8c9d0e1f2a3b4c5d"
	body := testdata(t, "text.json")
	good := sign(secret, body)
	// A vector fixed in the test, to catch a change of algorithm as well
	// as of implementation: HMAC-SHA256 keyed "key" of the classic pangram.
	pangram := []byte("The quick brown fox jumps over the lazy dog")
	const pangramSig = "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	eq(t, "pangram vector", sign("key", pangram), pangramSig)

	tests := []struct {
		name, secret, header string
		body                 []byte
		err                  string // "" for success
	}{
		{"good", secret, good, body, ""},
		{"fixed vector", "key", pangramSig, pangram, ""},
		{"upper-case hex", secret, "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), body, ""},
		{"spaces around", secret, " " + good + " ", body, ""},
		{"empty body", secret, sign(secret, nil), nil, ""},
		{"no secret", "", good, body, "no app secret configured"},
		{"missing header", secret, "", body, "missing X-Hub-Signature-256 header"},
		{"sha1 header", secret, "sha1=" + strings.Repeat("0", 40), body, `does not start with "sha256="`},
		{"no prefix", secret, strings.TrimPrefix(good, "sha256="), body, `does not start with "sha256="`},
		{"bad hex", secret, "sha256=" + strings.Repeat("zz", 32), body, "64 hex digits"},
		{"short hex", secret, good[:len(good)-2], body, "64 hex digits"},
		{"wrong secret", "another secret", good, body, "does not match the body"},
		{"body changed", secret, good, append(append([]byte{}, body...), ' '), "does not match the body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(tt.secret, tt.body, tt.header)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want one saying %q", err, tt.err)
			}
			if !errors.Is(err, ErrSignature) {
				t.Fatalf("error %v does not wrap ErrSignature", err)
			}
		})
	}
}

func TestHandshake(t *testing.T) {
	q := func(s string) url.Values {
		v, err := url.ParseQuery(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, query, token, want, err string
	}{
		{"good", "hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=1158201444", "s3cret", "1158201444", ""},
		{"no token configured", "hub.mode=subscribe&hub.verify_token=&hub.challenge=1", "", "", "no verify token configured"},
		{"wrong mode", "hub.mode=unsubscribe&hub.verify_token=s3cret&hub.challenge=1", "s3cret", "", `hub.mode is "unsubscribe"`},
		{"no mode", "hub.verify_token=s3cret&hub.challenge=1", "s3cret", "", `hub.mode is ""`},
		{"wrong token", "hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1", "s3cret", "", "does not match"},
		{"token prefix", "hub.mode=subscribe&hub.verify_token=s3cre&hub.challenge=1", "s3cret", "", "does not match"},
		{"no challenge", "hub.mode=subscribe&hub.verify_token=s3cret", "s3cret", "", "hub.challenge is missing"},
		{"markup challenge", "hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=%3Cscript%3E", "s3cret", "", "not a plain token"},
		{"long challenge", "hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=" + strings.Repeat("1", 257), "s3cret", "", "not a plain token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Handshake(q(tt.query), tt.token)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				eq(t, "challenge", got, tt.want)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrHandshake) {
				t.Fatalf("error %v, want ErrHandshake saying %q", err, tt.err)
			}
			eq(t, "no challenge on error", got, "")
		})
	}
}
