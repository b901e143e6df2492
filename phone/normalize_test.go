package phone

import (
	"errors"
	"strings"
	"testing"
)

// normalizer returns a Normalizer for region or fails the test.
func normalizer(t testing.TB, region string) *Normalizer {
	t.Helper()
	n, err := NewNormalizer(region)
	if err != nil {
		t.Fatalf("NewNormalizer(%q): %v", region, err)
	}
	return n
}

func TestNewNormalizer(t *testing.T) {
	tests := []struct {
		region, want string
		err          string
	}{
		{"US", "US", ""},
		{"gb", "GB", ""},
		{" de ", "DE", ""},
		{"", "", ""},
		{"XX", "", `unknown default region "XX"`},
		{"USA", "", `unknown default region "USA"`},
		{"001", "", `unknown default region "001"`},
	}
	for _, tt := range tests {
		n, err := NewNormalizer(tt.region)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("NewNormalizer(%q) error = %v, want it to contain %q", tt.region, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewNormalizer(%q): %v", tt.region, err)
			continue
		}
		if got := n.Region(); got != tt.want {
			t.Errorf("NewNormalizer(%q).Region() = %q, want %q", tt.region, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		region, in string
		want       string
		assumed    bool
	}{
		// International: a leading +.
		{"US", "+1 202-555-0143", "+12025550143", false},
		{"US", "+12025550143", "+12025550143", false},
		{"GB", "+44 20 7946 0958", "+442079460958", false},
		{"GB", "+44 (0) 20 7946 0958", "+442079460958", false},
		{"US", "tel:+12025550143", "+12025550143", false},
		{"US", "TEL:+1-202-555-0143", "+12025550143", false},
		{"US", "\u202a+1 202-555-0143\u202c", "+12025550143", false}, // direction marks, as chat apps copy them
		{"US", "＋１ ２０２ ５５５ ０１４３", "+12025550143", false},             // full-width
		{"US", "+١ ٢٠٢ ٥٥٥ ٠١٤٣", "+12025550143", false},             // Arabic-Indic
		{"US", "+800 1234 5678", "+80012345678", false},              // non-geographic
		{"", "+49 30 901820", "+4930901820", false},
		// National: the default region applies.
		{"US", "(202) 555-0143", "+12025550143", true},
		{"US", "202.555.0143", "+12025550143", true},
		{"US", "2025550143", "+12025550143", true},
		{"GB", "020 7946 0958", "+442079460958", true},
		{"GB", "07700 900123", "+447700900123", true},
		{"GB", "07700900123", "+447700900123", true},
		// The region's international prefix, and 00 everywhere.
		{"US", "011 44 20 7946 0958", "+442079460958", false},
		{"GB", "0044 20 7946 0958", "+442079460958", false},
		{"US", "0044 20 7946 0958", "+442079460958", false},
		{"", "0044 20 7946 0958", "+442079460958", false},
		{"US", "00442079460958", "+442079460958", false},
		// Digits only, as WhatsApp ids are written: the country code first.
		{"US", "12025550143", "+12025550143", false},
		{"GB", "12025550143", "+12025550143", false},
		{"DE", "12025550143", "+12025550143", false},
		{"US", "447700900123", "+447700900123", false},
		{"GB", "447700900123", "+447700900123", false},
		{"", "12025550143", "+12025550143", false},
		{"US", "  +1 202 555 0143  ", "+12025550143", false},
	}
	for _, tt := range tests {
		n := normalizer(t, tt.region)
		got, assumed, err := n.Normalize(tt.in)
		if err != nil {
			t.Errorf("[%s] Normalize(%q): %v", tt.region, tt.in, err)
			continue
		}
		if got != tt.want || assumed != tt.assumed {
			t.Errorf("[%s] Normalize(%q) = %q, assumed %v; want %q, assumed %v", tt.region, tt.in, got, assumed, tt.want, tt.assumed)
		}
		// The result reads back as itself.
		if again, assumed, err := n.Normalize(got); err != nil || again != got || assumed {
			t.Errorf("[%s] Normalize(%q) = %q, %v, %v; want %q, false, nil", tt.region, got, again, assumed, err, got)
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		region, in string
		want       string // part of the error text
	}{
		{"US", "", "empty phone number"},
		{"US", "   ", "empty phone number"},
		{"US", "abc", `"abc" is not a phone number: it contains letters`},
		{"US", "+1 202 555 0143 ext 5", "contains letters"},
		{"US", "1-800-FLOWERS", "contains letters"},
		{"US", "202#555#0143", `'#' cannot appear in a phone number`},
		{"US", "+1 202 555 0143;ext=5", `';' cannot appear`},
		{"US", "()", "it has no digits"},
		{"US", "0000000000", "it does not read as a number with a country code"}, // found by FuzzParse
		{"GB", "00000000000", "it does not read as a number with a country code"},
		{"US", "+१ २०२ ५५५ ०१४३", "write its digits as 0 to 9, not '१'"},
		{"DE", "+49 123456789012345", "which has 17 digits, more than the 15"},
		{"US", "1+2025550143", "+ may only come first"},
		{"US", "++12025550143", "+ may only come first"},
		{"US", "+1 555-0100", "it lacks the area code: it is only a local number for country code +1 (US)"},
		{"US", "+1 202 555", "too short for country code +1 (US)"},
		{"US", "+1 202 555 0143 444", "too long for country code +1 (US)"},
		{"US", "+999 1234 5678", "no known country code"},
		{"US", "12", "read as a US number, it is too short"},
		{"US", "555-0143", "read as a US number"},
		{"US", "44 20 7946 0958", "read as a US number"},
		{"", "(202) 555-0143", "has no country code and no default region is set"},
		{"", "0", "read with a country code"},
		{"US", strings.Repeat("1", 65), "longer than 64 characters"},
		{"US", "+1 202 555 0143\xff", "not valid UTF-8"},
	}
	for _, tt := range tests {
		n := normalizer(t, tt.region)
		got, _, err := n.Normalize(tt.in)
		if err == nil {
			t.Errorf("[%s] Normalize(%q) = %q, want an error", tt.region, tt.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("[%s] Normalize(%q) error = %q, want it to contain %q", tt.region, tt.in, err, tt.want)
		}
		if !errors.Is(err, ErrNotPhone) {
			t.Errorf("[%s] Normalize(%q) error %q does not match ErrNotPhone", tt.region, tt.in, err)
		}
	}
}

func TestNormalizeNil(t *testing.T) {
	var n *Normalizer
	if got, assumed, err := n.Normalize("+1 202 555 0143"); err != nil || got != "+12025550143" || assumed {
		t.Errorf("nil Normalize = %q, %v, %v", got, assumed, err)
	}
	if _, _, err := n.Normalize("(202) 555-0143"); err == nil {
		t.Errorf("nil Normalize of a national number: no error")
	}
}
