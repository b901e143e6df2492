package waexport

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/custos-archive/custos/item"
)

type zipFile struct {
	name string
	data []byte
}

// writeZip writes a zip of files to path; store keeps them uncompressed.
func writeZip(t *testing.T, path string, store bool, files ...zipFile) {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		if store {
			h.Method = zip.Store
		}
		fw, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func sameAttachment(a, b item.Attachment) bool {
	return a.Name == b.Name && a.ContentType == b.ContentType && a.Size == b.Size && a.SHA256 == b.SHA256 &&
		a.Path == b.Path && a.Blob == b.Blob && bytes.Equal(a.Data, b.Data)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestParseZipIOS(t *testing.T) {
	tmp := t.TempDir()
	photo := bytes.Repeat([]byte("jpeg"), 50000)
	pdf := []byte("%PDF-1.4 quarterly report")
	vcf := []byte("BEGIN:VCARD\nFN:Bob Chen\nEND:VCARD\n")
	chat := "" +
		"[15/03/2024, 09:19:02] Bob Chen: Hi\n" +
		"[15/03/2024, 09:20:11] Bob Chen: \u200e<attached: 00000012-PHOTO-2024-03-15-09-20-11.jpg>\n" +
		"[15/03/2024, 09:20:12] Dana Lee: Q1 report.pdf • 3 pages \u200e<attached: 00000013-Q1 report.pdf>\n" +
		"[15/03/2024, 09:21:00] Bob Chen: \u200e<attached: 00000014-Bob Chen.vcf>\n" +
		"[15/03/2024, 09:22:00] Bob Chen: \u200e<attached: 00000015-PHOTO-2024-03-15-09-22-00.jpg>\n" +
		"[15/03/2024, 09:23:00] Bob Chen: \u200e<attached: 00000012-PHOTO-2024-03-15-09-20-11.jpg>\n" +
		"[15/03/2024, 09:24:00] Bob Chen: \u200eimage omitted\n"
	zipPath := filepath.Join(tmp, "WhatsApp Chat - Bob Chen.zip")
	writeZip(t, zipPath, false,
		zipFile{"_chat.txt", []byte(chat)},
		zipFile{"00000012-PHOTO-2024-03-15-09-20-11.jpg", photo},
		zipFile{"00000013-Q1 report.pdf", pdf},
		zipFile{"00000014-Bob Chen.vcf", vcf},
		zipFile{"00000099-STICKER-2024-03-15-09-30-00.webp", []byte("not named by any message")},
	)
	out := filepath.Join(tmp, "media")
	res, err := ParseZip(zipPath, out, opts(""))
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	if len(res.Items) != 7 || len(res.Rejected) != 0 || res.Chat != "Bob Chen" {
		t.Fatalf("%d items, rejected %v, chat %q", len(res.Items), res.Rejected, res.Chat)
	}
	if it := res.Items[1]; who(it.From) != "Bob Chen" || res.Items[2].From.Name != "Dana Lee" || who(res.Items[2].From) != "owner" {
		t.Errorf("from %+v / %+v", it.From, res.Items[2].From)
	}
	attached := func(i int, kind item.Kind, text string, a item.Attachment) {
		t.Helper()
		it := res.Items[i]
		if it.Kind != kind || it.Text != text || len(it.Attachments) != 1 || !sameAttachment(it.Attachments[0], a) {
			t.Errorf("item %d: %s %q %+v, want %s %q %+v", i, it.Kind, it.Text, it.Attachments, kind, text, a)
			return
		}
		if _, ok := it.Meta["media"]; ok {
			t.Errorf("item %d: meta %v", i, it.Meta)
		}
		got, err := os.ReadFile(a.Path)
		if err != nil || sha(got) != a.SHA256 {
			t.Errorf("item %d: extracted file %s: %v", i, a.Path, err)
		}
	}
	photoA := item.Attachment{Name: "00000012-PHOTO-2024-03-15-09-20-11.jpg", ContentType: "image/jpeg", Size: int64(len(photo)), SHA256: sha(photo), Path: filepath.Join(out, "00000012-PHOTO-2024-03-15-09-20-11.jpg")}
	attached(1, item.Media, "", photoA)
	attached(2, item.File, "Q1 report.pdf • 3 pages", item.Attachment{Name: "00000013-Q1 report.pdf", ContentType: "application/pdf", Size: int64(len(pdf)), SHA256: sha(pdf), Path: filepath.Join(out, "00000013-Q1 report.pdf")})
	attached(3, item.Contact, "", item.Attachment{Name: "00000014-Bob Chen.vcf", ContentType: "text/vcard", Size: int64(len(vcf)), SHA256: sha(vcf), Path: filepath.Join(out, "00000014-Bob Chen.vcf")})
	attached(5, item.Media, "", photoA) // the same file again: extracted once

	// Named but not in the zip, and left out of the export.
	if it := res.Items[4]; it.Kind != item.Media || len(it.Attachments) != 0 || it.Meta["media"] != "omitted" ||
		it.Meta["media-file"] != "00000015-PHOTO-2024-03-15-09-22-00.jpg" || it.Text != "<attached: 00000015-PHOTO-2024-03-15-09-22-00.jpg>" {
		t.Errorf("missing media: %+v", it)
	}
	if it := res.Items[6]; it.Meta["media"] != "omitted" || len(it.Attachments) != 0 {
		t.Errorf("omitted media: %+v", it)
	}
	if it := res.Items[0]; it.Meta["export-file"] != "WhatsApp Chat - Bob Chen.zip/_chat.txt" || it.Meta["export-line"] != "1" {
		t.Errorf("meta %v", it.Meta)
	}
	// Only what messages name is extracted.
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("extracted %d files, want 3", len(entries))
	}
	// Same zip, same ids as the text alone.
	txt := parseBytes(t, []byte(chat), "x.txt", Options{Owner: item.Participant{Phone: ownerPhone}, Chat: "Bob Chen"})
	for i := range txt.Items {
		if txt.Items[i].SourceID != res.Items[i].SourceID {
			t.Errorf("item %d: id differs between ParseText and ParseZip", i)
		}
	}
}

func TestParseZipAndroid(t *testing.T) {
	tmp := t.TempDir()
	img := []byte("\xff\xd8\xff image bytes")
	chat := "05/01/2024, 09:04 - Alice: IMG-20240105-WA0002.jpg (file attached)\nThe whiteboard\n" +
		"05/01/2024, 09:05 - Bob: AUD-20240105-WA0003. (file attached)\n"
	zipPath := filepath.Join(tmp, "export.zip")
	writeZip(t, zipPath, true,
		zipFile{"WhatsApp Chat with Team.txt", []byte(chat)},
		zipFile{"IMG-20240105-WA0002.jpg", img},
		zipFile{"AUD-20240105-WA0003.", []byte("ogg")},
	)
	res, err := ParseZip(zipPath, filepath.Join(tmp, "m"), opts("Bob"))
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	if res.Chat != "Team" || len(res.Items) != 2 {
		t.Fatalf("chat %q, %d items", res.Chat, len(res.Items))
	}
	if it := res.Items[0]; it.Text != "The whiteboard" || it.Attachments[0].Size != int64(len(img)) || it.Meta["media-file"] != "IMG-20240105-WA0002.jpg" {
		t.Errorf("item 0: %+v", it)
	}
	if it := res.Items[1]; it.Kind != item.Media || it.Attachments[0].ContentType != "application/octet-stream" || who(it.From) != "owner" {
		t.Errorf("item 1: %+v", it)
	}
}

func TestParseZipErrors(t *testing.T) {
	tmp := t.TempDir()
	good := filepath.Join(tmp, "good.zip")
	writeZip(t, good, false, zipFile{"_chat.txt", []byte("1/1/21, 12:00 - A: IMG-1.jpg (file attached)\n")}, zipFile{"IMG-1.jpg", bytes.Repeat([]byte{1}, 1000)})
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(tmp, "truncated.zip")
	if err := os.WriteFile(truncated, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	notZip := filepath.Join(tmp, "chat.zip")
	if err := os.WriteFile(notZip, []byte("1/1/21, 12:00 - A: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noText := filepath.Join(tmp, "notext.zip")
	writeZip(t, noText, false, zipFile{"IMG-1.jpg", []byte("x")})
	twoTexts := filepath.Join(tmp, "two.zip")
	writeZip(t, twoTexts, false, zipFile{"a.txt", []byte("x")}, zipFile{"b.txt", []byte("y")})
	notExport := filepath.Join(tmp, "notexport.zip")
	writeZip(t, notExport, false, zipFile{"_chat.txt", []byte("shopping list\n")})

	// A media file whose bytes were damaged: its checksum fails.
	marker := bytes.Repeat([]byte("MEDIA"), 100)
	corrupt := filepath.Join(tmp, "corrupt.zip")
	writeZip(t, corrupt, true,
		zipFile{"_chat.txt", []byte("1/1/21, 12:00 - A: IMG-1.jpg (file attached)\n1/1/21, 12:01 - A: IMG-2.jpg (file attached)\n")},
		zipFile{"IMG-1.jpg", []byte("fine")},
		zipFile{"IMG-2.jpg", marker})
	data, err = os.ReadFile(corrupt)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, marker)
	data[i+10] ^= 0xff
	if err := os.WriteFile(corrupt, data, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, path, dir string
		is              error
		msg             string
	}{
		{"truncated", truncated, "m1", ErrBadZip, truncated + ": not a usable WhatsApp export zip"},
		{"not a zip", notZip, "m2", ErrBadZip, notZip},
		{"missing", filepath.Join(tmp, "nope.zip"), "m3", ErrBadZip, "nope.zip"},
		{"no text", noText, "m4", ErrBadZip, "holds no chat text"},
		{"two texts", twoTexts, "m5", ErrBadZip, "several texts that could be the chat (a.txt, b.txt)"},
		{"not an export", notExport, "m6", ErrNotExport, "notexport.zip/_chat.txt"},
		{"corrupt media", corrupt, "m7", zip.ErrChecksum, corrupt + ": extracting IMG-2.jpg"},
		{"no dir", good, "", ErrOptions, "directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir
			if dir != "" {
				dir = filepath.Join(tmp, dir)
			}
			_, err := ParseZip(tc.path, dir, opts(""))
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want %v containing %q", err, tc.is, tc.msg)
			}
			if dir == "" {
				return
			}
			// A failing call leaves nothing behind.
			entries, _ := os.ReadDir(dir)
			if len(entries) != 0 {
				t.Errorf("left %d files in %s", len(entries), dir)
			}
		})
	}
}

// TestParseZipStreams extracts a 64 MiB media file and checks that it was
// never held in memory.
func TestParseZipStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	tmp := t.TempDir()
	zipPath := filepath.Join(tmp, "big.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	w := zip.NewWriter(f)
	cw, _ := w.Create("_chat.txt")
	io.WriteString(cw, "1/1/21, 12:00 - A: VID-20210101-WA0001.mp4 (file attached)\n")
	mw, _ := w.Create("VID-20210101-WA0001.mp4")
	const size = 64 << 20
	chunk := make([]byte, 1<<20)
	for i := 0; i < size/len(chunk); i++ {
		mw.Write(chunk)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := ParseZip(zipPath, filepath.Join(tmp, "m"), opts(""))
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if a := res.Items[0].Attachments; len(a) != 1 || a[0].Size != size {
		t.Fatalf("attachments %+v", a)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/8 {
		t.Errorf("allocated %d bytes for a %d byte file: not streamed", alloc, size)
	}
}
