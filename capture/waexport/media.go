package waexport

import (
	"path"
	"regexp"
	"strings"

	"github.com/custos-archive/custos/item"
)

// mediaRef is an item that names a media file or says the media was left out.
type mediaRef struct {
	it      *item.Item
	name    string // the file name the export gives; "" when none
	omitted bool   // a placeholder without a file ("<Media omitted>")
	caption string // the text without the placeholder
}

// markOmitted records on the item that its media is not attached: the text
// keeps the placeholder, meta says so.
func markOmitted(ref mediaRef) {
	ref.it.Meta["media"] = "omitted"
	if ref.name != "" {
		ref.it.Meta["media-file"] = ref.name
	}
}

// iOS: "<attached: 00000012-PHOTO-2020-01-01-10-00-00.jpg>", "<Anhang: …>".
var attachedRe = regexp.MustCompile(`<(?:attached|Anhang|adjunto|anexado|allegato|pièce jointe|bijlage)\s?:\s*([^<>]+?)\s*>`)

// Android: "IMG-20200101-WA0001.jpg (file attached)", caption on the next line.
var attachedSuffixes = []string{
	" (file attached)", " (Datei angehängt)", " (archivo adjunto)", " (fichier joint)",
	" (arquivo anexado)", " (file allegato)", " (bestand bijgevoegd)", " (dosya ekli)", " (файл добавлен)",
}

// Android placeholders of an export without media.
var omittedAndroid = map[string]item.Kind{
	"<Media omitted>": item.Media, "<Medien ausgeschlossen>": item.Media,
	"<Video message omitted>": item.Media, "<Videonachricht weggelassen>": item.Media,
	"<Video note omitted>": item.Media, "<Videonotiz weggelassen>": item.Media,
	"<Sticker omitted>": item.Media, "<View once voice message omitted>": item.Media,
	"<Multimedia omitido>": item.Media, "<Médias omis>": item.Media, "<Mídia oculta>": item.Media,
	"<Arquivo de mídia oculto>": item.Media, "<Media omessi>": item.Media, "<Media weggelaten>": item.Media,
	"<Без медиафайлов>": item.Media, "<Medya dahil edilmedi>": item.Media,
}

// iOS placeholders of an export without media: "<what> omitted".
var omittedIOS = map[string]item.Kind{
	"image": item.Media, "audio": item.Media, "video": item.Media, "gif": item.Media,
	"sticker": item.Media, "video message": item.Media, "video note": item.Media,
	"contact card": item.Contact, "document": item.File,
	"bild": item.Media, "videonachricht": item.Media, "videonotiz": item.Media,
	"kontaktkarte": item.Contact, "dokument": item.File,
}

// "Report.pdf • 3 pages document", "Bericht.pdf • 3 Seiten Dokument", "a.docx document".
var omittedDocRe = regexp.MustCompile(`^(.{1,240}?\.[A-Za-z0-9]{1,8})(?:\s*•\s*\d+\s*(?:pages?|Seiten?))?(?:\s+(?:document|Dokument))?$`)

// parseMedia reads a media placeholder on the first line of text.
func parseMedia(text string) (class, bool) {
	first, rest, _ := strings.Cut(text, "\n")
	f := strings.TrimSpace(stripInvisible(first))
	if f == "" || len(f) > 1024 {
		return class{}, false
	}
	if !strings.Contains(f, "<") && !strings.Contains(f, " (") && !strings.HasSuffix(f, "omitted") && !strings.HasSuffix(f, "lassen") {
		return class{}, false
	}
	if m := attachedRe.FindStringSubmatchIndex(f); m != nil {
		name := cleanFileName(f[m[2]:m[3]])
		if name != "" {
			caption := strings.TrimSpace(f[:m[0]] + " " + f[m[1]:])
			return class{kind: kindOf(name), media: name, caption: joinCaption(caption, rest)}, true
		}
	}
	for _, suf := range attachedSuffixes {
		if n, ok := strings.CutSuffix(f, suf); ok {
			if name := cleanFileName(n); name != "" {
				return class{kind: kindOf(name), media: name, caption: rest}, true
			}
		}
	}
	if k, ok := omittedAndroid[f]; ok {
		return class{kind: k, omitted: true, caption: rest}, true
	}
	for _, suf := range []string{" omitted", " weggelassen", " ausgelassen"} {
		head, ok := strings.CutSuffix(f, suf)
		if !ok {
			continue
		}
		if k, ok := omittedIOS[strings.ToLower(head)]; ok {
			return class{kind: k, omitted: true, caption: rest}, true
		}
		if m := omittedDocRe.FindStringSubmatch(head); m != nil {
			name := cleanFileName(m[1])
			return class{kind: kindOf(name), media: name, omitted: true, caption: rest}, true
		}
	}
	return class{}, false
}

func joinCaption(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

// cleanFileName returns the file name a placeholder gives, or "" when it
// cannot be one.
func cleanFileName(s string) string {
	s = strings.TrimSpace(stripInvisible(s))
	if s == "" || len(s) > 255 || strings.ContainsAny(s, "\x00\r\n") {
		return ""
	}
	return s
}

// ext returns the lower-case extension of name, without the dot.
func ext(name string) string {
	e := path.Ext(name)
	if e == "" {
		return ""
	}
	return strings.ToLower(e[1:])
}

// contentTypes maps the extensions WhatsApp writes to MIME types. A fixed
// table, not mime.TypeByExtension, so results do not depend on the host.
var contentTypes = map[string]string{
	"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
	"webp": "image/webp", "heic": "image/heic", "heif": "image/heif", "bmp": "image/bmp",
	"mp4": "video/mp4", "3gp": "video/3gpp", "mov": "video/quicktime", "m4v": "video/x-m4v",
	"mkv": "video/x-matroska", "webm": "video/webm", "avi": "video/x-msvideo",
	"opus": "audio/ogg", "ogg": "audio/ogg", "oga": "audio/ogg", "m4a": "audio/mp4",
	"aac": "audio/aac", "mp3": "audio/mpeg", "amr": "audio/amr", "wav": "audio/wav", "caf": "audio/x-caf",
	"vcf": "text/vcard", "pdf": "application/pdf", "txt": "text/plain", "csv": "text/csv",
	"doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"zip":  "application/zip", "rtf": "application/rtf", "json": "application/json",
}

// contentType returns the MIME type of a file name.
func contentType(name string) string {
	if t, ok := contentTypes[ext(name)]; ok {
		return t
	}
	return "application/octet-stream"
}

// kindOf says what kind of item a media file makes: images, video, audio,
// voice notes and stickers are attachments (item.Media), contact cards
// contacts, everything else files.
func kindOf(name string) item.Kind {
	switch t := contentType(name); {
	case t == "text/vcard":
		return item.Contact
	case strings.HasPrefix(t, "image/"), strings.HasPrefix(t, "video/"), strings.HasPrefix(t, "audio/"):
		return item.Media
	}
	// "AUD-20190101-WA0000." (no extension) and iOS "00000012-PHOTO-…".
	u := strings.ToUpper(name)
	for _, p := range []string{"IMG-", "VID-", "AUD-", "PTT-", "STK-"} {
		if strings.HasPrefix(u, p) {
			return item.Media
		}
	}
	for _, p := range []string{"-PHOTO-", "-VIDEO-", "-AUDIO-", "-STICKER-", "-GIF-"} {
		if strings.Contains(u, p) {
			return item.Media
		}
	}
	return item.File
}
