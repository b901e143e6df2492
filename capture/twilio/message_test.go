package twilio

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

// TestParseMessage checks the facts that matter of each message fixture:
// kind, direction, parties, conversation, text and media — or the status,
// or the parameter an error names.
func TestParseMessage(t *testing.T) {
	type want struct {
		kind    item.Kind
		from    item.Participant
		to      item.Participant
		conv    string
		owner   string
		dir     string
		text    string
		media   []string // names and types: "name type"
		channel string
		status  *Status // for status callbacks: Resource, SID, Status, ErrorCode
		param   string  // for errors: the parameter named
		notOurs bool    // the error wraps ErrNotOurNumber
	}
	phone := func(s string) item.Participant { return item.Participant{Phone: s} }
	const (
		desk  = "+12025550143"
		desk2 = "+12025550188"
		sf    = "+14155550100"
		uk    = "+447700900123"
	)
	table := map[string]want{
		"message_sms_inbound": {kind: item.SMS, from: phone(sf), to: phone(desk), conv: desk + "/" + sf, owner: desk, dir: "inbound",
			text: "Price is +2% today\nConfirm? 👍"},
		"message_sms_outbound_with_body": {kind: item.SMS, from: phone(desk), to: phone(uk), conv: desk + "/" + uk, owner: desk, dir: "outbound",
			text: "Your order ships today."},
		"message_mms_inbound": {kind: item.MMS, from: phone(sf), to: phone(desk), conv: desk + "/" + sf, owner: desk, dir: "inbound",
			text:  "Signed contract and the walkthrough",
			media: []string{"ME11111111111111111111111111111111.jpg image/jpeg", "ME22222222222222222222222222222222.mp4 video/mp4"}},
		"message_mms_media_only": {kind: item.MMS, from: phone(uk), to: phone(desk), conv: desk + "/" + uk, owner: desk, dir: "inbound",
			text:  "[media: ME33333333333333333333333333333333.png (image/png)]",
			media: []string{"ME33333333333333333333333333333333.png image/png"}},
		"message_whatsapp_inbound": {kind: item.Chat, from: item.Participant{Name: "Dana Lee", Phone: uk}, to: phone(desk),
			conv: "whatsapp:" + desk + "/whatsapp:" + uk, owner: desk, dir: "inbound", text: "Can we move the call to 3pm?", channel: "whatsapp"},
		"message_whatsapp_image": {kind: item.Media, from: item.Participant{Name: "Dana Lee", Phone: uk}, to: phone(desk),
			conv: "whatsapp:" + desk + "/whatsapp:" + uk, owner: desk, dir: "inbound", channel: "whatsapp",
			text:  "[media: ME44444444444444444444444444444444.jpg (image/jpeg)]",
			media: []string{"ME44444444444444444444444444444444.jpg image/jpeg"}},
		"message_whatsapp_document": {kind: item.File, from: item.Participant{Name: "Dana Lee", Phone: uk}, to: phone(desk),
			conv: "whatsapp:" + desk + "/whatsapp:" + uk, owner: desk, dir: "inbound", channel: "whatsapp", text: "Term sheet.pdf",
			media: []string{"ME55555555555555555555555555555555.pdf application/pdf"}},
		"message_whatsapp_location": {kind: item.Chat, from: item.Participant{Name: "Dana Lee", Phone: uk}, to: phone(desk),
			conv: "whatsapp:" + desk + "/whatsapp:" + uk, owner: desk, dir: "inbound", channel: "whatsapp",
			text: "[location 51.507351, -0.127758 Office 1 Trafalgar Sq, London]"},
		"message_whatsapp_outbound_reply": {kind: item.Chat, from: phone(desk), to: phone(uk),
			conv: "whatsapp:" + desk + "/whatsapp:" + uk, owner: desk, dir: "outbound", channel: "whatsapp", text: "Yes, 3pm works."},
		"message_rcs_inbound": {kind: item.Chat, from: phone(sf), to: item.Participant{ID: "custos_demo_agent"},
			conv: "rcs:custos_demo_agent/rcs:" + sf, dir: "inbound", channel: "rcs", text: "Hello from RCS"},
		"message_between_our_numbers": {kind: item.SMS, from: phone(desk2), to: phone(desk), conv: desk + "/" + desk2, owner: desk,
			dir: "inbound", text: "Desk to desk"},
		"message_status_delivered":       {status: &Status{Resource: MessageResource, SID: "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9", Status: "delivered"}},
		"message_status_undelivered":     {status: &Status{Resource: MessageResource, SID: "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9", Status: "undelivered", ErrorCode: "30003"}},
		"message_status_whatsapp_read":   {status: &Status{Resource: MessageResource, SID: "SMee11bb22cc33dd44ee55ff6677889900", Status: "read"}},
		"message_err_missing_sid":        {param: "MessageSid"},
		"message_err_from_not_e164":      {param: "From"},
		"message_err_media_beyond_count": {param: "MediaUrl1"},
		"message_err_media_missing_url":  {param: "MediaUrl1"},
		"message_err_num_media":          {param: "NumMedia"},
		"message_err_content_type":       {param: "MediaContentType0"},
		"message_err_not_ours":           {param: "To", notOurs: true},
		"message_err_unknown_status":     {param: "MessageStatus"},
		"message_err_twice":              {param: "From"},
		"message_err_sid_mismatch":       {param: "SmsSid"},
		"message_err_channels_differ":    {param: "To"},
		"message_err_neither":            {param: "Body"},
		"message_err_bad_latitude":       {param: "Latitude"},
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "message_*.form"))
	if len(files) != len(table) {
		t.Errorf("%d message fixtures, %d expectations: keep them in step", len(files), len(table))
	}
	for name, w := range table {
		t.Run(name, func(t *testing.T) {
			rec, st, err := ParseMessage(readForm(t, filepath.Join("testdata", name+".form")), testOptions())
			checkResult(t, rec, st, err)
			switch {
			case w.param != "":
				var pe *ParamError
				if !errors.As(err, &pe) {
					t.Fatalf("want an error naming %s, got %v", w.param, err)
				}
				eq(t, "param", pe.Param, w.param)
				eq(t, "not ours", errors.Is(err, ErrNotOurNumber), w.notOurs)
			case w.status != nil:
				if st == nil {
					t.Fatalf("want a status, got %v %v", rec, err)
				}
				eq(t, "status", [4]string{string(st.Resource), st.SID, st.Status, st.ErrorCode},
					[4]string{string(w.status.Resource), w.status.SID, w.status.Status, w.status.ErrorCode})
				eq(t, "time", st.Time, now)
			default:
				if rec == nil {
					t.Fatalf("want a record, got %v %v", st, err)
				}
				it := rec.Item
				eq(t, "kind", it.Kind, w.kind)
				eq(t, "from", it.From, w.from)
				eq(t, "to", it.To, []item.Participant{w.to})
				eq(t, "conversation", it.Conversation.ID, w.conv)
				eq(t, "type", it.Conversation.Type, item.Direct)
				eq(t, "owner", it.Owner, w.owner)
				eq(t, "direction", it.Meta["direction"], w.dir)
				eq(t, "text", it.Text, w.text)
				eq(t, "channel", it.Meta["channel"], w.channel)
				eq(t, "time", it.Time, now)
				var media []string
				for _, m := range rec.Media {
					media = append(media, m.Name+" "+m.ContentType)
				}
				eq(t, "media", media, w.media)
			}
		})
	}
}

func TestParseMessageOptions(t *testing.T) {
	form := readForm(t, filepath.Join("testdata", "message_sms_inbound.form"))
	for name, o := range map[string]Options{
		"no numbers": {Now: now},
		"no time":    {Numbers: func(string) bool { return true }},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := ParseMessage(form, o)
			var pe *ParamError
			if err == nil || errors.As(err, &pe) {
				t.Fatalf("want the caller's error, not a webhook's: %v", err)
			}
		})
	}
}

// TestParseMessageEdges covers forms built in the test: the corner cases
// of addresses, media and text.
func TestParseMessageEdges(t *testing.T) {
	base := func(kv ...string) url.Values {
		v := url.Values{"MessageSid": {"SM5f0c8a6e2b1d4c3a9e8f7d6c5b4a3921"}, "From": {"+14155550100"}, "To": {"+12025550143"}, "NumMedia": {"0"}}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "\x00delete" {
				v.Del(kv[i])
				continue
			}
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	ok := func(name string, form url.Values, check func(t *testing.T, rec *Record)) {
		t.Run(name, func(t *testing.T) {
			rec, st, err := ParseMessage(form, testOptions())
			checkResult(t, rec, st, err)
			if rec == nil {
				t.Fatalf("want a record: %v %v", st, err)
			}
			check(t, rec)
		})
	}
	fails := func(name string, form url.Values, param, problem string) {
		t.Run(name, func(t *testing.T) {
			rec, st, err := ParseMessage(form, testOptions())
			checkResult(t, rec, st, err)
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != param || !strings.Contains(pe.Problem, problem) {
				t.Fatalf("want %s: …%s…, got %v", param, problem, err)
			}
		})
	}
	ok("empty body is an empty SMS", base("Body", ""), func(t *testing.T, rec *Record) {
		eq(t, "kind", rec.Item.Kind, item.SMS)
		eq(t, "text", rec.Item.Text, "")
	})
	ok("NumMedia alone is enough", base("Body", "\x00delete"), func(t *testing.T, rec *Record) {
		eq(t, "kind", rec.Item.Kind, item.SMS)
	})
	ok("short code sender", base("From", "384387", "To", "+12025550143", "Body", "Your code is 1234"), func(t *testing.T, rec *Record) {
		eq(t, "from", rec.Item.From, item.Participant{ID: "384387"})
		eq(t, "conversation", rec.Item.Conversation.ID, "+12025550143/384387")
	})
	ok("alphanumeric sender", base("From", "MyBank", "Body", "Balance low"), func(t *testing.T, rec *Record) {
		eq(t, "from", rec.Item.From, item.Participant{ID: "MyBank"})
	})
	ok("WhatsApp user known by a business-scoped id", base("From", "whatsapp:US.1234", "To", "whatsapp:+12025550143", "Body", "hi",
		"ExternalUserId", "whatsapp:US.1234"), func(t *testing.T, rec *Record) {
		eq(t, "from", rec.Item.From, item.Participant{ID: "US.1234"})
		eq(t, "meta", rec.Item.Meta["external-user-id"], "whatsapp:US.1234")
		eq(t, "conversation", rec.Item.Conversation.ID, "whatsapp:+12025550143/whatsapp:US.1234")
	})
	ok("content type parameters are dropped", base("NumMedia", "1", "MediaUrl0", "https://api.twilio.com/x/Media/ME1", "MediaContentType0", "Text/VCard; charset=utf-8"),
		func(t *testing.T, rec *Record) {
			eq(t, "media", rec.Media, []Media{{URL: "https://api.twilio.com/x/Media/ME1", ContentType: "text/vcard", Name: "ME1.vcf"}})
		})
	ok("no content type: guessed from the name, else octet-stream", base("NumMedia", "2", "MediaUrl0", "https://h.example/a/photo.JPG?x=1", "MediaUrl1", "https://h.example/a/ME2"),
		func(t *testing.T, rec *Record) {
			eq(t, "media", rec.Media, []Media{
				{URL: "https://h.example/a/photo.JPG?x=1", ContentType: "image/jpeg", Name: "photo.JPG"},
				{URL: "https://h.example/a/ME2", ContentType: "application/octet-stream", Name: "ME2"}})
			eq(t, "kind", rec.Item.Kind, item.MMS)
		})
	ok("a name made safe", base("NumMedia", "1", "MediaUrl0", "https://h.example/a/..%2F..%2Fetc%2Fpasswd", "MediaContentType0", "text/plain"),
		func(t *testing.T, rec *Record) {
			eq(t, "name", rec.Media[0].Name, "passwd.txt")
		})
	ok("MMS sid with text only", base("MessageSid", "MM5f0c8a6e2b1d4c3a9e8f7d6c5b4a3921", "Body", "long text"), func(t *testing.T, rec *Record) {
		eq(t, "kind", rec.Item.Kind, item.MMS)
	})
	ok("button reply without body", base("From", "whatsapp:+14155550100", "To", "whatsapp:+12025550143", "Body", "", "ButtonText", "Confirm", "ButtonPayload", "yes-1"),
		func(t *testing.T, rec *Record) {
			eq(t, "text", rec.Item.Text, "Confirm")
			eq(t, "payload", rec.Item.Meta["button-payload"], "yes-1")
		})
	ok("the time is Now, without monotonic reading", base("Body", "x"), func(t *testing.T, rec *Record) {
		if rec.Item.Time != now {
			t.Errorf("time %v", rec.Item.Time)
		}
	})
	t.Run("Now keeps its zone", func(t *testing.T) {
		o := testOptions()
		o.Now = time.Now()
		rec, _, err := ParseMessage(base("Body", "x"), o)
		if err != nil {
			t.Fatal(err)
		}
		if !rec.Item.Time.Equal(o.Now) || rec.Item.Time == o.Now {
			t.Errorf("time %v from %v: want the same instant without the monotonic reading", rec.Item.Time, o.Now)
		}
	})
	fails("empty From", base("From", ""), "From", "empty")
	fails("missing To", base("To", "\x00delete"), "To", "missing")
	fails("control character", base("From", "+1415555\n0100"), "From", "control character")
	fails("plus and letters", base("From", "+1415CALLME"), "From", "not an E.164")
	fails("too many digits", base("From", "+1234567890123456"), "From", "not an E.164")
	fails("long digit string without plus", base("From", "14155550100"), "From", "not an E.164 number (+12028831111), a short code")
	fails("alphanumeric sender too long", base("From", "VeryLongSender"), "From", "not an E.164")
	fails("alphanumeric sender with punctuation", base("From", "Bank!"), "From", "not an E.164")
	fails("empty channel address", base("From", "whatsapp:"), "From", "no address")
	fails("channel address not E.164", base("From", "whatsapp:+12"), "From", "not an E.164")
	fails("voice address in a message", base("From", "client:alice", "Body", "x"), "From", "voice address")
	fails("negative NumMedia", base("NumMedia", "-1"), "NumMedia", "not a number of media")
	fails("NumMedia with a leading zero", base("NumMedia", "01", "MediaUrl0", "https://h.example/m"), "NumMedia", "not a number of media")
	fails("NumMedia too large", base("NumMedia", "101"), "NumMedia", "not a number of media")
	fails("empty NumMedia", base("NumMedia", ""), "NumMedia", "not a number of media")
	fails("media index with a leading zero", base("NumMedia", "1", "MediaUrl0", "https://h.example/m", "MediaUrl00", "https://h.example/n"), "MediaUrl00", "not a media index")
	fails("content type beyond NumMedia", base("NumMedia", "0", "MediaContentType0", "image/jpeg"), "MediaContentType0", "NumMedia is 0")
	fails("empty media URL", base("NumMedia", "1", "MediaUrl0", ""), "MediaUrl0", "empty")
	fails("media URL with a space", base("NumMedia", "1", "MediaUrl0", "https://h.example/a b"), "MediaUrl0", "space")
	fails("media URL not http", base("NumMedia", "1", "MediaUrl0", "file:///etc/passwd"), "MediaUrl0", "not an http(s) URL")
	fails("bad UTF-8", base("Body", "caf\xe9"), "Body", "UTF-8")
	fails("sid with a slash", base("MessageSid", "SM../x"), "MessageSid", "not a sid")
	fails("sid starting with a dot", base("MessageSid", ".."), "MessageSid", "not a sid")
	fails("empty sid", base("MessageSid", ""), "MessageSid", "empty (want a sid, e.g. SM…)")
	fails("sid too long", base("MessageSid", strings.Repeat("a", 65)), "MessageSid", "64")
	fails("bad error code", base("Body", "x", "ErrorCode", "30003x"), "ErrorCode", "not a Twilio error code")
	fails("longitude not a number", base("From", "whatsapp:+14155550100", "To", "whatsapp:+12025550143", "Latitude", "1", "Longitude", "NaN"), "Longitude", "not a longitude")
	fails("latitude without longitude", base("From", "whatsapp:+14155550100", "To", "whatsapp:+12025550143", "Latitude", "1"), "Longitude", "missing")
}
