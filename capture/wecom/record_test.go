package wecom

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

// parse reads a fixture with ParseRecord and checks the item validates.
func parse(t *testing.T, path string, o Options) *Record {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ParseRecord(raw, o)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	checkRecord(t, rec)
	return rec
}

// checkRecord checks what holds for every record: the item validates and
// marshals, and every Media can become a valid attachment.
func checkRecord(t testing.TB, rec *Record) {
	t.Helper()
	if err := rec.Item.Validate(); err != nil {
		t.Fatalf("item %s does not validate: %v", rec.Item.SourceID, err)
	}
	if _, err := json.Marshal(rec.Item); err != nil {
		t.Fatalf("item %s does not marshal: %v", rec.Item.SourceID, err)
	}
	if rec.Item.Source != item.WeChat {
		t.Fatalf("source %q", rec.Item.Source)
	}
	for i, m := range rec.Media {
		if m.SDKFileID == "" {
			t.Fatalf("media %d without sdkfileid", i)
		}
		it := *rec.Item
		a := m.Attachment()
		a.Blob = "sha256:" + strings.Repeat("0", 64)
		it.Attachments = []item.Attachment{a}
		if err := it.Validate(); err != nil {
			t.Fatalf("media %d %+v does not make a valid attachment: %v", i, m, err)
		}
	}
}

// TestFixtures reads this package's own fixtures, one record each.
func TestFixtures(t *testing.T) {
	names := Options{Names: map[string]string{"alice.martin": "Alice Martin", "bob.chen": "Bob Chen"}}
	tests := []struct {
		file  string
		kind  item.Kind
		text  string // the item's text, or a prefix of it ending in "…"
		media []Media
		check func(t *testing.T, rec *Record)
	}{
		{file: "text_external.json", kind: item.Chat, text: "Hello Alice, 价格表请查收 👋\nsecond line", check: func(t *testing.T, rec *Record) {
			it := rec.Item
			eq(t, "From", it.From, item.Participant{ID: "wmX1AbCDEFghIJklMNopQRstUVwxYZ01"})
			eq(t, "To with name", it.To, []item.Participant{{ID: "alice.martin", Name: "Alice Martin"}})
			eq(t, "conversation", it.Conversation, item.Conversation{ID: "alice.martin,wmX1AbCDEFghIJklMNopQRstUVwxYZ01", Type: item.Direct})
			eq(t, "time", it.Time, time.UnixMilli(1772445600123).UTC())
		}},
		{file: "image_msgtime_zero.json", kind: item.Media, text: "[image, 1024 bytes]",
			media: []Media{{SDKFileID: "Q0FRUS1pbWFnZS1zZGtmaWxlaWQtZm9yLXRlc3Rz", Name: "0f343b0931126a20f133d67c2b018a3b.jpg", ContentType: "image/jpeg", Size: 1024, MD5: "0f343b0931126a20f133d67c2b018a3b"}},
			check: func(t *testing.T, rec *Record) {
				eq(t, "time from the msgid", rec.Item.Time, time.Unix(1772445601, 0).UTC())
				eq(t, "said so", rec.Item.Meta["time-unknown"], "msgtime is 0; the time is the msgid's")
			}},
		{file: "disagree.json", kind: item.System, text: "wmCustomer0000000000000000000001 refused the archiving of this conversation", check: func(t *testing.T, rec *Record) {
			eq(t, "disagree-time", rec.Item.Meta["disagree-time"], "2026-03-02T10:00:02Z")
		}},
		{file: "collect_bigint.json", kind: item.Chat, text: "[form] Lunch order\ngroup: Trading desk\ncreated by: alice.martin\ncreated: 2026-03-02 18:00:03\n- Dish (Text)\n- Count (Number)", check: func(t *testing.T, rec *Record) {
			eq(t, "group", rec.Item.Conversation, item.Conversation{ID: "wrGroupRoom000000000000000000001", Type: item.Group})
			eq(t, "a phone number in tolist stays an ID", rec.Item.To[1], item.Participant{ID: "13800138000"})
		}},
		{file: "meeting_bigint.json", kind: item.Chat, text: "[meeting invitation] Quarterly review\nfrom: 2026-03-02 11:00 UTC\nto: 2026-03-02 12:00 UTC\naddress: Room 3\nmeeting id: 11101571002822706744"},
		{file: "voip_doc_share_bigsize.json", kind: item.File, text: "[file shared in a voice call: Q1 report.pdf, 18446744073709551615 bytes]",
			media: []Media{{SDKFileID: "Q0FRUS12b2lwLWRvYy1zaGFyZQ==", Name: "Q1 report.pdf", ContentType: "application/pdf", MD5: "9e107d9d372bb6826bd81d3542a419d6"}},
			check: func(t *testing.T, rec *Record) {
				eq(t, "size beyond int64 kept as written", rec.Item.Meta["filesize"], "18446744073709551615")
				eq(t, "voipid", rec.Item.Meta["voipid"], "gr0123456789abcdef0123456789abcdef")
				eq(t, "no roomid: direct", rec.Item.Conversation.Type, item.Direct)
			}},
		{file: "voiptext.json", kind: item.Call, text: "[video call, 1h2m5s]", check: func(t *testing.T, rec *Record) {
			eq(t, "call", *rec.Item.Call, item.CallInfo{Direction: "outbound", Status: "completed", Duration: 3725, Video: true})
		}},
		{file: "chatrecord_types.json", kind: item.Chat,
			text: "[chat history] Chat history of Carol and Dan\n" +
				"2026-03-02 08:26:40 UTC Can we close at 101.5?\n" +
				"2026-03-02 08:26:50 UTC [image, 2048 bytes]\n" +
				"2026-03-02 08:27:00 UTC [file term sheet.xlsx, 4096 bytes]\n" +
				"2026-03-02 08:27:10 UTC [link] Rates\nToday\nhttps://rates.example/today\n" +
				"2026-03-02 08:27:20 UTC [location] Head office\n1 Main St\n" +
				"2026-03-02 08:27:30 UTC [video, not archived: no sdkfileid]\n" +
				"2026-03-02 08:27:40 UTC [futuretype] {\"whatever\":[1,2]}\n" +
				"2026-03-02 08:27:50 UTC plain, not JSON",
			media: []Media{
				{SDKFileID: "Q0FRUS1jaGF0cmVjb3JkLWltYWdl", Name: "aa11bb22cc33dd44ee55ff6677889900.jpg", ContentType: "image/jpeg", Size: 2048, MD5: "aa11bb22cc33dd44ee55ff6677889900"},
				{SDKFileID: "Q0FRUS1jaGF0cmVjb3JkLWZpbGU=", Name: "term sheet.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Size: 4096, MD5: "bb"},
			}},
		{file: "mixed_parts.json", kind: item.Chat, text: "See the chart and the deck\n[sticker, 120×80, 3000 bytes]\n[file deck.pptx, 70000 bytes]\nThanks",
			media: []Media{
				{SDKFileID: "Q0FRUS1taXhlZC1lbW90aW9u", Name: "dd44.png", ContentType: "image/png", Size: 3000, MD5: "dd44"},
				{SDKFileID: "Q0FRUS1taXhlZC1maWxl", Name: "deck.pptx", ContentType: "application/vnd.openxmlformats-officedocument.presentationml.presentation", Size: 70000, MD5: "ee55"},
			}},
		{file: "redpacket.json", kind: item.Chat, text: "[lucky red packet] Happy new year\ntotal: 88.88 CNY\npackets: 3"},
		{file: "external_redpacket.json", kind: item.Chat, text: "[red packet] Thanks\ntotal: 0.20 CNY\npackets: 2"},
		{file: "calendar.json", kind: item.Chat, text: "[calendar] Client call\norganiser: Alice Martin\nattendees: Bob Chen, Carol Wu\nfrom: 2026-03-02 13:00 UTC\nto: 2026-03-02 14:00 UTC\nremarks: bring the deck"},
		{file: "docmsg.json", kind: item.Chat, text: "[document] Pricing & terms\nhttps://doc.weixin.qq.com/txdoc/excel?docid=abc\ncreated by: alice.martin"},
		{file: "sphfeed.json", kind: item.Chat, text: "[Channels video] Market notes\nWeekly outlook\n#markets"},
		{file: "todo.json", kind: item.Chat, text: "[to-do] Send the contract\nbefore Friday"},
		{file: "vote.json", kind: item.Chat, text: "[vote created] Offsite venue\n- Lake\n- City"},
		{file: "qydiskfile.json", kind: item.Chat, text: "[WeDrive file] Q1 numbers.xlsx"},
		{file: "unknown_type.json", kind: item.Chat, text: `[hologram] {"title":"A type from the future","size":12}`},
		{file: "unknown_type_other_key.json", kind: item.Chat, text: `[note] {"info":{"content":"a note"}}`},
		{file: "robot_markdown.json", kind: item.Chat, text: "**Alert**: price moved", check: func(t *testing.T, rec *Record) {
			eq(t, "robot From", rec.Item.From, item.Participant{ID: "wbRobot00000000000000000000001"})
			eq(t, "format", rec.Item.Meta["format"], "markdown")
		}},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	tested := map[string]bool{}
	for _, tc := range tests {
		tested[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			rec := parse(t, filepath.Join("testdata", tc.file), names)
			eq(t, "kind", rec.Item.Kind, tc.kind)
			if prefix, ok := strings.CutSuffix(tc.text, "…"); ok {
				if !strings.HasPrefix(rec.Item.Text, prefix) {
					t.Errorf("text %q, want it to start with %q", rec.Item.Text, prefix)
				}
			} else {
				eq(t, "text", rec.Item.Text, tc.text)
			}
			eq(t, "media", rec.Media, tc.media)
			eq(t, "msgtype in meta", rec.Item.Meta["msgtype"] != "", true)
			if tc.check != nil {
				tc.check(t, rec)
			}
		})
	}
	for _, f := range files {
		if !tested[filepath.Base(f)] {
			t.Errorf("fixture %s has no test", f)
		}
	}
}

// TestParseRecordErrors checks that a bad record is an error naming the
// field that is wrong.
func TestParseRecordErrors(t *testing.T) {
	const ok = `"msgid":"m1","action":"send","from":"a","tolist":["b"],"roomid":"","msgtime":1772445600000`
	tests := []struct{ raw, field, problem string }{
		{``, "", "not a JSON object"},
		{`[]`, "", "not a JSON object"},
		{`{"msgid":`, "", "not valid JSON"},
		{`{"msgid":"m1"} {}`, "", "not valid JSON"},
		{"{\"msgid\":\"m\xff\"}", "", "not valid UTF-8"},
		{`{"action":"send","from":"a","msgtime":1,"msgtype":"text","text":{"content":"x"}}`, "msgid", "missing"},
		{`{"msgid":"  ","from":"a"}`, "msgid", "missing"},
		{`{"msgid":12,"from":"a"}`, "msgid", "a JSON number where a string is wanted"},
		{`{"msgid":"m1","from":"a","tolist":"b","msgtime":1,"msgtype":"text","text":{"content":"x"}}`, "tolist", "a JSON string where an array is wanted"},
		{`{"msgid":"m1","from":"a","tolist":[1],"msgtime":1,"msgtype":"text","text":{"content":"x"}}`, "tolist", "a JSON number where a string is wanted"},
		{`{"msgid":"m1","tolist":["b"],"msgtime":1,"msgtype":"text","text":{"content":"x"}}`, "from", "missing"},
		{`{"msgid":"m1","from":"a","msgtype":"text","text":{"content":"x"}}`, "msgtime", "missing"},
		{`{"msgid":"m1","from":"a","msgtime":"abc","msgtype":"text","text":{"content":"x"}}`, "msgtime", "not a number"},
		{`{"msgid":"m1","from":"a","msgtime":-5,"msgtype":"text","text":{"content":"x"}}`, "msgtime", "-5 is not a time in epoch milliseconds"},
		{`{"msgid":"m1","from":"a","msgtime":1.5,"msgtype":"text","text":{"content":"x"}}`, "msgtime", "1.5 is not a time in epoch milliseconds"},
		{`{"msgid":"m1","from":"a","msgtime":11101571002822706744,"msgtype":"text","text":{"content":"x"}}`, "msgtime", "is not a time"},
		{`{` + ok + `}`, "msgtype", "missing"},
		{`{` + ok + `,"msgtype":"text"}`, "text", `missing: a text record has its "text" object`},
		{`{` + ok + `,"msgtype":"text","text":{"content":5}}`, "text.content", "a JSON number where a string is wanted"},
		{`{` + ok + `,"msgtype":"markdown","text":{"content":"x"}}`, "info", "missing"},
		{`{` + ok + `,"msgtype":"image","image":{"md5sum":"x","filesize":1}}`, "image.sdkfileid", "missing"},
		{`{` + ok + `,"msgtype":"image","image":{"sdkfileid":"s","filesize":"big"}}`, "image", "not a number"},
		{`{` + ok + `,"msgtype":"location","location":{"latitude":95,"longitude":1}}`, "location.latitude", "95 is not between -90 and 90"},
		{`{` + ok + `,"msgtype":"location","location":{"latitude":1}}`, "location.longitude", "missing"},
		{`{` + ok + `,"msgtype":"revoke","revoke":{}}`, "revoke.pre_msgid", "missing"},
		{`{"msgid":"m1","action":"recall","from":"a","msgtime":1,"msgtype":"revoke"}`, "revoke", "missing"},
		{`{` + ok + `,"msgtype":"voiptext","voiptext":{"callduration":-1}}`, "voiptext.callduration", "not a number of seconds"},
		{`{` + ok + `,"msgtype":"meeting_voice_call","meeting_voice_call":{"endtime":-1}}`, "meeting_voice_call.endtime", "not a time in epoch seconds"},
		{`{` + ok + `,"msgtype":"mixed","mixed":{"item":[{"type":"image","content":"{\"sdkfileid\":5}"}]}}`, "mixed.item[0].content.sdkfileid", "a JSON number where a string is wanted"},
		{`{"msgid":"m1","action":"switch","time":1}`, "user", "missing"},
		{`{"msgid":"m1","action":"switch","user":"u"}`, "time", "missing"},
		{`{"msgid":"` + strings.Repeat("x", 513) + `","from":"a"}`, "msgid", "longer than 512 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.field+" "+tc.problem, func(t *testing.T) {
			rec, err := ParseRecord([]byte(tc.raw), Options{})
			if err == nil {
				t.Fatalf("no error for %s: %+v", tc.raw, rec.Item)
			}
			var re *RecordError
			if !errors.As(err, &re) {
				t.Fatalf("%T is not a *RecordError: %v", err, err)
			}
			if re.Field != tc.field || !strings.Contains(re.Problem, tc.problem) {
				t.Errorf("error %q: field %q problem %q, want field %q problem containing %q", err, re.Field, re.Problem, tc.field, tc.problem)
			}
			if !strings.HasPrefix(err.Error(), "wecom record") {
				t.Errorf("error %q does not say what was read", err)
			}
		})
	}
}

// TestRecordErrorText checks the text of an error.
func TestRecordErrorText(t *testing.T) {
	_, err := ParseRecord([]byte(`{"msgid":"m1","from":"a","msgtime":"abc","msgtype":"text"}`), Options{})
	eq(t, "error", fmt.Sprint(err), `wecom record "m1": msgtime: not a number: invalid number literal, trying to unmarshal "\"abc\"" into Number`)
}

// TestRecall checks a recall refers to the recalled message.
func TestRecall(t *testing.T) {
	rec, err := ParseRecord([]byte(`{"msgid":"r1","action":"recall","from":"a","tolist":["b"],"msgtime":1772445600000,"msgtype":"revoke","revoke":{"pre_msgid":"m0"}}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkRecord(t, rec)
	eq(t, "kind", rec.Item.Kind, item.Recalled)
	eq(t, "refers to", rec.Item.RefersTo, "m0")
}

// eq is a tiny assertion helper.
func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if g, w := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}
