package twilio

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// params reads webhook parameters and keeps the first problem found, so
// that a parser reads all it needs and checks once.
type params struct {
	v   url.Values
	err *ParamError
}

func (p *params) fail(param, format string, args ...any) {
	if p.err == nil {
		p.err = paramErr(param, format, args...)
	}
}

// has reports whether the parameter was sent, empty or not.
func (p *params) has(k string) bool {
	_, ok := p.v[k]
	return ok
}

// get returns the parameter's value, "" when it was not sent. A parameter
// sent more than once or not in UTF-8 is a problem.
func (p *params) get(k string) string {
	vs := p.v[k]
	switch len(vs) {
	case 0:
		return ""
	case 1:
	default:
		p.fail(k, "given %d times (Twilio sends each parameter once)", len(vs))
		return ""
	}
	if !utf8.ValidString(vs[0]) {
		p.fail(k, "not valid UTF-8")
		return ""
	}
	return vs[0]
}

// required returns the parameter's value, which must be sent and not empty.
func (p *params) required(k, what string) string {
	v := p.get(k)
	if v == "" && p.err == nil {
		if p.has(k) {
			p.fail(k, "empty (want %s)", what)
		} else {
			p.fail(k, "missing (want %s)", what)
		}
	}
	return v
}

// sid returns a Twilio sid parameter: a letter or digit, then letters,
// digits, '-', '_' and '.', at most 64 characters (Twilio's are two
// letters and 32 hex digits; compatible platforms use UUIDs). Empty when
// it was not sent.
func (p *params) sid(k string) string {
	v := p.get(k)
	if v == "" {
		if p.has(k) {
			p.fail(k, "empty (want a sid, e.g. %s…)", sidExample(k))
		}
		return ""
	}
	if len(v) > 64 {
		p.fail(k, "%d characters long (a sid has at most 64)", len(v))
		return ""
	}
	for i, r := range v {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || r != '-' && r != '_' && r != '.') {
			p.fail(k, "%q is not a sid (a letter or digit, then letters, digits, '-', '_' and '.')", clip(v))
			return ""
		}
	}
	return v
}

func sidExample(k string) string {
	switch {
	case strings.HasPrefix(k, "Call"), strings.HasPrefix(k, "ParentCall"):
		return "CA"
	case strings.HasPrefix(k, "Recording"):
		return "RE"
	case strings.HasPrefix(k, "Account"):
		return "AC"
	case strings.HasPrefix(k, "MessagingService"):
		return "MG"
	}
	return "SM"
}

// seconds returns a parameter holding whole seconds, at most maxSeconds;
// ok is false when it was not sent.
func (p *params) seconds(k string) (n int64, ok bool) {
	v := p.get(k)
	if !p.has(k) || p.err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil && len(v) > 0 && strings.Trim(v, "0123456789") == "":
		p.fail(k, "%q is too large (want whole seconds, at most %d)", clip(v), maxSeconds)
	case err != nil:
		p.fail(k, "%q is not a number of seconds (want a whole number ≥ 0)", clip(v))
	case n < 0:
		p.fail(k, "%q is negative (want whole seconds ≥ 0)", v)
	case n > maxSeconds:
		p.fail(k, "%d seconds is more than a week: not a call's length (Twilio ends calls after at most 24 hours)", n)
	default:
		return n, true
	}
	return 0, false
}

// maxSeconds bounds durations: Twilio ends a call after at most 24 hours.
const maxSeconds = 7 * 24 * 3600

// errorCode returns an ErrorCode parameter: digits, "" for none or "0".
func (p *params) errorCode() string {
	v := p.get("ErrorCode")
	if v == "" {
		return ""
	}
	if len(v) > 10 || strings.Trim(v, "0123456789") != "" {
		p.fail("ErrorCode", "%q is not a Twilio error code (digits, e.g. 30003)", clip(v))
		return ""
	}
	if strings.Trim(v, "0") == "" {
		return ""
	}
	return v
}

// oneOf returns a parameter that must be one of the values listed.
func (p *params) oneOf(k string, values []string) string {
	v := p.get(k)
	if v == "" {
		return ""
	}
	for _, s := range values {
		if v == s {
			return v
		}
	}
	p.fail(k, "%q is not one of %s", clip(v), strings.Join(values, ", "))
	return ""
}

// meta copies the parameter into m under key when it is sent and not empty.
func (p *params) meta(m map[string]string, key, k string) {
	if v := p.get(k); v != "" {
		m[key] = v
	}
}

// clip shortens a bad value for a message.
func clip(s string) string {
	if len(s) > 40 {
		i := 40
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		return s[:i] + "…"
	}
	return s
}

// indexed returns the N of a key "<prefix>N" such as MediaUrl3; ok is false
// for other keys. N is written without leading zeros.
func indexed(key, prefix string) (n int, ok bool, err error) {
	rest, found := strings.CutPrefix(key, prefix)
	if !found || rest == "" || strings.Trim(rest, "0123456789") != "" {
		return 0, false, nil
	}
	n, err = strconv.Atoi(rest)
	if err != nil || strconv.Itoa(n) != rest {
		return 0, true, fmt.Errorf("not a media index (want %s0 to %s%d)", prefix, prefix, maxMedia-1)
	}
	return n, true, nil
}
