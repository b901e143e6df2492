package whatsapp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MediaInfo is what the Graph API says about a media object
// (GET /{media-id}).
type MediaInfo struct {
	ID string
	// URL is where the bytes are, valid for about five minutes; it is
	// fetched with the same bearer token.
	URL string
	// MimeType is the media's type as the Graph API gives it; when it
	// gives none, the Content-Type of the download.
	MimeType string
	// SHA256 is the hex SHA-256 of the bytes as the Graph API gives it
	// ("" when it gives none).
	SHA256 string
	// FileSize is the length in bytes as the Graph API gives it, or the
	// download's Content-Length; 0 when neither says.
	FileSize int64
}

// ErrMediaMismatch is wrapped by the read error of a media download whose
// bytes do not match the size or SHA-256 the Graph API gave: discard what
// was read and fetch again.
var ErrMediaMismatch = errors.New("whatsapp media does not match its size or checksum")

// GraphError is an error answer of the Graph API or of the media download.
type GraphError struct {
	// Op says what was being done: "get media 1234" or "download media 1234".
	Op string
	// StatusCode is the HTTP status.
	StatusCode int
	// Code and Message are the Graph API's error code and message, when
	// the answer was a Graph error object.
	Code    int
	Message string
}

func (e *GraphError) Error() string {
	s := fmt.Sprintf("whatsapp media: %s: HTTP %d", e.Op, e.StatusCode)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Code != 0 {
		s += fmt.Sprintf(" (code %d)", e.Code)
	}
	switch {
	case e.StatusCode == http.StatusUnauthorized || e.Code == 190:
		s += "; check the access token"
	case e.StatusCode == http.StatusNotFound:
		s += "; media ids expire 30 days after the message"
	}
	return s
}

// maxInfo is the largest media-info answer read.
const maxInfo = 1 << 20

// FetchMedia gets a media object's bytes by id from the Graph API: GET
// {base}/{id} with "Authorization: Bearer {token}" returns its url,
// mime_type, sha256 and file_size; GET url with the same bearer returns the
// bytes. base is the Graph API root with its version
// ("https://graph.facebook.com/v20.0"). A nil client is
// http.DefaultClient.
//
// The body is streamed, never held whole: the caller copies it to storage
// and closes it. Reading it returns an error wrapping ErrMediaMismatch at
// the end (or as soon as it is too long) when the bytes do not match the
// file_size or sha256 the Graph API gave, so that a short or corrupt
// download is never taken for the media. The token is sent to the media
// url; it must be https unless base itself is http (a test server).
func FetchMedia(ctx context.Context, c *http.Client, base, token, id string) (io.ReadCloser, MediaInfo, error) {
	if c == nil {
		c = http.DefaultClient
	}
	if id == "" || id == "." || id == ".." || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == '/' || r == '?' || r == '#' || r >= 0x7f }) {
		return nil, MediaInfo{}, fmt.Errorf("whatsapp media: %q is not a media id", clip(id))
	}
	bu, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (bu.Scheme != "https" && bu.Scheme != "http") || bu.Host == "" {
		return nil, MediaInfo{}, fmt.Errorf("whatsapp media: Graph API base %q is not an http(s) URL", base)
	}
	op := "get media " + id
	resp, err := get(ctx, c, bu.String()+"/"+url.PathEscape(id), token)
	if err != nil {
		return nil, MediaInfo{}, fmt.Errorf("whatsapp media: %s: %w", op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, MediaInfo{}, graphError(op, resp)
	}
	var info struct {
		URL      string          `json:"url"`
		MimeType string          `json:"mime_type"`
		SHA256   string          `json:"sha256"`
		FileSize json.RawMessage `json:"file_size"`
		ID       string          `json:"id"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxInfo)).Decode(&info); err != nil {
		return nil, MediaInfo{}, fmt.Errorf("whatsapp media: %s: the answer is not the media JSON: %w", op, err)
	}
	mi := MediaInfo{ID: firstNonEmpty(info.ID, id), URL: info.URL, MimeType: info.MimeType, SHA256: strings.ToLower(info.SHA256)}
	if s := rawText(info.FileSize); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return nil, MediaInfo{}, fmt.Errorf("whatsapp media: %s: file_size %s is not a number of bytes", op, clip(s))
		}
		mi.FileSize = n
	}
	if mi.SHA256 != "" {
		if b, err := hex.DecodeString(mi.SHA256); err != nil || len(b) != sha256.Size {
			return nil, MediaInfo{}, fmt.Errorf("whatsapp media: %s: sha256 %q is not 64 hex digits", op, clip(mi.SHA256))
		}
	}
	mu, err := url.Parse(info.URL)
	if err != nil || mu.Host == "" || !(mu.Scheme == "https" || mu.Scheme == "http" && bu.Scheme == "http") {
		return nil, MediaInfo{}, fmt.Errorf("whatsapp media: %s: url %q is not an https URL", op, clip(info.URL))
	}
	op = "download media " + id
	dl, err := get(ctx, c, mu.String(), token)
	if err != nil {
		return nil, MediaInfo{}, fmt.Errorf("whatsapp media: %s: %w", op, err)
	}
	if dl.StatusCode != http.StatusOK {
		defer dl.Body.Close()
		return nil, MediaInfo{}, graphError(op, dl)
	}
	if mi.FileSize > 0 && dl.ContentLength >= 0 && dl.ContentLength != mi.FileSize {
		dl.Body.Close()
		return nil, MediaInfo{}, fmt.Errorf("whatsapp media: %s: %w: Content-Length %d, file_size %d", op, ErrMediaMismatch, dl.ContentLength, mi.FileSize)
	}
	if mi.FileSize == 0 && dl.ContentLength > 0 {
		mi.FileSize = dl.ContentLength
	}
	if mi.MimeType == "" {
		mi.MimeType = dl.Header.Get("Content-Type")
	}
	return &checkedBody{rc: dl.Body, op: op, size: mi.FileSize, sum: mi.SHA256, h: sha256.New()}, mi, nil
}

// get sends a GET with the bearer token.
func get(ctx context.Context, c *http.Client, u, token string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	// Say who fetches, for the platform's logs.
	req.Header.Set("User-Agent", "custos-whatsapp-capture")
	return c.Do(req)
}

// graphError reads an error answer.
func graphError(op string, resp *http.Response) error {
	ge := &GraphError{Op: op, StatusCode: resp.StatusCode}
	var body struct {
		Error struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"error"`
	}
	if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body) == nil {
		ge.Message, ge.Code = body.Error.Message, body.Error.Code
	}
	return ge
}

// checkedBody is a download that checks its length and SHA-256 as it is
// read.
type checkedBody struct {
	rc   io.ReadCloser
	op   string
	size int64  // expected length, 0 when unknown
	sum  string // expected hex SHA-256, "" when unknown
	h    hash.Hash
	n    int64
	err  error
}

func (b *checkedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	b.h.Write(p[:n])
	if b.size > 0 && b.n > b.size {
		b.err = fmt.Errorf("whatsapp media: %s: %w: more than file_size %d bytes", b.op, ErrMediaMismatch, b.size)
		return n, b.err
	}
	if err == io.EOF {
		switch {
		case b.size > 0 && b.n != b.size:
			b.err = fmt.Errorf("whatsapp media: %s: %w: %d bytes, file_size %d", b.op, ErrMediaMismatch, b.n, b.size)
		case b.sum != "" && hex.EncodeToString(b.h.Sum(nil)) != b.sum:
			b.err = fmt.Errorf("whatsapp media: %s: %w: SHA-256 differs from the Graph API's", b.op, ErrMediaMismatch)
		default:
			b.err = io.EOF
		}
		return n, b.err
	}
	if err != nil {
		b.err = fmt.Errorf("whatsapp media: %s: %w", b.op, err)
		return n, b.err
	}
	return n, nil
}

func (b *checkedBody) Close() error { return b.rc.Close() }
