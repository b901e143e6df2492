package twilio

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

const (
	testAccount = "AC3c6f5a6e0b4e4d2f9a8b7c6d5e4f3a2b"
	testToken   = "s3cret-auth-token"
)

// fakeTwilio is a media server like Twilio's: /media/ME1 needs basic auth
// and redirects within itself to /redirect/ME1, which still needs it and
// redirects to the storage server, a separate origin that must not see the
// credentials.
type fakeTwilio struct {
	api, storage  *httptest.Server
	storageAuthed atomic.Bool
}

func newFakeTwilio(t *testing.T) *fakeTwilio {
	t.Helper()
	f := &fakeTwilio{}
	f.storage = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			f.storageAuthed.Store(true)
		}
		if r.URL.Query().Get("sig") != "ok" {
			http.Error(w, "bad presigned URL", http.StatusForbidden)
			return
		}
		switch r.URL.Path {
		case "/bucket/ME1":
			w.Header().Set("Content-Type", "Image/JPEG; charset=binary")
			io.WriteString(w, "\xff\xd8\xff jpeg bytes")
		case "/bucket/untyped":
			w.Header()["Content-Type"] = nil
			io.WriteString(w, "raw")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.storage.Close)
	f.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if strings.HasPrefix(r.URL.Path, "/public/") {
			if ok {
				http.Error(w, "no credentials expected", http.StatusBadRequest)
				return
			}
			http.Redirect(w, r, f.storage.URL+"/bucket/"+strings.TrimPrefix(r.URL.Path, "/public/")+"?sig=ok", http.StatusFound)
			return
		}
		if !ok || user != testAccount || pass != testToken {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code": 20003, "message": "Authenticate", "status": 401}`)
			return
		}
		switch {
		case strings.HasPrefix(r.URL.Path, "/media/"):
			http.Redirect(w, r, "/redirect/"+strings.TrimPrefix(r.URL.Path, "/media/"), http.StatusTemporaryRedirect)
		case strings.HasPrefix(r.URL.Path, "/redirect/"):
			http.Redirect(w, r, f.storage.URL+"/bucket/"+strings.TrimPrefix(r.URL.Path, "/redirect/")+"?sig=ok", http.StatusFound)
		case r.URL.Path == "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case r.URL.Path == "/insecure":
			http.Redirect(w, r, "http://media.example.com/x", http.StatusFound)
		case r.URL.Path == "/gone":
			http.NotFound(w, r)
		default:
			http.Error(w, "boom", http.StatusBadGateway)
		}
	}))
	t.Cleanup(f.api.Close)
	return f
}

func TestFetchMedia(t *testing.T) {
	f := newFakeTwilio(t)
	ctx := context.Background()

	t.Run("follows redirects, credentials stay home", func(t *testing.T) {
		body, ct, err := FetchMedia(ctx, f.api.Client(), f.api.URL+"/media/ME1", testAccount, testToken)
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "bytes", string(data), "\xff\xd8\xff jpeg bytes")
		eq(t, "type", ct, "image/jpeg")
		if f.storageAuthed.Load() {
			t.Error("the storage server, another origin (same host, other port), got the credentials")
		}
	})
	t.Run("nil client, no type", func(t *testing.T) {
		body, ct, err := FetchMedia(ctx, nil, f.api.URL+"/media/untyped", testAccount, testToken)
		if err != nil {
			t.Fatal(err)
		}
		body.Close()
		eq(t, "type", ct, "application/octet-stream")
	})
	t.Run("public media: no credentials sent", func(t *testing.T) {
		body, _, err := FetchMedia(ctx, nil, f.api.URL+"/public/ME1", "", "")
		if err != nil {
			t.Fatal(err)
		}
		body.Close()
	})
	t.Run("wrong token", func(t *testing.T) {
		_, _, err := FetchMedia(ctx, nil, f.api.URL+"/media/ME1", testAccount, "wrong")
		var se *StatusError
		if !errors.As(err, &se) || se.Code != http.StatusUnauthorized || se.Temporary() {
			t.Fatalf("want a permanent 401 StatusError, got %v", err)
		}
		for _, s := range []string{"check the account SID and auth token", `"code": 20003`} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not say %q", err, s)
			}
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Errorf("error %q shows the token", err)
		}
	})
	t.Run("not found yet", func(t *testing.T) {
		_, _, err := FetchMedia(ctx, nil, f.api.URL+"/gone", testAccount, testToken)
		var se *StatusError
		if !errors.As(err, &se) || se.Code != http.StatusNotFound || !se.Temporary() {
			t.Fatalf("want a temporary 404, got %v", err)
		}
	})
	t.Run("server error", func(t *testing.T) {
		_, _, err := FetchMedia(ctx, nil, f.api.URL+"/other", testAccount, testToken)
		var se *StatusError
		if !errors.As(err, &se) || se.Code != http.StatusBadGateway || !se.Temporary() {
			t.Fatalf("want a temporary 502, got %v", err)
		}
	})
	t.Run("storage refuses", func(t *testing.T) {
		_, _, err := FetchMedia(ctx, nil, f.storage.URL+"/bucket/ME1?sig=bad", "", "")
		var se *StatusError
		if !errors.As(err, &se) || se.Code != http.StatusForbidden || strings.Contains(se.URL, "sig=") {
			t.Fatalf("want a 403 without the query in the URL, got %v", err)
		}
	})
	t.Run("redirect loop", func(t *testing.T) {
		_, _, err := FetchMedia(ctx, nil, f.api.URL+"/loop", testAccount, testToken)
		if err == nil || !strings.Contains(err.Error(), "10 redirects") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("the caller's redirect policy holds", func(t *testing.T) {
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("no redirects here") }}
		_, _, err := FetchMedia(ctx, c, f.api.URL+"/media/ME1", testAccount, testToken)
		if err == nil || !strings.Contains(err.Error(), "no redirects here") {
			t.Fatalf("got %v", err)
		}
		if c.CheckRedirect == nil {
			t.Fatal("the caller's client was changed")
		}
	})
	t.Run("redirect to plain http elsewhere", func(t *testing.T) {
		_, _, err := FetchMedia(ctx, nil, f.api.URL+"/insecure", testAccount, testToken)
		if err == nil || !strings.Contains(err.Error(), "plain http") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("credentials over plain http", func(t *testing.T) {
		_, _, err := FetchMedia(ctx, nil, "http://api.twilio.example/media/ME1", testAccount, testToken)
		if err == nil || !strings.Contains(err.Error(), "plain http") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("not an absolute URL", func(t *testing.T) {
		for _, u := range []string{"cat.jpg", "/media/ME1", "ftp://h.example/x", "https://", "%zz"} {
			if _, _, err := FetchMedia(ctx, nil, u, testAccount, testToken); err == nil || !strings.Contains(err.Error(), "not an absolute") {
				t.Errorf("%q: got %v", u, err)
			}
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := FetchMedia(ctx, nil, f.api.URL+"/media/ME1", testAccount, testToken); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestSecure(t *testing.T) {
	for u, want := range map[string]bool{
		"https://api.twilio.com/x": true, "http://127.0.0.1:8080/x": true, "http://localhost/x": true,
		"http://[::1]:80/x": true, "http://api.twilio.com/x": false, "http://10.0.0.1/x": false, "ftp://localhost/x": false,
	} {
		eq(t, u, secure(mustParse(t, u)), want)
	}
}
