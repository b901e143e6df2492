package twilio

import (
	"strings"

	"github.com/custos-archive/custos/item"
)

// address is a From or To parameter read.
type address struct {
	// channel is the prefix of a channel address ("whatsapp", "rcs",
	// "messenger", "client", "sip", …), "" for a phone number or short
	// code.
	channel string
	// value is the address without the prefix: an E.164 number, a short
	// code, an alphanumeric sender, a channel user id.
	value string
	// p is the participant.
	p item.Participant
}

// key is the address in a conversation id: the value, with its channel
// prefix for a channel address.
func (a address) key() string {
	if a.channel != "" {
		return a.channel + ":" + a.value
	}
	return a.value
}

// withheld lists the values a voice call's From has when the caller's
// number is withheld.
var withheld = map[string]bool{"anonymous": true, "restricted": true, "unknown": true, "private": true, "unavailable": true}

// parseAddress reads the From or To parameter named param. voice allows
// the forms only calls have: an empty or withheld number ("anonymous").
func parseAddress(p *params, param string, voice bool) (address, bool) {
	raw := p.get(param)
	if p.err != nil {
		return address{}, false
	}
	if raw == "" {
		if voice && param == "From" {
			return address{value: "anonymous", p: item.Participant{ID: "anonymous"}}, true
		}
		if p.has(param) {
			p.fail(param, "empty (want an E.164 number such as +12028831111, a short code or a channel address such as whatsapp:+12028831111)")
		} else {
			p.fail(param, "missing (want an E.164 number such as +12028831111, a short code or a channel address such as whatsapp:+12028831111)")
		}
		return address{}, false
	}
	if len(raw) > 256 {
		p.fail(param, "%d bytes long: not an address", len(raw))
		return address{}, false
	}
	for _, r := range raw {
		if r < ' ' || r == 0x7f {
			p.fail(param, "%q contains a control character", clip(raw))
			return address{}, false
		}
	}
	if i := strings.IndexByte(raw, ':'); i > 0 && isScheme(raw[:i]) {
		a := address{channel: raw[:i], value: raw[i+1:]}
		switch {
		case a.value == "":
			p.fail(param, "%q names the %s channel but no address", clip(raw), a.channel)
			return address{}, false
		case a.value[0] == '+':
			if !item.IsE164(a.value) {
				p.fail(param, "%q: %q is not an E.164 number (+, country code and number, 6 to 15 digits)", clip(raw), clip(a.value))
				return address{}, false
			}
			a.p.Phone = a.value
		case strings.TrimSpace(a.value) != a.value:
			p.fail(param, "%q: the address has spaces around it", clip(raw))
			return address{}, false
		default:
			a.p.ID = a.value
		}
		return a, true
	}
	switch {
	case raw[0] == '+':
		if !item.IsE164(raw) {
			p.fail(param, "%q is not an E.164 number (+, country code and number, 6 to 15 digits, no spaces)", clip(raw))
			return address{}, false
		}
		return address{value: raw, p: item.Participant{Phone: raw}}, true
	case voice && withheld[strings.ToLower(raw)]:
		v := strings.ToLower(raw)
		return address{value: v, p: item.Participant{ID: v}}, true
	case isShortCode(raw), isAlphanumericSender(raw):
		return address{value: raw, p: item.Participant{ID: raw}}, true
	}
	p.fail(param, "%q is not an E.164 number (+12028831111), a short code (3 to 8 digits), an alphanumeric sender or a channel address (whatsapp:+12028831111)", clip(raw))
	return address{}, false
}

// isScheme reports whether s can be a channel prefix: a lower-case letter,
// then lower-case letters, digits, '+', '-' or '.', at most 20 in all.
func isScheme(s string) bool {
	if s == "" || len(s) > 20 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// isShortCode reports whether s is 3 to 8 digits.
func isShortCode(s string) bool {
	return len(s) >= 3 && len(s) <= 8 && strings.Trim(s, "0123456789") == ""
}

// isAlphanumericSender reports whether s is an alphanumeric sender id: 1
// to 11 letters, digits, spaces, '.', '-', '_' and '&', with a letter, not
// starting or ending with a space.
func isAlphanumericSender(s string) bool {
	if len(s) > 11 || strings.TrimSpace(s) != s {
		return false
	}
	letter := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letter = true
		case r >= '0' && r <= '9', r == ' ', r == '.', r == '-', r == '_', r == '&':
		default:
			return false
		}
	}
	return letter
}

// parties are the two sides of a message or call, seen from the
// organisation.
type parties struct {
	from, to address
	inbound  bool
	ours     address // the organisation's side: to when inbound, else from
	theirs   address
}

// sides decides the direction of a message or call from which of From and
// To is one of the organisation's numbers. When both are, inboundHint
// (Twilio's own idea of the direction) decides.
func sides(p *params, o *Options, from, to address, inboundHint bool) (parties, bool) {
	fromOurs := isOurs(o, from)
	toOurs := isOurs(o, to)
	s := parties{from: from, to: to}
	switch {
	case fromOurs && toOurs:
		s.inbound = inboundHint
	case toOurs:
		s.inbound = true
	case fromOurs:
		s.inbound = false
	default:
		if p.err == nil {
			p.err = &ParamError{Param: "To", Err: ErrNotOurNumber,
				Problem: "neither From " + quote(from.key()) + " nor To " + quote(to.key()) + " is one of the organisation's Enterprise Numbers: add the number to the organisation, or point its webhooks elsewhere"}
		}
		return s, false
	}
	s.ours, s.theirs = from, to
	if s.inbound {
		s.ours, s.theirs = to, from
	}
	return s, true
}

func isOurs(o *Options, a address) bool {
	if a.withheld() {
		return false
	}
	return o.Numbers(a.value)
}

// withheld reports whether the address is a withheld caller.
func (a address) withheld() bool {
	return a.channel == "" && a.p.Phone == "" && withheld[a.value]
}

func quote(s string) string { return `"` + clip(s) + `"` }

// direction is the item.CallInfo direction.
func (s parties) direction() string {
	if s.inbound {
		return "inbound"
	}
	return "outbound"
}

// conversation is the 1:1 conversation of the organisation's number and
// the other party: "<ours>/<theirs>". A withheld caller is not one person:
// the call's sid makes the conversation its own, "<ours>/anonymous:CA…".
func (s parties) conversation(callSid string) item.Conversation {
	theirs := s.theirs.key()
	if s.theirs.withheld() && callSid != "" {
		theirs += ":" + callSid
	}
	return item.Conversation{ID: s.ours.key() + "/" + theirs, Name: s.theirs.p.Name, Type: item.Direct}
}

// owner is the organisation's number when it is E.164.
func (s parties) owner() string {
	return s.ours.p.Phone
}
