package capture

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/custos-archive/custos/capture/spool"
	"github.com/custos-archive/custos/capture/twilio"
	"github.com/custos-archive/custos/capture/whatsapp"
	"github.com/custos-archive/custos/item"
)

// webhookRoutes adds the platforms' webhooks: the WhatsApp Business
// Platform (Cloud API) and Twilio-compatible SMS/MMS and voice callbacks.
func (s *Site) webhookRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /capture/whatsapp/webhook", s.whatsAppHandshake)
	mux.HandleFunc("POST /capture/whatsapp/webhook", s.whatsAppEvent)
	mux.HandleFunc("POST /capture/twilio/messages", s.twilioWebhook(twilioMessage))
	mux.HandleFunc("POST /capture/twilio/calls", s.twilioWebhook(twilioCall))
	mux.HandleFunc("POST /capture/twilio/recordings", s.twilioWebhook(twilioRecording))
}

func (s *Site) whatsAppHandshake(w http.ResponseWriter, r *http.Request) {
	if s.cfg.WhatsAppVerifyToken == "" {
		fail(w, http.StatusNotFound, problem{Error: "the WhatsApp channel is not configured"})
		return
	}
	ch, err := whatsapp.Handshake(r.URL.Query(), s.cfg.WhatsAppVerifyToken)
	if err != nil {
		fail(w, http.StatusForbidden, problem{Error: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, ch)
}

// whatsAppEvent stores one webhook POST: the signature is checked on the raw
// body, the whole body is parsed before anything is stored, and the answer
// is 200 only once every message in it is on disk.
func (s *Site) whatsAppEvent(w http.ResponseWriter, r *http.Request) {
	if s.cfg.WhatsAppAppSecret == "" {
		fail(w, http.StatusNotFound, problem{Error: "the WhatsApp channel is not configured"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		fail(w, http.StatusRequestEntityTooLarge, problem{Error: err.Error()})
		return
	}
	if err := whatsapp.VerifySignature(s.cfg.WhatsAppAppSecret, body, r.Header.Get(whatsapp.SignatureHeader)); err != nil {
		s.log.Warn("whatsapp webhook with a bad signature", "err", err)
		fail(w, http.StatusUnauthorized, problem{Error: err.Error(), Field: whatsapp.SignatureHeader})
		return
	}
	b, err := whatsapp.Parse(body)
	if err != nil {
		var pe *whatsapp.ParseError
		p := problem{Error: err.Error()}
		if errors.As(err, &pe) {
			p.Field = pe.Path
		}
		fail(w, http.StatusBadRequest, p)
		return
	}
	var cs []spool.Capture
	for _, rec := range b.Records {
		c := spool.Capture{Item: rec.Item, Channel: "whatsapp-webhook"}
		for _, m := range rec.Media {
			c.Media = append(c.Media, spool.Media{Ref: "graph:" + m.ID, Name: m.Name, ContentType: m.ContentType})
		}
		cs = append(cs, c)
	}
	for _, st := range b.Statuses {
		if err := s.sp.PutStatus(r.Context(), item.WhatsApp, st.MessageID, st.Status, st.Time, strings.Join(st.Errors, "; ")); err != nil {
			fail(w, http.StatusInternalServerError, problem{Error: err.Error()})
			return
		}
	}
	s.put(w, r.Context(), cs)
	s.kickMedia()
}

type twilioKind int

const (
	twilioMessage twilioKind = iota
	twilioCall
	twilioRecording
)

// twilioWebhook checks X-Twilio-Signature against the URL Twilio called and
// stores the message, call log or recording — or the status update.
func (s *Site) twilioWebhook(kind twilioKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.TwilioAuthToken == "" {
			fail(w, http.StatusNotFound, problem{Error: "the Twilio channel is not configured"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		if err := r.ParseForm(); err != nil {
			fail(w, http.StatusBadRequest, problem{Error: "the body must be form-encoded: " + err.Error()})
			return
		}
		full := strings.TrimRight(s.cfg.PublicURL, "/") + r.URL.RequestURI()
		if s.cfg.PublicURL == "" {
			full = "http://" + r.Host + r.URL.RequestURI()
		}
		if err := twilio.ValidateSignature(s.cfg.TwilioAuthToken, full, r.PostForm, r.Header.Get("X-Twilio-Signature")); err != nil {
			s.log.Warn("twilio webhook with a bad signature", "url", full, "err", err)
			fail(w, http.StatusForbidden, problem{Error: err.Error(), Field: "X-Twilio-Signature"})
			return
		}
		ctx := r.Context()
		var lookupErr error
		o := twilio.Options{Now: time.Now().UTC(), Numbers: func(a string) bool {
			ok, err := s.sp.IsUserPhone(ctx, a)
			lookupErr = cmp.Or(lookupErr, err)
			return ok
		}}
		var rec *twilio.Record
		var st *twilio.Status
		var err error
		switch kind {
		case twilioMessage:
			rec, st, err = twilio.ParseMessage(r.PostForm, o)
		case twilioCall:
			rec, st, err = twilio.ParseCallStatus(r.PostForm, o)
		case twilioRecording:
			var call *item.Item
			if sid := r.PostForm.Get("CallSid"); sid != "" {
				call, _ = s.sp.Item(ctx, item.EnterpriseNumber, sid)
			}
			rec, st, err = twilio.ParseRecording(r.PostForm, twilio.RecordingOptions{Options: o, Call: call})
		}
		if lookupErr != nil {
			// Which side is the organisation's could not be told: Twilio
			// sends the callback again.
			fail(w, http.StatusInternalServerError, problem{Error: "looking up the organisation's numbers: " + lookupErr.Error()})
			return
		}
		if errors.Is(err, twilio.ErrCallUnknown) {
			// The call's own callback has not come yet: keep the recording's
			// callback (nothing lost) and answer 503 so Twilio sends it again.
			s.sp.PutStatus(ctx, item.EnterpriseNumber, r.PostForm.Get("RecordingSid"), "awaiting-call", time.Now(), r.PostForm.Encode())
			fail(w, http.StatusServiceUnavailable, problem{Error: err.Error()})
			return
		}
		if err != nil {
			p := problem{Error: err.Error()}
			var pe *twilio.ParamError
			if errors.As(err, &pe) {
				p.Field = pe.Param
			}
			fail(w, http.StatusBadRequest, p)
			return
		}
		if st != nil {
			if err := s.sp.PutStatus(ctx, item.EnterpriseNumber, st.SID, st.Status, st.Time, st.ErrorCode); err != nil {
				fail(w, http.StatusInternalServerError, problem{Error: err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{"status": "recorded"})
			return
		}
		c := spool.Capture{Item: rec.Item, Channel: "twilio"}
		for _, m := range rec.Media {
			c.Media = append(c.Media, spool.Media{Ref: "twilio:" + m.URL, Name: m.Name, ContentType: m.ContentType})
		}
		s.put(w, ctx, []spool.Capture{c})
		s.kickMedia()
	}
}

// kickMedia starts fetching pending media in the background, once at a time.
func (s *Site) kickMedia() {
	select {
	case s.mediaKick <- struct{}{}:
	default:
	}
}

// MaxMediaTries is how often a media is tried before its item is released
// without it (the failure noted in the item's meta).
const MaxMediaTries = 20

// MediaWorker fetches pending media (WhatsApp media by Graph id, Twilio media
// by URL) until ctx ends: at once when a webhook stored some, and every
// interval for retries.
func (s *Site) MediaWorker(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.FetchMedia(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("fetching media", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.mediaKick:
		}
	}
}

// FetchMedia tries once to fetch every pending media and returns how many
// it got.
func (s *Site) FetchMedia(ctx context.Context) (int, error) {
	pend, err := s.sp.Pending(ctx)
	if err != nil {
		return 0, err
	}
	got := 0
	for _, p := range pend {
		var rc io.ReadCloser
		var ferr error
		switch {
		case strings.HasPrefix(p.Ref, "graph:"):
			rc, _, ferr = whatsapp.FetchMedia(ctx, s.cfg.HTTPClient, s.cfg.GraphBase, s.cfg.WhatsAppToken, strings.TrimPrefix(p.Ref, "graph:"))
		case strings.HasPrefix(p.Ref, "twilio:"):
			rc, _, ferr = twilio.FetchMedia(ctx, s.cfg.HTTPClient, strings.TrimPrefix(p.Ref, "twilio:"), s.cfg.TwilioAccountSID, s.cfg.TwilioAuthToken)
		default:
			continue // uploaded by the capture agent (WeCom sdkfileid)
		}
		if ferr == nil {
			ref, err := s.sp.Blobs().Put(ctx, rc)
			rc.Close()
			if err == nil {
				var seqs []int64
				if seqs, err = s.sp.SetMediaBlob(ctx, p.Ref, ref); err == nil {
					for _, seq := range seqs {
						if err = s.sp.CompleteIfReady(ctx, seq); err != nil {
							break
						}
					}
				}
			}
			if err == nil {
				got++
				continue
			}
			ferr = err
		}
		if ctx.Err() != nil {
			return got, ctx.Err()
		}
		s.log.Warn("media not fetched", "ref", p.Ref, "try", p.Tries+1, "err", ferr)
		if err := s.sp.MediaFailed(ctx, p.Seq, p.Idx, ferr.Error()); err != nil {
			return got, err
		}
		if p.Tries+1 >= MaxMediaTries {
			if err := s.sp.GiveUpMedia(ctx, p.Seq, p.Idx, fmt.Sprintf("not fetched after %d tries: %v", MaxMediaTries, ferr)); err != nil {
				return got, err
			}
		}
	}
	return got, nil
}
