package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/capture"
	"github.com/custos-archive/custos/capture/spool"
	"github.com/custos-archive/custos/connector"
	"github.com/custos-archive/custos/store"
	"github.com/custos-archive/custos/web"
)

func TestConnectorAPI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, _ := archive.New(st, archive.Options{})
	seal, _ := connector.OpenSealer(filepath.Join(dir, "secret.key"))
	m := connector.NewManager(st, p, seal, connector.Options{})
	if _, err := m.Draft(ctx, "wa", "whatsapp", "http://127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	web.NewAPI(st, m, web.Tokens{"admin-token": web.RoleConnectorAdmin, "other": "auditor"}).Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path, tok string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp, b.String()
	}
	for _, tc := range []struct {
		path, tok string
		code      int
	}{
		{"/api/v1/connectors", "", 401},
		{"/api/v1/connectors", "forged", 401},
		{"/api/v1/connectors", "other", 403},
		{"/api/v1/connectors", "admin-token", 200},
		{"/api/v1/connectors/wa", "admin-token", 200},
		{"/api/v1/connectors/nope", "admin-token", 404},
		{"/api/v1/connectors/wa/unmapped.csv", "admin-token", 200},
	} {
		resp, body := get(tc.path, tc.tok)
		if resp.StatusCode != tc.code {
			t.Errorf("GET %s with %q: %d %s, want %d", tc.path, tc.tok, resp.StatusCode, body, tc.code)
		}
	}
	_, body := get("/api/v1/connectors", "admin-token")
	var list []struct{ Name, Type, State string }
	if json.Unmarshal([]byte(body), &list) != nil || len(list) != 1 || list[0].Type != "WhatsApp Archiver" || list[0].State != "draft" {
		t.Fatalf("list: %s", body)
	}
	_, body = get("/api/v1/connectors/wa/unmapped.csv", "admin-token")
	if !strings.HasPrefix(body, "source,source_id,time,numbers,reason") {
		t.Fatalf("csv: %q", body)
	}
}

func TestConnectorStepsAPI(t *testing.T) {
	ctx := context.Background()
	sp, err := spool.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	sp.SetOrg(ctx, "acme", "a long site password")
	smux := http.NewServeMux()
	capture.New(sp, capture.Config{}, nil).Routes(smux)
	site := httptest.NewServer(smux)
	defer site.Close()

	dir := t.TempDir()
	st, _ := store.Open(ctx, dir, store.Options{})
	defer st.Close()
	p, _ := archive.New(st, archive.Options{})
	seal, _ := connector.OpenSealer(filepath.Join(dir, "secret.key"))
	mux := http.NewServeMux()
	web.NewAPI(st, connector.NewManager(st, p, seal, connector.Options{}), web.Tokens{"t": web.RoleConnectorAdmin}).Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	call := func(method, path, body string) (int, map[string]string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out := map[string]string{}
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	steps := []struct {
		method, path, body string
		code               int
	}{
		{"POST", "/api/v1/connectors", `{"name":"wa","type":"whatsapp","site":"` + site.URL + `"}`, 201},
		{"POST", "/api/v1/connectors", `{"name":"wa","type":"whatsapp","site":"` + site.URL + `"}`, 409},
		{"POST", "/api/v1/connectors/wa/steps/consent", `{"by":"Jane"}`, 409},
		{"POST", "/api/v1/connectors/wa/steps/terms", ``, 200},
		{"POST", "/api/v1/connectors/wa/steps/login", `{"username":"acme","password":"wrong"}`, 400},
		{"POST", "/api/v1/connectors/wa/steps/login", `{"username":"acme","password":"a long site password"}`, 200},
		{"POST", "/api/v1/connectors/wa/steps/mapping", `{"auto":true,"csv":"phone,email\nnot-a-number,a@b.example\n"}`, 400},
		{"POST", "/api/v1/connectors/wa/steps/mapping", `{"auto":true,"csv":"phone,email\n+12025550143,a@b.example\n"}`, 200},
		{"POST", "/api/v1/connectors/wa/steps/consent", `{"by":"Jane Admin"}`, 200},
		{"POST", "/api/v1/connectors/wa/steps/review", ``, 200},
		{"POST", "/api/v1/connectors/wa/steps/create", `{"schedule":"@every 2h"}`, 200},
		{"POST", "/api/v1/connectors/wa/pause", ``, 200},
		{"POST", "/api/v1/connectors/wa/resume", ``, 200},
		{"DELETE", "/api/v1/connectors/wa", ``, 204},
		{"DELETE", "/api/v1/connectors/wa", ``, 404},
	}
	for _, s := range steps {
		if code, out := call(s.method, s.path, s.body); code != s.code {
			t.Fatalf("%s %s: %d %v, want %d", s.method, s.path, code, out, s.code)
		}
	}
}
