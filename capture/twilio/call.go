package twilio

import (
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// Call statuses: those of a call that is over, which make a call log, and
// those of a call still going on, which are a Status.
var (
	finalCallStatuses   = []string{"completed", "busy", "failed", "no-answer", "canceled"}
	ongoingCallStatuses = []string{"queued", "initiated", "ringing", "in-progress"}
	callStatuses        = append(append([]string{}, ongoingCallStatuses...), finalCallStatuses...)
)

func isFinal(status string) bool {
	for _, s := range finalCallStatuses {
		if s == status {
			return true
		}
	}
	return false
}

// ParseCallStatus reads a voice call status callback (or any voice
// webhook with CallSid and CallStatus). A call that is over — CallStatus
// completed, busy, failed, no-answer or canceled — is a call_log item
// (Record); one still going on — queued, initiated, ringing, in-progress —
// is a Status. Exactly one of the two is non-nil when the error is nil.
//
// The item's CallInfo has the direction seen from the organisation
// (inbound when To is one of its numbers and From is not; when both are,
// Twilio's Direction decides), the status as Twilio sent it, and the
// duration CallDuration (required for a completed call, else 0 when
// absent). Its Time is when the call started: the callback's Timestamp
// (the time of the event, here the end of the call) less CallDuration;
// Options.Now stands in for a missing Timestamp.
//
// A completed call's callback carries RecordingSid and RecordingUrl when
// the call was recorded with the Record option: the call log keeps the
// RecordingSid in its Meta, and the caller passes the same form to
// ParseRecording for the recording's item.
func ParseCallStatus(form url.Values, o Options) (*Record, *Status, error) {
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	p := &params{v: form}
	sid := p.sid("CallSid")
	if sid == "" && p.err == nil {
		p.fail("CallSid", "missing (want the call's sid, e.g. CA…)")
	}
	status := p.oneOf("CallStatus", callStatuses)
	if status == "" && p.err == nil {
		p.fail("CallStatus", "missing (want one of %s)", strings.Join(callStatuses, ", "))
	}
	when := timestamp(p, "Timestamp", o.Now)
	if p.err != nil {
		return nil, nil, p.err
	}
	if !isFinal(status) {
		st := &Status{Resource: CallResource, SID: sid, Status: status, Time: when,
			From: p.get("From"), To: p.get("To"), Meta: map[string]string{}}
		p.meta(st.Meta, "account-sid", "AccountSid")
		p.meta(st.Meta, "sequence-number", "SequenceNumber")
		p.meta(st.Meta, "twilio-direction", "Direction")
		p.meta(st.Meta, "parent-call-sid", "ParentCallSid")
		if p.err != nil {
			return nil, nil, p.err
		}
		st.Meta = orNil(st.Meta)
		return nil, st, nil
	}
	s, ok := callParties(p, &o)
	duration, has := p.seconds("CallDuration")
	if !has && p.err == nil && status == "completed" {
		p.fail("CallDuration", "missing (a completed call's callback carries its length in seconds)")
	}
	if !ok || p.err != nil {
		return nil, nil, p.err
	}
	it := &item.Item{
		Source:       item.EnterpriseNumber,
		Kind:         item.CallLog,
		SourceID:     sid,
		Conversation: s.conversation(sid),
		From:         s.from.p,
		To:           []item.Participant{s.to.p},
		Time:         when.Add(-time.Duration(duration) * time.Second),
		Call:         &item.CallInfo{Direction: s.direction(), Status: status, Duration: duration},
		Owner:        s.owner(),
		Meta:         map[string]string{},
	}
	if p.has("Timestamp") {
		it.Meta["ended"] = when.Format(time.RFC3339)
	}
	callMeta(p, it.Meta, s)
	p.meta(it.Meta, "recording-sid", "RecordingSid")
	p.meta(it.Meta, "sip-response-code", "SipResponseCode")
	p.meta(it.Meta, "answered-by", "AnsweredBy")
	p.meta(it.Meta, "sequence-number", "SequenceNumber")
	if p.err != nil {
		return nil, nil, p.err
	}
	it.Meta = orNil(it.Meta)
	if err := it.Validate(); err != nil {
		return nil, nil, paramErr("CallSid", "the item made of the call is not valid: %v", err)
	}
	return &Record{Item: it}, nil, nil
}

// callParties reads From, To and Direction and decides the call's
// direction.
func callParties(p *params, o *Options) (parties, bool) {
	from, _ := parseAddress(p, "From", true)
	to, _ := parseAddress(p, "To", true)
	direction := p.get("Direction")
	if p.err != nil {
		return parties{}, false
	}
	if name := p.get("CallerName"); name != "" {
		from.p.Name = name
	}
	return sides(p, o, from, to, direction == "inbound")
}

// callMeta records the facts of a call's webhook every call item carries.
func callMeta(p *params, m map[string]string, s parties) {
	if c := s.from.channel; c != "" {
		m["from-channel"] = c
	}
	if c := s.to.channel; c != "" {
		m["to-channel"] = c
	}
	p.meta(m, "account-sid", "AccountSid")
	p.meta(m, "twilio-direction", "Direction")
	p.meta(m, "parent-call-sid", "ParentCallSid")
	p.meta(m, "forwarded-from", "ForwardedFrom")
	p.meta(m, "stir-verstat", "StirVerstat")
}

// timestamp reads an RFC 2822 time parameter ("Tue, 21 Nov 2023 15:01:02
// +0000"); def when it is absent.
func timestamp(p *params, k string, def time.Time) time.Time {
	if !p.has(k) {
		return def.Round(0)
	}
	v := p.get(k)
	if p.err != nil {
		return time.Time{}
	}
	t, err := mail.ParseDate(v)
	if err != nil {
		p.fail(k, "%q is not an RFC 2822 time (e.g. Tue, 21 Nov 2023 15:01:02 +0000)", clip(v))
		return time.Time{}
	}
	if t.Year() < 1970 || t.Year() > 9998 {
		p.fail(k, "%q is not a time Twilio can have sent (year %d)", clip(v), t.Year())
		return time.Time{}
	}
	return t
}
