package capture_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/capture"
	"github.com/custos-archive/custos/capture/spool"
	"github.com/custos-archive/custos/item"
)

type site struct {
	t   *testing.T
	url string
	sp  *spool.Spool
	tok string
}

func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	sp, err := spool.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	if err := sp.SetOrg(ctx, "acme-admin", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	sp.PutUser(ctx, spool.User{Email: "alice@corp.example", Name: "Alice", Phones: []string{"+12025550143"}})
	mux := http.NewServeMux()
	capture.New(sp, capture.Config{}, nil).Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := &site{t: t, url: srv.URL, sp: sp}
	s.tok = s.login("acme-admin", "correct horse battery", http.StatusOK)
	return s
}

func (s *site) login(user, pw string, want int) string {
	s.t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	resp, err := http.Post(s.url+"/export/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token, Expires_at, Error string }
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != want {
		s.t.Fatalf("login: %d %+v", resp.StatusCode, out)
	}
	return out.Token
}

func (s *site) do(method, path, ctype string, body []byte, out any) int {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if s.tok != "" {
		req.Header.Set("Authorization", "Bearer "+s.tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

func jsonl(items ...*item.Item) []byte {
	var b bytes.Buffer
	w := item.NewWriter(&b)
	for _, it := range items {
		w.Write(it)
	}
	return b.Bytes()
}

func sms(id string, from, to string, text string) *item.Item {
	return &item.Item{Source: item.EnterpriseNumber, Kind: item.SMS, SourceID: id, Conversation: item.Conversation{ID: from + "/" + to},
		From: item.Participant{Phone: from}, To: []item.Participant{{Phone: to}}, Time: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Text: text}
}

func TestIngestAndExport(t *testing.T) {
	s := newSite(t)
	photo := []byte("\xff\xd8\xff fake jpeg")
	mms := sms("MM1", "+13105550188", "+12025550143", "floor plan")
	mms.Kind = item.MMS
	mms.Attachments = []item.Attachment{{Name: "plan.jpg", ContentType: "image/jpeg", Data: photo}}
	var rep capture.IngestReport
	if code := s.do("POST", "/capture/v1/items", "application/x-ndjson", jsonl(sms("SM1", "+12025550143", "+13105550188", "hi"), mms), &rep); code != 200 || rep.Stored != 2 {
		t.Fatalf("ingest: %d %+v", code, rep)
	}
	// A retried delivery is stored once.
	if code := s.do("POST", "/capture/v1/items", "application/x-ndjson", jsonl(mms), &rep); code != 200 || rep.Stored != 0 || rep.Duplicates != 1 {
		t.Fatalf("retry: %d %+v", code, rep)
	}
	// A body with one bad line stores nothing.
	bad := append(jsonl(sms("SM2", "+12025550143", "+13105550188", "ok")), []byte(`{"kind":"sms","source":"enterprise-number","source_id":"SM3"}`+"\n")...)
	var p struct {
		Error, Field string
		Line         int
	}
	if code := s.do("POST", "/capture/v1/items", "application/x-ndjson", bad, &p); code != 400 || p.Line != 2 || p.Field != "conversation.id" {
		t.Fatalf("bad body: %d %+v", code, p)
	}

	// The export API serves them in capture order, with the registered
	// user's email filled in, and the attachment's bytes.
	var page struct {
		Items      []spool.Captured
		NextCursor string `json:"next_cursor"`
		More       bool
	}
	if code := s.do("GET", "/export/v1/items?source=enterprise-number&limit=1", "", nil, &page); code != 200 || len(page.Items) != 1 || !page.More {
		t.Fatalf("page 1: %d %+v", code, page)
	}
	if page.Items[0].Item.SourceID != "SM1" || page.Items[0].Item.From.Email != "alice@corp.example" {
		t.Fatalf("first item %+v", page.Items[0].Item)
	}
	s.do("GET", "/export/v1/items?source=enterprise-number&limit=10&cursor="+page.NextCursor, "", nil, &page)
	if len(page.Items) != 1 || page.More || page.Items[0].Item.SourceID != "MM1" || page.Items[0].Item.To[0].Email != "alice@corp.example" {
		t.Fatalf("page 2: %+v", page)
	}
	a := page.Items[0].Item.Attachments[0]
	sum := sha256.Sum256(photo)
	if a.SHA256 != hex.EncodeToString(sum[:]) || a.Data != nil {
		t.Fatalf("attachment %+v", a)
	}
	req, _ := http.NewRequest("GET", s.url+"/export/v1/blobs/"+a.SHA256, nil)
	req.Header.Set("Authorization", "Bearer "+s.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, photo) {
		t.Fatalf("blob: %q", got)
	}
	var counts struct{ Days []spool.DayCount }
	s.do("GET", "/export/v1/counts?source=enterprise-number", "", nil, &counts)
	if len(counts.Days) != 1 || counts.Days[0].Count != 2 {
		t.Fatalf("counts %+v", counts)
	}
}

func TestExportAuth(t *testing.T) {
	s := newSite(t)
	s.login("acme-admin", "wrong password!", http.StatusUnauthorized)
	s.login("someone", "correct horse battery", http.StatusUnauthorized)
	s.tok = "forged"
	var p struct{ Error string }
	if code := s.do("GET", "/export/v1/items?source=whatsapp", "", nil, &p); code != 401 || !strings.Contains(p.Error, "log in") {
		t.Fatalf("forged token: %d %+v", code, p)
	}
	s.tok = ""
	if code := s.do("POST", "/capture/v1/items", "application/x-ndjson", jsonl(sms("SM1", "+12025550143", "+13105550188", "hi")), &p); code != 401 {
		t.Fatalf("ingest without a token: %d", code)
	}
	// A new password ends the old sessions.
	s.tok = s.login("acme-admin", "correct horse battery", 200)
	s.sp.SetOrg(context.Background(), "acme-admin", "a new long password")
	if code := s.do("GET", "/export/v1/items?source=whatsapp", "", nil, &p); code != 401 {
		t.Fatalf("old token after a password change: %d", code)
	}
}

func TestWeComMediaHeldUntilUploaded(t *testing.T) {
	s := newSite(t)
	recs := `{"msgid":"m1","action":"send","from":"zhangsan","tolist":["lisi"],"roomid":"","msgtime":1700000000000,"msgtype":"text","text":{"content":"合同已经签好了"}}
{"msgid":"m2","action":"send","from":"zhangsan","tolist":["lisi"],"roomid":"","msgtime":1700000001000,"msgtype":"image","image":{"sdkfileid":"SDK-1","md5sum":"abc","filesize":4}}
{"msgid":"m3","action":"send","from":"lisi","tolist":["zhangsan"],"roomid":"","msgtime":1700000002000,"msgtype":"text","text":{"content":"收到"}}
`
	var rep capture.IngestReport
	if code := s.do("POST", "/capture/v1/wecom/records", "application/x-ndjson", []byte(recs), &rep); code != 200 || rep.Stored != 3 {
		t.Fatalf("records: %d %+v", code, rep)
	}
	var page struct {
		Items []spool.Captured
		More  bool
	}
	s.do("GET", "/export/v1/items?source=wechat", "", nil, &page)
	if len(page.Items) != 1 || !page.More {
		t.Fatalf("before the media: %+v (the image and what follows must be held back)", page)
	}
	var up map[string]any
	if code := s.do("PUT", "/capture/v1/wecom/media/SDK-1", "application/octet-stream", []byte("JPEG"), &up); code != 200 || up["items"] != float64(1) {
		t.Fatalf("upload: %d %v", code, up)
	}
	s.do("GET", "/export/v1/items?source=wechat", "", nil, &page)
	if len(page.Items) != 3 || page.More || len(page.Items[1].Item.Attachments) != 1 {
		t.Fatalf("after the media: %+v", page)
	}
	var p struct{ Error string }
	if code := s.do("PUT", "/capture/v1/wecom/media/NOPE", "application/octet-stream", []byte("x"), &p); code != 404 {
		t.Fatalf("upload for nothing: %d", code)
	}
}

func TestUsersAndOrgAPI(t *testing.T) {
	s := newSite(t)
	var out map[string]any
	if code := s.do("PUT", "/capture/v1/users/bob@corp.example", "application/json", []byte(`{"name":"Bob","phones":["+12025550144"]}`), &out); code != 200 || out["created"] != true {
		t.Fatalf("put user: %d %v", code, out)
	}
	var p struct{ Error, Field string }
	if code := s.do("PUT", "/capture/v1/users/bob@corp.example", "application/json", []byte(`{"name":"Bob","phones":["202-555-0144"]}`), &p); code != 400 || p.Field != "phones[0]" {
		t.Fatalf("bad phone: %d %+v", code, p)
	}
	var us []spool.User
	s.do("GET", "/capture/v1/users", "", nil, &us)
	if len(us) != 2 || us[1].Email != "bob@corp.example" || us[1].Phones[0] != "+12025550144" {
		t.Fatalf("users %+v", us)
	}
	if code := s.do("PUT", "/capture/v1/org", "application/json", []byte(`{"username":"acme-admin","password":"short"}`), &p); code != 400 {
		t.Fatalf("short password: %d", code)
	}
	if code := s.do("PUT", "/capture/v1/org", "application/json", []byte(`{"username":"acme-admin","password":"another long password"}`), &out); code != 200 {
		t.Fatalf("org: %d", code)
	}
	s.login("acme-admin", "another long password", 200)
}
