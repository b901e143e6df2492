package twilio

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// docParams are the parameters of the worked example in Twilio's request
// validation documentation; the From and Caller differ between versions
// of the page (and of the twilio-python test suite), each with its own
// signature.
func docParams(from string) url.Values {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {from},
		"Digits":  {"1234"},
		"From":    {from},
		"To":      {"+18005551212"},
	}
}

const docURL = "https://mycompany.com/myapp.php?foo=1&bar=2"

func TestSignKnownVectors(t *testing.T) {
	for _, c := range []struct {
		name, url, from, want string
	}{
		// The example with From +12349013030: the brief expected
		// "GvWf1cFY/Q7PnoempGyD5oXAezc=", which is the signature of the
		// same example with From +14158675310 (the current page). Each
		// signature belongs to its own parameters.
		{"docs, +12349013030", docURL, "+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="},
		{"docs, +14158675310", docURL, "+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="},
		// twilio-python tests/unit/test_request_validator.py.
		{"twilio-python", docURL, "+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"twilio-python, port 443", strings.Replace(docURL, ".com", ".com:443", 1), "+14158675309", "kvajT1Ptam85bY51eRf/AJRuM3w="},
	} {
		t.Run(c.name, func(t *testing.T) {
			eq(t, "signature", Sign("12345", c.url, docParams(c.from)), c.want)
		})
	}
	t.Run("a parameter sent twice: values sorted (twilio-python)", func(t *testing.T) {
		form := url.Values{"Sid": {"CA123"}, "SidAccount": {"AC123"}, "Digits": {"5678", "1234"}}
		eq(t, "signature", Sign("12345", docURL, form), "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
		eq(t, "form unchanged", form["Digits"], []string{"5678", "1234"})
	})
}

func TestValidateSignature(t *testing.T) {
	form := docParams("+12349013030")
	const good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
	if err := ValidateSignature("12345", docURL, form, good); err != nil {
		t.Fatalf("the documented example does not validate: %v", err)
	}
	tampered := docParams("+12349013030")
	tampered.Set("Digits", "9999")
	added := docParams("+12349013030")
	added.Set("Body", "")
	for name, c := range map[string]struct {
		token, url string
		form       url.Values
		header     string
		want       string
	}{
		"wrong token":           {"54321", docURL, form, good, "does not match"},
		"tampered parameter":    {"12345", docURL, tampered, good, "does not match"},
		"added empty parameter": {"12345", docURL, added, good, "does not match"},
		"other query":           {"12345", "https://mycompany.com/myapp.php?foo=1&bar=3", form, good, "does not match"},
		"other scheme":          {"12345", strings.Replace(docURL, "https", "http", 1), form, good, "does not match"},
		"missing header":        {"12345", docURL, form, "", "missing"},
		"blank header":          {"12345", docURL, form, "  ", "missing"},
		"not base64":            {"12345", docURL, form, "not a signature!", "not a base64 HMAC-SHA1"},
		"too short":             {"12345", docURL, form, good[:20] + "==", "not a base64 HMAC-SHA1"},
	} {
		t.Run(name, func(t *testing.T) {
			err := ValidateSignature(c.token, c.url, c.form, c.header)
			if !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want ErrSignature: …%s…, got %v", c.want, err)
			}
		})
	}
	t.Run("the query is not shown", func(t *testing.T) {
		err := ValidateSignature("12345", "https://h.example/hook?secret=s3cr3t", form, good)
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Fatalf("%v", err)
		}
	})
	for name, c := range map[string]struct{ token, url string }{
		"no token":        {"", docURL},
		"relative URL":    {"12345", "/myapp.php?foo=1&bar=2"},
		"not http":        {"12345", "ftp://mycompany.com/x"},
		"unparseable URL": {"12345", "https://my company.com/%zz"},
	} {
		t.Run(name, func(t *testing.T) {
			err := ValidateSignature(c.token, c.url, form, good)
			if err == nil || errors.Is(err, ErrSignature) {
				t.Fatalf("want the caller's error, got %v", err)
			}
		})
	}
}

// TestValidateSignaturePorts checks the port variants Twilio's libraries
// accept: a signature over the URL without its port, and over the URL with
// the default port when the request URL has none.
func TestValidateSignaturePorts(t *testing.T) {
	form := docParams("+14158675309")
	for name, c := range map[string]struct{ url, sig string }{
		// twilio-python: test_validation_removes_port_on_https.
		"removes port on https": {strings.Replace(docURL, ".com", ".com:1234", 1), "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		// test_validation_removes_port_on_http (signed with the port).
		"keeps port on http": {strings.Replace(strings.Replace(docURL, ".com", ".com:1234", 1), "https", "http", 1), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="},
		// test_validation_adds_port_on_https / _on_http.
		"adds port on https": {docURL, "kvajT1Ptam85bY51eRf/AJRuM3w="},
		"adds port on http":  {strings.Replace(docURL, "https", "http", 1), "0ZXoZLH/DfblKGATFgpif+LLRf4="},
	} {
		t.Run(name, func(t *testing.T) {
			if err := ValidateSignature("12345", c.url, form, c.sig); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("userinfo and IPv6 keep their place", func(t *testing.T) {
		for _, u := range []string{"https://user:pw@h.example:8443/a?b=c", "http://[::1]:8080/hook", "https://[2001:db8::1]/hook"} {
			pu, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			vs := urlVariants(u, pu)
			if len(vs) != 2 || vs[0] != u {
				t.Fatalf("%s: %q", u, vs)
			}
			if _, err := url.Parse(vs[1]); err != nil {
				t.Errorf("%s: variant %q: %v", u, vs[1], err)
			}
			if err := ValidateSignature("t", u, form, Sign("t", vs[1], form)); err != nil {
				t.Errorf("%s: signed over %s: %v", u, vs[1], err)
			}
		}
		eq(t, "userinfo", urlVariants("https://user:pw@h.example:8443/a?b=c", mustParse(t, "https://user:pw@h.example:8443/a?b=c"))[1], "https://user:pw@h.example/a?b=c")
		eq(t, "IPv6", urlVariants("http://[::1]:8080/hook", mustParse(t, "http://[::1]:8080/hook"))[1], "http://[::1]/hook")
		eq(t, "IPv6 default", urlVariants("https://[2001:db8::1]/hook", mustParse(t, "https://[2001:db8::1]/hook"))[1], "https://[2001:db8::1]:443/hook")
	})
	t.Run("the path and query are signed as given", func(t *testing.T) {
		u := "https://h.example/hook%2Fx?a=%41&b=c+d"
		if err := ValidateSignature("t", u, form, Sign("t", u, form)); err != nil {
			t.Fatal(err)
		}
		if err := ValidateSignature("t", "https://h.example/hook%2Fx?a=A&b=c+d", form, Sign("t", u, form)); err == nil {
			t.Fatal("a re-encoded query validates")
		}
	})
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSignRoundTrip is what a fake Twilio does: sign a form, send it, and
// the receiver validates it.
func TestSignRoundTrip(t *testing.T) {
	form := readForm(t, "testdata/message_mms_inbound.form")
	u := "https://capture.example.org/twilio/messages"
	if err := ValidateSignature("tok", u, form, Sign("tok", u, form)); err != nil {
		t.Fatal(err)
	}
	if err := ValidateSignature("tok", u, nil, Sign("tok", u, nil)); err != nil {
		t.Fatalf("GET webhook: %v", err)
	}
}
