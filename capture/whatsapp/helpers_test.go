package whatsapp

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-archive/custos/item"
)

// checkBatch checks what every batch Parse returns must satisfy: every
// record's item validates, is of the WhatsApp source with an E.164 owner,
// and marshals; every media makes a valid attachment; every status has a
// message id, a status and a time.
func checkBatch(t testing.TB, b *Batch) {
	t.Helper()
	for i, rec := range b.Records {
		it := rec.Item
		if it == nil {
			t.Fatalf("record %d without item", i)
		}
		if err := it.Validate(); err != nil {
			t.Fatalf("record %d (%s) does not validate: %v", i, it.SourceID, err)
		}
		if it.Source != item.WhatsApp {
			t.Fatalf("record %d: source %q", i, it.Source)
		}
		if !item.IsE164(it.Owner) {
			t.Fatalf("record %d: owner %q is not E.164", i, it.Owner)
		}
		if it.Meta["type"] == "" && it.Kind != item.Call {
			t.Fatalf("record %d: no type in meta", i)
		}
		if _, err := json.Marshal(it); err != nil {
			t.Fatalf("record %d does not marshal: %v", i, err)
		}
		for j, m := range rec.Media {
			if m.ID == "" || m.Name == "" || m.ContentType == "" {
				t.Fatalf("record %d media %d without id, name or content type: %+v", i, j, m)
			}
			withBytes := *it
			withBytes.Attachments = []item.Attachment{m.Attachment("sha256:"+strings.Repeat("0", 64), 1)}
			if err := withBytes.Validate(); err != nil {
				t.Fatalf("record %d media %d %+v does not make a valid attachment: %v", i, j, m, err)
			}
		}
	}
	for i, s := range b.Statuses {
		if s.MessageID == "" || s.Status == "" || s.Time.IsZero() || len(s.Raw) == 0 {
			t.Fatalf("status %d incomplete: %+v", i, s)
		}
	}
	for i, ig := range b.Ignored {
		if ig.Path == "" || ig.Field == "" || ig.Reason == "" {
			t.Fatalf("ignored %d incomplete: %+v", i, ig)
		}
	}
}

// kinds lists the kinds of a batch's records.
func kinds(b *Batch) []item.Kind {
	var ks []item.Kind
	for _, r := range b.Records {
		ks = append(ks, r.Item.Kind)
	}
	return ks
}

// statuses lists a batch's statuses.
func statuses(b *Batch) []string {
	var ss []string
	for _, s := range b.Statuses {
		ss = append(ss, s.Status)
	}
	return ss
}

// ignoredFields lists the fields of a batch's ignored changes.
func ignoredFields(b *Batch) []string {
	var fs []string
	for _, ig := range b.Ignored {
		fs = append(fs, ig.Field)
	}
	return fs
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	return readFile(t, filepath.Join("testdata", name))
}

func eq[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if g, w := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}
