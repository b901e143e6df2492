// Package capture is the archiver site: it receives items from the real
// channels in their own wire formats, stores each durably and once, and
// serves them to connectors through the export API. It never imports the
// archive side: the two speak only through the export API.
package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/custos-archive/custos/capture/spool"
	"github.com/custos-archive/custos/capture/wecom"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store/blob"
)

// MaxBody bounds a request body (JSON ingest, webhook, record batch).
const MaxBody = 32 << 20

// Site is the capture site's HTTP surface.
type Site struct {
	sp        *spool.Spool
	log       *slog.Logger
	cfg       Config
	mediaKick chan struct{}
}

// Config holds the channels' secrets. A channel whose secret is empty is
// off: its webhook answers 404.
type Config struct {
	WhatsAppAppSecret   string // X-Hub-Signature-256 key
	WhatsAppVerifyToken string // GET handshake token
	WhatsAppToken       string // Graph API bearer token for media
	GraphBase           string // e.g. https://graph.facebook.com/v20.0
	TwilioAuthToken     string // X-Twilio-Signature key
	TwilioAccountSID    string
	PublicURL           string // the URL Twilio calls, for signatures (scheme://host)
	HTTPClient          *http.Client
}

// New returns the site over a spool.
func New(sp *spool.Spool, cfg Config, log *slog.Logger) *Site {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	return &Site{sp: sp, log: log, cfg: cfg, mediaKick: make(chan struct{}, 1)}
}

// Routes adds the site's routes to mux.
func (s *Site) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /export/v1/login", s.login)
	mux.HandleFunc("GET /export/v1/items", s.auth(s.listItems))
	mux.HandleFunc("GET /export/v1/blobs/{sha256}", s.auth(s.getBlob))
	mux.HandleFunc("GET /export/v1/counts", s.auth(s.counts))
	mux.HandleFunc("POST /capture/v1/items", s.auth(s.ingestItems))
	mux.HandleFunc("POST /capture/v1/wecom/records", s.auth(s.ingestWeCom))
	mux.HandleFunc("PUT /capture/v1/wecom/media/{sdkfileid}", s.auth(s.uploadWeComMedia))
	mux.HandleFunc("GET /capture/v1/users", s.auth(s.listUsers))
	mux.HandleFunc("PUT /capture/v1/users/{email}", s.auth(s.putUser))
	mux.HandleFunc("PUT /capture/v1/org", s.auth(s.putOrg))
	s.webhookRoutes(mux)
}

// problem is the JSON body of every error answer.
type problem struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
	Line  int    `json:"line,omitempty"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func fail(w http.ResponseWriter, code int, p problem) { writeJSON(w, code, p) }

func (s *Site) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || s.sp.CheckToken(r.Context(), tok) != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="custos capture"`)
			fail(w, http.StatusUnauthorized, problem{Error: "missing, wrong or expired token: log in with POST /export/v1/login"})
			return
		}
		h(w, r)
	}
}

func (s *Site) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ Username, Password string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		fail(w, http.StatusBadRequest, problem{Error: "the body must be JSON: {\"username\": …, \"password\": …}"})
		return
	}
	tok, exp, err := s.sp.Login(r.Context(), in.Username, in.Password)
	if errors.Is(err, spool.ErrAuth) {
		s.log.Warn("export login refused", "username", in.Username)
		fail(w, http.StatusUnauthorized, problem{Error: "wrong username or password"})
		return
	}
	if err != nil {
		fail(w, http.StatusInternalServerError, problem{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "expires_at": exp.UTC().Format(time.RFC3339)})
}

func parseTime(q, name string) (time.Time, error) {
	if q == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, q)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %q is not an RFC 3339 time (e.g. 2026-03-01T00:00:00Z)", name, q)
	}
	return t, nil
}

func (s *Site) listItems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	src, err := item.ParseSource(q.Get("source"))
	if err != nil {
		fail(w, http.StatusBadRequest, problem{Error: err.Error(), Field: "source"})
		return
	}
	win := spool.Window{Source: src}
	if win.Since, err = parseTime(q.Get("since"), "since"); err != nil {
		fail(w, http.StatusBadRequest, problem{Error: err.Error(), Field: "since"})
		return
	}
	if win.Until, err = parseTime(q.Get("until"), "until"); err != nil {
		fail(w, http.StatusBadRequest, problem{Error: err.Error(), Field: "until"})
		return
	}
	if c := q.Get("cursor"); c != "" {
		if win.After, err = strconv.ParseInt(c, 10, 64); err != nil || win.After < 0 {
			fail(w, http.StatusBadRequest, problem{Error: "cursor: give the next_cursor of the previous page", Field: "cursor"})
			return
		}
	}
	if l := q.Get("limit"); l != "" {
		if win.Limit, err = strconv.Atoi(l); err != nil || win.Limit < 1 || win.Limit > 5000 {
			fail(w, http.StatusBadRequest, problem{Error: "limit: 1 to 5000", Field: "limit"})
			return
		}
	}
	items, more, err := s.sp.List(r.Context(), win)
	if err != nil {
		fail(w, http.StatusInternalServerError, problem{Error: err.Error()})
		return
	}
	next := win.After
	if len(items) > 0 {
		next = items[len(items)-1].Seq
	}
	if items == nil {
		items = []spool.Captured{}
	}
	remaining, err := s.sp.Remaining(r.Context(), src, next)
	if err != nil {
		fail(w, http.StatusInternalServerError, problem{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": strconv.FormatInt(next, 10), "more": more, "remaining": remaining})
}

func (s *Site) getBlob(w http.ResponseWriter, r *http.Request) {
	h := r.PathValue("sha256")
	rc, n, err := s.sp.Blobs().Open(r.Context(), h)
	if errors.Is(err, blob.ErrNotFound) {
		fail(w, http.StatusNotFound, problem{Error: "no such blob"})
		return
	}
	if err != nil {
		fail(w, http.StatusBadRequest, problem{Error: err.Error()})
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	io.Copy(w, rc)
}

func (s *Site) counts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	src, err := item.ParseSource(q.Get("source"))
	if err != nil {
		fail(w, http.StatusBadRequest, problem{Error: err.Error(), Field: "source"})
		return
	}
	since, err1 := parseTime(q.Get("since"), "since")
	until, err2 := parseTime(q.Get("until"), "until")
	if err := errors.Join(err1, err2); err != nil {
		fail(w, http.StatusBadRequest, problem{Error: err.Error()})
		return
	}
	days, err := s.sp.Counts(r.Context(), src, since, until)
	if err != nil {
		fail(w, http.StatusInternalServerError, problem{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"source": src, "days": days})
}

// IngestReport is what an ingest call stored.
type IngestReport struct {
	Stored     int `json:"stored"`
	Duplicates int `json:"duplicates"`
}

// ingestItems takes items in Custos's own schema, as JSON lines. The whole
// body is checked first: one bad line refuses the body (400 naming the line
// and field), and nothing is stored.
func (s *Site) ingestItems(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		fail(w, http.StatusRequestEntityTooLarge, problem{Error: err.Error()})
		return
	}
	ir := item.NewReader(bytes.NewReader(body), "body")
	var cs []spool.Capture
	for {
		it, line, err := ir.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *item.LineError
			p := problem{Error: err.Error(), Line: line}
			if errors.As(err, &le) {
				p.Field = le.Field
			}
			fail(w, http.StatusBadRequest, p)
			return
		}
		if err := s.storeInline(r.Context(), it); err != nil {
			fail(w, http.StatusBadRequest, problem{Error: err.Error(), Line: line})
			return
		}
		cs = append(cs, spool.Capture{Item: it, Channel: "ingest-api"})
	}
	s.put(w, r.Context(), cs)
}

// storeInline moves inline attachment bytes into the blob store. Paths are
// not accepted over HTTP; blob refs must name stored blobs.
func (s *Site) storeInline(ctx context.Context, it *item.Item) error {
	for _, a := range it.AllAttachments() {
		switch {
		case a.Path != "":
			return fmt.Errorf("attachment %q: path is for files on the archive's disk; send the bytes as data", a.Name)
		case a.Blob != "":
			if _, err := s.sp.Blobs().Stat(ctx, strings.TrimPrefix(a.Blob, "sha256:")); err != nil {
				return fmt.Errorf("attachment %q: %w", a.Name, err)
			}
		default:
			ref, err := s.sp.Blobs().Put(ctx, bytes.NewReader(a.Data))
			if err != nil {
				return err
			}
			if a.SHA256 != "" && a.SHA256 != ref.SHA256 {
				return fmt.Errorf("attachment %q: sha256 says %s, the bytes hash to %s", a.Name, a.SHA256, ref.SHA256)
			}
			a.Data, a.Blob, a.Size, a.SHA256 = nil, ref.String(), ref.Size, ref.SHA256
		}
	}
	return nil
}

func (s *Site) put(w http.ResponseWriter, ctx context.Context, cs []spool.Capture) {
	res, err := s.sp.Put(ctx, cs)
	if err != nil {
		s.log.Error("storing captured items failed", "err", err)
		fail(w, http.StatusInternalServerError, problem{Error: "storing failed; retry: " + err.Error()})
		return
	}
	var rep IngestReport
	for _, x := range res {
		if x.Duplicate {
			rep.Duplicates++
		} else {
			rep.Stored++
		}
	}
	writeJSON(w, http.StatusOK, rep)
}

// ingestWeCom takes decrypted WeCom chatdata records as JSON lines. Media
// the records name are held until uploaded by sdkfileid.
func (s *Site) ingestWeCom(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		fail(w, http.StatusRequestEntityTooLarge, problem{Error: err.Error()})
		return
	}
	var cs []spool.Capture
	line := 0
	for _, raw := range bytes.Split(body, []byte("\n")) {
		line++
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		rec, err := wecom.ParseRecord(raw, wecom.Options{})
		if err != nil {
			fail(w, http.StatusBadRequest, problem{Error: err.Error(), Line: line})
			return
		}
		cs = append(cs, WeComCapture(rec, "wecom"))
	}
	s.put(w, r.Context(), cs)
}

// WeComCapture is a WeCom record as the spool stores it: its media wait
// for their upload by sdkfileid.
func WeComCapture(rec *wecom.Record, channel string) spool.Capture {
	c := spool.Capture{Item: rec.Item, Channel: channel}
	for _, m := range rec.Media {
		c.Media = append(c.Media, spool.Media{Ref: "sdkfileid:" + m.SDKFileID, Name: m.Name, ContentType: m.ContentType})
	}
	return c
}

// uploadWeComMedia takes the bytes of a media by its sdkfileid and completes
// every item waiting for it.
func (s *Site) uploadWeComMedia(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("sdkfileid")
	ref, err := s.sp.Blobs().Put(r.Context(), r.Body)
	if err != nil {
		fail(w, http.StatusBadRequest, problem{Error: err.Error()})
		return
	}
	n, err := s.completeByRef(r.Context(), "sdkfileid:"+id, ref)
	if err != nil {
		fail(w, http.StatusInternalServerError, problem{Error: err.Error()})
		return
	}
	if n == 0 {
		fail(w, http.StatusNotFound, problem{Error: "no captured item waits for sdkfileid " + id})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sha256": ref.SHA256, "size": ref.Size, "items": n})
}

// completeByRef gives a fetched blob to every pending media with that ref,
// and releases the items whose media are then all there. It returns the
// number of items that waited for it.
func (s *Site) completeByRef(ctx context.Context, ref string, b blob.Ref) (int, error) {
	seqs, err := s.sp.SetMediaBlob(ctx, ref, b)
	if err != nil {
		return 0, err
	}
	for _, seq := range seqs {
		if err := s.sp.CompleteIfReady(ctx, seq); err != nil {
			return 0, err
		}
	}
	return len(seqs), nil
}

func (s *Site) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.sp.Users(r.Context())
	if err != nil {
		fail(w, http.StatusInternalServerError, problem{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, us)
}

// putUser registers a user: {"name": "…", "phones": ["+1…"]}, numbers in E.164.
func (s *Site) putUser(w http.ResponseWriter, r *http.Request) {
	var u spool.User
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&u); err != nil {
		fail(w, http.StatusBadRequest, problem{Error: "the body must be JSON {\"name\": …, \"phones\": [\"+1…\"]}: " + err.Error()})
		return
	}
	u.Email = r.PathValue("email")
	if at := strings.LastIndexByte(u.Email, '@'); at <= 0 || at == len(u.Email)-1 {
		fail(w, http.StatusBadRequest, problem{Error: "not an email address", Field: "email"})
		return
	}
	if strings.TrimSpace(u.Name) == "" {
		fail(w, http.StatusBadRequest, problem{Error: "missing", Field: "name"})
		return
	}
	for i, p := range u.Phones {
		if !item.IsE164(p) {
			fail(w, http.StatusBadRequest, problem{Error: fmt.Sprintf("%q is not an E.164 number (e.g. +12025550143)", p), Field: fmt.Sprintf("phones[%d]", i)})
			return
		}
	}
	created, err := s.sp.PutUser(r.Context(), u)
	if err != nil {
		fail(w, http.StatusInternalServerError, problem{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"email": strings.ToLower(u.Email), "created": created})
}

// putOrg changes the organisation's username and password; every token,
// the caller's included, ends.
func (s *Site) putOrg(w http.ResponseWriter, r *http.Request) {
	var in struct{ Username, Password string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		fail(w, http.StatusBadRequest, problem{Error: "the body must be JSON {\"username\": …, \"password\": …}"})
		return
	}
	if err := s.sp.SetOrg(r.Context(), in.Username, in.Password); err != nil {
		fail(w, http.StatusBadRequest, problem{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"username": in.Username})
}
