package waexport

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

const ownerPhone = "+15550100"

func opts(ownerName string) Options {
	return Options{Owner: item.Participant{Name: ownerName, Phone: ownerPhone}}
}

// parseFile parses testdata/name as if it were called as, and checks the
// invariants every result must hold.
func parseFile(t *testing.T, name, as string, o Options) *Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return parseBytes(t, data, as, o)
}

func parseBytes(t *testing.T, data []byte, as string, o Options) *Result {
	t.Helper()
	res, err := ParseText(bytes.NewReader(data), as, o)
	if err != nil {
		t.Fatalf("ParseText(%s): %v", as, err)
	}
	checkResult(t, res)
	return res
}

// checkResult checks what holds for every result: valid WhatsApp items,
// rejected lines with a line number and a reason.
func checkResult(t *testing.T, res *Result) {
	t.Helper()
	for i, it := range res.Items {
		if err := it.Validate(); err != nil {
			t.Errorf("item %d (line %s): %v", i, it.Meta["export-line"], err)
		}
		if it.Source != item.WhatsApp {
			t.Errorf("item %d: source %q", i, it.Source)
		}
	}
	for _, r := range res.Rejected {
		if r.Line < 1 || r.Reason == "" {
			t.Errorf("rejected %+v: want a line number and a reason", r)
		}
	}
}

// who names a participant in expectations: "owner", else the name or phone.
func who(p item.Participant) string {
	if p.Phone == ownerPhone {
		return "owner"
	}
	if p.Name != "" {
		return p.Name
	}
	return p.Phone
}

// byLine returns the item whose header is on line n.
func byLine(t *testing.T, res *Result, n int) *item.Item {
	t.Helper()
	for _, it := range res.Items {
		if it.Meta["export-line"] == strconv.Itoa(n) {
			return it
		}
	}
	t.Fatalf("no item on line %d", n)
	return nil
}

type want struct {
	line int
	kind item.Kind
	from string
	text string
	meta map[string]string // must be present with these values
}

func checkWants(t *testing.T, res *Result, wants []want) {
	t.Helper()
	if len(res.Items) != len(wants) {
		t.Errorf("%d items, want %d", len(res.Items), len(wants))
	}
	for _, w := range wants {
		it := byLine(t, res, w.line)
		if it.Kind != w.kind || who(it.From) != w.from || it.Text != w.text {
			t.Errorf("line %d: got %s from %s %q, want %s from %s %q", w.line, it.Kind, who(it.From), it.Text, w.kind, w.from, w.text)
		}
		for k, v := range w.meta {
			if it.Meta[k] != v {
				t.Errorf("line %d: meta %s = %q, want %q", w.line, k, it.Meta[k], v)
			}
		}
	}
}

func TestAndroidEnglish12h(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	o := opts("Dana Lee")
	o.Location = est
	res := parseFile(t, "android_en_12h.txt", "android_en_12h.txt", o)
	if len(res.Rejected) != 0 {
		t.Errorf("rejected: %v", res.Rejected)
	}
	omitted := map[string]string{"media": "omitted"}
	checkWants(t, res, []want{
		{1, item.System, "Falcon closing", "Messages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share them. Learn more.", map[string]string{"event": "encryption"}},
		{2, item.System, "Alice Martin", `Alice Martin created group "Falcon deal"`, map[string]string{"event": "group-created"}},
		{3, item.System, "Alice Martin", "Alice Martin added you", nil},
		{4, item.Chat, "Alice Martin", "Morning all,\nthe term sheet is attached below.\n\nPlease review by Friday.", nil},
		{8, item.File, "Alice Martin", "DOC-20240105-WA0001.pdf (file attached)\nTerm sheet v2", map[string]string{"media": "omitted", "media-file": "DOC-20240105-WA0001.pdf"}},
		{10, item.Media, "+447700900123", "IMG-20240105-WA0002.jpg (file attached)", map[string]string{"media-file": "IMG-20240105-WA0002.jpg"}},
		{11, item.Media, "Bob Chen", "<Media omitted>", omitted},
		{12, item.Deleted, "Bob Chen", "This message was deleted", nil},
		{13, item.Deleted, "owner", "You deleted this message", nil},
		{14, item.Edit, "Bob Chen", "Price is 101.5", nil},
		{15, item.Location, "Bob Chen", "Falcon HQ\n221B Baker Street, London\nlocation: https://maps.google.com/?q=51.523767,-0.1585557", nil},
		{18, item.Chat, "Alice Martin", "live location shared", map[string]string{"location": "live"}},
		{19, item.Chat, "owner", "Noted: will do.", nil},
		{20, item.Chat, "owner", "Noted: will do.", nil},
		{21, item.System, "owner", `You changed the subject from "Falcon deal" to "Falcon closing"`, map[string]string{"event": "group-renamed"}},
		{22, item.System, "Bob Chen", "Bob Chen left", map[string]string{"event": "member-left"}},
	})
	if res.Chat != "Falcon closing" || res.Format != "m/d/yy, h:mm a -" || res.OrderAssumed {
		t.Errorf("chat %q, format %q, assumed %v", res.Chat, res.Format, res.OrderAssumed)
	}
	for _, tc := range []struct {
		line int
		when string
	}{{1, "2024-01-05T09:00:00-05:00"}, {14, "2024-01-05T13:15:00-05:00"}, {19, "2024-01-13T23:59:00-05:00"}, {21, "2024-01-14T00:00:00-05:00"}} {
		if got := byLine(t, res, tc.line).Time.Format(time.RFC3339); got != tc.when {
			t.Errorf("line %d: time %s, want %s", tc.line, got, tc.when)
		}
	}
	it := byLine(t, res, 15)
	if p := it.Location; p == nil || p.Latitude != 51.523767 || p.Longitude != -0.1585557 || p.Name != "Falcon HQ" || p.Address != "221B Baker Street, London" {
		t.Errorf("location: %+v", it.Location)
	}
	// The conversation and its people.
	it = byLine(t, res, 4)
	if it.Conversation != (item.Conversation{ID: "waexport:+15550100:Falcon closing", Name: "Falcon closing", Type: item.Group}) {
		t.Errorf("conversation %+v", it.Conversation)
	}
	var to []string
	for _, p := range it.To {
		to = append(to, who(p))
	}
	if strings.Join(to, ",") != "owner,+447700900123,Bob Chen" {
		t.Errorf("to %v", to)
	}
	if it.Owner != ownerPhone || byLine(t, res, 13).From.Name != "Dana Lee" {
		t.Errorf("owner %q, from %+v", it.Owner, byLine(t, res, 13).From)
	}
	// Identical messages at the same minute are two items with two ids.
	if a, b := byLine(t, res, 19).SourceID, byLine(t, res, 20).SourceID; a == b || len(a) != 64 {
		t.Errorf("source ids %q %q", a, b)
	}
}

func TestIOSEnglishDirect(t *testing.T) {
	// No Owner.Name: the 1:1 chat is named after Bob Chen (the author of the
	// encryption notice), so the other author, Dana Lee, is the owner.
	res := parseFile(t, "ios_en_chat.txt", "_chat.txt", opts(""))
	if len(res.Rejected) != 0 {
		t.Errorf("rejected: %v", res.Rejected)
	}
	checkWants(t, res, []want{
		{1, item.System, "Bob Chen", "Messages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share them.", map[string]string{"event": "encryption"}},
		{2, item.Chat, "Bob Chen", "Hi Dana, quick one", nil},
		{3, item.Chat, "owner", "Sure", nil},
		{4, item.Media, "Bob Chen", "<attached: 00000012-PHOTO-2024-03-15-09-20-11.jpg>", map[string]string{"media": "omitted", "media-file": "00000012-PHOTO-2024-03-15-09-20-11.jpg"}},
		{5, item.Media, "Bob Chen", "image omitted", map[string]string{"media": "omitted"}},
		{6, item.File, "owner", "Q1 report.pdf • 3 pages \u200edocument omitted", map[string]string{"media-file": "Q1 report.pdf"}},
		{7, item.Call, "Bob Chen", "Missed voice call", nil},
		{8, item.Call, "owner", "Voice call. \u200e12 min", nil},
		{9, item.Deleted, "Bob Chen", "This message was deleted.", nil},
		{10, item.Edit, "Bob Chen", "See you at 3pm", nil},
		{11, item.Location, "Bob Chen", "Location: https://maps.google.com/?q=-33.856784,151.215297", nil},
		{12, item.Contact, "Bob Chen", "Contact card omitted", map[string]string{"media": "omitted"}},
		{13, item.Chat, "owner", "Thanks,\ntalk tomorrow", nil},
	})
	if res.Chat != "Bob Chen" || res.Format != "[dd/mm/yyyy, h:mm:ss a]" {
		t.Errorf("chat %q, format %q", res.Chat, res.Format)
	}
	it := byLine(t, res, 2)
	if it.Conversation.Type != item.Direct || len(it.To) != 1 || it.To[0] != (item.Participant{Name: "Dana Lee", Phone: ownerPhone}) {
		t.Errorf("conversation %+v, to %+v", it.Conversation, it.To)
	}
	if c := byLine(t, res, 7).Call; c == nil || *c != (item.CallInfo{Direction: "inbound", Status: "missed"}) {
		t.Errorf("missed call: %+v", c)
	}
	if c := byLine(t, res, 8).Call; c == nil || *c != (item.CallInfo{Direction: "outbound", Status: "completed", Duration: 720}) {
		t.Errorf("voice call: %+v", c)
	}
	if p := byLine(t, res, 11).Location; p == nil || p.Latitude != -33.856784 || p.Longitude != 151.215297 || p.URL != "https://maps.google.com/?q=-33.856784,151.215297" {
		t.Errorf("location: %+v", p)
	}
	if got := byLine(t, res, 13).Time.Format(time.RFC3339); got != "2024-03-15T22:05:09Z" {
		t.Errorf("time %s", got)
	}
}

func TestGerman(t *testing.T) {
	t.Run("android", func(t *testing.T) {
		res := parseFile(t, "android_de.txt", "android_de.txt", opts("Petra"))
		checkWants(t, res, []want{
			{1, item.System, "Vertrieb Süd", "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Nur Personen in diesem Chat können sie lesen, anhören oder teilen. Mehr\u00a0erfahren", nil},
			{2, item.System, "owner", "Du hast die Gruppe „Vertrieb Süd“ erstellt.", map[string]string{"event": "group-created"}},
			{3, item.System, "owner", "Du hast Jürgen Weiß hinzugefügt.", map[string]string{"event": "members-changed"}},
			{4, item.Chat, "Jürgen Weiß", "Guten Morgen!", nil},
			{5, item.Media, "Jürgen Weiß", "<Medien ausgeschlossen>", map[string]string{"media": "omitted"}},
			{6, item.Media, "+4915234567890", "PTT-20230402-WA0003.opus (Datei angehängt)", map[string]string{"media-file": "PTT-20230402-WA0003.opus"}},
			{7, item.Deleted, "Jürgen Weiß", "Diese Nachricht wurde gelöscht", nil},
			{8, item.Edit, "Jürgen Weiß", "Angebot kommt heute", nil},
			{9, item.Location, "Jürgen Weiß", "Standort: https://maps.google.com/?q=48.137154,11.576124", nil},
			{10, item.System, "Jürgen Weiß", "Jürgen Weiß hat die Gruppe verlassen.", map[string]string{"event": "member-left"}},
		})
		// 02.04.23 could be either order; leading zeros say day first.
		if res.Format != "dd.mm.yy, HH:mm -" || !res.OrderAssumed {
			t.Errorf("format %q, assumed %v", res.Format, res.OrderAssumed)
		}
		if got := byLine(t, res, 4).Time.Format(time.DateTime); got != "2023-04-02 08:17:00" {
			t.Errorf("time %s", got)
		}
	})
	t.Run("ios", func(t *testing.T) {
		res := parseFile(t, "ios_de.txt", "_chat.txt", opts("Petra"))
		checkWants(t, res, []want{
			{1, item.System, "Vertrieb Nord", "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Nur Personen in diesem Chat können sie lesen, anhören oder teilen.", nil},
			{2, item.System, "Jürgen Weiß", "Jürgen Weiß hat dich hinzugefügt.", map[string]string{"event": "members-changed"}},
			{3, item.Media, "Jürgen Weiß", "<Anhang: 00000003-AUDIO-2024-01-29-14-03-00.opus>", map[string]string{"media-file": "00000003-AUDIO-2024-01-29-14-03-00.opus"}},
			{4, item.Media, "Jürgen Weiß", "Bild weggelassen", map[string]string{"media": "omitted"}},
			{5, item.Call, "Jürgen Weiß", "Verpasster Sprachanruf. Zum Zurückrufen tippen", nil},
			{6, item.Deleted, "Anna Schmidt", "Diese Nachricht wurde gelöscht.", nil},
			{7, item.Edit, "Anna Schmidt", "Bis morgen", nil},
		})
		if res.Chat != "Vertrieb Nord" || byLine(t, res, 1).Conversation.Type != item.Group {
			t.Errorf("chat %q, %+v", res.Chat, byLine(t, res, 1).Conversation)
		}
		// The group is not a participant.
		for _, p := range byLine(t, res, 4).To {
			if p.Name == "Vertrieb Nord" {
				t.Errorf("group in To: %+v", byLine(t, res, 4).To)
			}
		}
	})
}

func TestRejected(t *testing.T) {
	res := parseFile(t, "rejected.txt", "rejected.txt", opts(""))
	want := []Rejected{
		{"rejected.txt", 1, "text before the first message", "Chat exported by hand"},
		{"rejected.txt", 2, "date 31/02/2020 does not exist (read as day/month/year)", "31/02/2020, 10:00 - Bob: impossible date\nand its second line"},
		{"rejected.txt", 4, "time 25:10 does not exist", "01/03/2020, 25:10 - Bob: impossible time"},
		{"rejected.txt", 5, `unknown AM/PM marker "vorm." after the time`, "01/03/2020, 10:11 vorm. - Bob: unknown marker"},
	}
	if len(res.Rejected) != len(want) {
		t.Fatalf("rejected %v", res.Rejected)
	}
	for i, w := range want {
		if res.Rejected[i] != w {
			t.Errorf("rejected[%d] = %+v, want %+v", i, res.Rejected[i], w)
		}
	}
	if len(res.Items) != 2 || res.Items[0].Text != "fine" || res.Items[1].Text != "fine too" {
		t.Errorf("items %v", res.Items)
	}
	if s := res.Rejected[1].String(); s != "rejected.txt:2: date 31/02/2020 does not exist (read as day/month/year)" {
		t.Errorf("String() = %q", s)
	}
}

func TestMixedLayouts(t *testing.T) {
	res := parseFile(t, "mixed.txt", "mixed.txt", opts(""))
	if len(res.Rejected) != 0 {
		t.Fatalf("rejected %v", res.Rejected)
	}
	wantTimes := []string{
		"2022-03-16 15:20:25", "2022-03-16 15:21:00", "2022-03-16 15:22:00", "2017-06-20 20:28:00",
		"2024-10-31 15:50:46", "2019-10-20 10:16:00", "2025-04-11 21:17:58",
	}
	if len(res.Items) != len(wantTimes) {
		t.Fatalf("%d items", len(res.Items))
	}
	for i, w := range wantTimes {
		if got := res.Items[i].Time.Format(time.DateTime); got != w {
			t.Errorf("line %d: %s, want %s", i+1, got, w)
		}
	}
	last := res.Items[6]
	if last.From.Name != "Martin" || last.Meta["author-unsaved"] != "true" {
		t.Errorf("unsaved author: %+v %v", last.From, last.Meta)
	}
	if n := len(strings.Split(res.Format, " | ")); n != 7 {
		t.Errorf("format %q: want 7 layouts", res.Format)
	}
}

func TestHeader(t *testing.T) {
	for _, tc := range []struct {
		line  string
		kind  headerKind
		clock string // hour:min:sec after AM/PM, or the reason
		rest  string
	}{
		{"1/29/18, 12:24 - Bob: hi", isHeader, "12:24:00", "Bob: hi"},
		{"1/29/18, 12:24 PM - Bob: hi", isHeader, "12:24:00", "Bob: hi"},
		{"1/29/18, 12:24 AM - Bob: hi", isHeader, "00:24:00", "Bob: hi"},
		{"2/4/23, 10:35\u202fPM - Person 1: Got it.", isHeader, "22:35:00", "Person 1: Got it."},
		{"2/4/23, 11:11\u202fam - x: y", isHeader, "11:11:00", "x: y"},
		{"[24/10/24, 9:18:35\u202fAM] Sample: Hello", isHeader, "09:18:35", "Sample: Hello"},
		{"[31/12/2019, 2:14:40 p.m.] a: b", isHeader, "14:14:40", "a: b"},
		{"20/6/2017 8:28 p.\u00a0m. - Michelle: test", isHeader, "20:28:00", "Michelle: test"},
		{"\ufeff\u200e[\ufeff29.01.18, 12:24:03 PM] Du hast", isHeader, "12:24:03", "Du hast"},
		{"[2024/10/31 15:50:46] 张三: 你好", isHeader, "15:50:46", "张三: 你好"},
		{"3.04.2025 16:34 - Ad: x", isHeader, "16:34:00", "Ad: x"},
		{"[29.01.2018 12.24.03] Mette: hej", isHeader, "12:24:03", "Mette: hej"},
		{"29.01.18, 12.24 - Mette: hej", isHeader, "12:24:00", "Mette: hej"},
		{"29.01.18, 12.24:03 - Mette: mixed separators", notHeader, "", ""},
		{"2020. 01. 15. 16:40 - Anna: x", isHeader, "16:40:00", "Anna: x"},
		{"1/29/18, 23:59 PM - Bob: late", isHeader, "23:59:00", "Bob: late"},
		{"1/30/18, 00:04 AM - Bob: early", isHeader, "00:04:00", "Bob: early"},
		{"4/11/25, 9:17:58 PM ~ Sample: Hello", isHeader, "21:17:58", " Sample: Hello"},
		{"1/1/21, 12:00 – A: en dash", isHeader, "12:00:00", "A: en dash"},
		{"1/1/21, 12:00 -", isHeader, "12:00:00", ""},
		{"1/1/21, 25:00 - A: x", badHeader, "time 25:00 does not exist", ""},
		{"1/1/21, 13:00 AM - A: x", badHeader, "time 13:00 AM does not exist", ""},
		{"1/1/21, 12:61 - A: x", badHeader, "time 12:61 does not exist", ""},
		{"1/1/21, 10:00 nachm. - A: x", badHeader, `unknown AM/PM marker "nachm." after the time`, ""},
		{"12/31/2020 is when we meet", notHeader, "", ""},
		{"12/31/2020, 10:00 am meeting - agenda", notHeader, "", ""},
		{"[12/31/2020, 10:00 quarterly] review", notHeader, "", ""},
		{"1/1/21, 12:00 A: no delimiter", notHeader, "", ""},
		{"1/1/21 - x", notHeader, "", ""},
		{"[1/1/21, 12:00 A: no bracket", notHeader, "", ""},
		{"1/1/21, 12:00-A: no space", notHeader, "", ""},
		{"1/1, 12:00 - A: two fields", notHeader, "", ""},
		{"12345/1/1, 12:00 - A: x", notHeader, "", ""},
		{"1/1/21, 12:0 - A: x", notHeader, "", ""},
		{"1/1/21, 12:00:1 - A: x", notHeader, "", ""},
		{"", notHeader, "", ""},
		{"Hello", notHeader, "", ""},
	} {
		h, kind, reason := parseHeader(tc.line)
		if kind != tc.kind {
			t.Errorf("%q: kind %d, want %d (%s)", tc.line, kind, tc.kind, reason)
			continue
		}
		switch kind {
		case isHeader:
			clock := time.Date(2000, 1, 1, h.hour, h.min, h.sec, 0, time.UTC).Format(time.TimeOnly)
			if clock != tc.clock || trimLead(h.rest) != strings.TrimLeft(tc.rest, " ") {
				t.Errorf("%q: %s %q, want %s %q", tc.line, clock, h.rest, tc.clock, tc.rest)
			}
		case badHeader:
			if reason != tc.clock {
				t.Errorf("%q: reason %q, want %q", tc.line, reason, tc.clock)
			}
		}
	}
}

func TestDayMonthOrder(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name     string
		text     string
		dayFirst *bool
		want     string // time of the first message
		assumed  bool
	}{
		{"first field above 12", "03/04/20, 10:00 - A: x\n13/04/20, 10:00 - A: y\n", nil, "2020-04-03", false},
		{"second field above 12", "03/04/20, 10:00 - A: x\n04/13/20, 10:00 - A: y\n", nil, "2020-03-04", false},
		{"evidence beats DayFirst", "03/04/20, 10:00 - A: x\n04/13/20, 10:00 - A: y\n", &yes, "2020-03-04", false},
		{"DayFirst decides", "3/4/20, 10:00 - A: x\n", &yes, "2020-04-03", true},
		{"DayFirst false", "03/04/2020, 10:00 - A: x\n", &no, "2020-03-04", true},
		{"en-US style", "3/4/20, 10:00 - A: x\n", nil, "2020-03-04", true},
		{"leading zero", "03/04/20, 10:00 - A: x\n", nil, "2020-04-03", true},
		{"four-digit year", "3/4/2020, 10:00 - A: x\n", nil, "2020-04-03", true},
		{"dots", "3.4.20, 10:00 - A: x\n", nil, "2020-04-03", true},
		{"year first", "2020-03-04, 10:00 - A: x\n", nil, "2020-03-04", true},
		{"year first, day above 12", "2020/03/04, 10:00 - A: x\n2020/04/13, 10:00 - A: x\n", nil, "2020-03-04", false},
		// 1/2, 1/3, 2/1: as m/d Jan 2, Jan 3, Feb 1; as d/m Feb 1, Mar 1, Jan 2 (backwards).
		{"monotonic", "1/2/21, 10:00 - A: x\n1/3/21, 10:00 - A: y\n2/1/21, 10:00 - A: z\n", nil, "2021-01-02", true},
		{"monotonic day first", "2/1/21, 10:00 - A: x\n3/1/21, 10:00 - A: y\n1/2/21, 10:00 - A: z\n", nil, "2021-01-02", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := opts("")
			o.DayFirst = tc.dayFirst
			res := parseBytes(t, []byte(tc.text), "x.txt", o)
			if len(res.Items) == 0 {
				t.Fatalf("no items; rejected %v", res.Rejected)
			}
			if got := res.Items[0].Time.Format(time.DateOnly); got != tc.want || res.OrderAssumed != tc.assumed {
				t.Errorf("%s assumed %v, want %s assumed %v (format %q)", got, res.OrderAssumed, tc.want, tc.assumed, res.Format)
			}
		})
	}
	// Two exports run together, en-GB then en-US, with ambiguous dates in
	// both parts: each date takes the order of the nearest date that tells.
	text := "02/01/20, 10:00 - A: 2 Jan\n13/01/20, 10:00 - A: 13 Jan\n03/02/20, 10:00 - A: 3 Feb\n" +
		"01/14/20, 10:00 - A: 14 Jan\n02/03/20, 10:00 - A: 3 Feb\n31/02/20, 10:00 - A: never\n"
	res := parseBytes(t, []byte(text), "x.txt", opts(""))
	var got []string
	for _, it := range res.Items {
		got = append(got, it.Time.Format("2 Jan"))
	}
	if strings.Join(got, ",") != "2 Jan,13 Jan,3 Feb,14 Jan,3 Feb" || len(res.Rejected) != 1 || res.Rejected[0].Line != 6 {
		t.Errorf("dates %v, rejected %v", got, res.Rejected)
	}
	if res.Format != "dd/mm/yy, HH:mm - | mm/dd/yy, HH:mm -" {
		t.Errorf("format %q", res.Format)
	}
	// With DayFirst the caller decides for the whole file.
	o := opts("")
	o.DayFirst = &yes
	res = parseBytes(t, []byte(text), "x.txt", o)
	if len(res.Items) != 4 || len(res.Rejected) != 2 || res.Rejected[0].Line != 4 {
		t.Errorf("items %d, rejected %v", len(res.Items), res.Rejected)
	}
}

func TestLineEndings(t *testing.T) {
	// CRLF, LF and CR mixed; blank lines inside a message; trailing blank
	// lines and a missing final newline.
	text := "1/1/21, 12:00 - A: one\r\ntwo\n\nthree\r1/1/21, 12:01 - B: four\r\n\r\n\r\n"
	res := parseBytes(t, []byte(text), "x.txt", opts(""))
	if len(res.Items) != 2 || res.Items[0].Text != "one\ntwo\n\nthree" || res.Items[1].Text != "four" {
		t.Errorf("items: %q", texts(res))
	}
	if res.Lines != 7 {
		t.Errorf("lines %d", res.Lines)
	}
	res = parseBytes(t, []byte("1/1/21, 12:00 - A: one\r"), "x.txt", opts(""))
	if len(res.Items) != 1 || res.Items[0].Text != "one" {
		t.Errorf("items: %q", texts(res))
	}
}

func texts(res *Result) []string {
	var s []string
	for _, it := range res.Items {
		s = append(s, it.Text)
	}
	return s
}

func TestAuthors(t *testing.T) {
	text := "" +
		"1/1/21, 12:00 - John Doe: hello\n" +
		"1/1/21, 12:01 - John Doe:.\n" + // known author, no space
		"1/1/21, 12:02 - Carol:\n" + // empty message
		"1/1/21, 12:03 - \u202a+49 1523 4567890\u202c: from a number\n" +
		"1/1/21, 12:04 - +12 34: too short for a number\n" +
		"1/1/21, 12:05 - Alice changed the subject to \"Q3: plan\"\n" + // quoted colon: a system line
		"1/1/21, 12:06 - Nobody:wrote this\n" // unknown author without space: a system line
	res := parseBytes(t, []byte(text), "x.txt", opts("Carol"))
	checkWants(t, res, []want{
		{1, item.Chat, "John Doe", "hello", nil},
		{2, item.Chat, "John Doe", ".", nil},
		{3, item.Chat, "owner", "", nil},
		{4, item.Chat, "+4915234567890", "from a number", nil},
		{5, item.Chat, "+12 34", "too short for a number", nil},
		{6, item.System, "Alice", `Alice changed the subject to "Q3: plan"`, map[string]string{"event": "group-renamed"}},
		{7, item.System, "Q3: plan", "Nobody:wrote this", nil},
	})
}

func TestSystemAuthoredLookalike(t *testing.T) {
	// An author who writes messages and a text with U+200E that reads like
	// "X added Y" is still a message; the same from the group is a system line.
	text := "" +
		"[1/1/21, 12:00:00] Team: \u200eAlice added Bob\n" +
		"[1/1/21, 12:00:01] Alice: \u200eI added sugar\n" +
		"[1/1/21, 12:00:02] Alice: hello\n"
	res := parseBytes(t, []byte(text), "_chat.txt", opts(""))
	checkWants(t, res, []want{
		{1, item.System, "Alice", "Alice added Bob", nil},
		{2, item.Chat, "Alice", "I added sugar", nil},
		{3, item.Chat, "Alice", "hello", nil},
	})
	if res.Chat != "Team" {
		t.Errorf("chat %q", res.Chat)
	}
}

func TestSourceIDs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "android_en_12h.txt"))
	if err != nil {
		t.Fatal(err)
	}
	ids := func(o Options) []string {
		res := parseBytes(t, data, "android_en_12h.txt", o)
		var s []string
		for _, it := range res.Items {
			s = append(s, it.SourceID)
		}
		return s
	}
	a := ids(opts("Dana Lee"))
	seen := map[string]bool{}
	for _, id := range a {
		if seen[id] {
			t.Errorf("duplicate id %s", id)
		}
		seen[id] = true
	}
	if b := ids(opts("Dana Lee")); strings.Join(a, ",") != strings.Join(b, ",") {
		t.Error("the same file gave other ids")
	}
	o := opts("Dana Lee")
	o.Location = time.FixedZone("X", 3600)
	if b := ids(o); strings.Join(a, ",") != strings.Join(b, ",") {
		t.Error("the time zone changed the ids")
	}
	o = opts("Dana Lee")
	o.Owner.Phone = "+15550101"
	if b := ids(o); b[0] == a[0] {
		t.Error("another owner gave the same ids")
	}
	o = opts("Dana Lee")
	o.Chat = "Falcon"
	if b := ids(o); b[0] == a[0] {
		t.Error("another chat gave the same ids")
	}
}

func TestChatName(t *testing.T) {
	for _, tc := range []struct{ file, chat, text, want string }{
		{"WhatsApp Chat with Bob.txt", "", "1/1/21, 12:00 - Bob: hi\n", "Bob"},
		{"/tmp/up/WhatsApp Chat with Bob Chen (2).txt", "", "1/1/21, 12:00 - A: hi\n1/1/21, 12:00 - B: hi\n", "Bob Chen"},
		{"WhatsApp-Chat mit Jürgen.txt", "", "01.01.21, 12:00 - Jürgen: hallo\n", "Jürgen"},
		{"x.txt", "Given", "1/1/21, 12:00 - Bob: hi\n", "Given"},
		{"_chat.txt", "", "1/1/21, 12:00 - Bob: hi\n", "Bob"},
		{"_chat.txt", "", "1/1/21, 12:00 - B: hi\n1/1/21, 12:00 - A: hi\n", "A, B"},
		{"_chat.txt", "", "1/1/21, 12:00 - You were added\n", "WhatsApp chat"},
		{"export.txt", "", "1/1/21, 12:00 - A: hi\n1/1/21, 12:00 - B: hi\n", "export"},
		{"x.txt", "", "1/1/21, 12:00 - You created group \"One\"\n1/1/21, 12:01 - You changed the group name from \"One\" to \"Two\"\n", "Two"},
	} {
		res := parseBytes(t, []byte(tc.text), tc.file, Options{Owner: item.Participant{Phone: ownerPhone}, Chat: tc.chat})
		if res.Chat != tc.want || res.Items[0].Conversation.Name != tc.want || res.Items[0].Conversation.ID != "waexport:"+ownerPhone+":"+tc.want {
			t.Errorf("%s: chat %q (%+v), want %q", tc.file, res.Chat, res.Items[0].Conversation, tc.want)
		}
	}
	// A 1:1 chat named after one of its two authors: the other is the owner.
	res := parseBytes(t, []byte("1/1/21, 12:00 - Bob: hi\n1/1/21, 12:01 - Me: hello\n"), "WhatsApp Chat with Bob.txt", opts(""))
	if it := res.Items[1]; who(it.From) != "owner" || it.From.Name != "Me" || it.Conversation.Type != item.Direct {
		t.Errorf("from %+v, %+v", it.From, it.Conversation)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		o          Options
		is         error
		msg        string
	}{
		{"no phone", "1/1/21, 12:00 - A: x\n", Options{}, ErrOptions, "Owner.Phone is required"},
		{"bad phone", "1/1/21, 12:00 - A: x\n", Options{Owner: item.Participant{Phone: "0151 234"}}, ErrOptions, "not an E.164 number"},
		{"empty", "", opts(""), ErrNotExport, "x.txt: not a WhatsApp chat export: the file is empty"},
		{"blank", "\n\ufeff\n  \n", opts(""), ErrNotExport, "the file is empty"},
		{"no header", "hello\nworld\n", opts(""), ErrNotExport, `the first line is "hello"`},
		{"utf-16", "\xff\xfe1\x00/\x00", opts(""), ErrNotExport, "UTF-16"},
		{"long line", "1/1/21, 12:00 - A: " + strings.Repeat("x", MaxLine), opts(""), ErrNotExport, "line 1 is longer than 16 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseText(strings.NewReader(tc.text), "x.txt", tc.o)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want %v containing %q", err, tc.is, tc.msg)
			}
		})
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := ParseText(&failReader{data: []byte("1/1/21, 12:00 - A: x\n"), err: boom}, "x.txt", opts(""))
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "x.txt: reading line 2") {
		t.Errorf("error %v", err)
	}
}

type failReader struct {
	data []byte
	err  error
}

func (r *failReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestPhoneOf(t *testing.T) {
	for in, want := range map[string]string{
		"+1 123 456 789":                "+1123456789",
		"+49 1523 4567890":              "+4915234567890",
		"+44 (20) 7946-0958":            "+442079460958",
		"\u202a+33 6 12 34 56 78\u202c": "+33612345678",
		"+12 34":                        "",
		"+0 123 456 789":                "",
		"+1 800 FLOWERS":                "",
		"1 123 456 789":                 "",
		"+1234567890123456":             "",
	} {
		got, ok := phoneOf(in)
		if !ok {
			got = ""
		}
		if got != want {
			t.Errorf("phoneOf(%q) = %q, want %q", in, got, want)
		}
	}
}
