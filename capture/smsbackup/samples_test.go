package smsbackup

import (
	"errors"
	"github.com/custos-archive/custos/internal/sharedtest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

// sharedDir returns the shared samples of this format, or skips the test.
func sharedDir(t *testing.T) string { return sharedtest.Dir(t, "sms-backup-restore") }

// TestSharedSamples parses every .xml in the shared samples folder and
// checks, per file, the counts of what was emitted, skipped and rejected, a
// few fields read off the file by hand, and that every <sms>, <mms> and
// <call> (counted by a plain scan of the file) is accounted for: emitted +
// duplicates + rejected + unfinished == elements.
func TestSharedSamples(t *testing.T) {
	dir := sharedDir(t)
	type want struct {
		owner                  string // the phone the backup was made on
		sms, mms, calls, dupes int
		rejected               int
		truncatedAt            int // line of the cut element, 0 for a complete file
		check                  func(t *testing.T, items []*item.Item)
	}
	// The devadvance files are one owner's (+15550000007: the To of
	// received MMS, the From of sent ones). The shruggie files make most
	// sense with owner +15559876543 (the SMS center and the MMS From
	// addr); fkleon's German numbers get a German owner.
	const dev, shr, fk = "+15550000007", "+15559876543", "+4917600000000"
	table := map[string]want{
		"devadvance_empty.xml": {owner: dev},
		"devadvance_sample_mms.xml": {owner: dev, mms: 4, check: func(t *testing.T, items []*item.Item) {
			for i, w := range []struct{ text, name, ct string }{
				{"Here is an image attachment", "image.png", "image/png"},
				{"Here is a video attachment", "video.mp4", "video/mp4"},
				{"Here is an audio attachment", "audio.mp3", "audio/mp3"},
				{"Here is a PDF attachment", "document.pdf", "application/pdf"},
			} {
				it := items[i]
				eq(t, "text", it.Text, w.text)
				eq(t, "attachment", [2]string{it.Attachments[0].Name, it.Attachments[0].ContentType}, [2]string{w.name, w.ct})
				eq(t, "From", it.From, item.Participant{Name: "Contact C", Phone: "+15550000003"})
			}
			eq(t, "png bytes", string(items[0].Attachments[0].Data[:8]), "\x89PNG\r\n\x1a\n")
			eq(t, "pdf bytes", string(items[3].Attachments[0].Data[:8]), "%PDF-1.4")
			eq(t, "time", items[0].Time, time.UnixMilli(1721161764000).UTC())
		}},
		"devadvance_sample_small.xml": {owner: dev, sms: 5, mms: 2, check: func(t *testing.T, items []*item.Item) {
			mms1 := find(t, items, "MMS 1 text in Thread 1")
			eq(t, "mms with a Cc addr only: From", mms1.From, item.Participant{Name: "Contact A", Phone: "+15550000001"})
			mms2 := find(t, items, "MMS 2 text in Thread 2")
			eq(t, "sent mms From", mms2.From.Phone, dev)
			eq(t, "sent mms To", mms2.To, []item.Participant{{Name: "Contact B", Phone: "+15550000002"}})
			sms2 := find(t, items, "SMS 2 in Thread 1")
			eq(t, "sent sms", [2]string{sms2.From.Phone, sms2.To[0].Phone}, [2]string{dev, "+15550000001"})
			eq(t, "thread", sms2.Conversation.ID, mms1.Conversation.ID)
		}},
		"devadvance_sms_and_mms.xml": {owner: dev, sms: 41, mms: 8, truncatedAt: 133, check: func(t *testing.T, items []*item.Item) {
			eq(t, "multi-line body", find(t, items, "Body text 10").Text, "Body text 10\nBody text 11\nBody text 12")
			group := find(t, items, "Body text 47")
			eq(t, "group conversation", group.Conversation, item.Conversation{ID: "+15550000006,+15550000007,+15550000009,+15550000010", Type: item.Group})
			eq(t, "group From", group.From, item.Participant{Phone: "+15550000009"})
			eq(t, "group To", group.To, []item.Participant{{Name: "Owner", Phone: dev}, {Phone: "+15550000006"}, {Phone: "+15550000010"}})
			eq(t, "RCS group address kept", group.Meta["address"], "group_8@rcs.google.com")
			sent := find(t, items, "Body text 48")
			eq(t, "sent group From", sent.From.Phone, dev)
			eq(t, "sent group conversation", sent.Conversation.ID, group.Conversation.ID)
			img := find(t, items, "Body text 55")
			eq(t, "smil skipped, image kept", len(img.Attachments), 1)
			eq(t, "image name", img.Attachments[0].Name, "image_10.png")
			eq(t, "last complete item", items[len(items)-1].Text, "Body text 55")
		}},
		"devadvance_sms_small.xml": {owner: dev, sms: 12, check: func(t *testing.T, items []*item.Item) {
			eq(t, "first", [2]string{items[0].From.Phone, items[0].Text}, [2]string{"+15550000001", "Body text 1"})
			eq(t, "time", items[0].Time, time.UnixMilli(1512226167463).UTC())
		}},
		"fkleon_empty_sms.xml": {owner: fk},
		"fkleon_sms_dupes.xml": {owner: fk, sms: 7, dupes: 1, check: func(t *testing.T, items []*item.Item) {
			n := 0
			for _, it := range items {
				if it.Text == "Duplicate text." {
					n++
				}
			}
			eq(t, "duplicate stored once", n, 1)
			us := find(t, items, "Americana.")
			eq(t, "national US number as ID", us.To, []item.Participant{{Name: "Contact 4", ID: "7733387786"}})
			eq(t, "raw address", us.Meta["address"], "773-338-7786")
			eq(t, "trailing space kept", find(t, items, "Beer").Text, "Beer, beer. beer - I'm going for a beer. ")
		}},
		"fkleon_sms_non_dupes.xml": {owner: fk, sms: 2, check: func(t *testing.T, items []*item.Item) {
			if items[0].SourceID == items[1].SourceID {
				t.Error("near-duplicates share a SourceID")
			}
			eq(t, "directions", [2]string{items[0].Meta["status"], items[1].Meta["status"]}, [2]string{"sent", "received"})
		}},
		"shruggie_minimal_calls.xml": {owner: shr, calls: 1, check: func(t *testing.T, items []*item.Item) {
			c := items[0]
			eq(t, "call", *c.Call, item.CallInfo{Direction: "inbound", Status: "completed", Duration: 125})
			eq(t, "From", c.From, item.Participant{Name: "Alice Smith", Phone: "+15551234567"})
			eq(t, "time", c.Time, time.Date(2021, 1, 3, 0, 0, 0, 0, time.UTC))
			eq(t, "kind", c.Kind, item.CallLog)
		}},
		"shruggie_minimal_mms.xml": {owner: shr, mms: 1, check: func(t *testing.T, items []*item.Item) {
			m := items[0]
			// The From addr is the owner on a received message: the
			// address attribute names the sender.
			eq(t, "From", m.From, item.Participant{Name: "Alice Smith", Phone: "+15551234567"})
			eq(t, "To", m.To, []item.Participant{{Name: "Owner", Phone: shr}})
			eq(t, "text", m.Text, "Hello from MMS!")
			eq(t, "attachment", [3]any{m.Attachments[0].Name, m.Attachments[0].ContentType, m.Attachments[0].Size}, [3]any{"image.jpg", "image/jpeg", int64(70)})
			eq(t, "subject", m.Meta["subject"], "Test MMS Subject")
		}},
		"shruggie_minimal_sms.xml": {owner: shr, sms: 1, check: func(t *testing.T, items []*item.Item) {
			eq(t, "text", items[0].Text, "Happy New Year! This is a test message.")
			eq(t, "From", items[0].From, item.Participant{Name: "Alice Smith", Phone: "+15551234567"})
		}},
		"shruggie_mixed.xml": {owner: shr, sms: 3, mms: 1, check: func(t *testing.T, items []*item.Item) {
			eq(t, "order", []item.Kind{items[0].Kind, items[1].Kind, items[2].Kind, items[3].Kind}, []item.Kind{item.SMS, item.MMS, item.SMS, item.SMS})
			eq(t, "text-only mms", items[1].Text, "This is a text-only MMS from Alice.")
			draft := items[3]
			eq(t, "draft kept", draft.Meta["status"], "draft")
			eq(t, "draft To", draft.To, []item.Participant{{Name: "Bob Jones", Phone: "+15559990001"}})
		}},
	}

	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			w, known := table[name]
			if !known {
				// A sample added later: check what holds for every
				// file, with a made-up owner.
				w.owner = "+10000000000"
			}
			items, st, err, data := parseFile(t, path, name, w.owner)
			if !known {
				t.Logf("no expectations for %s: %d items, %+v, error %v", name, len(items), st, err)
				if err == nil || errors.Is(err, ErrTruncated) {
					checkAccounting(t, data, items, st)
				}
				return
			}
			if w.truncatedAt == 0 && err != nil {
				t.Fatalf("error: %v", err)
			}
			if w.truncatedAt != 0 {
				var pe *Error
				if !errors.Is(err, ErrTruncated) || !errors.As(err, &pe) || pe.Line != w.truncatedAt || pe.File != name {
					t.Fatalf("error %v, want ErrTruncated naming %s line %d", err, name, w.truncatedAt)
				}
				if st.Unfinished != 1 {
					t.Errorf("Unfinished = %d, want 1", st.Unfinished)
				}
			}
			got := [5]int{st.SMS, st.MMS, st.Calls, st.Duplicates, st.RejectedCount}
			if want := [5]int{w.sms, w.mms, w.calls, w.dupes, w.rejected}; got != want {
				t.Errorf("sms, mms, calls, duplicates, rejected = %v, want %v (rejected: %v)", got, want, st.Rejected)
			}
			checkAccounting(t, data, items, st)
			for _, it := range items {
				if it.Source != item.EnterpriseNumber || it.Owner != w.owner || !strings.Contains(it.Conversation.ID, w.owner) {
					t.Errorf("%s: source %q, owner %q, conversation %q", it.SourceID, it.Source, it.Owner, it.Conversation.ID)
				}
			}
			if w.check != nil && !t.Failed() {
				w.check(t, items)
			}
		})
	}
	for name := range table {
		if !seen[name] {
			t.Errorf("sample %s is in the table but not in %s", name, dir)
		}
	}
}
