package item

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func valid() *Item {
	return &Item{Source: WhatsApp, Kind: Chat, SourceID: "wamid.1", Conversation: Conversation{ID: "c1"},
		From: Participant{Name: "Alice", Phone: "+12025550143"}, To: []Participant{{Phone: "+447700900123"}},
		Time: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Text: "hi"}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Item)
		field string
	}{
		{"ok", func(*Item) {}, ""},
		{"no source", func(it *Item) { it.Source = "" }, "source"},
		{"bad source", func(it *Item) { it.Source = "signal" }, "source"},
		{"bad kind", func(it *Item) { it.Kind = "sticker" }, "kind"},
		{"kind not of source", func(it *Item) { it.Kind = SMS }, "kind"},
		{"recalled is wechat's", func(it *Item) { it.Kind = Recalled }, "kind"},
		{"no source id", func(it *Item) { it.SourceID = " " }, "source_id"},
		{"no conversation", func(it *Item) { it.Conversation.ID = "" }, "conversation.id"},
		{"bad conversation type", func(it *Item) { it.Conversation.Type = "channel" }, "conversation.type"},
		{"no sender", func(it *Item) { it.From = Participant{} }, "from"},
		{"bad phone", func(it *Item) { it.From.Phone = "2025550143" }, "from.phone"},
		{"bad email", func(it *Item) { it.To[0].Email = "not an address" }, "to[0].email"},
		{"empty recipient", func(it *Item) { it.To = append(it.To, Participant{}) }, "to[1]"},
		{"no time", func(it *Item) { it.Time = time.Time{} }, "time"},
		{"bad owner", func(it *Item) { it.Owner = "me" }, "owner"},
		{"call without facts", func(it *Item) { it.Kind = Call }, "call"},
		{"bad direction", func(it *Item) { it.Kind = Call; it.Call = &CallInfo{Direction: "sideways", Status: "completed"} }, "call.direction"},
		{"negative duration", func(it *Item) {
			it.Kind = Call
			it.Call = &CallInfo{Direction: "inbound", Status: "completed", Duration: -1}
		}, "call.duration_seconds"},
		{"recording without audio", func(it *Item) {
			it.Source, it.Kind = EnterpriseNumber, VoiceRecording
			it.Call = &CallInfo{Direction: "inbound", Status: "completed"}
		}, "attachments"},
		{"attachment without bytes", func(it *Item) { it.Attachments = []Attachment{{Name: "a", ContentType: "image/png"}} }, "attachments[0]"},
		{"attachment two sources", func(it *Item) {
			it.Attachments = []Attachment{{Name: "a", ContentType: "image/png", Data: []byte("x"), Path: "a.png"}}
		}, "attachments[0]"},
		{"attachment bad type", func(it *Item) { it.Attachments = []Attachment{{Name: "a", ContentType: "png", Data: []byte("x")}} }, "attachments[0].content_type"},
		{"attachment bad blob", func(it *Item) { it.Attachments = []Attachment{{Name: "a", ContentType: "image/png", Blob: "md5:00"}} }, "attachments[0].blob"},
		{"attachment size mismatch", func(it *Item) {
			it.Attachments = []Attachment{{Name: "a", ContentType: "image/png", Data: []byte("xy"), Size: 3}}
		}, "attachments[0].size"},
		{"original attachment", func(it *Item) {
			it.Kind = Deleted
			it.Original = &Content{Attachments: []Attachment{{Name: "", ContentType: "image/png", Data: []byte("x")}}}
		}, "original.attachments[0].name"},
		{"location without place", func(it *Item) { it.Kind = Location }, "location"},
		{"bad meta key", func(it *Item) { it.Meta = map[string]string{"a b": "x"} }, "meta"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := valid()
			tc.edit(it)
			err := it.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("error %v, want one for field %q", err, tc.field)
			}
		})
	}
}

func TestConversationTypeDefault(t *testing.T) {
	it := valid()
	it.Validate()
	if it.Conversation.Type != Direct {
		t.Fatalf("1:1 became %q", it.Conversation.Type)
	}
	it = valid()
	it.To = append(it.To, Participant{Name: "Carol"})
	it.Validate()
	if it.Conversation.Type != Group {
		t.Fatalf("3 people became %q", it.Conversation.Type)
	}
}

func TestReaderRoundTrip(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	a, c := valid(), valid()
	c.SourceID = "wamid.2"
	c.Attachments = []Attachment{{Name: "x.bin", ContentType: "application/octet-stream", Data: []byte{0, 1, 2}}}
	w.Write(a)
	w.Write(c)
	r := NewReader(strings.NewReader("\ufeff"+b.String()+"\n\n"), "x.jsonl")
	var got []*Item
	for {
		it, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, it)
	}
	if len(got) != 2 || got[1].SourceID != "wamid.2" || string(got[1].Attachments[0].Data) != "\x00\x01\x02" || !got[0].Time.Equal(a.Time) {
		t.Fatalf("read back %+v", got)
	}
}

func TestReaderErrors(t *testing.T) {
	in := strings.Join([]string{
		`{"source":"whatsapp","kind":"chat"`,
		`{"source":"whatsapp"} {"x":1}`,
		`{"source":"whatsapp","kind":"chat","source_id":1}`,
		`{"source":"whatsapp","kind":"chat","source_id":"a","conversation":{"id":"c"},"from":{"name":"x"},"time":"2026-01-01T00:00:00Z"}`,
	}, "\n")
	r := NewReader(strings.NewReader(in), "in.jsonl")
	for _, want := range []string{"in.jsonl:1:", "in.jsonl:2:", `field "source_id"`} {
		_, _, err := r.Next()
		var le *LineError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want a LineError containing %q", err, want)
		}
	}
	if it, line, err := r.Next(); err != nil || line != 4 || it.SourceID != "a" {
		t.Fatalf("reading went wrong after bad lines: %v %d", err, line)
	}
}

// FuzzReader feeds arbitrary bytes to the JSON-lines reader: it must never
// panic, every error must be a LineError with a line number, and every item
// it accepts must pass validation and survive a write/read round trip.
func FuzzReader(f *testing.F) {
	var b strings.Builder
	NewWriter(&b).Write(valid())
	f.Add(b.String())
	f.Add(`{"source":"wechat","kind":"recalled","source_id":"1_2","conversation":{"id":"r","type":"group"},"from":{"id":"u"},"time":"2026-01-01T00:00:00+08:00","refers_to":"0_1","original":{"text":"x"}}`)
	f.Add("{\n}\n[]\n\"x\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		r := NewReader(strings.NewReader(in), "f")
		for i := 0; i < 1000; i++ {
			it, line, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var le *LineError
				if !errors.As(err, &le) || le.Line < 1 || le.Line != line {
					t.Fatalf("error without a line: %v", err)
				}
				continue
			}
			if err := it.Validate(); err != nil {
				t.Fatalf("accepted an invalid item: %v", err)
			}
			var out strings.Builder
			if err := NewWriter(&out).Write(it); err != nil {
				t.Fatal(err)
			}
			if _, _, err := NewReader(strings.NewReader(out.String()), "rt").Next(); err != nil {
				t.Fatalf("written item does not read back: %v\n%s", err, out.String())
			}
		}
	})
}
