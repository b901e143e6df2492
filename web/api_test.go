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
