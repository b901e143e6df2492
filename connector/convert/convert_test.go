package convert_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/custos-archive/custos/connector/convert"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store/blob"
	"github.com/emersion/go-message/mail"
)

var update = flag.Bool("update", false, "rewrite the golden .eml files")

type fixture struct {
	it   *item.Item
	name string
	eml  []byte
}

// convertFixtures converts every item of testdata/items.jsonl and renders it.
func convertFixtures(t *testing.T) []fixture {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open("testdata/items.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bs, err := blob.OpenDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := item.NewReader(f, "items.jsonl")
	var out []fixture
	for {
		it, line, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		refs, err := convert.StoreAttachments(ctx, bs, it, "testdata")
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		m, err := convert.Convert(it, refs)
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		var buf bytes.Buffer
		n, err := m.Render(&buf, func(h string) (io.ReadCloser, error) {
			rc, _, err := bs.Open(ctx, h)
			return rc, err
		})
		if err != nil {
			t.Fatalf("line %d: render: %v", line, err)
		}
		if n != m.Size() || int64(buf.Len()) != n {
			t.Fatalf("line %d: rendered %d bytes (buffer %d), Size() says %d", line, n, buf.Len(), m.Size())
		}
		name := fmt.Sprintf("%02d-%s-%s.eml", line, it.Source, strings.ReplaceAll(string(it.Kind), "_", "-"))
		out = append(out, fixture{it: it, name: name, eml: buf.Bytes()})
	}
	return out
}

func TestGolden(t *testing.T) {
	fs := convertFixtures(t)
	kinds := map[string]bool{}
	for _, fx := range fs {
		kinds[string(fx.it.Source)+"/"+string(fx.it.Kind)] = true
		path := filepath.Join("testdata", "golden", fx.name)
		if *update {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, fx.eml, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./connector/convert -update and review the files)", err)
		}
		if !bytes.Equal(want, fx.eml) {
			t.Errorf("%s differs from the golden file; review with -update and git diff", fx.name)
		}
	}
	// The seeds' kinds must all be covered by a golden file.
	for _, k := range []string{"whatsapp/chat", "whatsapp/attachment", "whatsapp/file", "whatsapp/call", "whatsapp/deleted",
		"whatsapp/edit", "whatsapp/system", "wechat/chat", "wechat/attachment", "wechat/file", "wechat/call", "wechat/recalled",
		"enterprise-number/sms", "enterprise-number/mms", "enterprise-number/chat", "enterprise-number/voice_recording",
		"enterprise-number/call_log"} {
		if !kinds[k] {
			t.Errorf("no golden message for %s", k)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := convertFixtures(t), convertFixtures(t)
	for i := range a {
		if !bytes.Equal(a[i].eml, b[i].eml) {
			t.Errorf("%s: two conversions of the same item differ", a[i].name)
		}
	}
}

type pyMessage struct {
	File        string   `json:"file"`
	From        []string `json:"from"`
	FromName    []string `json:"from_name"`
	To          []string `json:"to"`
	Subject     string   `json:"subject"`
	Date        string   `json:"date"`
	MessageID   string   `json:"message_id"`
	Source      string   `json:"source"`
	Kind        string   `json:"kind"`
	SourceID    string   `json:"source_id"`
	Text        *string  `json:"text"`
	HTML        *string  `json:"html"`
	Attachments []struct {
		Filename    string `json:"filename"`
		ContentType string `json:"content_type"`
		SHA256      string `json:"sha256"`
		Size        int64  `json:"size"`
	} `json:"attachments"`
	Defects []string `json:"defects"`
}

// TestPythonParses parses every produced message with Python's email package,
// a MIME parser nobody here wrote, and checks it sees what the item says.
func TestPythonParses(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed for the independent MIME check (apt-get install python3)")
	}
	fs := convertFixtures(t)
	dir := t.TempDir()
	args := []string{"testdata/mimecheck.py"}
	for _, fx := range fs {
		p := filepath.Join(dir, fx.name)
		if err := os.WriteFile(p, fx.eml, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	out, err := exec.Command(py, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("mimecheck.py: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got []pyMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(fs) {
		t.Fatalf("python parsed %d messages, want %d", len(got), len(fs))
	}
	for i, fx := range fs {
		p, it := got[i], fx.it
		t.Run(fx.name, func(t *testing.T) {
			if len(p.Defects) > 0 {
				t.Errorf("python found defects: %v", p.Defects)
			}
			if len(p.From) != 1 || p.From[0] != convert.Address(it.Source, it.From) || p.FromName[0] != it.From.Name {
				t.Errorf("From = %v %v, want %q <%s>", p.FromName, p.From, it.From.Name, convert.Address(it.Source, it.From))
			}
			var wantTo []string
			for _, r := range it.To {
				wantTo = append(wantTo, convert.Address(it.Source, r))
			}
			if strings.Join(p.To, ",") != strings.Join(wantTo, ",") {
				t.Errorf("To = %v, want %v", p.To, wantTo)
			}
			if p.Subject != convert.Subject(it) {
				t.Errorf("Subject = %q, want %q", p.Subject, convert.Subject(it))
			}
			d, err := time.Parse(time.RFC3339, p.Date)
			if err != nil || !d.Equal(it.Time.Truncate(time.Second)) {
				t.Errorf("Date = %s, want %s", p.Date, it.Time)
			}
			if p.MessageID != "<"+convert.MessageID(it.Source, it.SourceID)+">" {
				t.Errorf("Message-ID = %s", p.MessageID)
			}
			if p.Source != string(it.Source) || p.Kind != string(it.Kind) || p.SourceID != it.SourceID {
				t.Errorf("source headers = %s/%s/%s", p.Source, p.Kind, p.SourceID)
			}
			if p.Text == nil || p.HTML == nil {
				t.Fatalf("missing text (%v) or html (%v) body", p.Text != nil, p.HTML != nil)
			}
			for _, want := range []string{it.Text, origText(it)} {
				if want != "" && !strings.Contains(strings.ReplaceAll(*p.Text, "\r\n", "\n"), want) {
					t.Errorf("text body lacks %q:\n%s", want, *p.Text)
				}
			}
			atts := it.AllAttachments()
			if len(p.Attachments) != len(atts) {
				t.Fatalf("%d attachments, want %d", len(p.Attachments), len(atts))
			}
			for j, a := range atts {
				sum := sha256.Sum256(a.Data)
				pa := p.Attachments[j]
				if pa.Filename != a.Name || pa.ContentType != a.ContentType || pa.SHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("attachment %d = %+v, want %q %s %x", j, pa, a.Name, a.ContentType, sum)
				}
			}
		})
	}
}

func origText(it *item.Item) string {
	if it.Original == nil {
		return ""
	}
	return it.Original.Text
}

// TestGoMessageParses reads every produced message with go-message.
func TestGoMessageParses(t *testing.T) {
	for _, fx := range convertFixtures(t) {
		it := fx.it
		t.Run(fx.name, func(t *testing.T) {
			mr, err := mail.CreateReader(bytes.NewReader(fx.eml))
			if err != nil {
				t.Fatal(err)
			}
			subj, err := mr.Header.Subject()
			if err != nil || subj != convert.Subject(it) {
				t.Errorf("Subject = %q (%v), want %q", subj, err, convert.Subject(it))
			}
			from, err := mr.Header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Name != it.From.Name {
				t.Errorf("From = %v (%v)", from, err)
			}
			var texts []string
			var atts [][]byte
			var names []string
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(p.Body)
				if err != nil {
					t.Fatal(err)
				}
				switch h := p.Header.(type) {
				case *mail.InlineHeader:
					texts = append(texts, string(b))
				case *mail.AttachmentHeader:
					name, err := h.Filename()
					if err != nil {
						t.Fatal(err)
					}
					names = append(names, name)
					atts = append(atts, b)
				}
			}
			if len(texts) != 2 {
				t.Errorf("%d inline parts, want text and html", len(texts))
			}
			if it.Text != "" && len(texts) > 0 && !strings.Contains(strings.ReplaceAll(texts[0], "\r\n", "\n"), it.Text) {
				t.Errorf("text part lacks the item text")
			}
			all := it.AllAttachments()
			if len(atts) != len(all) {
				t.Fatalf("%d attachments, want %d", len(atts), len(all))
			}
			for j, a := range all {
				if names[j] != a.Name || !bytes.Equal(atts[j], a.Data) {
					t.Errorf("attachment %d: %q (%d bytes), want %q (%d bytes)", j, names[j], len(atts[j]), a.Name, len(a.Data))
				}
			}
		})
	}
}

func TestBase64Len(t *testing.T) {
	for _, n := range []int64{0, 1, 2, 3, 56, 57, 58, 114, 1000, 3071, 3072, 3073, 1 << 20} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*7 + i>>8)
		}
		m := &convert.Message{Skeleton: []byte("ab"), Holes: []convert.Hole{{Offset: 1, SHA256: "x", Size: n}}}
		var buf bytes.Buffer
		_, err := m.Render(&buf, func(string) (io.ReadCloser, error) {
			// One byte per read at first, then the rest: the line breaker
			// must not depend on how the encoder's writes are cut.
			return io.NopCloser(io.MultiReader(iotest.OneByteReader(bytes.NewReader(data[:n/3])), bytes.NewReader(data[n/3:]))), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if int64(buf.Len()) != m.Size() {
			t.Errorf("n=%d: rendered %d bytes, Size() = %d", n, buf.Len(), m.Size())
		}
		body := buf.String()[1 : buf.Len()-1]
		if n > 0 && !strings.HasSuffix(body, "\r\n") {
			t.Errorf("n=%d: base64 does not end with CRLF", n)
		}
		lines := strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
		for i, line := range lines {
			if len(line) > 76 || i < len(lines)-1 && len(line) != 76 {
				t.Errorf("n=%d: base64 line %d of %d chars", n, i, len(line))
			}
		}
		got, err := base64.StdEncoding.DecodeString(strings.Join(lines, ""))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("n=%d: base64 decodes to %d bytes (%v), not the attachment", n, len(got), err)
		}
	}
}

func TestRenderDetectsWrongBlob(t *testing.T) {
	m := &convert.Message{Skeleton: []byte("ab"), Holes: []convert.Hole{{Offset: 1, SHA256: "x", Size: 10}}}
	_, err := m.Render(io.Discard, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(make([]byte, 9))), nil
	})
	if err == nil {
		t.Fatal("a blob shorter than the hole says rendered without error")
	}
}

func TestMessageIDStable(t *testing.T) {
	a := convert.MessageID(item.WhatsApp, "wamid.1")
	if a != convert.MessageID(item.WhatsApp, "wamid.1") {
		t.Fatal("not stable")
	}
	if a == convert.MessageID(item.WeChat, "wamid.1") || a == convert.MessageID(item.WhatsApp, "wamid.2") {
		t.Fatal("different items share a Message-ID")
	}
}
