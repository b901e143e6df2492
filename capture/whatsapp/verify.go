package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// SignatureHeader is the header the platform signs webhook POSTs with.
const SignatureHeader = "X-Hub-Signature-256"

// ErrSignature is wrapped by every error of VerifySignature: the body is
// not proven to come from the platform; answer 401 and store nothing.
var ErrSignature = errors.New("whatsapp webhook signature rejected")

// ErrHandshake is wrapped by every error of Handshake: answer 403.
var ErrHandshake = errors.New("whatsapp webhook verification refused")

// VerifySignature checks the X-Hub-Signature-256 header of a webhook POST:
// "sha256=" and the hex HMAC-SHA256 of the raw body keyed with the app
// secret, compared in constant time. The error wraps ErrSignature and says
// what is wrong: no app secret configured, missing header, bad prefix, bad
// hex, or a signature that does not match (wrong app secret, or a body
// changed on the way — it must be the bytes as received, before any
// decoding).
func VerifySignature(appSecret string, body []byte, header string) error {
	if appSecret == "" {
		return fmt.Errorf("%w: no app secret configured (set the Meta app's secret)", ErrSignature)
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return fmt.Errorf("%w: missing %s header", ErrSignature, SignatureHeader)
	}
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return fmt.Errorf("%w: %s does not start with \"sha256=\"", ErrSignature, SignatureHeader)
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: %s is not \"sha256=\" and 64 hex digits", ErrSignature, SignatureHeader)
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("%w: %s does not match the body (wrong app secret, or the body was altered)", ErrSignature, SignatureHeader)
	}
	return nil
}

// Handshake answers the GET verification request the platform sends when
// the webhook URL is configured: hub.mode must be "subscribe" and
// hub.verify_token must equal token (compared in constant time); the
// answer is hub.challenge, to be written back as the body of a 200
// response (text/plain). The challenge must be 1 to 256 letters, digits,
// '-', '_' or '.' (the platform sends a number), so that nothing else is
// ever echoed. Errors wrap ErrHandshake.
func Handshake(q url.Values, token string) (challenge string, err error) {
	if token == "" {
		return "", fmt.Errorf("%w: no verify token configured", ErrHandshake)
	}
	if mode := q.Get("hub.mode"); mode != "subscribe" {
		return "", fmt.Errorf("%w: hub.mode is %q, want \"subscribe\"", ErrHandshake, clip(mode))
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), []byte(token)) != 1 {
		return "", fmt.Errorf("%w: hub.verify_token does not match the configured verify token", ErrHandshake)
	}
	challenge = q.Get("hub.challenge")
	if challenge == "" {
		return "", fmt.Errorf("%w: hub.challenge is missing", ErrHandshake)
	}
	if len(challenge) > 256 || strings.IndexFunc(challenge, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) >= 0 {
		return "", fmt.Errorf("%w: hub.challenge is not a plain token", ErrHandshake)
	}
	return challenge, nil
}
