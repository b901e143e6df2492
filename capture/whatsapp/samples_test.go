package whatsapp

import (
	"encoding/json"
	"errors"
	"github.com/custos-archive/custos/internal/sharedtest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

// sharedDir returns the shared samples of this format, or skips the test.
func sharedDir(t testing.TB) string { return sharedtest.Dir(t, "whatsapp-cloud-webhook") }

// census counts, in a webhook body decoded without this package, the
// communications (messages, message echoes, calls), the statuses and the
// changes that have none of them, so that TestSharedSamples can check that
// Parse accounts for every one.
func census(t *testing.T, data []byte) (comms, statuses, others int) {
	t.Helper()
	var env struct {
		Entry []struct {
			Changes []struct {
				Value map[string]json.RawMessage `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatalf("census: %v", err)
	}
	count := func(raw json.RawMessage) int {
		var xs []json.RawMessage
		json.Unmarshal(raw, &xs)
		return len(xs)
	}
	for _, e := range env.Entry {
		for _, c := range e.Changes {
			n := count(c.Value["messages"]) + count(c.Value["message_echoes"]) + count(c.Value["calls"])
			s := count(c.Value["statuses"])
			comms += n
			statuses += s
			if n+s == 0 {
				// A change of errors only is one Ignored entry per error.
				others += max(1, count(c.Value["errors"]))
			}
		}
	}
	return comms, statuses, others
}

// TestSharedSamples reads every .json of the shared WhatsApp Cloud API
// webhook samples and checks, per file, what it becomes — the kinds of the
// records, the statuses, the ignored changes, or the error for the files
// that are not valid webhooks — and a few fields read off the file. Every
// message, echo, call, status and other change of an accepted file must be
// accounted for.
func TestSharedSamples(t *testing.T) {
	dir := sharedDir(t)
	type want struct {
		kinds    []item.Kind
		statuses []string
		ignored  []string
		err      string // the error says this; the file is rejected
		check    func(t *testing.T, b *Batch)
	}
	K := func(ks ...item.Kind) []item.Kind { return ks }
	S := func(ss ...string) []string { return ss }
	first := func(b *Batch) *item.Item { return b.Records[0].Item }
	text := func(want string) func(t *testing.T, b *Batch) {
		return func(t *testing.T, b *Batch) { eq(t, "text", first(b).Text, want) }
	}
	meta := func(key, want string) func(t *testing.T, b *Batch) {
		return func(t *testing.T, b *Batch) { eq(t, "meta "+key, first(b).Meta[key], want) }
	}
	all := func(fs ...func(t *testing.T, b *Batch)) func(t *testing.T, b *Batch) {
		return func(t *testing.T, b *Batch) {
			for _, f := range fs {
				f(t, b)
			}
		}
	}
	media := func(want Media, name, contentType string) func(t *testing.T, b *Batch) {
		want.Name, want.ContentType = name, contentType
		return func(t *testing.T, b *Batch) {
			eq(t, "media", b.Records[0].Media, []Media{want})
			a := b.Records[0].Media[0].Attachment("sha256:"+strings.Repeat("0", 64), 0)
			eq(t, "attachment", [2]string{a.Name, a.ContentType}, [2]string{name, contentType})
		}
	}
	from := func(want item.Participant) func(t *testing.T, b *Batch) {
		return func(t *testing.T, b *Batch) { eq(t, "from", first(b).From, want) }
	}
	conv := func(id string) func(t *testing.T, b *Batch) {
		return func(t *testing.T, b *Batch) { eq(t, "conversation", first(b).Conversation.ID, id) }
	}
	mauricio := item.Participant{Name: "Mauricio Binda", Phone: "+1111111111111"}
	kerry := item.Participant{Name: "Kerry Fisher", ID: "5678"}
	testName := item.Participant{Name: "Test Name", Phone: "+972987654321", ID: "US.13491208655302741918"}
	pywaConv := conv("wa:+972123456789:+972987654321")

	table := map[string]want{
		"bindambc_audioMessage.json": {kinds: K(item.Media), check: all(text("[voice message]"), from(mauricio), conv("wa:+1111111111111:+1111111111111"),
			media(Media{ID: "827776106019109", Type: "audio", MimeType: "audio/ogg; codecs=opus", SHA256: "iWa0+O81ZLcSkZx6n4QAmrWuHpn8HWFX3gB6a3fQtmk=", Voice: true}, "827776106019109.ogg", "audio/ogg"))},
		"bindambc_buttonMessage.json": {kinds: K(item.Chat), check: all(text("SIM"), meta("button-payload", "SIM"),
			meta("reply-to", "wamid.nBgN6TUyN2k5NzAzM5kzNhUCABI8FDNFQjAxQkE5REI4NEUzQ5Y5QTNgAA=="), from(mauricio))},
		"bindambc_contactMessage.json": {kinds: K(item.Contact), check: all(text("Person Ok\nphone (CELL): +55 11 11111-1111, WhatsApp 5511111111111"), meta("contact-count", "1"))},
		"bindambc_documentMessage.json": {kinds: K(item.File), check: all(text("[document 4_641947.pdf]"),
			media(Media{ID: "848704520347750", Type: "document", MimeType: "application/pdf", SHA256: "mu/J5jGsroQM3Tbn4c6StBJG4C4glbTi8gT4jhRHSt0=", Filename: "4_641947.pdf"}, "4_641947.pdf", "application/pdf"))},
		"bindambc_imageMessage.json": {kinds: K(item.Media), check: all(text("[image]"), func(t *testing.T, b *Batch) {
			sum, ok := b.Records[0].Media[0].SHA256Hex()
			eq(t, "sha256 decodes", [2]any{len(sum), ok}, [2]any{64, true})
			eq(t, "owner", first(b).Owner, "+43330585569")
			eq(t, "time", first(b).Time, time.Unix(1673032525, 0).UTC())
		})},
		"bindambc_locationMessage.json": {kinds: K(item.Location), check: func(t *testing.T, b *Batch) {
			eq(t, "place", *first(b).Location, item.Place{Latitude: -10.93941311633, Longitude: -10.606395436721, URL: "https://foursquare.com/v/5c42c5667d8497002c6e09f9"})
		}},
		"bindambc_media_retrieval_response.json": {err: "object: missing: not a WhatsApp Business Platform webhook"},
		"bindambc_phoneNumberNameUpdate.json": {ignored: S("phone_number_name_update"), check: func(t *testing.T, b *Batch) {
			eq(t, "reason", b.Ignored[0].Reason, "phone number display name update (decision APPROVED, requested name WhatsApp, number 16505551111): not a communication")
		}},
		"bindambc_qualityUpdate.json": {ignored: S("phone_number_quality_update"), check: func(t *testing.T, b *Batch) {
			eq(t, "reason", b.Ignored[0].Reason, "phone number quality update (event FLAGGED, limit TIER_10K, number 16505551111): not a communication")
		}},
		"bindambc_reactMessage.json": {kinds: K(item.Reaction), check: all(text("👍"), func(t *testing.T, b *Batch) {
			eq(t, "refers to", first(b).RefersTo, "wamid.nBgN6TUyN2k5NzAzM5kzNhUCABI8FDNFQjAxQkE5REI4NEUzQ5Y5QTNgAA==")
		})},
		"bindambc_stickerMessage.json": {kinds: K(item.Media), check: all(text("[sticker]"),
			media(Media{ID: "1604825680670873", Type: "sticker", MimeType: "image/webp", SHA256: "pBKxk2Fu9/n+VKiP4Lve+mWg5b+jPorDpPqtelcS1D0="}, "1604825680670873.webp", "image/webp"))},
		"bindambc_textMessage.json": {kinds: K(item.Chat), check: all(text("hi everyone!"), from(mauricio), conv("wa:+43330585569:+1111111111111"), func(t *testing.T, b *Batch) {
			eq(t, "to", first(b).To, []item.Participant{{Phone: "+43330585569"}})
			eq(t, "time", first(b).Time, time.Date(2023, 1, 5, 19, 39, 38, 0, time.UTC))
			eq(t, "ids", [2]string{first(b).Meta["waba-id"], first(b).Meta["phone-number-id"]}, [2]string{"880480571844883", "409552778964973"})
		})},
		// from is not the wa_id of the contacts entry: no name.
		"bindambc_textMessage2.json":               {kinds: K(item.Chat), check: all(text("Good afternoon"), from(item.Participant{Phone: "+409552778964973"}))},
		"bindambc_textMessageStatusDelivered.json": {statuses: S("delivered"), check: func(t *testing.T, b *Batch) { eq(t, "recipient", b.Statuses[0].RecipientID, "1111111111111") }},
		// The file has a stray "{" after the JSON object.
		"bindambc_textMessageStatusRead.json": {err: "not valid JSON (at byte 696): invalid character '{' after top-level value"},
		"bindambc_textMessageStatusSent.json": {statuses: S("sent"), check: func(t *testing.T, b *Batch) {
			eq(t, "time", b.Statuses[0].Time, time.Unix(1673020317, 0).UTC())
		}},
		"bindambc_videoMessage.json": {kinds: K(item.Media), check: all(text("hello world"), meta("mime-type", "video/mp4"))},

		"courier_audio.json": {kinds: K(item.Media), check: all(text("Check out my new phone!"), from(kerry), conv("wa:+250788123200:5678"),
			// courier's fixture says image/jpeg for an audio; it is kept.
			media(Media{ID: "id_audio", Type: "audio", MimeType: "image/jpeg", SHA256: "29ed500fa64eb55fc19dc4124acb300e5dcc54a0f822a301ae99944db"}, "id_audio.jpg", "image/jpeg"))},
		"courier_button.json":       {kinds: K(item.Chat), check: all(text("No"), meta("button-payload", "No-Button-Payload"), meta("reply-to", "gBGGFmkiWVVPAgkgQkwi7IORac0"))},
		"courier_button_reply.json": {kinds: K(item.Chat), check: all(text("Yes"), meta("reply-id", "id_button_reply"), meta("interactive-type", "button_reply"))},
		"courier_document.json": {kinds: K(item.File), check: all(text("80skaraokesonglistartist"),
			media(Media{ID: "id_document", Type: "document", MimeType: "application/pdf", SHA256: "3b11fa6ef2bde1dd14726e09d3edaf782120919d06f6484f32d5d5caa4b8e"}, "id_document.pdf", "application/pdf"))},
		// Both copies are returned; the store keeps one by SourceID.
		"courier_duplicate.json": {kinds: K(item.Chat, item.Chat), check: func(t *testing.T, b *Batch) {
			eq(t, "same id", [2]string{b.Records[0].Item.SourceID, b.Records[1].Item.SourceID}, [2]string{"external_id", "external_id"})
		}},
		"courier_hello.json": {kinds: K(item.Chat), check: all(text("Hello World"), from(kerry), func(t *testing.T, b *Batch) {
			eq(t, "owner", first(b).Owner, "+250788123200")
		})},
		"courier_hello_user_id.json": {kinds: K(item.Chat), check: all(from(item.Participant{Name: "Kerry Fisher", ID: "US.1234"}),
			meta("customer-wa-id", "5678"), meta("customer-username", "@kfisher"), conv("wa:+250788123200:US.1234"))},
		"courier_ignore_status.json": {statuses: S("deleted")},
		"courier_image.json":         {kinds: K(item.Media), check: all(text("Check out my new phone!"), meta("media-id", "id_image"))},
		// An unknown status value is passed through, not refused.
		"courier_invalid_status.json": {statuses: S("in_orbit")},
		"courier_list_reply.json":     {kinds: K(item.Chat), check: all(text("Yes"), meta("reply-id", "id_list_reply"), meta("interactive-type", "list_reply"))},
		"courier_location.json": {kinds: K(item.Location), check: func(t *testing.T, b *Batch) {
			eq(t, "place", *first(b).Location, item.Place{Latitude: 0, Longitude: 1, Name: "Main Street Beach", Address: "Main Street Beach, Santa Cruz, CA", URL: "https://foursquare.com/v/4d7031d35b5df7744"})
		}},
		"courier_nfm_reply.json":    {kinds: K(item.Chat), check: all(text("[flow reply] Sent\nflow_token: fl0w+t0k3n\nfirst_name: Bob\nage: 32"), meta("flow-name", "flow"))},
		"courier_valid_status.json": {statuses: S("sent")},
		"courier_video.json":        {kinds: K(item.Media), check: all(text("Check out my new phone!"), meta("type", "video"))},
		"courier_voice.json": {kinds: K(item.Media), check: all(text("[voice message]"),
			media(Media{ID: "id_voice", Type: "voice", MimeType: "audio/ogg; codecs=opus", SHA256: "fa9e1807d936b7cebe63654ea3a7912b1fa9479220258d823590521ef53b0710", Voice: true}, "id_voice.ogg", "audio/ogg"))},

		"pywa_account_update__partner_added.json": {ignored: S("account_update"), check: func(t *testing.T, b *Batch) {
			eq(t, "reason", b.Ignored[0].Reason, "WhatsApp Business Account update (event PARTNER_ADDED): not a communication")
		}},
		"pywa_call_connect__user_initiated.json": {kinds: K(item.Call), check: all(from(testName), conv("wa:+16315553601:+972987654321"), func(t *testing.T, b *Batch) {
			eq(t, "id", first(b).SourceID, "wacid.xxxx=:connect")
			eq(t, "call", *first(b).Call, item.CallInfo{Direction: "inbound", Status: "connecting"})
			eq(t, "to", first(b).To, []item.Participant{{Phone: "+16315553601"}})
		})},
		"pywa_call_status__call_status.json": {statuses: S("ringing"), check: func(t *testing.T, b *Batch) {
			eq(t, "call status", [3]string{b.Statuses[0].Type, b.Statuses[0].MessageID, b.Statuses[0].RecipientID}, [3]string{"call", "wacid.ABGGFjFVU2AfAgo6V", "163155536021"})
		}},
		"pywa_call_terminate__call_terminate.json": {kinds: K(item.Call), check: all(meta("errors", "12455 ERROR_TITLE: ERROR_DETAILS"), meta("biz-opaque-callback-data", "random_string"), func(t *testing.T, b *Batch) {
			eq(t, "id", first(b).SourceID, "wacid.ABGGFjFVU2AfAgo6V-Hc5eCgK5Gh:terminate")
			eq(t, "call", *first(b).Call, item.CallInfo{Direction: "outbound", Status: "completed", Duration: 120})
			eq(t, "parties", [2]any{first(b).From, first(b).To}, [2]any{item.Participant{Phone: "+16315553602"}, []item.Participant{{Phone: "+16315553601"}}})
			eq(t, "time is the start", first(b).Time, time.Unix(1671644824, 0).UTC())
		})},
		"pywa_callback_button__button.json":      {kinds: K(item.Chat), check: all(text("title"), meta("reply-id", "callback_data"), from(testName), pywaConv)},
		"pywa_callback_button__quick_reply.json": {kinds: K(item.Chat), check: all(text("title"), meta("button-payload", "callback_data"), meta("reply-to", "wamid.xyzxyz=="))},
		"pywa_callback_selection__callback.json": {kinds: K(item.Chat), check: all(text("title"), meta("interactive-type", "list_reply"))},
		// Meta's placeholders, copied verbatim: not a number to file under.
		"pywa_deleted_message__revoke.json": {err: `entry[0].changes[0].value.metadata.display_phone_number: "<BUSINESS_DISPLAY_PHONE_NUMBER>" is not a phone number`},
		"pywa_edited_message__image.json": {kinds: K(item.Edit), check: all(text("Updated image caption"), meta("edit-type", "image"), from(item.Participant{Phone: "+16505551234"}), func(t *testing.T, b *Batch) {
			eq(t, "refers to", first(b).RefersTo, "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=")
			eq(t, "new media", b.Records[0].Media, []Media{{ID: "1234567890", Type: "image", MimeType: "image/jpeg", SHA256: "a1b2c3d4e5f6...", Name: "1234567890.jpg", ContentType: "image/jpeg"}})
		})},
		"pywa_flow_completion__completion.json": {kinds: K(item.Chat), check: text("[flow reply] Sent\ncomment_text: Comment Text\ndelivery_rating: 4\nflow_token: AQAAAAACS5FpgQ_cAAAAAD0QI3s.\npurchase_rating: 2\nrecommend_radio: 0\ncs_rating: 0")},
		"pywa_message__animated_sticker.json":   {kinds: K(item.Media), check: all(text("[animated sticker]"), meta("animated", "true"))},
		"pywa_message__audio.json":              {kinds: K(item.Media), check: all(text("[audio]"), meta("forwarded", "true"))},
		"pywa_message__contacts.json": {kinds: K(item.Contact), check: all(meta("contact-count", "3"), func(t *testing.T, b *Batch) {
			if !strings.HasPrefix(first(b).Text, "Chandler Bing\nphone (CELL): +1 555-555-5555, WhatsApp 972987654321\n\nMonica\n") {
				t.Errorf("text %q", first(b).Text)
			}
		})},
		"pywa_message__current_location.json": {kinds: K(item.Location), check: all(meta("forwarded", "true"), func(t *testing.T, b *Batch) {
			eq(t, "place", *first(b).Location, item.Place{Latitude: 12.25089, Longitude: 43.90539})
		})},
		"pywa_message__document.json": {kinds: K(item.File), check: all(text("caption"), func(t *testing.T, b *Batch) {
			eq(t, "name", b.Records[0].Media[0].Name, "filename.pdf")
		})},
		"pywa_message__forwarded.json": {kinds: K(item.Chat), check: all(text("forwarded text"), meta("forwarded", "true"))},
		"pywa_message__image.json": {kinds: K(item.Media), check: all(text("[image]"), func(t *testing.T, b *Batch) {
			_, ok := b.Records[0].Media[0].SHA256Hex()
			eq(t, "a placeholder checksum does not decode", ok, false)
		})},
		"pywa_message__order.json":    {kinds: K(item.Chat), check: all(text("[order from catalog 354160437058781]\n3 × HAMBURGER at 30 ILS\n2 × FRENCH_FRIES at 35 ILS\n2 × SODA at 10 ILS"), meta("catalog-id", "354160437058781"))},
		"pywa_message__reaction.json": {kinds: K(item.Reaction), check: all(text("😮"), func(t *testing.T, b *Batch) { eq(t, "refers to", first(b).RefersTo, "wamid.yzxyzx=") })},
		"pywa_message__referral.json": {kinds: K(item.Chat), check: all(text("BODY"), meta("referral-headline", "AD_TITLE"), meta("referral-source-id", "ADID"), meta("referral-ctwa-clid", "CTWA_CLID"))},
		"pywa_message__reply.json":    {kinds: K(item.Chat), check: all(text("replied text"), meta("reply-to", "wamid.xyzxyz=="), meta("reply-to-from", "972123456789"))},
		"pywa_message__static_sticker.json": {kinds: K(item.Media), check: all(text("[sticker]"), func(t *testing.T, b *Batch) {
			eq(t, "not animated", b.Records[0].Media[0].Animated, false)
		})},
		"pywa_message__text.json": {kinds: K(item.Chat), check: all(text("Body Text"), from(testName), pywaConv, meta("customer-parent-user-id", "US.ENT.11815799212886844830"), func(t *testing.T, b *Batch) {
			eq(t, "conversation name", first(b).Conversation.Name, "Test Name")
		})},
		"pywa_message__unreaction_empty.json": {kinds: K(item.Reaction), check: all(text("[reaction removed]"), meta("reaction-removed", "true"))},
		"pywa_message__unsupported.json": {kinds: K(item.Chat), check: all(meta("error-code", "131051"),
			text("[unsupported message: WhatsApp did not deliver its content; 131051 Message type unknown: Message type is currently not supported.]"))},
		"pywa_message__video.json":            {kinds: K(item.Media), check: all(text("caption"), meta("forwarded", "true"))},
		"pywa_message__voice.json":            {kinds: K(item.Media), check: all(text("[voice message]"), meta("voice", "true"))},
		"pywa_message_status__delivered.json": {statuses: S("delivered")},
		"pywa_message_status__failed.json": {statuses: S("failed"), check: func(t *testing.T, b *Batch) {
			eq(t, "errors", b.Statuses[0].Errors, []string{"130472 User's number is part of an experiment: Failed to send message because this user's phone number is part of an experiment"})
		}},
		"pywa_message_status__read.json": {statuses: S("read")},
		"pywa_message_status__sent.json": {statuses: S("sent"), check: func(t *testing.T, b *Batch) { eq(t, "message", b.Statuses[0].MessageID, "wamid.xyzxyz") }},
		// An echo whose parties are Meta's placeholders.
		"pywa_outgoing_message__text.json": {err: `entry[0].changes[0].value.message_echoes[0].to: "<WHATSAPP_USER_PHONE_NUMBER>" is neither a WhatsApp number`},
		"pywa_system__phone_number_change.json": {kinds: K(item.System), check: all(text("User A changed from 972987654321 to 972912345678"),
			meta("new-wa-id", "972912345678"), meta("system-type", "user_changed_number"), from(item.Participant{Phone: "+972987654321"}))},
		"pywa_template_status_update__approved.json": {ignored: S("message_template_status_update"), check: func(t *testing.T, b *Batch) {
			eq(t, "reason", b.Ignored[0].Reason, "message template status update (event APPROVED, template order_confirmation): not a communication")
		}},
		"pywa_user_marketing_preferences__signup.json": {ignored: S("user_preferences"), check: func(t *testing.T, b *Batch) {
			eq(t, "reason", b.Ignored[0].Reason, "user marketing preference update (marketing_messages signup by 16505551234): not a communication")
		}},
	}

	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .json in %s", dir)
	}
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			data := readFile(t, path)
			b, err := Parse(data)
			w, ok := table[name]
			if !ok {
				// A sample added after this table: it must at least be read
				// or refused cleanly.
				if err != nil {
					t.Errorf("no expectations for %s, which is refused: %v", name, err)
				} else {
					checkBatch(t, b)
					t.Errorf("no expectations for %s: kinds %v, statuses %v, ignored %v", name, kinds(b), statuses(b), ignoredFields(b))
				}
				return
			}
			if w.err != "" {
				var pe *ParseError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), w.err) {
					t.Fatalf("error %v, want a *ParseError saying %q", err, w.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkBatch(t, b)
			eq(t, "kinds", kinds(b), w.kinds)
			eq(t, "statuses", statuses(b), w.statuses)
			eq(t, "ignored", ignoredFields(b), w.ignored)
			comms, sts, others := census(t, data)
			if len(b.Records) != comms || len(b.Statuses) != sts || len(b.Ignored) != others {
				t.Errorf("%d records, %d statuses, %d ignored for %d messages/echoes/calls, %d statuses and %d other changes",
					len(b.Records), len(b.Statuses), len(b.Ignored), comms, sts, others)
			}
			if w.check != nil && !t.Failed() {
				w.check(t, b)
			}
		})
	}
	for name := range table {
		if !seen[name] {
			t.Errorf("%s is in the table but not in %s", name, dir)
		}
	}
}
