package whatsapp

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

const (
	biz = "+15550100123"
	bob = "+447700900123"
	t0  = int64(1772445600) // 2026-03-02T10:00:00Z
)

var bobP = item.Participant{Name: "Bob Chen", Phone: bob}
var bizP = item.Participant{Phone: biz}
var bobConv = item.Conversation{ID: "wa:" + biz + ":" + bob, Name: "Bob Chen", Type: item.Direct}

func at(sec int64) time.Time { return time.Unix(t0+sec, 0).UTC() }

// TestParse reads this package's own payloads (testdata/*.json without
// the bad_ prefix) and checks what each becomes.
func TestParse(t *testing.T) {
	type want struct {
		kinds    []item.Kind
		statuses []string
		ignored  []string
		check    func(t *testing.T, b *Batch)
	}
	table := map[string]want{
		"text.json": {kinds: []item.Kind{item.Chat, item.Chat, item.Chat}, check: func(t *testing.T, b *Batch) {
			it := b.Records[0].Item
			eq(t, "source id", it.SourceID, "wamid.T1")
			eq(t, "from", it.From, bobP)
			eq(t, "to", it.To, []item.Participant{bizP})
			eq(t, "conversation", it.Conversation, bobConv)
			eq(t, "owner", it.Owner, biz)
			eq(t, "time", it.Time, at(0))
			eq(t, "text", it.Text, "Morning, can you send the updated price?")
			eq(t, "meta", it.Meta, map[string]string{"direction": "inbound", "type": "text", "waba-id": "102290129340398", "phone-number-id": "106540352242922"})
			eq(t, "forwarded", [2]string{b.Records[1].Item.Meta["forwarded"], b.Records[1].Item.Meta["frequently-forwarded"]}, [2]string{"true", "true"})
			eq(t, "reply", [2]string{b.Records[2].Item.Meta["reply-to"], b.Records[2].Item.Meta["reply-to-from"]}, [2]string{"wamid.OUT1", "15550100123"})
		}},
		"media.json": {kinds: []item.Kind{item.Media, item.Media, item.Media, item.Media, item.File, item.File, item.Media}, check: func(t *testing.T, b *Batch) {
			texts := []string{"the signed page", "[video]", "[voice message]", "[animated sticker]", "[document contractv2.pdf]", "[document]", "[image]"}
			names := []string{"1001.jpg", "1002.mp4", "1003.ogg", "1004.webp", "contractv2.pdf", "a_b_1006.xlsx", "1007.bin"}
			types := []string{"image/jpeg", "video/mp4", "audio/ogg", "image/webp", "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"}
			for i, rec := range b.Records {
				eq(t, "text", rec.Item.Text, texts[i])
				eq(t, "media", len(rec.Media), 1)
				eq(t, "media id meta", rec.Item.Meta["media-id"], rec.Media[0].ID)
				a := rec.Media[0].Attachment("sha256:"+strings.Repeat("a", 64), 42)
				eq(t, "attachment", a, item.Attachment{Name: names[i], ContentType: types[i], Size: 42, Blob: "sha256:" + strings.Repeat("a", 64)})
				eq(t, "no attachment yet", len(rec.Item.Attachments), 0)
			}
			eq(t, "voice", b.Records[2].Media[0], Media{ID: "1003", Type: "audio", MimeType: "audio/ogg; codecs=opus", Voice: true, Name: "1003.ogg", ContentType: "audio/ogg"})
			eq(t, "animated", b.Records[3].Media[0].Animated, true)
			// The image's checksum is base64 of the SHA-256 of nothing.
			sum, ok := b.Records[0].Media[0].SHA256Hex()
			eq(t, "sha256", [2]any{sum, ok}, [2]any{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", true})
			_, ok = b.Records[1].Media[0].SHA256Hex()
			eq(t, "bad sha256", ok, false)
		}},
		"location_contacts.json": {kinds: []item.Kind{item.Location, item.Location, item.Contact}, check: func(t *testing.T, b *Batch) {
			eq(t, "place", *b.Records[0].Item.Location, item.Place{Latitude: 51.5033, Longitude: -0.1196, Name: "London Eye", Address: "Riverside Building, London SE1 7PB"})
			eq(t, "text", b.Records[0].Item.Text, "London Eye\nRiverside Building, London SE1 7PB")
			eq(t, "null island is a place", *b.Records[1].Item.Location, item.Place{})
			eq(t, "cards", b.Records[2].Item.Text, "Dana Lee\nphone (CELL): +1 310-555-0188, WhatsApp 13105550188\nphone (WORK): +1 310-555-0199\nemail (WORK): dana@example.com\norganisation: Example Corp, Trader\nurl (WORK): https://example.com\naddress (WORK): 1 Main St, Springfield, IL 62701, United States\nbirthday: 1980-02-29\n\nEve")
			eq(t, "count", b.Records[2].Item.Meta["contact-count"], "2")
		}},
		"interactive.json": {kinds: []item.Kind{item.Chat, item.Chat, item.Chat, item.Chat, item.Chat, item.Chat}, check: func(t *testing.T, b *Batch) {
			texts := []string{
				"Yes, confirm",
				"Fund B\nModerate risk",
				"[flow reply kyc] Sent\nname: Bob\namount: 2500\nagree: true\nflow_token: t1",
				"[flow reply] Sent\nresponse: [\"not\", \"an\", \"object\"]",
				"[interactive call_permission_reply]\n{\"response\":\"accept\",\"expiration_timestamp\":1772532000}",
				"Stop promotions",
			}
			for i, rec := range b.Records {
				eq(t, "text", rec.Item.Text, texts[i])
			}
			eq(t, "reply id", b.Records[0].Item.Meta["reply-id"], "yes-1")
			eq(t, "interactive type", b.Records[2].Item.Meta["interactive-type"], "nfm_reply")
			eq(t, "payload", b.Records[5].Item.Meta["button-payload"], "STOP")
		}},
		"reaction.json": {kinds: []item.Kind{item.Reaction, item.Reaction, item.Reaction}, check: func(t *testing.T, b *Batch) {
			eq(t, "emoji", [2]string{b.Records[0].Item.Text, b.Records[0].Item.RefersTo}, [2]string{"👍", "wamid.OUT3"})
			for _, rec := range b.Records[1:] {
				eq(t, "removed", [3]string{rec.Item.Text, rec.Item.Meta["reaction-removed"], rec.Item.RefersTo}, [3]string{"[reaction removed]", "true", "wamid.OUT3"})
			}
		}},
		"edit_revoke.json": {kinds: []item.Kind{item.Edit, item.Edit, item.Deleted}, check: func(t *testing.T, b *Batch) {
			eq(t, "edit", [2]string{b.Records[0].Item.RefersTo, b.Records[0].Item.Text}, [2]string{"wamid.T1", "Morning, can you send the final price?"})
			eq(t, "edited media", b.Records[1].Media, []Media{{ID: "2001", Type: "image", MimeType: "image/jpeg", Name: "2001.jpg", ContentType: "image/jpeg"}})
			eq(t, "edit type", b.Records[1].Item.Meta["edit-type"], "image")
			eq(t, "deleted", b.Records[2].Item.RefersTo, "wamid.T2")
			eq(t, "deleted from", b.Records[2].Item.From, bobP)
		}},
		"unsupported_system.json": {kinds: []item.Kind{item.Chat, item.System, item.System, item.Chat, item.Chat, item.Chat}, check: func(t *testing.T, b *Batch) {
			u := b.Records[0].Item
			eq(t, "unsupported", u.Text, "[unsupported message of type poll: WhatsApp did not deliver its content; 131051 Message type unknown: Message type is currently not supported.]")
			eq(t, "code", u.Meta["error-code"], "131051")
			eq(t, "system", b.Records[1].Item.Text, "Bob changed from 447700900123 to 447700900456")
			eq(t, "new wa id", b.Records[1].Item.Meta["new-wa-id"], "447700900456")
			eq(t, "unknown type kept", b.Records[3].Item.Text, "[ephemeral message]\n{\"kind\":\"view_once\",\"n\":1}")
			eq(t, "order", b.Records[4].Item.Text, "[order from catalog 42]\n2 × BOND-5Y at 99.5 USD\nDeliver Friday")
			eq(t, "referral", b.Records[5].Item.Meta["referral-headline"], "Open an account")
		}},
		"group.json": {kinds: []item.Kind{item.Chat}, check: func(t *testing.T, b *Batch) {
			eq(t, "conversation", b.Records[0].Item.Conversation, item.Conversation{ID: "120363000000000001", Type: item.Group})
			eq(t, "from", b.Records[0].Item.From, bobP)
		}},
		"bsuid.json": {kinds: []item.Kind{item.Chat, item.Chat, item.Chat}, check: func(t *testing.T, b *Batch) {
			it := b.Records[0].Item
			eq(t, "from", it.From, item.Participant{Name: "Sheena Nelson", ID: "US.13491208655302741918"})
			eq(t, "conversation", it.Conversation.ID, "wa:"+biz+":US.13491208655302741918")
			eq(t, "meta", [2]string{it.Meta["customer-username"], it.Meta["customer-parent-user-id"]}, [2]string{"@sheena", "US.ENT.11815799212886844830"})
			eq(t, "bsuid in from", b.Records[1].Item.From, item.Participant{ID: "US.1234"})
			eq(t, "short wa_id", b.Records[2].Item.From, item.Participant{ID: "5678"})
		}},
		"echo.json": {kinds: []item.Kind{item.Chat, item.File}, check: func(t *testing.T, b *Batch) {
			it := b.Records[0].Item
			eq(t, "from", it.From, bizP)
			eq(t, "to", it.To, []item.Participant{bobP})
			eq(t, "conversation", it.Conversation, bobConv)
			eq(t, "direction", it.Meta["direction"], "outbound")
			eq(t, "to bsuid", b.Records[1].Item.To, []item.Participant{{ID: "US.13491208655302741918"}})
			eq(t, "document", b.Records[1].Media[0].Attachment("sha256:"+strings.Repeat("b", 64), 1).Name, "terms.pdf")
			// A Media made by hand, without Name and ContentType, still
			// makes a valid attachment.
			eq(t, "bare media", Media{ID: "9", MimeType: "Image/PNG; x=1"}.Attachment("sha256:"+strings.Repeat("b", 64), 1),
				item.Attachment{Name: "9.png", ContentType: "image/png", Size: 1, Blob: "sha256:" + strings.Repeat("b", 64)})
		}},
		"calls.json": {kinds: []item.Kind{item.Call, item.Call, item.Call}, check: func(t *testing.T, b *Batch) {
			c, term, out := b.Records[0].Item, b.Records[1].Item, b.Records[2].Item
			eq(t, "ids", []string{c.SourceID, term.SourceID, out.SourceID}, []string{"wacid.C1:connect", "wacid.C1:terminate", "wacid.C2:terminate"})
			eq(t, "connect", *c.Call, item.CallInfo{Direction: "inbound", Status: "connecting"})
			eq(t, "connect parties", [2]any{c.From, c.To}, [2]any{bobP, []item.Participant{bizP}})
			eq(t, "terminate", *term.Call, item.CallInfo{Direction: "inbound", Status: "completed", Duration: 285})
			eq(t, "terminate time is the start", term.Time, at(5))
			eq(t, "outbound", *out.Call, item.CallInfo{Direction: "outbound", Status: "failed"})
			eq(t, "outbound parties", [2]any{out.From, out.To}, [2]any{bizP, []item.Participant{bobP}})
			eq(t, "duration unknown", out.Meta["duration-unknown"], "true")
		}},
		"statuses.json": {statuses: []string{"sent", "delivered", "failed", "rejected"}, check: func(t *testing.T, b *Batch) {
			s := b.Statuses[2]
			eq(t, "failed", [4]any{s.MessageID, s.RecipientID, s.Time, s.Errors}, [4]any{"wamid.OUT6", "447700900123", at(3), []string{"131047 Re-engagement message: More than 24 hours have passed since the recipient last replied."}})
			eq(t, "owner", s.Owner, biz)
			eq(t, "call status", [2]string{b.Statuses[3].Type, b.Statuses[3].MessageID}, [2]string{"call", "wacid.C3"})
			if !strings.Contains(string(b.Statuses[0].Raw), `"pricing"`) {
				t.Errorf("raw status lost its pricing: %s", b.Statuses[0].Raw)
			}
		}},
		"updates.json": {kinds: []item.Kind{item.Chat}, ignored: []string{"message_template_status_update", "account_alerts", "messages", "brand_new_field", "history"}, check: func(t *testing.T, b *Batch) {
			eq(t, "template", b.Ignored[0].Reason, "message template status update (event REJECTED, template price_alert): not a communication")
			eq(t, "error", b.Ignored[2].Reason, "platform error, not a communication: 131056 Pair rate limit hit")
			eq(t, "path", b.Ignored[3].Path, "entry[0].changes[3]")
			eq(t, "second entry", b.Records[0].Item.Text, "second entry")
		}},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		if strings.HasPrefix(name, "bad_") {
			continue
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			w, ok := table[name]
			if !ok {
				t.Fatalf("no expectations for %s", name)
			}
			b, err := Parse(readFile(t, path))
			if err != nil {
				t.Fatal(err)
			}
			checkBatch(t, b)
			eq(t, "kinds", kinds(b), w.kinds)
			eq(t, "statuses", statuses(b), w.statuses)
			eq(t, "ignored", ignoredFields(b), w.ignored)
			if w.check != nil && !t.Failed() {
				w.check(t, b)
			}
		})
	}
	for name := range table {
		if !seen[name] {
			t.Errorf("%s is in the table but not in testdata", name)
		}
	}
}

// TestParseErrors checks that bad bodies are rejected whole, with the JSON
// path at fault.
func TestParseErrors(t *testing.T) {
	table := map[string]struct{ path, problem string }{
		"bad_timestamp.json": {"entry[0].changes[1].value.messages[1].timestamp", `"abc" is not epoch seconds`},
		"bad_from.json":      {"entry[0].changes[0].value.messages[0].from", `"bla" is neither a WhatsApp number`},
		"bad_no_from.json":   {"entry[0].changes[0].value.messages[0].from", "missing: neither from nor from_user_id"},
		"bad_object.json":    {"object", `"page" is not "whatsapp_business_account"`},
		"bad_business.json":  {"entry[0].changes[0].value.metadata.display_phone_number", `"<BUSINESS_DISPLAY_PHONE_NUMBER>" is not a phone number`},
		"bad_media_id.json":  {"entry[0].changes[0].value.messages[1].image.id", "missing: the media id"},
		"bad_type.json":      {"entry[0].changes[0].value.messages[0].text", "a JSON string where an object is wanted"},
		"bad_user_id.json":   {"entry[0].changes[0].value.messages[0].from_user_id", `"foo_bar" is not a business-scoped user id`},
		"bad_status.json":    {"entry[0].changes[0].value.statuses[0].status", "missing"},
		"bad_call.json":      {"entry[0].changes[0].value.calls[0].duration", "-5 is not a number of seconds"},
		"bad_json.json":      {"", "not valid JSON (at byte 110)"},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "bad_*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(table) {
		t.Errorf("%d bad_ files, %d in the table", len(files), len(table))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			w, ok := table[name]
			if !ok {
				t.Fatalf("no expectations for %s", name)
			}
			b, err := Parse(readFile(t, path))
			if b != nil {
				t.Errorf("a batch with the error: %+v", b)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			eq(t, "path", pe.Path, w.path)
			if !strings.Contains(pe.Problem, w.problem) {
				t.Errorf("problem %q does not say %q", pe.Problem, w.problem)
			}
			if !strings.HasPrefix(err.Error(), "whatsapp webhook: ") {
				t.Errorf("error %q does not say what it is about", err)
			}
		})
	}
}

// TestParseInline covers small cases without files of their own.
func TestParseInline(t *testing.T) {
	wrap := func(value string) []byte {
		return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":` + value + `}]}]}`)
	}
	meta := `"metadata":{"display_phone_number":"+1 (555) 010-0123","phone_number_id":"9"}`
	tests := []struct {
		name string
		body []byte
		err  string // "" for success
		kind item.Kind
	}{
		{"empty body", []byte(""), "whatsapp webhook: not valid JSON (at byte 0): unexpected end of JSON input", ""},
		{"array", []byte(`[]`), "whatsapp webhook: a JSON array where an object is wanted", ""},
		{"no object", []byte(`{"entry":[]}`), "whatsapp webhook: object: missing", ""},
		{"no entry", []byte(`{"object":"whatsapp_business_account"}`), "whatsapp webhook: entry: missing", ""},
		{"empty entry list", []byte(`{"object":"whatsapp_business_account","entry":[]}`), "", ""},
		{"entry not an object", []byte(`{"object":"whatsapp_business_account","entry":[1]}`), "whatsapp webhook: entry[0]: a JSON number where an object is wanted", ""},
		{"no changes", []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1"}]}`), "whatsapp webhook: entry[0].changes: missing", ""},
		{"no field", []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{}}]}]}`), "whatsapp webhook: entry[0].changes[0].field: missing", ""},
		{"messages without value", []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages"}]}]}`), "whatsapp webhook: entry[0].changes[0].value: missing", ""},
		{"messages without metadata", wrap(`{"messages":[{"from":"447700900123","id":"w","timestamp":"1772445600","type":"text","text":{"body":"x"}}]}`), "whatsapp webhook: entry[0].changes[0].value.metadata.display_phone_number: missing", ""},
		{"statuses without business number", wrap(`{"metadata":{"phone_number_id":"9"},"statuses":[{"id":"w","status":"read","timestamp":"1772445600"}]}`), "", ""},
		{"formatted business number", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"w","timestamp":"1772445600","type":"text","text":{"body":"x"}}]}`), "", item.Chat},
		{"numeric timestamp", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"w","timestamp":1772445600,"type":"text","text":{"body":"x"}}]}`), "", item.Chat},
		{"zero timestamp", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"w","timestamp":"0","type":"text","text":{"body":"x"}}]}`), `whatsapp webhook: entry[0].changes[0].value.messages[0].timestamp: "0" is not epoch seconds`, ""},
		{"no id", wrap(`{` + meta + `,"messages":[{"from":"447700900123","timestamp":"1772445600","type":"text","text":{"body":"x"}}]}`), "whatsapp webhook: entry[0].changes[0].value.messages[0].id: missing", ""},
		{"long id", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"` + strings.Repeat("w", 513) + `","timestamp":"1772445600","type":"text","text":{"body":"x"}}]}`), "whatsapp webhook: entry[0].changes[0].value.messages[0].id: longer than 512 bytes", ""},
		{"no type", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"w","timestamp":"1772445600","text":{"body":"x"}}]}`), "whatsapp webhook: entry[0].changes[0].value.messages[0].type: missing", ""},
		{"type without object", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"w","timestamp":"1772445600","type":"image"}]}`), `whatsapp webhook: entry[0].changes[0].value.messages[0].image: missing: a image message has its "image" object`, ""},
		{"location without latitude", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"w","timestamp":"1772445600","type":"location","location":{"longitude":1}}]}`), "whatsapp webhook: entry[0].changes[0].value.messages[0].location.latitude: missing", ""},
		{"reaction without message", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"w","timestamp":"1772445600","type":"reaction","reaction":{"emoji":"x"}}]}`), "whatsapp webhook: entry[0].changes[0].value.messages[0].reaction.message_id: missing", ""},
		{"revoke without original", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"w","timestamp":"1772445600","type":"revoke","revoke":{}}]}`), "whatsapp webhook: entry[0].changes[0].value.messages[0].revoke.original_message_id: missing", ""},
		{"edit of an edit", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"w","timestamp":"1772445600","type":"edit","edit":{"original_message_id":"o","message":{"type":"edit","edit":{"original_message_id":"p","message":{"type":"text","text":{"body":"x"}}}}}}]}`), "whatsapp webhook: entry[0].changes[0].value.messages[0].edit.message.type: an edit cannot be the new content of an edit", ""},
		{"edit to a reaction", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"w","timestamp":"1772445600","type":"edit","edit":{"original_message_id":"o","message":{"type":"reaction","reaction":{"message_id":"m","emoji":"x"}}}}]}`), "whatsapp webhook: entry[0].changes[0].value.messages[0].edit.message.type: a reaction cannot be the new content of an edit", ""},
		{"blank group", wrap(`{` + meta + `,"messages":[{"from":"447700900123","group_id":" ","id":"w","timestamp":"1772445600","type":"text","text":{"body":"x"}}]}`), "whatsapp webhook: entry[0].changes[0].value.messages[0].group_id: empty", ""},
		{"unsupported with text", wrap(`{` + meta + `,"messages":[{"from":"447700900123","id":"w","timestamp":"1772445600","type":"unsupported","text":{"body":"hello"},"errors":[{"code":131051,"details":"Message type is not currently supported","title":"Unsupported message type"}]}]}`), "", item.Chat},
		{"echo from a placeholder", wrap(`{` + meta + `,"message_echoes":[{"from":"<BUSINESS_DISPLAY_PHONE_NUMBER>","to":"447700900123","id":"w","timestamp":"1772445600","type":"text","text":{"body":"x"}}]}`), `whatsapp webhook: entry[0].changes[0].value.message_echoes[0].from: "<BUSINESS_DISPLAY_PHONE_NUMBER>" is not a phone number`, ""},
		{"call without event", wrap(`{` + meta + `,"calls":[{"id":"c","from":"447700900123","to":"15550100123","timestamp":"1772445600"}]}`), "whatsapp webhook: entry[0].changes[0].value.calls[0].event: missing", ""},
		{"call odd direction", wrap(`{` + meta + `,"calls":[{"id":"c","from":"447700900123","to":"15550100123","event":"connect","direction":"SIDEWAYS","timestamp":"1772445600"}]}`), `whatsapp webhook: entry[0].changes[0].value.calls[0].direction: "SIDEWAYS" is neither`, ""},
		{"call end before start", wrap(`{` + meta + `,"calls":[{"id":"c","from":"447700900123","to":"15550100123","event":"terminate","direction":"USER_INITIATED","timestamp":"1772445600","start_time":"1772445600","end_time":"1772445500"}]}`), "whatsapp webhook: entry[0].changes[0].value.calls[0].end_time: before start_time", ""},
		{"status without id", wrap(`{` + meta + `,"statuses":[{"status":"sent","timestamp":"1772445600"}]}`), "whatsapp webhook: entry[0].changes[0].value.statuses[0].id: missing", ""},
		{"trailing data", append(wrap(`{}`), '{'), "whatsapp webhook: not valid JSON (at byte", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Parse(tt.body)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("error %v, want one starting %q", err, tt.err)
				}
				if b != nil {
					t.Fatal("a batch with the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkBatch(t, b)
			if tt.kind != "" {
				eq(t, "kind", kinds(b), []item.Kind{tt.kind})
			}
		})
	}
}

// TestParseDeterministic parses every own payload twice and compares.
func TestParseDeterministic(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, path := range files {
		data := readFile(t, path)
		a, errA := Parse(data)
		b, errB := Parse(data)
		if !reflect.DeepEqual(a, b) || (errA == nil) != (errB == nil) {
			t.Errorf("%s: two parses differ", path)
		}
	}
}

// TestBusinessPhone covers the normalisation of the business number.
func TestBusinessPhone(t *testing.T) {
	for in, want := range map[string]string{
		"15550783881":                     "+15550783881",
		"+250 788 123 200":                "+250788123200",
		"+1 (555) 010-0123":               "+15550100123",
		" 44.7700.900123 ":                "+447700900123",
		"1111111111111":                   "+1111111111111",
		"0123456":                         "",
		"12345":                           "",
		"1+2345678":                       "",
		"<BUSINESS_DISPLAY_PHONE_NUMBER>": "",
		"":                                "",
	} {
		got, ok := businessPhone(in)
		if !ok {
			got = ""
		}
		eq(t, in, got, want)
	}
}

func TestIsBSUID(t *testing.T) {
	for in, want := range map[string]bool{
		"US.13491208655302741918": true, "US.ENT.11815799212886844830": true, "user.abcde12345": true, "US.1234": true,
		"foo_bar": false, "bla": false, "US.": false, ".1234": false, "12.34": false, "US..1": false, "US.12 3": false,
	} {
		eq(t, in, isBSUID(in), want)
	}
}
