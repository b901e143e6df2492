package twilio

import (
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/custos-archive/custos/item"
)

// messageStatuses lists Twilio's message statuses (MessageStatus and its
// legacy twin SmsStatus).
var messageStatuses = []string{"accepted", "scheduled", "canceled", "queued", "sending", "sent", "failed",
	"delivered", "undelivered", "receiving", "received", "read", "partially_delivered"}

// voiceChannels are the address prefixes of voice calls; a message with
// one is an error. Every other prefix (whatsapp, rcs, messenger, …) makes
// a message a channel message: a chat rather than an SMS or MMS.
var voiceChannels = map[string]bool{"client": true, "sip": true, "tel": true}

// ParseMessage reads a messaging webhook: an incoming message (SMS, MMS,
// or a WhatsApp, RCS or other channel message through Twilio), or a
// message status callback.
//
// A webhook with a Body or NumMedia parameter is a message: ParseMessage
// returns its Record. One without either is a status callback
// (MessageStatus sent, delivered, read, failed, …): ParseMessage returns
// its Status, and no Record, so the caller can store the delivery status
// without creating a message. Exactly one of the two is non-nil when the
// error is nil.
//
// A webhook it cannot read is a *ParamError naming the parameter;
// one of which neither From nor To is the organisation's wraps
// ErrNotOurNumber.
func ParseMessage(form url.Values, o Options) (*Record, *Status, error) {
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	p := &params{v: form}
	if !p.has("Body") && !p.has("NumMedia") {
		st := messageStatus(p, &o)
		if p.err != nil {
			return nil, nil, p.err
		}
		return nil, st, nil
	}
	rec := message(p, &o)
	if p.err != nil {
		return nil, nil, p.err
	}
	if err := rec.Item.Validate(); err != nil {
		return nil, nil, paramErr("MessageSid", "the item made of the message is not valid: %v", err)
	}
	return rec, nil, nil
}

// messageSid reads MessageSid, or its legacy twins SmsSid and
// SmsMessageSid, which must agree with it.
func messageSid(p *params) string {
	sid := ""
	from := ""
	for _, k := range []string{"MessageSid", "SmsSid", "SmsMessageSid"} {
		v := p.sid(k)
		switch {
		case v == "":
		case sid == "":
			sid, from = v, k
		case v != sid:
			p.fail(k, "%q differs from %s %q (they name the same message)", v, from, sid)
		}
	}
	if sid == "" && p.err == nil {
		p.fail("MessageSid", "missing (want the message's sid, e.g. SM…; SmsSid for older webhooks)")
	}
	return sid
}

// messageStatus reads a status callback.
func messageStatus(p *params, o *Options) *Status {
	st := &Status{Resource: MessageResource, Time: o.Now.Round(0)}
	st.SID = messageSid(p)
	k := "MessageStatus"
	if !p.has(k) {
		k = "SmsStatus"
	}
	if !p.has(k) {
		if p.err == nil {
			p.fail("Body", "missing: the webhook is neither a message (Body, NumMedia) nor a status callback (MessageStatus)")
		}
		return nil
	}
	st.Status = p.oneOf(k, messageStatuses)
	if st.Status == "" && p.err == nil {
		p.fail(k, "empty (want one of %s)", strings.Join(messageStatuses, ", "))
	}
	st.ErrorCode = p.errorCode()
	st.From, st.To = p.get("From"), p.get("To")
	st.Meta = map[string]string{}
	p.meta(st.Meta, "account-sid", "AccountSid")
	p.meta(st.Meta, "messaging-service-sid", "MessagingServiceSid")
	p.meta(st.Meta, "error-message", "ErrorMessage")
	p.meta(st.Meta, "channel-status-message", "ChannelStatusMessage")
	p.meta(st.Meta, "channel-prefix", "ChannelPrefix")
	p.meta(st.Meta, "event-type", "EventType")
	p.meta(st.Meta, "raw-dlr-done-date", "RawDlrDoneDate")
	st.Meta = orNil(st.Meta)
	return st
}

// message reads an incoming (or outbound) message.
func message(p *params, o *Options) *Record {
	sid := messageSid(p)
	from, _ := parseAddress(p, "From", false)
	to, _ := parseAddress(p, "To", false)
	body := p.get("Body")
	media := readMedia(p)
	status := ""
	for _, k := range []string{"MessageStatus", "SmsStatus"} {
		if p.has(k) {
			status = p.oneOf(k, messageStatuses)
			break
		}
	}
	if p.err != nil {
		return nil
	}
	channel := from.channel
	if channel == "" {
		channel = to.channel
	}
	if from.channel != "" && to.channel != "" && from.channel != to.channel {
		p.fail("To", "%q is on another channel than From %q", clip(to.key()), clip(from.key()))
		return nil
	}
	if voiceChannels[channel] {
		p.fail("From", "%q is a voice address, not a messaging one", clip(from.key()))
		return nil
	}
	if name := p.get("ProfileName"); name != "" {
		from.p.Name = name
	}
	// Twilio calls the webhook of a message it received; status callbacks
	// of messages sent from the organisation carry a Body only on
	// platforms that include it.
	inbound := status == "" || status == "received" || status == "receiving"
	s, ok := sides(p, o, from, to, inbound)
	if !ok {
		return nil
	}
	it := &item.Item{
		Source:       item.EnterpriseNumber,
		SourceID:     sid,
		Conversation: s.conversation(""),
		From:         from.p,
		To:           []item.Participant{to.p},
		Time:         o.Now.Round(0),
		Text:         body,
		Owner:        s.owner(),
		Meta:         map[string]string{},
	}
	switch {
	case channel == "" && (len(media) > 0 || strings.HasPrefix(sid, "MM") && body != ""):
		it.Kind = item.MMS
	case channel == "":
		it.Kind = item.SMS
	case documents(media):
		it.Kind = item.File
	case len(media) > 0:
		it.Kind = item.Media
	default:
		it.Kind = item.Chat
	}
	if channel != "" {
		it.Meta["channel"] = channel
	}
	it.Meta["direction"] = s.direction()
	if status != "" {
		it.Meta["status"] = status
	}
	if code := p.errorCode(); code != "" {
		it.Meta["error-code"] = code
	}
	for _, m := range []struct{ key, param string }{
		{"account-sid", "AccountSid"}, {"messaging-service-sid", "MessagingServiceSid"},
		{"num-segments", "NumSegments"}, {"external-user-id", "ExternalUserId"}, {"wa-id", "WaId"},
		{"message-type", "MessageType"}, {"button-text", "ButtonText"}, {"button-payload", "ButtonPayload"},
		{"forwarded", "Forwarded"}, {"frequently-forwarded", "FrequentlyForwarded"},
		{"in-reply-to", "OriginalRepliedMessageSid"}, {"in-reply-to-sender", "OriginalRepliedMessageSender"},
		{"referral-source-url", "ReferralSourceUrl"}, {"referral-headline", "ReferralHeadline"},
		{"referral-body", "ReferralBody"},
		{"from-city", "FromCity"}, {"from-state", "FromState"}, {"from-zip", "FromZip"}, {"from-country", "FromCountry"},
		{"to-city", "ToCity"}, {"to-state", "ToState"}, {"to-zip", "ToZip"}, {"to-country", "ToCountry"},
	} {
		p.meta(it.Meta, m.key, m.param)
	}
	if p.has("Latitude") || p.has("Longitude") {
		it.Location = location(p)
	}
	if p.err != nil {
		return nil
	}
	if it.Text == "" {
		switch {
		case it.Location != nil:
			it.Text = describePlace(it.Location)
		case len(media) > 0:
			it.Text = describe(media)
		default:
			it.Text = p.get("ButtonText")
		}
	}
	it.Meta = orNil(it.Meta)
	return &Record{Item: it, Media: media}
}

// location reads a shared location (WhatsApp through Twilio).
func location(p *params) *item.Place {
	lat := coordinate(p, "Latitude", 90)
	lon := coordinate(p, "Longitude", 180)
	if p.err != nil {
		return nil
	}
	return &item.Place{Latitude: lat, Longitude: lon, Name: p.get("Label"), Address: p.get("Address")}
}

func coordinate(p *params, k string, limit float64) float64 {
	v := p.required(k, "degrees, e.g. 52.370216")
	if p.err != nil {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > limit {
		p.fail(k, "%q is not a %s in degrees (-%g to %g)", clip(v), strings.ToLower(k), limit, limit)
		return 0
	}
	return f
}

// describePlace is the text of a location message without a body.
func describePlace(pl *item.Place) string {
	s := "[location " + strconv.FormatFloat(pl.Latitude, 'f', -1, 64) + ", " + strconv.FormatFloat(pl.Longitude, 'f', -1, 64)
	for _, v := range []string{pl.Name, pl.Address} {
		if v != "" {
			s += " " + v
		}
	}
	return s + "]"
}
