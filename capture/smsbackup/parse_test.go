package smsbackup

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

const owner = "+12025550100"

// TestFixtures parses each of this package's own fixtures and checks the
// counts, the accounting of every element and a few fields per file.
func TestFixtures(t *testing.T) {
	tests := []struct {
		file                    string
		sms, mms, calls         int
		dupes, rejected, unfini int
		err                     string // substring of the error, "" for none
		check                   func(t *testing.T, items []*item.Item, st Stats)
	}{
		{file: "sms_types.xml", sms: 8, check: func(t *testing.T, items []*item.Item, st Stats) {
			in := items[0]
			eq(t, "received From", in.From, item.Participant{Name: "Alice Martin", Phone: "+12025550143"})
			eq(t, "received To", in.To, []item.Participant{{Name: "Owner", Phone: owner}})
			eq(t, "text with &#10; and an emoji", in.Text, "Morning, can you send the updated price?\nThanks 🌍")
			eq(t, "time", in.Time, time.Date(2026, 3, 2, 10, 0, 0, 123e6, time.UTC))
			eq(t, "date-sent", in.Meta["date-sent"], "2026-03-02T09:59:59Z")
			eq(t, "conversation", in.Conversation, item.Conversation{ID: "+12025550100,+12025550143", Name: "Alice Martin", Type: item.Direct})
			sent := items[1]
			eq(t, "sent From", sent.From.Phone, owner)
			eq(t, "sent subject", sent.Meta["subject"], "Re: price")
			eq(t, "sent delivery", sent.Meta["delivery"], "complete")
			for i, status := range []string{"received", "sent", "draft", "outbox", "failed", "queued", "received", "sent"} {
				eq(t, fmt.Sprintf("item %d status", i), items[i].Meta["status"], status)
			}
			draft := items[2]
			eq(t, "national number as ID", draft.To, []item.Participant{{ID: "2025550188"}})
			eq(t, "raw address", draft.Meta["address"], "(202) 555-0188")
			code := items[6]
			eq(t, "date in seconds", code.Time, time.Date(2026, 3, 2, 10, 8, 20, 0, time.UTC))
			eq(t, "short code", code.From, item.Participant{ID: "72975"})
			group := items[7]
			eq(t, "group sms type", group.Conversation.Type, item.Group)
			eq(t, "group sms name", group.Conversation.Name, "Alice Martin, Bob Chen")
			eq(t, "group sms To", group.To, []item.Participant{{Phone: "+12025550143"}, {Phone: "+447700900123"}})
		}},
		{file: "mms_group.xml", mms: 5, check: func(t *testing.T, items []*item.Item, st Stats) {
			in := items[0]
			eq(t, "group From (addr 137)", in.From, item.Participant{Phone: "+447700900123"})
			eq(t, "group To", in.To, []item.Participant{{Name: "Owner", Phone: owner}, {Phone: "+12025550143"}})
			eq(t, "group conversation", in.Conversation, item.Conversation{ID: "+12025550100,+12025550143,+447700900123", Name: "Alice Martin, Bob Chen", Type: item.Group})
			eq(t, "text parts, one from base64 data", in.Text, "Here are the site photos\nSecond line from data")
			eq(t, "attachments", len(in.Attachments), 1)
			a := in.Attachments[0]
			eq(t, "name from cl without directory", a.Name, "IMG_0001.jpg")
			eq(t, "content type without parameters", a.ContentType, "image/jpeg")
			eq(t, "jpeg magic", string(a.Data[:3]), "\xff\xd8\xff")
			eq(t, "size", a.Size, int64(len(a.Data)))
			eq(t, "subject", in.Meta["subject"], "Site photos")
			eq(t, "m-id", in.Meta["m-id"], "m1@mmsc.example")

			out := items[1]
			eq(t, "sent From (insert-address-token skipped)", out.From.Phone, owner)
			eq(t, "sent To", out.To, []item.Participant{{Phone: "+12025550143"}, {Phone: "+447700900123"}})
			eq(t, "date in seconds", out.Time, time.Date(2026, 3, 2, 10, 1, 40, 0, time.UTC))
			eq(t, "vCard kept from text", out.Attachments[0].Name, "Dana Lee.vcf")
			eq(t, "vCard type lower-cased", out.Attachments[0].ContentType, "text/x-vcard")
			eq(t, "vCard bytes", strings.HasPrefix(string(out.Attachments[0].Data), "BEGIN:VCARD\n"), true)

			national := items[2]
			eq(t, "no msg_box, m_type 132: received", national.Meta["status"], "received")
			eq(t, "national From", national.From, item.Participant{Name: "Alice Martin", ID: "2025550143"})
			eq(t, "owner's national number left out", national.To, []item.Participant{{Name: "Owner", Phone: owner}})
			eq(t, "media without data", national.Meta["missing-media"], "part-1.mp4")
			eq(t, "unpadded base64, generated name", national.Attachments[0].Name, "part-2.png")
			eq(t, "png bytes", string(national.Attachments[0].Data[1:4]), "PNG")

			eq(t, "only missing media", items[3].Text, "[media not included in the backup: clip.3gp]")
			eq(t, "subject as text", items[4].Text, "Subject only")
		}},
		{file: "calls_all_types.xml", calls: 13, dupes: 1, check: func(t *testing.T, items []*item.Item, st Stats) {
			want := []struct {
				dir, status string
				duration    int64
				other       item.Participant
			}{
				{"inbound", "completed", 125, item.Participant{Name: "Alice Martin", Phone: "+12025550143"}},
				{"outbound", "completed", 3725, item.Participant{Name: "Bob Chen", Phone: "+447700900123"}},
				{"outbound", "no-answer", 0, item.Participant{Name: "Bob Chen", Phone: "+447700900123"}},
				{"inbound", "missed", 0, item.Participant{ID: "2025550188"}},
				{"inbound", "voicemail", 31, item.Participant{Name: "Alice Martin", Phone: "+12025550143"}},
				{"inbound", "rejected", 0, item.Participant{Phone: "+13105550111"}},
				{"inbound", "blocked", 0, item.Participant{Name: "Spam Likely", Phone: "+13105550199"}},
				{"inbound", "answered-elsewhere", 64, item.Participant{Name: "Alice Martin", Phone: "+12025550143"}},
				{"inbound", "missed", 0, item.Participant{Name: "Private number", ID: "private"}},
				{"inbound", "completed", 12, item.Participant{Name: "Unknown number", ID: "unknown"}},
				{"inbound", "missed", 0, item.Participant{Name: "Payphone", ID: "payphone"}},
				{"outbound", "completed", 20, item.Participant{Name: "Voicemail", ID: "*86"}},
				{"inbound", "completed", 359999, item.Participant{Phone: "+12025550143"}},
			}
			for i, w := range want {
				it := items[i]
				eq(t, fmt.Sprintf("call %d", i), *it.Call, item.CallInfo{Direction: w.dir, Status: w.status, Duration: w.duration})
				other := it.From
				if w.dir == "outbound" {
					eq(t, fmt.Sprintf("call %d From", i), it.From.Phone, owner)
					other = it.To[0]
				} else {
					eq(t, fmt.Sprintf("call %d To", i), it.To, []item.Participant{{Name: "Owner", Phone: owner}})
				}
				eq(t, fmt.Sprintf("call %d other party", i), other, w.other)
			}
			eq(t, "call-type", items[6].Meta["call-type"], "refused")
			eq(t, "presentation", items[8].Meta["presentation"], "private")
			eq(t, "spaces removed from an E.164 number", items[1].Meta["address"], "+44 7700 900123")
			eq(t, "date in seconds", items[12].Time, time.Unix(1772474490, 0).UTC())
		}},
		{file: "broken_elements.xml", sms: 3, rejected: 9, check: func(t *testing.T, items []*item.Item, st Stats) {
			eq(t, "unknown elements", st.Unknown, 1)
			want := []Rejected{
				{"broken_elements.xml", 4, "sms", `date="abc": not a number (want epoch milliseconds)`},
				{"broken_elements.xml", 5, "sms", `date: missing (want epoch milliseconds)`},
				{"broken_elements.xml", 6, "sms", `type="9": not an sms type (1 received, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued)`},
				{"broken_elements.xml", 7, "sms", `address: missing on a received sms (type 1): no sender`},
				{"broken_elements.xml", 8, "mms", `part 2 (broken.jpg): data: not base64: illegal base64 data at input byte 6`},
				{"broken_elements.xml", 17, "mms", `msg_box="7": not an mms box (1 received, 2 sent, 3 draft, 4 outbox, 5 failed)`},
				{"broken_elements.xml", 22, "mms", `parts: no text and no media`},
				{"broken_elements.xml", 29, "sms", `date="99999999999999999": after the year 9999`},
				{"broken_elements.xml", 30, "sms", `date="0": not a time (want epoch milliseconds after 1970)`},
			}
			eq(t, "rejected", st.Rejected, want)
			for i, text := range []string{"good one", "good two", "good three"} {
				eq(t, "emitted", items[i].Text, text)
			}
		}},
		{file: "broken_calls.xml", calls: 2, rejected: 4, check: func(t *testing.T, items []*item.Item, st Stats) {
			var lines []int
			for _, r := range st.Rejected {
				lines = append(lines, r.Line)
			}
			eq(t, "rejected lines", lines, []int{4, 5, 6, 7})
			eq(t, "reason", st.Rejected[0].Reason, `duration="-5": not a number of seconds`)
		}},
		{file: "syntax_error.xml", sms: 1, unfini: 1, err: "syntax_error.xml:4: XML syntax error: unescaped < inside quoted string"},
		{file: "truncated_in_tag.xml", sms: 2, unfini: 1, err: "truncated_in_tag.xml:5: truncated backup: the file ends on line 5 inside the <sms> that starts on line 5"},
		{file: "truncated_in_mms.xml", sms: 1, unfini: 1, err: "truncated_in_mms.xml:4: truncated backup: the file ends on line 8 inside the <mms> that starts on line 4"},
		{file: "truncated_between.xml", sms: 1, err: "truncated_between.xml:4: truncated backup: the file ends on line 4 before the end of the document"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			items, st, err, data := parseFile(t, filepath.Join("testdata", tc.file), tc.file, owner)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
			if tc.err != "" {
				var pe *Error
				if !errors.As(err, &pe) || pe.File != tc.file || pe.Line == 0 {
					t.Errorf("error %#v is not an *Error naming the file and line", err)
				}
				if strings.Contains(tc.file, "truncated") != errors.Is(err, ErrTruncated) {
					t.Errorf("errors.Is(%v, ErrTruncated) = %v", err, errors.Is(err, ErrTruncated))
				}
			}
			got := [6]int{st.SMS, st.MMS, st.Calls, st.Duplicates, st.RejectedCount, st.Unfinished}
			want := [6]int{tc.sms, tc.mms, tc.calls, tc.dupes, tc.rejected, tc.unfini}
			if got != want {
				t.Errorf("sms, mms, calls, duplicates, rejected, unfinished = %v, want %v (rejected: %v)", got, want, st.Rejected)
			}
			if err == nil || errors.Is(err, ErrTruncated) {
				// After a syntax error the rest is not read.
				checkAccounting(t, data, items, st)
			}
			if tc.check != nil && !t.Failed() {
				tc.check(t, items, st)
			}
		})
	}
}

// TestSourceIDs checks that the content key ignores what changes between
// backups and tells apart what differs.
func TestSourceIDs(t *testing.T) {
	base := `<sms address="+12025550143" date="1772445600000" type="1" body="hello" read="1" readable_date="x" contact_name="A" />`
	variants := map[string]bool{ // variant → same SourceID as base
		`<sms address="+12025550143" date="1772445600000" type="1" body="hello" read="0" readable_date="y" contact_name="B" protocol="0" />`: true,
		`<sms address="+12025550143" date="1772445600" type="1" body="hello" />`:                                                             true, // in seconds: the same time
		`<sms address="+12025550143" date="1772445600001" type="1" body="hello" />`:                                                          false,
		`<sms address="+12025550143" date="1772445600000" type="2" body="hello" />`:                                                          false,
		`<sms address="+12025550144" date="1772445600000" type="1" body="hello" />`:                                                          false,
		`<sms address="+12025550143" date="1772445600000" type="1" body="hello!" />`:                                                         false,
	}
	id := func(el, ownerPhone string) string {
		items, _, err := parseBytes(t, []byte("<smses>"+el+"</smses>"), "ids.xml", ownerPhone)
		if err != nil || len(items) != 1 {
			t.Fatalf("%s: %d items, %v", el, len(items), err)
		}
		return items[0].SourceID
	}
	want := id(base, owner)
	if !strings.HasPrefix(want, "sms-") || len(want) != 4+64 {
		t.Errorf("SourceID %q is not sms- and a hex SHA-256", want)
	}
	for v, same := range variants {
		if got := id(v, owner); (got == want) != same {
			t.Errorf("%s: same SourceID = %v, want %v", v, got == want, same)
		}
	}
	if id(base, "+12025550199") == want {
		t.Error("the same message in another owner's backup has the same SourceID")
	}
}

// TestDuplicatesAcrossTheWindow checks that repeats within DedupWindow are
// skipped and counted, and repeats further apart are emitted again with
// the same SourceID.
func TestDuplicatesAcrossTheWindow(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("<smses>\n")
	dup := `<sms address="+12025550143" date="1772445600000" type="1" body="repeated" />` + "\n"
	b.WriteString(dup)
	b.WriteString(dup)
	for i := range DedupWindow {
		fmt.Fprintf(&b, `<sms address="+12025550143" date="%d" type="1" body="filler" />`+"\n", 1772445600001+i)
	}
	b.WriteString(dup)
	b.WriteString("</smses>\n")
	items, st, err := parseBytes(t, b.Bytes(), "window.xml", owner)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "duplicates", st.Duplicates, 1)
	eq(t, "items", len(items), DedupWindow+2)
	eq(t, "repeat after the window has the same SourceID", items[len(items)-1].SourceID, items[0].SourceID)
	checkAccounting(t, b.Bytes(), items, st)
}

// TestNormalize checks that Options.Normalize turns national numbers into
// E.164, and that its errors leave the number as an ID.
func TestNormalize(t *testing.T) {
	data := []byte(`<smses>
<sms address="(202) 555-0143" date="1772445600000" type="1" body="national" />
<sms address="SHORTCODE" date="1772445600001" type="1" body="not a number" />
</smses>`)
	normalize := func(raw string) (string, error) {
		d, ok := stripNumber(raw)
		if !ok || len(d) != 10 {
			return "", errors.New("not a US number")
		}
		return "+1" + d, nil
	}
	var items []*item.Item
	_, err := Parse(bytes.NewReader(data), "n.xml", Options{Owner: item.Participant{Phone: owner}, Normalize: normalize}, func(it *item.Item) error {
		items = append(items, it)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "normalised", items[0].From, item.Participant{Phone: "+12025550143"})
	eq(t, "raw kept", items[0].Meta["address"], "(202) 555-0143")
	eq(t, "not normalised", items[1].From, item.Participant{ID: "SHORTCODE"})
}

// TestParseErrors checks the errors that stop a parse.
func TestParseErrors(t *testing.T) {
	stop := errors.New("disk full")
	tests := []struct {
		name, input, owner string
		emit               error
		want               string
		is                 error
	}{
		{"no owner", "<smses/>", "", nil, `reading e.xml: Options.Owner.Phone "" is not an E.164 number`, nil},
		{"national owner", "<smses/>", "2025550100", nil, `Options.Owner.Phone "2025550100" is not an E.164 number`, nil},
		{"empty file", "", owner, nil, "e.xml:1: not an SMS Backup & Restore file: the file has no root element", ErrNotBackup},
		{"other XML", "<?xml version='1.0'?>\n<html><body/></html>", owner, nil, "e.xml:2: not an SMS Backup & Restore file: the root element is <html>", ErrNotBackup},
		{"not XML", "hello", owner, nil, "e.xml:1: not an SMS Backup & Restore file", ErrNotBackup},
		{"binary", "\x00\x01<smses>", owner, nil, "e.xml:1: XML syntax error", nil},
		{"emit fails", "<smses>\n\n<sms address=\"+12025550143\" date=\"1772445600000\" type=\"1\" body=\"x\"/></smses>", owner, stop, "e.xml:3: handing on the <sms> item: disk full", stop},
		{"undeclared entity", "<smses>\n<sms address=\"&nbsp;\" date=\"1\" type=\"1\"/></smses>", owner, nil, "e.xml:2: XML syntax error: invalid character entity &nbsp;", nil},
		{"unknown encoding", "<?xml version='1.0' encoding='UTF-16'?><smses/>", owner, nil, `e.xml:1: reading: xml: opening charset "UTF-16": encoding "UTF-16" is not supported: SMS Backup & Restore writes UTF-8`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.input), "e.xml", Options{Owner: item.Participant{Phone: tc.owner}}, func(*item.Item) error { return tc.emit })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.is)
			}
		})
	}
}

// TestRejectedAreBounded checks that a file of many broken elements keeps
// MaxRejected of them and counts all.
func TestRejectedAreBounded(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("<smses>\n")
	for range MaxRejected + 10 {
		b.WriteString(`<sms address="+12025550143" date="x" type="1" />` + "\n")
	}
	b.WriteString("</smses>")
	items, st, err := parseBytes(t, b.Bytes(), "bad.xml", owner)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "listed", len(st.Rejected), MaxRejected)
	eq(t, "counted", st.RejectedCount, MaxRejected+10)
	checkAccounting(t, b.Bytes(), items, st)
}

// TestRejectedString checks the text of a rejection.
func TestRejectedString(t *testing.T) {
	r := Rejected{File: "a.xml", Line: 7, Element: "sms", Reason: `date="abc": not a number`}
	eq(t, "String", r.String(), `a.xml:7: <sms> skipped: date="abc": not a number`)
}

// eq is a tiny assertion helper.
func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if g, w := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}
