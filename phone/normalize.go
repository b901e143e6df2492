// Package phone normalises phone numbers, however they are written, to
// E.164 with libphonenumber (nyaruka/phonenumbers), recording when a default
// region had to be assumed. Both the capture site and the archive use it.
package phone

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// ErrNotPhone is matched (errors.Is) by every error Normalize returns.
var ErrNotPhone = errors.New("not a phone number")

// phoneError is an error of Normalize; its text names the input and says what
// to do.
type phoneError struct{ msg string }

func (e *phoneError) Error() string        { return e.msg }
func (e *phoneError) Is(target error) bool { return target == ErrNotPhone }

// maxPhoneInput bounds the length (in bytes) of a number as written; the
// longest E.164 number has 15 digits, so this leaves ample room for spaces,
// dashes, brackets and a "tel:" prefix.
const maxPhoneInput = 64

// Bounds of the number of digits of an E.164 number, as the item model
// accepts them (item.IsE164).
const (
	minE164Digits = 6
	maxE164Digits = 15
)

// fallbackExample is shown in hints when no default region is set.
const fallbackExample = "+12025550143"

// Normalizer turns phone numbers as people write them into E.164. A
// Normalizer is immutable and safe for concurrent use.
type Normalizer struct {
	region      string // default region, e.g. "US"; "" for none
	nationalLen int    // digits of the longest number written nationally in region
	example     string // an E.164 example number for hints
}

// metadata loads libphonenumber's territory metadata once; the library's own
// loader is not safe for concurrent first use.
var metadata = sync.OnceValues(phonenumbers.MetadataCollection)

// NewNormalizer returns a Normalizer that reads numbers written without a
// country code as numbers of defaultRegion, a two-letter ISO 3166 code such
// as "US" or "GB" (case does not matter). An empty defaultRegion means there
// is no default: every number must then carry its country code (a leading +,
// an international prefix 00, or, for a string of digits only, the country
// code itself). An unknown region is an error.
func NewNormalizer(defaultRegion string) (*Normalizer, error) {
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region == "" {
		return &Normalizer{example: fallbackExample}, nil
	}
	if !phonenumbers.GetSupportedRegions()[region] {
		return nil, fmt.Errorf("usermap: unknown default region %q: want a two-letter ISO 3166 country code such as US or GB", defaultRegion)
	}
	coll, err := metadata()
	if err != nil {
		return nil, fmt.Errorf("usermap: loading phone number metadata: %w", err)
	}
	n := &Normalizer{region: region, example: fallbackExample}
	for _, m := range coll.GetMetadata() {
		if m.GetId() != region {
			continue
		}
		longest := 0
		for _, l := range m.GetGeneralDesc().GetPossibleLength() {
			longest = max(longest, int(l))
		}
		n.nationalLen = longest + len(m.GetNationalPrefix())
		break
	}
	if ex := phonenumbers.GetExampleNumber(region); ex != nil {
		n.example = phonenumbers.Format(ex, phonenumbers.E164)
	}
	return n, nil
}

// Region returns the default region, or "" if there is none.
func (n *Normalizer) Region() string {
	if n == nil {
		return ""
	}
	return n.region
}

// Normalize returns raw as an E.164 number ("+12025550143").
//
// raw may be written with ASCII, full-width or Arabic-Indic digits; with
// spaces, dashes, dots, slashes and brackets; with a leading "tel:"; and with
// invisible formatting characters (such as the direction marks chat apps put
// around numbers). All but the digits and a leading + are ignored. It is read
// as follows:
//
//   - With a leading + it is international: "+1 202-555-0143", "tel:+12025550143".
//   - Otherwise it is read in the default region, which understands that
//     region's international prefix ("011 44 20 7946 0958" in the US) and its
//     national format ("(202) 555-0143" in the US, "020 7946 0958" in GB).
//   - A leading 00, the international prefix of most countries, is also tried
//     as international everywhere ("0044 20 7946 0958").
//   - A string of digits only, as WhatsApp writes its ids ("12025550143"), is
//     tried both ways: as international with the country code first, and in
//     the default region. A valid number beats one that is merely possible;
//     if both readings are equally good and they differ, the international one
//     wins when the string is longer than any number written nationally in
//     the default region (national prefix included), the national one
//     otherwise.
//
// assumedRegion reports that the number carried no country code and the
// default region's was applied, so callers can record the assumption.
//
// The number must be possible (libphonenumber's IsPossibleNumber with the
// stricter reading that a number only possible as a local number, without its
// area code, is rejected), and have 6 to 15 digits in E.164 as the item
// model requires; it need not be assigned in the metadata. Letters
// (extensions, vanity numbers such as 1-800-FLOWERS) are rejected. Every
// error names the input, says what is wrong and matches ErrNotPhone.
//
// A nil *Normalizer behaves as one without a default region.
func (n *Normalizer) Normalize(raw string) (e164 string, assumedRegion bool, err error) {
	if n == nil {
		n = &Normalizer{example: fallbackExample}
	}
	in := strings.TrimSpace(raw)
	if in == "" {
		return "", false, n.errorf("empty phone number; write the number with its country code, e.g. %s", n.example)
	}
	if len(in) > maxPhoneInput {
		return "", false, n.errorf("%s is not a phone number: it is longer than %d characters", quoteInput(in), maxPhoneInput)
	}
	if !utf8.ValidString(in) {
		return "", false, n.errorf("%s is not a phone number: it is not valid UTF-8 text", quoteInput(in))
	}
	s := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, in)
	s = strings.TrimSpace(s)
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = strings.TrimSpace(s[4:])
	}

	plus, onlyDigits := false, true
	var d strings.Builder // the digits, in ASCII
	for _, r := range s {
		if v, ok := digitValue(r); ok {
			d.WriteByte('0' + v)
			continue
		}
		digits := d.Len()
		switch {
		case unicode.Is(unicode.Nd, r):
			return "", false, n.errorf("%s is not a phone number: write its digits as 0 to 9, not %q", quoteInput(in), r)
		case r == '+' || r == '＋':
			if plus || digits > 0 {
				return "", false, n.errorf("%s is not a phone number: + may only come first, before the country code", quoteInput(in))
			}
			plus, onlyDigits = true, false
		case isPhoneSeparator(r):
			onlyDigits = false
		case unicode.IsLetter(r):
			return "", false, n.errorf("%s is not a phone number: it contains letters (extensions and vanity numbers are not supported); write digits only, with the country code, e.g. %s", quoteInput(in), n.example)
		default:
			return "", false, n.errorf("%s is not a phone number: %q cannot appear in a phone number; write digits only, with the country code, e.g. %s", quoteInput(in), r, n.example)
		}
	}
	if d.Len() == 0 {
		return "", false, n.errorf("%s is not a phone number: it has no digits; write the number with its country code, e.g. %s", quoteInput(in), n.example)
	}

	var c reading
	if plus {
		c = readNumber("+"+d.String(), n.region, false)
		if c.score == 0 {
			return "", false, n.errorf("%s is not a phone number: %s; check the digits", quoteInput(in), c.problem())
		}
	} else {
		c, err = n.readNational(in, d.String(), onlyDigits)
		if err != nil {
			return "", false, err
		}
	}

	// libphonenumber formats a national number of only zeros as the raw input,
	// without a country code; found by FuzzParse.
	if !isE164Form(c.e164) {
		return "", false, n.errorf("%s is not a phone number: it does not read as a number with a country code (it reads as %q); check the digits", quoteInput(in), c.e164)
	}
	// E.164 allows 15 digits at most; libphonenumber's metadata allows a few
	// longer national numbers (Germany), which no item could carry.
	if nd := len(c.e164) - 1; nd > maxE164Digits {
		return "", false, n.errorf("%s is not a phone number: it reads as %s, which has %d digits, more than the %d an international number may have", quoteInput(in), c.e164, nd, maxE164Digits)
	} else if nd < minE164Digits {
		return "", false, n.errorf("%s is not a phone number: it reads as %s, which has %d digits, fewer than the %d an international number needs", quoteInput(in), c.e164, nd, minE164Digits)
	}

	// Reading the result again must give the result: the table stores E.164
	// and Write/Parse must round-trip. libphonenumber strips national
	// prefixes even after a country code, so a contrived input could read
	// differently a second time; refuse it rather than store a moving target.
	if s == c.e164 {
		return c.e164, c.assumed, nil // already E.164, read once
	}
	if again := readNumber(c.e164, "", false); again.score == 0 || again.e164 != c.e164 {
		return "", false, n.errorf("%s is not a phone number: it reads as %s, which does not read back as itself; write it in E.164 form with its country code", quoteInput(in), c.e164)
	}
	return c.e164, c.assumed, nil
}

// readNational reads a number written without a leading +: in the default
// region and, for digit strings and strings starting with 00, also as an
// international number.
func (n *Normalizer) readNational(in, d string, onlyDigits bool) (reading, error) {
	var natl, intl reading
	haveNatl := n.region != ""
	if haveNatl {
		natl = readNumber(d, n.region, true)
	}
	intlDigits, haveIntl := "", false
	switch {
	case strings.HasPrefix(d, "00"):
		intlDigits, haveIntl = d[2:], true
	case onlyDigits:
		intlDigits, haveIntl = d, true
	}
	if haveIntl {
		intl = readNumber("+"+intlDigits, "", true)
	}

	switch {
	case natl.score == 0 && intl.score == 0:
		switch {
		case haveNatl:
			return reading{}, n.errorf("%s is not a phone number: read as a %s number, %s; check the digits, or write it with its country code, e.g. %s", quoteInput(in), n.region, natl.problem(), n.example)
		case haveIntl:
			return reading{}, n.errorf("%s is not a phone number: read with a country code, %s; check the digits, and write the number with + and its country code, e.g. %s", quoteInput(in), intl.problem(), n.example)
		default:
			return reading{}, n.errorf("%s has no country code and no default region is set; write it with + and its country code, e.g. %s", quoteInput(in), n.example)
		}
	case natl.score > intl.score:
		return natl, nil
	case intl.score > natl.score:
		return intl, nil
	case natl.e164 == intl.e164:
		intl.assumed = false
		return intl, nil
	case strings.HasPrefix(d, "00") || len(d) > n.nationalLen:
		return intl, nil
	default:
		return natl, nil
	}
}

// reading is one way of reading a number.
type reading struct {
	e164    string
	assumed bool // the default region's country code was applied
	score   int  // 0 impossible, 1 possible, 2 valid
	err     error
	reason  phonenumbers.ValidationResult
	cc      int32
}

// readNumber parses s, a string of ASCII digits with an optional leading +,
// in region (which may be ""). Whether a possible number is also valid (score
// 2) is only checked when rank is set.
func readNumber(s, region string, rank bool) reading {
	num, err := phonenumbers.ParseAndKeepRawInput(s, region)
	if err != nil {
		return reading{err: err}
	}
	c := reading{
		e164:    phonenumbers.Format(num, phonenumbers.E164),
		assumed: num.GetCountryCodeSource() == phonenumbers.PhoneNumber_FROM_DEFAULT_COUNTRY,
		reason:  phonenumbers.IsPossibleNumberWithReason(num),
		cc:      num.GetCountryCode(),
	}
	if c.reason == phonenumbers.IS_POSSIBLE {
		c.score = 1
		if rank && phonenumbers.IsValidNumber(num) {
			c.score = 2
		}
	}
	return c
}

// problem says in words why a reading is not a possible number.
func (c reading) problem() string {
	if c.err != nil {
		switch c.err {
		case phonenumbers.ErrInvalidCountryCode:
			return "it has no known country code"
		case phonenumbers.ErrTooShortNSN, phonenumbers.ErrTooShortAfterIDD:
			return "it is too short"
		case phonenumbers.ErrNumTooLong:
			return "it is too long"
		case phonenumbers.ErrNotANumber:
			return "it is not a number"
		}
		return c.err.Error()
	}
	where := fmt.Sprintf("for country code +%d", c.cc)
	if r := phonenumbers.GetRegionCodeForCountryCode(int(c.cc)); r != "" && r != "ZZ" && r != "001" {
		where += " (" + r + ")"
	}
	switch c.reason {
	case phonenumbers.INVALID_COUNTRY_CODE:
		return fmt.Sprintf("+%d is not a country code", c.cc)
	case phonenumbers.TOO_SHORT:
		return "it is too short " + where
	case phonenumbers.TOO_LONG:
		return "it is too long " + where
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "it lacks the area code: it is only a local number " + where
	default:
		return "it has the wrong number of digits " + where
	}
}

func (n *Normalizer) errorf(format string, args ...any) error {
	return &phoneError{fmt.Sprintf(format, args...)}
}

// isE164Form reports whether s is + and digits, the first not 0.
func isE164Form(s string) bool {
	if len(s) < 2 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// digitValue returns the value of a decimal digit: ASCII, full-width (as
// East Asian input methods type them) or Arabic-Indic.
func digitValue(r rune) (byte, bool) {
	for _, zero := range []rune{'0', '０', '٠', '۰'} {
		if r >= zero && r <= zero+9 {
			return byte(r - zero), true
		}
	}
	return 0, false
}

// isPhoneSeparator reports whether r is punctuation people put between the
// digits of a phone number.
func isPhoneSeparator(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || strings.ContainsRune("().[]/~（）［］／～−", r)
}

// quoteInput quotes s for an error message, shortened if it is long.
func quoteInput(s string) string {
	const limit = 40
	if utf8.RuneCountInString(s) <= limit {
		return fmt.Sprintf("%q", s)
	}
	r := []rune(s)
	return fmt.Sprintf("%q…", string(r[:limit]))
}
