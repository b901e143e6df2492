package twilio

import (
	"errors"
	"github.com/custos-archive/custos/internal/sharedtest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-archive/custos/item"
)

// sharedDir returns the shared samples of this format, or skips the test.
func sharedDir(t *testing.T) string { return sharedtest.Dir(t, "twilio-webhook") }

// parseAny parses a webhook with the parser its parameters call for: a
// recording (RecordingSid), a call (CallSid) or a message.
func parseAny(form url.Values, o Options) (*Record, *Status, error) {
	switch {
	case form.Has("RecordingSid") && !form.Has("CallStatus"):
		return ParseRecording(form, RecordingOptions{Options: o})
	case form.Has("CallSid"):
		return ParseCallStatus(form, o)
	}
	return ParseMessage(form, o)
}

// TestSharedSamples reads every form body of the shared Twilio samples
// (courier's test strings, byte-exact: AccountSid "acctid", media URLs
// "cat.jpg") and checks the outcome each file should have, written by
// reading it. The organisation's numbers are the samples' own
// (+12028831111 and the short code 384387). A sample this table does not
// know — the acceptance set has more — is parsed all the same and must
// keep the package's invariants; its outcome is logged.
func TestSharedSamples(t *testing.T) {
	dir := sharedDir(t)
	const (
		sid     = "SMe287d7109a5a925f182f0e07fe5b223b"
		ourNum  = "+12028831111"
		theirs  = "+14133881111"
		convSMS = ourNum + "/" + theirs
		convWA  = "whatsapp:" + ourNum + "/whatsapp:" + theirs
	)
	type want struct {
		kind   item.Kind // for a record
		id     string    // SourceID or Status.SID
		conv   string
		text   string
		media  []Media
		status string // for a Status
		code   string // Status.ErrorCode
		meta   map[string]string
		param  string // for an error
	}
	catDog := []Media{{URL: "cat.jpg", ContentType: "image/jpeg", Name: "cat.jpg"}, {URL: "dog.jpg", ContentType: "image/jpeg", Name: "dog.jpg"}}
	table := map[string]want{
		// An MMS without a Body key: the text says what it carries.
		"courier_receiveMedia.form.txt": {kind: item.MMS, id: sid, conv: convSMS,
			text: "[media: cat.jpg (image/jpeg), dog.jpg (image/jpeg)]", media: catDog},
		"courier_receiveMediaWithMsg.form.txt": {kind: item.MMS, id: sid, conv: convSMS, text: "Msg", media: catDog},
		"courier_receiveValid.form.txt": {kind: item.SMS, id: sid, conv: convSMS, text: "Msg",
			meta: map[string]string{"direction": "inbound", "status": "received", "account-sid": "acctid", "from-city": "CHICOPEE", "to-state": "District Of Columbia"}},
		"courier_statusRead.form.txt":  {id: sid, status: "read"},
		"courier_statusStop.form.txt":  {id: sid, status: "failed", code: "21610"},
		"courier_statusValid.form.txt": {id: sid, status: "delivered"},
		// To the short code 384387: no E.164 owner, the code is the id.
		"courier_tmsReceiveExtra.form.txt": {kind: item.SMS, id: "SMbbf29aeb9d380ce2a1c0ae4635ff9dab", conv: "384387/" + theirs, text: "John Cruz",
			meta: map[string]string{"from-city": "RALEIGH"}},
		"courier_waReceiveBSUIDValid.form.txt": {kind: item.Chat, id: sid, conv: convWA, text: "Msg",
			meta: map[string]string{"channel": "whatsapp", "external-user-id": "whatsapp:US.1234"}},
		"courier_waReceiveButtonValid.form.txt": {kind: item.Chat, id: sid, conv: convWA, text: "Msg",
			meta: map[string]string{"channel": "whatsapp", "button-text": "Confirm"}},
		// Despite its name, no whatsapp: prefix anywhere: an SMS.
		"courier_waReceivePrefixlessURN.form.txt": {kind: item.SMS, id: "SM681a1f26d9ec591431ce406e8f399525", conv: convSMS, text: "Msg"},
		"courier_waReceiveValid.form.txt":         {kind: item.Chat, id: sid, conv: convWA, text: "Msg", meta: map[string]string{"channel": "whatsapp"}},
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".form.txt") {
			continue
		}
		seen++
		t.Run(name, func(t *testing.T) {
			form := readForm(t, filepath.Join(dir, name))
			rec, st, err := parseAny(form, testOptions())
			checkResult(t, rec, st, err)
			w, known := table[name]
			if !known {
				switch {
				case err != nil:
					t.Logf("not in the table; error: %v", err)
				case st != nil:
					t.Logf("not in the table; status %s %s of %s", st.Resource, st.Status, st.SID)
				default:
					t.Logf("not in the table; %s %s in %s: %q", rec.Item.Kind, rec.Item.SourceID, rec.Item.Conversation.ID, rec.Item.Text)
				}
				return
			}
			switch {
			case w.param != "":
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Param != w.param {
					t.Fatalf("want an error naming %s, got %v", w.param, err)
				}
			case w.status != "":
				if st == nil {
					t.Fatalf("want a status, got %v %v", rec, err)
				}
				eq(t, "status", [4]string{string(st.Resource), st.SID, st.Status, st.ErrorCode}, [4]string{"message", w.id, w.status, w.code})
			default:
				if rec == nil {
					t.Fatalf("want a record, got %v %v", st, err)
				}
				it := rec.Item
				eq(t, "kind", it.Kind, w.kind)
				eq(t, "source id", it.SourceID, w.id)
				eq(t, "conversation", it.Conversation.ID, w.conv)
				eq(t, "from", it.From.Phone, theirs)
				eq(t, "text", it.Text, w.text)
				eq(t, "media", rec.Media, w.media)
				for k, v := range w.meta {
					eq(t, "meta "+k, it.Meta[k], v)
				}
				if w.kind == item.Chat && it.Meta["channel"] != "whatsapp" {
					t.Errorf("a chat not marked as a whatsapp channel message: %v", it.Meta)
				}
			}
		})
	}
	if seen < len(table) {
		t.Errorf("%d samples in %s, the table expects %d", seen, dir, len(table))
	}
}
