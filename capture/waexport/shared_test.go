package waexport

import (
	"github.com/custos-archive/custos/internal/sharedtest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

// sharedDir returns the shared samples of this format, or skips the test.
func sharedDir(t *testing.T) string { return sharedtest.Dir(t, "whatsapp-export") }

// sharedSample is what each public sample file holds, read from the file by
// hand: the number of items, the first and last sender, one timestamp, one
// system line and one media item, the chat name and the layout.
type sharedSample struct {
	file      string
	ownerName string // Options.Owner.Name
	items     int
	first     string // sender of the first item: "owner", a name or a phone
	last      string // sender of the last item
	timeLine  int    // the item on this line ...
	time      string // ... was sent at this local time
	sysLine   int    // a system line (0: none in the file) ...
	sysFrom   string // ... and its sender
	sysText   string // ... and its text
	mediaLine int    // a media line (0: none) ...
	media     item.Kind
	chat      string
	typ       item.ConversationType
	format    string
}

var sharedSamples = []sharedSample{
	{"chatanalytics_1A_3M.txt", "A", 3, "owner", "owner", 2, "2021-01-01 12:01:00", 0, "", "", 0, "", "B", item.Direct, "m/d/yy, HH:mm -"},
	{"chatanalytics_4A_11M.txt", "", 14, "Some cool group chat", "Trent", 2, "2020-12-09 23:16:00", 3, "Alice", "Alice added you", 0, "", "Some cool group chat", item.Group, "m/d/yy, HH:mm -"},
	{"chatminer_ddmmyy_24hrs.txt", "", 9, "John Doe", "John Doe", 3, "2019-01-30 20:49:00", 6, "+12345578", `+12 345 578 created group "Groupname"`, 0, "", "Groupname", item.Group, "dd/mm/yy, HH:mm -"},
	{"chatminer_mmddyy_24hrs.txt", "", 9, "John Doe", "John Doe", 3, "2019-01-30 20:49:00", 7, "Groupname", "You were added", 0, "", "Groupname", item.Group, "mm/dd/yy, HH:mm -"},
	{"chatminer_yyyymmdd_24hrs.txt", "", 9, "John Doe", "John Doe", 10, "2021-12-30 22:01:00", 6, "+12345578", `+12 345 578 created group "Groupname"`, 0, "", "Groupname", item.Group, "yyyy/mm/dd, HH:mm -"},
	{"janchodorowski_en_iphone_saved_contacts.txt", "", 15, "Super Group", "Andrew", 1, "2018-11-29 10:50:41", 3, "Josh", "Josh added you", 0, "", "Super Group", item.Group, "[dd/mm/yyyy, HH:mm:ss]"},
	{"pustur_short_chat.txt", "", 5, "ShortChat", "+410123456789", 4, "2017-05-08 01:48:00", 2, "owner", `You created group "ShortChat"`, 0, "", "ShortChat", item.Group, "dd/mm/yyyy, HH:mm -"},
	{"rwhatsapp_sample.txt", "", 9, "Tes", "Johannes Gruber", 5, "2017-07-13 09:12:00", 2, "owner", `You created group "Tes"`, 3, item.Media, "Tes", item.Group, "dd/mm/yyyy, HH:mm -"},
	{"soda_android_ddmmyyyy_24h_crlf.txt", "", 10, "soda_android_ddmmyyyy_24h_crlf", "person4", 12, "2020-07-14 22:05:00", 1, "soda_android_ddmmyyyy_24h_crlf", "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.", 8, item.Location, "soda_android_ddmmyyyy_24h_crlf", item.Group, "dd/mm/yyyy, HH:mm -"},
	{"soda_android_dot_24h_crlf.txt", "", 10, "soda_android_dot_24h_crlf", "person4", 9, "2022-03-20 20:08:00", 1, "soda_android_dot_24h_crlf", "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.", 8, item.Location, "soda_android_dot_24h_crlf", item.Group, "dd.mm.yyyy, HH:mm -"},
	{"soda_ios_ddmmyyyy_12h_crlf.txt", "", 10, "soda_ios_ddmmyyyy_12h_crlf", "person4", 12, "2020-07-14 22:05:54", 1, "soda_ios_ddmmyyyy_12h_crlf", "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.", 8, item.Location, "soda_ios_ddmmyyyy_12h_crlf", item.Group, "[dd/mm/yyyy, h:mm:ss a]"},
	{"soda_ios_ddmmyyyy_24h.txt", "", 10, "soda_ios_ddmmyyyy_24h", "person4", 10, "2020-07-14 22:05:54", 1, "soda_ios_ddmmyyyy_24h", "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.", 6, item.Location, "soda_ios_ddmmyyyy_24h", item.Group, "[dd/mm/yyyy, HH:mm:ss]"},
	{"whatsr_de_android_24h.txt", "", 50, "Whatsappparsertest2", "Dave", 50, "2018-01-30 00:13:00", 3, "owner", "Du hast Mallory hinzugefügt.", 20, item.Media, "Whatsappparsertest2", item.Group, "dd.mm.yy, HH:mm -"},
	{"whatsr_de_android_ampm.txt", "", 50, "Whatsappparsertest2", "Dave", 37, "2018-01-30 00:00:00", 9, "owner", "Du hast das Gruppenbild geändert.", 15, item.Media, "Whatsappparsertest2", item.Group, "dd.mm.yy, h:mm a -"},
	{"whatsr_de_ios_ampm.txt", "", 50, "Whatsappparsertest2", "Dave", 13, "2018-01-29 23:45:03", 8, "owner", `Du hast den Gruppennamen zu "Whatsappparsertest2" geändert.`, 20, item.Media, "Whatsappparsertest2", item.Group, "[dd.mm.yy, h:mm:ss a]"},
	{"whatsr_en_android_24h.txt", "", 50, "Whatsappparsertest2", "Dave", 39, "2018-01-30 00:04:00", 5, "owner", "You removed Mallory", 15, item.Media, "Whatsappparsertest2", item.Group, "m/d/yy, HH:mm -"},
	{"whatsr_en_android_ampm.txt", "", 50, "Whatsappparsertest2", "Dave", 35, "2018-01-29 23:59:00", 9, "owner", "You changed this group's icon", 32, item.Location, "Whatsappparsertest2", item.Group, "m/d/yy, h:mm a -"},
	{"whatsr_en_ios_24h.txt", "", 50, "Whatsappparsertest2", "Dave", 42, "2018-01-30 00:11:20", 2, "owner", `You created group "WhatsAppParserTest🙈"`, 15, item.Media, "Whatsappparsertest2", item.Group, "[m/d/yy, HH:mm:ss]"},
	{"whatstk_lorem_merge_part1.txt", "", 300, "John", "Giuseppe", 100, "2019-11-07 00:05:00", 0, "", "", 0, "", "whatstk_lorem_merge_part1", item.Group, "yyyy-mm-dd, HH:mm -"},
	{"whatstk_pokemon.txt", "", 20, "Pokemon Chat", "Wobbuffet", 19, "2016-10-31 11:45:00", 2, "Pokemon Chat", "Messages you send to this group are now secured with end-to-end encryption. Tap for more info.", 0, "", "Pokemon Chat", item.Group, "dd.mm.yyyy, HH:mm -"},
	{"whatstk_samplechat_dot_24h_seconds.txt", "", 20, "owner", "Wobbuffet", 20, "2016-10-31 12:23:10", 1, "owner", "You created group “Sample Group”", 0, "", "Sample Group", item.Group, "dd.mm.yyyy, HH:mm:ss -"},
}

// TestSharedSamples parses every public sample export in shared/testdata and
// checks it against what the file says, and that every non-empty line is
// accounted for.
func TestSharedSamples(t *testing.T) {
	dir := sharedDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]sharedSample{}
	for _, s := range sharedSamples {
		known[s.file] = s
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			s, ok := known[name]
			if !ok {
				t.Fatalf("no expectations for %s: add it to sharedSamples", name)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res := parseBytes(t, data, name, opts(s.ownerName))
			if len(res.Rejected) != 0 {
				t.Errorf("rejected: %v", res.Rejected)
			}
			if len(res.Items) != s.items {
				t.Errorf("%d items, want %d", len(res.Items), s.items)
			}
			if len(res.Items) == 0 {
				return
			}
			if got := who(res.Items[0].From); got != s.first {
				t.Errorf("first from %q, want %q", got, s.first)
			}
			if got := who(res.Items[len(res.Items)-1].From); got != s.last {
				t.Errorf("last from %q, want %q", got, s.last)
			}
			if got := byLine(t, res, s.timeLine).Time.Format(time.DateTime); got != s.time {
				t.Errorf("line %d: time %s, want %s", s.timeLine, got, s.time)
			}
			if s.sysLine > 0 {
				it := byLine(t, res, s.sysLine)
				if it.Kind != item.System || who(it.From) != s.sysFrom || it.Text != s.sysText {
					t.Errorf("line %d: %s from %q %q, want system from %q %q", s.sysLine, it.Kind, who(it.From), it.Text, s.sysFrom, s.sysText)
				}
			}
			if s.mediaLine > 0 {
				if it := byLine(t, res, s.mediaLine); it.Kind != s.media {
					t.Errorf("line %d: kind %s, want %s", s.mediaLine, it.Kind, s.media)
				}
			}
			c := res.Items[0].Conversation
			if res.Chat != s.chat || c.Name != s.chat || c.Type != s.typ {
				t.Errorf("chat %q, conversation %+v, want %q %s", res.Chat, c, s.chat, s.typ)
			}
			if res.Format != s.format {
				t.Errorf("format %q, want %q", res.Format, s.format)
			}
			checkAccounted(t, data, res, true)
		})
	}
}

// looksLikeHeader is an independent, rough test for a message header: a
// date and a time at the start of the line.
var looksLikeHeader = regexp.MustCompile(`^\[?\d{1,4}[./-]\d{1,2}[./-]\d{2,4},? \d{1,2}:\d\d`)

// checkAccounted checks that every non-empty line of data is a message start
// (an item or a rejected line) or a continuation found in the text of the
// message it continues. strict also checks that no line that looks like a
// header (by a rough pattern of its own) was taken for a continuation.
func checkAccounted(t *testing.T, data []byte, res *Result, strict bool) {
	t.Helper()
	starts := map[int]string{}
	for _, it := range res.Items {
		n, err := strconv.Atoi(it.Meta["export-line"])
		if err != nil {
			t.Fatalf("item without export-line: %+v", it)
		}
		starts[n] = stripInvisible(it.Text)
	}
	for _, r := range res.Rejected {
		starts[r.Line] = stripInvisible(r.Text)
	}
	text := strings.ToValidUTF8(string(data), "\uFFFD")
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	if len(lines) != res.Lines {
		t.Errorf("read %d lines, the file has %d", res.Lines, len(lines))
	}
	cur, have := "", false
	for i, l := range lines {
		n := i + 1
		content := strings.TrimSpace(stripInvisible(l))
		if text, ok := starts[n]; ok {
			cur, have = text, true
			continue
		}
		if strict && looksLikeHeader.MatchString(content) {
			t.Errorf("line %d looks like a message but is neither an item nor rejected: %q", n, l)
		}
		if content == "" {
			continue
		}
		if e, ok := parseEdited(content); ok {
			content = e // an edited message's text is without the marker
		}
		if !have || !strings.Contains(cur, content) {
			t.Errorf("line %d is not accounted for: %q", n, l)
		}
	}
}
