package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"slices"
	"strings"
)

// ErrSignature is wrapped by every error of ValidateSignature that means
// the request is not proven to come from Twilio (answer 403): the header
// is missing, malformed or does not match.
var ErrSignature = errors.New("twilio: bad X-Twilio-Signature")

// Sign returns the X-Twilio-Signature of a request to fullURL with the
// POST parameters form, as Twilio computes it
// (https://www.twilio.com/docs/usage/security#validating-requests): the
// base64 HMAC-SHA1, keyed with the account's auth token, of the URL
// followed by every parameter's name and value, sorted by name (byte
// order, case-sensitive), without separators. A parameter sent more than
// once contributes each of its values, sorted, as Twilio's own libraries
// do. For a GET webhook form is nil: its parameters are in the URL.
func Sign(authToken, fullURL string, form url.Values) string {
	mac := hmac.New(sha1.New, []byte(authToken))
	return base64.StdEncoding.EncodeToString(sum(mac, fullURL, form))
}

func sum(mac hash.Hash, fullURL string, form url.Values) []byte {
	mac.Reset()
	mac.Write([]byte(fullURL))
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vs := form[k]
		if len(vs) > 1 {
			vs = slices.Sorted(slices.Values(vs))
		}
		for _, v := range vs {
			mac.Write([]byte(k))
			mac.Write([]byte(v))
		}
	}
	return mac.Sum(nil)
}

// ValidateSignature checks the X-Twilio-Signature header of a request:
// that it is Sign(authToken, fullURL, form), compared in constant time.
// fullURL is the exact URL Twilio called — scheme, host, port, path and
// query, as configured in Twilio; behind a proxy, the public one, not the
// one the server saw — and form the POST parameters, all of them (Twilio
// adds parameters without notice; nil for GET). Like Twilio's libraries,
// it also accepts the signature of the URL without its port, and of the
// URL with the scheme's default port when it has none: Twilio signs the
// URL as it was configured.
//
// An error wrapping ErrSignature says what is wrong with the header
// (missing, not base64 HMAC-SHA1, not matching); any other error is the
// caller's (no auth token, fullURL not an absolute http(s) URL).
func ValidateSignature(authToken, fullURL string, form url.Values, header string) error {
	if authToken == "" {
		return errors.New("twilio: no auth token to check the X-Twilio-Signature with: configure the account's auth token")
	}
	u, err := url.Parse(fullURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("twilio: %q is not the absolute http(s) URL Twilio called", clip(fullURL))
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return fmt.Errorf("%w: the header is missing (the request does not come from Twilio, or a proxy dropped it)", ErrSignature)
	}
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(got) != sha1.Size {
		return fmt.Errorf("%w: %q is not a base64 HMAC-SHA1", ErrSignature, clip(header))
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	for _, candidate := range urlVariants(fullURL, u) {
		if hmac.Equal(got, sum(mac, candidate, form)) {
			return nil
		}
	}
	shown := u.Scheme + "://" + u.Host + u.EscapedPath()
	if u.RawQuery != "" {
		shown += "?…"
	}
	return fmt.Errorf("%w: it does not match the URL %s and the %d parameters: the auth token is not the account's, "+
		"the URL differs from the one configured in Twilio (scheme, host, port, path, query; a proxy may change them), "+
		"or the request was altered", ErrSignature, shown, len(form))
}

// urlVariants returns the URLs a signature may have been computed over:
// fullURL as given, without its port, and with the scheme's default port
// when it has none. The authority is spliced in the original string so
// that the path and query stay byte for byte as given.
func urlVariants(fullURL string, u *url.URL) []string {
	variants := []string{fullURL}
	start := strings.Index(fullURL, "//")
	if start < 0 {
		return variants
	}
	start += 2
	end := len(fullURL)
	if i := strings.IndexAny(fullURL[start:], "/?#"); i >= 0 {
		end = start + i
	}
	authority := fullURL[start:end]
	userinfo := ""
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		userinfo, authority = authority[:at+1], authority[at+1:]
	}
	host := authority
	if port := u.Port(); port != "" {
		host = strings.TrimSuffix(authority, ":"+port)
		variants = append(variants, fullURL[:start]+userinfo+host+fullURL[end:])
	} else {
		def := ":443"
		if u.Scheme == "http" {
			def = ":80"
		}
		variants = append(variants, fullURL[:start]+userinfo+host+def+fullURL[end:])
	}
	return variants
}
