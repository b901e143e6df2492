package whatsapp

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics; that an error is a
// *ParseError saying what is wrong, with no batch; that every batch it
// returns has items that pass item.Validate and media that make valid
// attachments; and that it is deterministic. The seed corpus is this
// package's payloads (testdata/*.json) and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := Parse(body)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Problem == "" {
				t.Fatalf("error %T %q is not a *ParseError saying what is wrong", err, err)
			}
			if b != nil {
				t.Fatal("a batch and an error")
			}
			return
		}
		checkBatch(t, b)
		again, err := Parse(body)
		if err != nil || !reflect.DeepEqual(b, again) {
			t.Fatalf("a second parse differs: %v", err)
		}
	})
}

// FuzzParseMessage builds well-formed bodies around fuzzed values — the
// business number, the sender, the ids, the type and its object — so that
// the fuzzer explores the reading of messages rather than JSON syntax. The
// same properties as FuzzParse hold.
func FuzzParseMessage(f *testing.F) {
	f.Add("15550100123", "447700900123", "", "wamid.1", "1772445600", "text", `{"body":"hi"}`, "", false)
	f.Add("+250 788 123 200", "5678", "US.1234", "external_id", "1454119029", "image", `{"id":"1","mime_type":"image/jpeg","caption":"c"}`, "", false)
	f.Add("15550100123", "", "US.13491208655302741918", "w", "1", "document", `{"id":"a/b","filename":"..\\x.pdf","mime_type":"application/pdf; q=1"}`, "g", false)
	f.Add("15550100123", "447700900123", "", "w", "1772445600", "edit", `{"original_message_id":"o","message":{"type":"video","video":{"id":"2"}}}`, "", true)
	f.Add("15550100123", "447700900123", "", "w", "1772445600", "interactive", `{"type":"nfm_reply","nfm_reply":{"response_json":"{\"a\":1}"}}`, "", false)
	f.Add("15550100123", "447700900123", "", "w", "1772445600", "reaction", `{"message_id":"m","emoji":""}`, "", true)
	f.Add("15550100123", "447700900123", "", "w", "1772445600", "location", `{"latitude":1e308,"longitude":-0}`, "", false)
	f.Add("15550100123", "447700900123", "", "w", "1772445600", "contacts", `[{"name":{"first_name":"A"},"phones":[{"phone":"1"}]}]`, "", false)
	f.Add("15550100123", "447700900123", "", "wacid.1", "1772445600", "terminate", `{"status":"COMPLETED","duration":5}`, "", false)
	f.Fuzz(func(t *testing.T, business, from, userID, id, timestamp, typ, object, group string, echo bool) {
		var obj json.RawMessage
		if json.Unmarshal([]byte(object), &obj) != nil {
			obj = json.RawMessage(`null`)
		}
		msg := map[string]any{"id": id, "timestamp": timestamp, "type": typ, typ: obj}
		if from != "" {
			msg["from"] = from
		}
		if userID != "" {
			msg["from_user_id"] = userID
		}
		if group != "" {
			msg["group_id"] = group
		}
		key := "messages"
		if echo {
			key = "message_echoes"
			msg["from"], msg["to"], msg["to_user_id"] = business, from, userID
		}
		value := map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": business, "phone_number_id": "1"},
			"contacts":          []any{map[string]any{"profile": map[string]any{"name": "N"}, "wa_id": from, "user_id": userID}},
			key:                 []any{msg},
		}
		if typ == "connect" || typ == "terminate" {
			// A call: the object's members are the call's.
			var call map[string]any
			json.Unmarshal(obj, &call)
			if call == nil {
				call = map[string]any{}
			}
			call["id"], call["event"], call["timestamp"], call["from"], call["to"] = id, typ, timestamp, from, business
			value = map[string]any{"metadata": value["metadata"], "calls": []any{call}}
		}
		body, err := json.Marshal(map[string]any{"object": Object, "entry": []any{map[string]any{"id": "1", "changes": []any{map[string]any{"field": "messages", "value": value}}}}})
		if err != nil {
			t.Skip()
		}
		b, err := Parse(body)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Problem == "" {
				t.Fatalf("error %T %q is not a *ParseError saying what is wrong", err, err)
			}
			return
		}
		checkBatch(t, b)
		if len(b.Records) != 1 {
			t.Fatalf("%d records for one message", len(b.Records))
		}
	})
}
