package whatsapp

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/custos-archive/custos/item"
)

// Media is a media object a message refers to but does not carry: the
// bytes are fetched by ID from the Graph API (FetchMedia) within 30 days.
type Media struct {
	// ID is the media id the bytes are fetched by.
	ID string `json:"id"`
	// Type is the message type the media came as: image, video, audio,
	// voice, sticker or document.
	Type string `json:"type"`
	// MimeType is the type as the platform gives it, parameters and all
	// ("audio/ogg; codecs=opus").
	MimeType string `json:"mime_type,omitempty"`
	// SHA256 is the checksum as the platform gives it: base64 of the
	// SHA-256 in webhooks. SHA256Hex decodes it.
	SHA256 string `json:"sha256,omitempty"`
	// Filename is the document's original name as sent; empty for other
	// media.
	Filename string `json:"filename,omitempty"`
	// Voice is true for a voice note (an audio recorded in the chat).
	Voice bool `json:"voice,omitempty"`
	// Animated is true for an animated sticker.
	Animated bool `json:"animated,omitempty"`
	// Name is the file name the attachment gets: Filename's last path
	// element without control characters, or "<id>.<ext>" with the
	// extension of ContentType ("1234.jpg", "5678.ogg"; ".bin" for a type
	// WhatsApp does not send).
	Name string `json:"name"`
	// ContentType is the MIME type the attachment gets: MimeType without
	// parameters, in lower case, or application/octet-stream when the
	// platform gave none or something that is not a MIME type.
	ContentType string `json:"content_type"`
}

// newMedia returns the media of a message's media object, with its Name
// and ContentType.
func newMedia(typ string, obj *mediaObject) Media {
	m := Media{
		ID:       strings.TrimSpace(obj.ID),
		Type:     typ,
		MimeType: obj.MimeType,
		SHA256:   obj.SHA256,
		Filename: obj.Filename,
		Voice:    obj.Voice || typ == "voice",
		Animated: obj.Animated,
	}
	m.ContentType = contentType(m.MimeType)
	m.Name = mediaName(m.ID, m.Filename, m.ContentType)
	return m
}

// Attachment returns the attachment of the media once its bytes are
// stored: blob is where ("sha256:<hex>"), size their length. The caller
// appends it to the item's Attachments.
func (m Media) Attachment(blob string, size int64) item.Attachment {
	a := item.Attachment{Name: m.Name, ContentType: m.ContentType, Size: size, Blob: blob}
	if a.ContentType == "" {
		a.ContentType = contentType(m.MimeType)
	}
	if a.Name == "" {
		a.Name = mediaName(m.ID, m.Filename, a.ContentType)
	}
	return a
}

// mediaName is the file name of a media: the sender's file name, cleaned,
// or the id and the extension of the type.
func mediaName(id, filename, contentType string) string {
	if n := cleanFilename(filename); n != "" {
		return n
	}
	return safeID(id) + "." + extension(contentType)
}

// contentType returns a MIME type without parameters, in lower case;
// application/octet-stream when s is not a MIME type.
func contentType(s string) string {
	t, _, _ := strings.Cut(s, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	typ, sub, ok := strings.Cut(t, "/")
	if !ok || !isToken(typ) || !isToken(sub) {
		return "application/octet-stream"
	}
	return t
}

// SHA256Hex returns the media's checksum as lowercase hex, for comparing
// with the bytes fetched; ok is false when SHA256 is neither base64 nor hex
// of 32 bytes.
func (m Media) SHA256Hex() (sum string, ok bool) {
	s := strings.TrimSpace(m.SHA256)
	if len(s) == 64 {
		if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
			return hex.EncodeToString(b), true
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return hex.EncodeToString(b), true
		}
	}
	return "", false
}

// isToken reports whether s is a MIME type or subtype token (RFC 2045).
func isToken(s string) bool {
	if s == "" || len(s) > 127 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?=", c) >= 0 {
			return false
		}
	}
	return true
}

// cleanFilename returns the last path element of a file name the sender
// chose, without control characters, at most 255 bytes; "" when nothing
// usable is left.
func cleanFilename(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	for len(s) > 255 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	s = strings.TrimSpace(s)
	if s == "." || s == ".." {
		return ""
	}
	return s
}

// safeID returns a media id fit for a file name: letters, digits, '.',
// '-' and '_', other bytes as '_'.
func safeID(id string) string {
	var b strings.Builder
	for i := 0; i < len(id) && b.Len() < 100; i++ {
		c := id[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "media"
	}
	return b.String()
}

// extensions maps the MIME types WhatsApp sends to file extensions.
var extensions = map[string]string{
	"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif", "image/heic": "heic",
	"video/mp4": "mp4", "video/3gpp": "3gp", "video/quicktime": "mov",
	"audio/ogg": "ogg", "audio/opus": "opus", "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/aac": "aac",
	"audio/amr": "amr", "audio/wav": "wav", "audio/x-wav": "wav",
	"application/pdf": "pdf", "text/plain": "txt", "text/csv": "csv", "application/zip": "zip",
	"application/msword": "doc", "application/vnd.ms-excel": "xls", "application/vnd.ms-powerpoint": "ppt",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}

// extension returns the file extension for a MIME type, "bin" when it is
// not one WhatsApp sends.
func extension(contentType string) string {
	if e, ok := extensions[contentType]; ok {
		return e
	}
	return "bin"
}
