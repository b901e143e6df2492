package twilio

import (
	"errors"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// recordingStatuses lists the RecordingStatus values: those of the
// recording status callback and of the Recording resource.
var recordingStatuses = []string{"in-progress", "paused", "stopped", "processing", "completed", "absent", "failed", "deleted"}

// ParseRecording reads a recording status callback (RecordingSid,
// RecordingUrl, RecordingStatus, RecordingDuration, CallSid), or any
// voice webhook that carries a finished recording without a
// RecordingStatus: the <Record> verb's action request, or a completed
// call's status callback when the call was recorded with the Record
// option.
//
// A completed recording is a voice_recording item (Record) whose Media is
// the audio: RecordingUrl with ".wav" (or ".mp3", RecordingOptions.Format)
// appended, as Twilio serves it. Any other status — in-progress, absent,
// failed, … — is a Status. Exactly one of the two is non-nil when the
// error is nil.
//
// Recording status callbacks carry no From and To. The recording's
// parties, conversation, owner and direction are then taken from
// RecordingOptions.Call, the call_log item of the same CallSid; without it
// the error is a *ParamError wrapping ErrCallUnknown, and the caller finds
// the call and parses again (see ErrCallUnknown). When the webhook has
// From and To (a <Record> action or a call status callback), they are used
// and Call is not needed.
//
// The item's Time is RecordingStartTime when given; else the call's Time
// (RecordingOptions.Call); else, for a call status callback, the call's
// start (Timestamp less CallDuration); else Options.Now less
// RecordingDuration. Its CallInfo has the call's direction, status
// "completed" and the recording's duration.
func ParseRecording(form url.Values, o RecordingOptions) (*Record, *Status, error) {
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	ext, ctype := ".wav", "audio/wav"
	switch o.Format {
	case "", "wav":
	case "mp3":
		ext, ctype = ".mp3", "audio/mpeg"
	default:
		return nil, nil, errors.New("twilio: RecordingOptions.Format " + quote(o.Format) + " is neither wav nor mp3")
	}
	p := &params{v: form}
	sid := p.sid("RecordingSid")
	if sid == "" && p.err == nil {
		p.fail("RecordingSid", "missing (want the recording's sid, e.g. RE…)")
	}
	callSid := p.sid("CallSid")
	status := "completed"
	if p.has("RecordingStatus") {
		status = p.oneOf("RecordingStatus", recordingStatuses)
		if status == "" && p.err == nil {
			p.fail("RecordingStatus", "empty (want one of %s)", strings.Join(recordingStatuses, ", "))
		}
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	if status != "completed" {
		st := &Status{Resource: RecordingResource, SID: sid, CallSID: callSid, Status: status,
			ErrorCode: p.errorCode(), Time: o.Now.Round(0), Meta: map[string]string{}}
		p.meta(st.Meta, "account-sid", "AccountSid")
		p.meta(st.Meta, "recording-source", "RecordingSource")
		if p.err != nil {
			return nil, nil, p.err
		}
		st.Meta = orNil(st.Meta)
		return nil, st, nil
	}
	raw := p.required("RecordingUrl", "the recording's URL, https://api.twilio.com/2010-04-01/Accounts/AC…/Recordings/RE…")
	duration, has := p.seconds("RecordingDuration")
	if !has && p.err == nil {
		p.fail("RecordingDuration", "missing (a completed recording's callback carries its length in seconds)")
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	u, err := url.Parse(raw)
	if err != nil || checkMediaURL(raw) != "" || !u.IsAbs() {
		return nil, nil, paramErr("RecordingUrl", "%q is not an absolute http(s) URL", clip(raw))
	}
	audio := Media{URL: raw, ContentType: ctype, Name: sid + ext}
	switch strings.ToLower(path.Ext(u.Path)) {
	case ".wav":
		audio.ContentType, audio.Name = "audio/wav", sid+".wav"
	case ".mp3":
		audio.ContentType, audio.Name = "audio/mpeg", sid+".mp3"
	default:
		// Twilio serves the recording in the format its URL's extension
		// names; insert it before any query.
		i := strings.IndexAny(raw, "?#")
		if i < 0 {
			i = len(raw)
		}
		audio.URL = raw[:i] + ext + raw[i:]
	}

	it := &item.Item{
		Source:   item.EnterpriseNumber,
		Kind:     item.VoiceRecording,
		SourceID: sid,
		Meta:     map[string]string{},
	}
	var callTime time.Time
	switch {
	case p.has("From") || p.has("To"):
		s, ok := callParties(p, &o.Options)
		if !ok {
			return nil, nil, p.err
		}
		it.Conversation, it.From, it.To, it.Owner = s.conversation(callSid), s.from.p, []item.Participant{s.to.p}, s.owner()
		it.Call = &item.CallInfo{Direction: s.direction()}
		callMeta(p, it.Meta, s)
		if p.has("Timestamp") {
			end := timestamp(p, "Timestamp", o.Now)
			d, _ := p.seconds("CallDuration")
			callTime = end.Add(-time.Duration(d) * time.Second)
		}
	case o.Call != nil:
		if err := checkCall(o.Call, callSid); err != nil {
			return nil, nil, err
		}
		c := o.Call
		it.Conversation, it.From, it.To, it.Owner = c.Conversation, c.From, slices.Clone(c.To), c.Owner
		it.Call = &item.CallInfo{Direction: c.Call.Direction, Video: c.Call.Video}
		callTime = c.Time
		p.meta(it.Meta, "account-sid", "AccountSid")
	default:
		what := "the call"
		if callSid != "" {
			what = "call " + callSid
		}
		return nil, nil, &ParamError{Param: "From", Err: ErrCallUnknown,
			Problem: "missing, and To too: a recording callback does not say who took part; pass the call_log item of " + what + " (RecordingOptions.Call)"}
	}
	it.Call.Status, it.Call.Duration = "completed", duration
	switch {
	case p.has("RecordingStartTime"):
		it.Time = timestamp(p, "RecordingStartTime", o.Now)
	case !callTime.IsZero():
		it.Time = callTime
	default:
		it.Time = o.Now.Round(0).Add(-time.Duration(duration) * time.Second)
	}
	if callSid != "" {
		it.Meta["call-sid"] = callSid
	}
	it.Meta["recording-url"] = raw
	for _, m := range []struct{ key, param string }{
		{"recording-source", "RecordingSource"}, {"recording-track", "RecordingTrack"},
		{"recording-channels", "RecordingChannels"}, {"conference-sid", "ConferenceSid"},
	} {
		p.meta(it.Meta, m.key, m.param)
	}
	if code := p.errorCode(); code != "" {
		it.Meta["error-code"] = code
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	// The item is valid once its audio is attached: check it so.
	check := *it
	check.Attachments = []item.Attachment{{Name: audio.Name, ContentType: audio.ContentType, Data: []byte{}}}
	if err := check.Validate(); err != nil {
		return nil, nil, paramErr("RecordingSid", "the item made of the recording is not valid: %v", err)
	}
	it.Conversation.Type = check.Conversation.Type
	return &Record{Item: it, Media: []Media{audio}}, nil, nil
}

// checkCall checks that call is the call_log item of the call callSid.
func checkCall(call *item.Item, callSid string) error {
	switch {
	case call.Kind != item.CallLog || call.Source != item.EnterpriseNumber || call.Call == nil:
		return errors.New("twilio: RecordingOptions.Call is not an enterprise-number call_log item")
	case callSid == "":
		return paramErr("CallSid", "missing: without it, the call given (RecordingOptions.Call) cannot be checked to be the recording's")
	case call.SourceID != callSid:
		return paramErr("CallSid", "%q, but the call given (RecordingOptions.Call) is %q", callSid, clip(call.SourceID))
	}
	return nil
}
