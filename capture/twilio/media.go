package twilio

import (
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// maxMedia bounds NumMedia: Twilio sends at most 10 media per message; the
// bound leaves room for compatible platforms and keeps a forged count from
// costing anything.
const maxMedia = 100

// extensions maps the media types Twilio's channels carry to the file
// extension an attachment of that type is named with. (mime.ExtensionsByType
// depends on the host's mime.types; names must not.)
var extensions = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
	"image/bmp": ".bmp", "image/heic": ".heic", "image/heif": ".heif", "image/tiff": ".tif",
	"video/mp4": ".mp4", "video/3gpp": ".3gp", "video/3gpp2": ".3g2", "video/quicktime": ".mov",
	"video/mpeg": ".mpg", "video/webm": ".webm",
	"audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/mp4": ".m4a", "audio/aac": ".aac",
	"audio/ogg": ".ogg", "audio/amr": ".amr", "audio/wav": ".wav", "audio/x-wav": ".wav",
	"audio/3gpp": ".3gp", "audio/webm": ".weba",
	"text/vcard": ".vcf", "text/x-vcard": ".vcf", "text/directory": ".vcf", "text/calendar": ".ics",
	"text/plain": ".txt", "text/csv": ".csv", "text/html": ".html", "text/rtf": ".rtf",
	"application/pdf": ".pdf", "application/zip": ".zip", "application/json": ".json",
	"application/msword": ".doc", "application/vnd.ms-excel": ".xls", "application/vnd.ms-powerpoint": ".ppt",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   ".docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         ".xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}

// types maps extensions back to media types, for media whose webhook gives
// no MediaContentType.
var types = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
	".webp": "image/webp", ".bmp": "image/bmp", ".heic": "image/heic", ".heif": "image/heif",
	".tif": "image/tiff", ".tiff": "image/tiff",
	".mp4": "video/mp4", ".3gp": "video/3gpp", ".3g2": "video/3gpp2", ".mov": "video/quicktime",
	".mpg": "video/mpeg", ".mpeg": "video/mpeg", ".webm": "video/webm",
	".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".ogg": "audio/ogg",
	".opus": "audio/ogg", ".amr": "audio/amr", ".wav": "audio/wav", ".weba": "audio/webm",
	".vcf": "text/vcard", ".ics": "text/calendar", ".txt": "text/plain", ".csv": "text/csv",
	".html": "text/html", ".rtf": "text/rtf",
	".pdf": "application/pdf", ".zip": "application/zip", ".json": "application/json",
	".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

const octetStream = "application/octet-stream"

// readMedia reads NumMedia, MediaUrl{N} and MediaContentType{N}. Every
// MediaUrl and MediaContentType parameter must have an index below
// NumMedia, and every index below it a MediaUrl.
func readMedia(p *params) []Media {
	num := 0
	if p.has("NumMedia") {
		v := p.get("NumMedia")
		if p.err != nil {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxMedia || strconv.Itoa(n) != v {
			p.fail("NumMedia", "%q is not a number of media (want 0 to %d; Twilio sends at most 10)", clip(v), maxMedia)
			return nil
		}
		num = n
	}
	// Parameters beyond NumMedia: the count and the media disagree. The
	// first such key in byte order is named, so the error is the same
	// every time.
	bad, problem := "", ""
	for k := range p.v {
		for _, prefix := range []string{"MediaUrl", "MediaContentType"} {
			i, ok, err := indexed(k, prefix)
			msg := ""
			switch {
			case !ok:
				continue
			case err != nil:
				msg = err.Error()
			case i >= num:
				msg = "given, but NumMedia is " + strconv.Itoa(num) + ": the media count and the " + prefix + " parameters disagree"
			default:
				continue
			}
			if bad == "" || k < bad {
				bad, problem = k, msg
			}
		}
	}
	if bad != "" {
		p.fail(bad, "%s", problem)
	}
	if p.err != nil || num == 0 {
		return nil
	}
	media := make([]Media, 0, num)
	for i := range num {
		uk, tk := "MediaUrl"+strconv.Itoa(i), "MediaContentType"+strconv.Itoa(i)
		u := p.required(uk, "the URL of media "+strconv.Itoa(i)+" of NumMedia="+strconv.Itoa(num))
		if p.err != nil {
			return nil
		}
		if err := checkMediaURL(u); err != "" {
			p.fail(uk, "%q %s", clip(u), err)
			return nil
		}
		ct := ""
		if p.has(tk) {
			ct = p.get(tk)
			t, ok := mediaType(ct)
			if !ok {
				p.fail(tk, "%q is not a MIME type (e.g. image/jpeg)", clip(ct))
				return nil
			}
			ct = t
		}
		media = append(media, newMedia(u, ct, i))
	}
	return media
}

// checkMediaURL returns what is wrong with a media URL, "" if nothing.
// Twilio sends absolute https URLs; a relative reference (test fixtures
// write "cat.jpg") is kept as it is: FetchMedia refuses it, but the
// message is archived.
func checkMediaURL(s string) string {
	if len(s) > 2048 {
		return "is longer than 2048 bytes"
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return "contains a space or control character"
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return "is not a URL"
	}
	if u.Scheme != "" && u.Scheme != "https" && u.Scheme != "http" {
		return "is not an http(s) URL"
	}
	if u.Scheme != "" && u.Host == "" {
		return "has no host"
	}
	return ""
}

// mediaType returns the media type of a Content-Type value without its
// parameters, lower case.
func mediaType(v string) (string, bool) {
	t, _, err := mime.ParseMediaType(v)
	if err != nil || !strings.Contains(t, "/") || strings.HasPrefix(t, "/") || strings.HasSuffix(t, "/") {
		return "", false
	}
	return t, true
}

// newMedia names the media at u of type ct (empty when the webhook gave
// none): the URL's last path segment, made safe, with the type's extension
// when it has none.
func newMedia(u, ct string, i int) Media {
	seg := u
	if pu, err := url.Parse(u); err == nil {
		seg = path.Base(pu.Path)
	}
	name := safeName(seg)
	if name == "" {
		name = "media-" + strconv.Itoa(i)
	}
	ext := strings.ToLower(path.Ext(name))
	if ct == "" {
		ct = types[ext]
		if ct == "" {
			ct = octetStream
		}
	} else if ext == "" || types[ext] == "" {
		name += extensions[ct]
	}
	return Media{URL: u, ContentType: ct, Name: name}
}

// safeName keeps the letters, digits, '.', '-' and '_' of s, replacing
// runs of anything else by '_', at most 100 bytes; "" when nothing usable
// is left.
func safeName(s string) string {
	var b strings.Builder
	under := false
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
		if b.Len() >= 100 {
			break
		}
	}
	name := strings.Trim(b.String(), "._")
	if strings.Trim(name, "-") == "" {
		return ""
	}
	return name
}

// describe says what media a message without text carries, as the item's
// Text: "[media: ME1.jpg (image/jpeg), cat.jpg (image/jpeg)]".
func describe(media []Media) string {
	parts := make([]string, len(media))
	for i, m := range media {
		parts[i] = m.Name + " (" + m.ContentType + ")"
	}
	return "[media: " + strings.Join(parts, ", ") + "]"
}

// documents reports whether every media is a document (application/* or
// text/*) rather than an image, audio or video.
func documents(media []Media) bool {
	for _, m := range media {
		if !strings.HasPrefix(m.ContentType, "application/") && !strings.HasPrefix(m.ContentType, "text/") {
			return false
		}
	}
	return len(media) > 0
}
