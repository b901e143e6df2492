package capture_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/custos-archive/custos/capture"
	"github.com/custos-archive/custos/capture/spool"
	"github.com/custos-archive/custos/capture/twilio"
	"github.com/custos-archive/custos/item"
)

const (
	appSecret   = "meta-app-secret"
	verifyToken = "verify-me"
	graphToken  = "EAAG-test"
	twilioToken = "twilio-auth-token"
	twilioSID   = "AC00000000000000000000000000000000"
)

// platforms is a fake of what the real platforms serve for media: the Graph
// API's media lookup and download, and Twilio's media URLs (basic auth).
type platforms struct {
	srv   *httptest.Server
	media map[string][]byte
}

func newPlatforms(t testing.TB) *platforms {
	p := &platforms{media: map[string][]byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v20.0/{id}", func(w http.ResponseWriter, r *http.Request) {
		b, ok := p.media[r.PathValue("id")]
		if !ok || r.Header.Get("Authorization") != "Bearer "+graphToken {
			http.Error(w, `{"error":{"message":"unknown media","code":100}}`, 400)
			return
		}
		sum := sha256.Sum256(b)
		json.NewEncoder(w).Encode(map[string]any{"url": p.srv.URL + "/download/" + r.PathValue("id"), "mime_type": "image/jpeg",
			"sha256": hex.EncodeToString(sum[:]), "file_size": len(b), "id": r.PathValue("id"), "messaging_product": "whatsapp"})
	})
	mux.HandleFunc("GET /download/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write(p.media[r.PathValue("id")])
	})
	twilioMedia := func(w http.ResponseWriter, r *http.Request) {
		u, pw, ok := r.BasicAuth()
		if !ok || u != twilioSID || pw != twilioToken {
			http.Error(w, "unauthorized", 401)
			return
		}
		b, ok := p.media[r.PathValue("sid")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}
	mux.HandleFunc("GET /2010-04-01/Accounts/{acc}/Recordings/{sid}", twilioMedia)
	mux.HandleFunc("GET /2010-04-01/Accounts/{acc}/Messages/{msg}/Media/{sid}", twilioMedia)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

type hookSite struct {
	t    testing.TB
	url  string
	sp   *spool.Spool
	site *capture.Site
}

func newHookSite(t testing.TB, p *platforms) *hookSite {
	ctx := context.Background()
	sp, err := spool.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	sp.PutUser(ctx, spool.User{Email: "alice@corp.example", Name: "Alice", Phones: []string{"+12028831111", "+15550001111"}})
	site := capture.New(sp, capture.Config{WhatsAppAppSecret: appSecret, WhatsAppVerifyToken: verifyToken, WhatsAppToken: graphToken,
		GraphBase: p.srv.URL + "/v20.0", TwilioAuthToken: twilioToken, TwilioAccountSID: twilioSID}, nil)
	mux := http.NewServeMux()
	site.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &hookSite{t: t, url: srv.URL, sp: sp, site: site}
}

func sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (h *hookSite) postWhatsApp(body []byte, sig string) (int, string) {
	req, _ := http.NewRequest("POST", h.url+"/capture/whatsapp/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waBody(msgs string) []byte {
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"880480571844883","changes":[{"field":"messages","value":{
"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"409552778964973"},
"contacts":[{"profile":{"name":"Dana Lee"},"wa_id":"13105550188"}],"messages":[` + msgs + `]}}]}]}`)
}

func (h *hookSite) all(src item.Source) []spool.Captured {
	items, _, err := h.sp.List(context.Background(), spool.Window{Source: src})
	if err != nil {
		h.t.Fatal(err)
	}
	return items
}

func TestWhatsAppWebhook(t *testing.T) {
	p := newPlatforms(t)
	h := newHookSite(t, p)
	// The GET verification handshake.
	resp, _ := http.Get(h.url + "/capture/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=" + verifyToken + "&hub.challenge=1158201444")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "1158201444" {
		t.Fatalf("handshake: %d %q", resp.StatusCode, b)
	}
	resp, _ = http.Get(h.url + "/capture/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("handshake with a wrong token: %d", resp.StatusCode)
	}

	text := `{"from":"13105550188","id":"wamid.TEXT1","timestamp":"1673032525","type":"text","text":{"body":"Can we talk about the price?"}}`
	image := `{"from":"13105550188","id":"wamid.IMG1","timestamp":"1673032530","type":"image","image":{"mime_type":"image/jpeg","id":"8472976218001204","caption":"the contract"}}`
	body := waBody(text + "," + image)
	// A wrong signature stores nothing.
	if code, msg := h.postWhatsApp(body, sign([]byte("something else"))); code != 401 || !strings.Contains(msg, "X-Hub-Signature-256") {
		t.Fatalf("bad signature: %d %s", code, msg)
	}
	if code, _ := h.postWhatsApp(body, ""); code != 401 {
		t.Fatalf("no signature: %d", code)
	}
	// A malformed payload is refused with the path at fault.
	bad := waBody(`{"from":"13105550188","id":"wamid.X","timestamp":"abc","type":"text","text":{"body":"x"}}`)
	if code, msg := h.postWhatsApp(bad, sign(bad)); code != 400 || !strings.Contains(msg, "timestamp") {
		t.Fatalf("bad payload: %d %s", code, msg)
	}
	if n := len(h.all(item.WhatsApp)); n != 0 {
		t.Fatalf("%d items stored from refused requests", n)
	}

	jpeg := []byte("\xff\xd8\xff\xe0 the contract image")
	p.media["8472976218001204"] = jpeg
	if code, msg := h.postWhatsApp(body, sign(body)); code != 200 || !strings.Contains(msg, `"stored":2`) {
		t.Fatalf("webhook: %d %s", code, msg)
	}
	// The platform retries: stored once.
	if code, msg := h.postWhatsApp(body, sign(body)); code != 200 || !strings.Contains(msg, `"duplicates":2`) {
		t.Fatalf("retry: %d %s", code, msg)
	}
	// The image waits for its media; fetching it releases it.
	if n := len(h.all(item.WhatsApp)); n != 1 {
		t.Fatalf("%d items exported before the media was fetched, want 1", n)
	}
	if got, err := h.site.FetchMedia(context.Background()); err != nil || got != 1 {
		t.Fatalf("fetch media: %d %v", got, err)
	}
	items := h.all(item.WhatsApp)
	if len(items) != 2 {
		t.Fatalf("%d items after the media", len(items))
	}
	img := items[1].Item
	sum := sha256.Sum256(jpeg)
	if img.Kind != item.Media || len(img.Attachments) != 1 || img.Attachments[0].SHA256 != hex.EncodeToString(sum[:]) ||
		img.Owner != "+15550001111" || img.To[0].Email != "alice@corp.example" {
		t.Fatalf("image item %+v", img)
	}
	// Statuses are recorded, not archived as messages.
	st := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
"metadata":{"display_phone_number":"15550001111","phone_number_id":"4"},"statuses":[{"id":"wamid.OUT1","status":"read","timestamp":"1673032600","recipient_id":"13105550188"}]}}]}]}`)
	if code, msg := h.postWhatsApp(st, sign(st)); code != 200 || len(h.all(item.WhatsApp)) != 2 {
		t.Fatalf("status: %d %s", code, msg)
	}
}

func (h *hookSite) postTwilio(path string, form url.Values, token string) (int, string) {
	full := h.url + path
	req, _ := http.NewRequest("POST", full, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Sign(token, full, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestTwilioWebhooks(t *testing.T) {
	p := newPlatforms(t)
	h := newHookSite(t, p)
	base := p.srv.URL + "/2010-04-01/Accounts/" + twilioSID
	sms := url.Values{"MessageSid": {"SM11111111111111111111111111111111"}, "AccountSid": {twilioSID}, "From": {"+13105550188"},
		"To": {"+12028831111"}, "Body": {"Running late"}, "NumMedia": {"0"}, "SmsStatus": {"received"}}
	if code, msg := h.postTwilio("/capture/twilio/messages", sms, "wrong token"); code != 403 || !strings.Contains(msg, "X-Twilio-Signature") {
		t.Fatalf("bad signature: %d %s", code, msg)
	}
	if code, msg := h.postTwilio("/capture/twilio/messages", sms, twilioToken); code != 200 {
		t.Fatalf("sms: %d %s", code, msg)
	}
	p.media["ME0001"] = []byte("GIF89a floor plan")
	mms := url.Values{"MessageSid": {"MM22222222222222222222222222222222"}, "AccountSid": {twilioSID}, "From": {"+13105550188"},
		"To": {"+12028831111"}, "Body": {"plan"}, "NumMedia": {"1"}, "MediaUrl0": {base + "/Messages/MM2/Media/ME0001"},
		"MediaContentType0": {"image/gif"}}
	if code, msg := h.postTwilio("/capture/twilio/messages", mms, twilioToken); code != 200 {
		t.Fatalf("mms: %d %s", code, msg)
	}
	// A recording before its call is known: kept, and Twilio is asked to retry.
	p.media["RE0001.wav"] = []byte("RIFF....WAVEfmt recording")
	rec := url.Values{"AccountSid": {twilioSID}, "CallSid": {"CA33333333333333333333333333333333"}, "RecordingSid": {"RE0001"},
		"RecordingUrl": {base + "/Recordings/RE0001"}, "RecordingStatus": {"completed"}, "RecordingDuration": {"42"}}
	if code, msg := h.postTwilio("/capture/twilio/recordings", rec, twilioToken); code != 503 {
		t.Fatalf("recording before the call: %d %s", code, msg)
	}
	call := url.Values{"AccountSid": {twilioSID}, "CallSid": {"CA33333333333333333333333333333333"}, "From": {"+12028831111"},
		"To": {"+13105550188"}, "Direction": {"outbound-api"}, "CallStatus": {"completed"}, "CallDuration": {"45"},
		"Timestamp": {"Mon, 02 Mar 2026 15:00:45 +0000"}}
	if code, msg := h.postTwilio("/capture/twilio/calls", call, twilioToken); code != 200 {
		t.Fatalf("call: %d %s", code, msg)
	}
	if code, msg := h.postTwilio("/capture/twilio/recordings", rec, twilioToken); code != 200 {
		t.Fatalf("recording: %d %s", code, msg)
	}
	if got, err := h.site.FetchMedia(context.Background()); err != nil || got != 2 {
		t.Fatalf("fetch media: %d %v", got, err)
	}
	kinds := map[item.Kind]int{}
	for _, c := range h.all(item.EnterpriseNumber) {
		kinds[c.Item.Kind]++
		if c.Item.Kind == item.VoiceRecording && (len(c.Item.Attachments) != 1 || c.Item.Call.Direction != "outbound") {
			t.Errorf("recording %+v", c.Item)
		}
		if c.Item.Kind == item.MMS && len(c.Item.Attachments) != 1 {
			t.Errorf("mms %+v", c.Item)
		}
	}
	if fmt.Sprint(kinds) != fmt.Sprint(map[item.Kind]int{item.SMS: 1, item.MMS: 1, item.CallLog: 1, item.VoiceRecording: 1}) {
		t.Fatalf("kinds %v", kinds)
	}
	// A status callback is recorded, not archived.
	status := url.Values{"MessageSid": {"SM11111111111111111111111111111111"}, "AccountSid": {twilioSID}, "From": {"+12028831111"},
		"To": {"+13105550188"}, "MessageStatus": {"delivered"}}
	if code, msg := h.postTwilio("/capture/twilio/messages", status, twilioToken); code != 200 || !strings.Contains(msg, "recorded") {
		t.Fatalf("status: %d %s", code, msg)
	}
	// A malformed callback names the parameter.
	bad := url.Values{"AccountSid": {twilioSID}, "From": {"+13105550188"}, "To": {"+12028831111"}, "Body": {"x"}}
	if code, msg := h.postTwilio("/capture/twilio/messages", bad, twilioToken); code != 400 || !strings.Contains(msg, "MessageSid") {
		t.Fatalf("malformed: %d %s", code, msg)
	}
}
