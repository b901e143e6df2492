package export

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestMboxQuoting(t *testing.T) {
	msgs := []string{
		"Subject: a\r\n\r\nFrom here\r\n>From there\r\nno From\r\nFro\r\n",
		"Subject: b\n\nlast line without newline",
		"Subject: c\r\n\r\n>>From x\r\nFrom",
	}
	var buf bytes.Buffer
	m := NewMbox(&buf)
	for _, s := range msgs {
		s := s
		if err := m.Add("a@b.example", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(w io.Writer) error {
			// Write in small pieces to exercise the streaming state.
			for i := 0; i < len(s); i += 3 {
				end := min(i+3, len(s))
				if _, err := w.Write([]byte(s[i:end])); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	m.Flush()
	want := "From a@b.example Mon Mar  2 09:00:00 2026\nSubject: a\n\n>From here\n>>From there\nno From\nFro\n\n" +
		"From a@b.example Mon Mar  2 09:00:00 2026\nSubject: b\n\nlast line without newline\n\n" +
		"From a@b.example Mon Mar  2 09:00:00 2026\nSubject: c\n\n>>>From x\nFrom\n\n"
	if buf.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", buf.String(), want)
	}
}

// TestMboxPython reads the file back with Python's mailbox module.
func TestMboxPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed (apt-get install python3)")
	}
	path := filepath.Join(t.TempDir(), "out.mbox")
	f, _ := os.Create(path)
	m := NewMbox(f)
	bodies := []string{"From the start\r\nline two", "plain"}
	for i, b := range bodies {
		msg := "Subject: m" + string(rune('0'+i)) + "\r\n\r\n" + b + "\r\n"
		m.Add("", time.Unix(0, 0), func(w io.Writer) error { _, err := io.WriteString(w, msg); return err })
	}
	m.Flush()
	f.Close()
	script := `import mailbox,sys
for msg in mailbox.mbox(sys.argv[1]):
    print(msg["Subject"], repr(msg.get_payload()))`
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// Python's mailbox splits on From_ lines but does not undo the quoting
	// (mboxrd readers do): it must see two messages, the first one quoted.
	want := "m0 '>From the start\\nline two\\n'\nm1 'plain\\n'\n"
	if string(out) != want {
		t.Fatalf("python read %q, want %q", out, want)
	}
}
