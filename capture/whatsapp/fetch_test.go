package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// graph is a stand-in for the Graph API and its media host, on loopback.
// It answers GET /v20.0/{id} with the media JSON the Graph API documents
// and GET /lookaside/{id} with the bytes, both only with the bearer token.
type graph struct {
	srv   *httptest.Server
	token string
	mu    sync.Mutex
	media map[string]graphMedia
	log   []string // requests: method, path, Authorization
}

type graphMedia struct {
	info    map[string]any // the JSON answer; "url" is filled in
	data    []byte
	chunked bool // send without Content-Length
}

func newGraph(t *testing.T, tls bool) *graph {
	g := &graph{token: "EAAG-test-token", media: map[string]graphMedia{}}
	h := http.HandlerFunc(g.serve)
	if tls {
		g.srv = httptest.NewTLSServer(h)
	} else {
		g.srv = httptest.NewServer(h)
	}
	t.Cleanup(g.srv.Close)
	return g
}

func (g *graph) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.log = append(g.log, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
	g.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+g.token {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190,"fbtrace_id":"A1"}}`)
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/v20.0/"); ok {
		m, ok := g.media[id]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"Unsupported get request. Object with ID '`+id+`' does not exist","type":"GraphMethodException","code":100,"error_subcode":33}}`)
			return
		}
		info := map[string]any{}
		for k, v := range m.info {
			info[k] = v
		}
		if _, ok := info["url"]; !ok {
			info["url"] = g.srv.URL + "/lookaside/whatsapp_business/attachments/?mid=" + id + "&ext=1&hash=ATs5"
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(info)
		return
	}
	if r.URL.Path == "/lookaside/whatsapp_business/attachments/" {
		m, ok := g.media[r.URL.Query().Get("mid")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", fmt.Sprint(m.info["mime_type"]))
		if !m.chunked {
			w.Header().Set("Content-Length", fmt.Sprint(len(m.data)))
		}
		w.Write(m.data[:len(m.data)/2])
		w.(http.Flusher).Flush()
		w.Write(m.data[len(m.data)/2:])
		return
	}
	http.NotFound(w, r)
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestFetchMedia(t *testing.T) {
	g := newGraph(t, false)
	image := bytes.Repeat([]byte("png!"), 25000)
	g.media["1227829768162607"] = graphMedia{info: map[string]any{
		"mime_type": "image/png", "sha256": hexSum(image), "file_size": len(image),
		"id": "1227829768162607", "messaging_product": "whatsapp",
	}, data: image}
	base := g.srv.URL + "/v20.0"
	ctx := context.Background()

	body, info, err := FetchMedia(ctx, g.srv.Client(), base, g.token, "1227829768162607")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(body)
	body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, image) {
		t.Fatalf("got %d bytes, want the %d of the image", len(got), len(image))
	}
	eq(t, "info", info, MediaInfo{ID: "1227829768162607", URL: g.srv.URL + "/lookaside/whatsapp_business/attachments/?mid=1227829768162607&ext=1&hash=ATs5",
		MimeType: "image/png", SHA256: hexSum(image), FileSize: int64(len(image))})
	eq(t, "requests", g.log, []string{
		"GET /v20.0/1227829768162607 Bearer EAAG-test-token",
		"GET /lookaside/whatsapp_business/attachments/ Bearer EAAG-test-token",
	})

	// A Graph API that gives neither size nor checksum: the download's
	// length is taken.
	g.media["2"] = graphMedia{info: map[string]any{"mime_type": "audio/ogg"}, data: []byte("OggS....")}
	body, info, err = FetchMedia(ctx, nil, base+"/", g.token, "2")
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(body)
	body.Close()
	if err != nil || string(got) != "OggS...." {
		t.Fatalf("got %q, %v", got, err)
	}
	eq(t, "size from Content-Length", [2]any{info.FileSize, info.ID}, [2]any{int64(8), "2"})
}

// readErr fetches media and reads it all, returning the first error.
func readErr(g *graph, c *http.Client, base, token, id string) error {
	body, _, err := FetchMedia(context.Background(), c, base, token, id)
	if err != nil {
		return err
	}
	defer body.Close()
	_, err = io.Copy(io.Discard, body)
	return err
}

func TestFetchMediaErrors(t *testing.T) {
	g := newGraph(t, false)
	base := g.srv.URL + "/v20.0"
	data := []byte("0123456789abcdef")
	g.media["wrongsum"] = graphMedia{info: map[string]any{"mime_type": "image/jpeg", "sha256": hexSum([]byte("other")), "file_size": len(data)}, data: data}
	g.media["short"] = graphMedia{info: map[string]any{"mime_type": "image/jpeg", "file_size": 100}, data: data, chunked: true}
	g.media["long"] = graphMedia{info: map[string]any{"mime_type": "image/jpeg", "file_size": 10}, data: data, chunked: true}
	g.media["lengthdiffers"] = graphMedia{info: map[string]any{"mime_type": "image/jpeg", "file_size": 10}, data: data}
	g.media["badsize"] = graphMedia{info: map[string]any{"file_size": "lots"}, data: data}
	g.media["badsum"] = graphMedia{info: map[string]any{"sha256": "iWa0+O81ZLcSkZx6n4QAmrWuHpn8HWFX3gB6a3fQtmk="}, data: data}
	g.media["ftp"] = graphMedia{info: map[string]any{"url": "ftp://example.com/x"}, data: data}
	g.media["gone"] = graphMedia{info: map[string]any{"url": g.srv.URL + "/lookaside/whatsapp_business/attachments/?mid=nothing"}, data: data}

	tests := []struct {
		id, token string
		mismatch  bool   // wraps ErrMediaMismatch
		graph     int    // a *GraphError with this status
		says      string // the error says
	}{
		{"wrongsum", g.token, true, 0, "SHA-256 differs"},
		{"short", g.token, true, 0, "16 bytes, file_size 100"},
		{"long", g.token, true, 0, "more than file_size 10 bytes"},
		{"lengthdiffers", g.token, true, 0, "Content-Length 16, file_size 10"},
		{"badsize", g.token, false, 0, `file_size lots is not a number of bytes`},
		{"badsum", g.token, false, 0, "is not 64 hex digits"},
		{"ftp", g.token, false, 0, "is not an https URL"},
		{"gone", g.token, false, 404, "download media gone: HTTP 404"},
		{"nosuch", g.token, false, 400, "get media nosuch: HTTP 400: Unsupported get request. Object with ID 'nosuch' does not exist (code 100)"},
		{"wrongsum", "stale-token", false, 401, "HTTP 401: Invalid OAuth access token - Cannot parse access token (code 190); check the access token"},
		{"../v20.0/x", g.token, false, 0, "is not a media id"},
		{"", g.token, false, 0, "is not a media id"},
	}
	for _, tt := range tests {
		t.Run(tt.id+" "+tt.token, func(t *testing.T) {
			err := readErr(g, g.srv.Client(), base, tt.token, tt.id)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
			if errors.Is(err, ErrMediaMismatch) != tt.mismatch {
				t.Errorf("error %q: wraps ErrMediaMismatch %v, want %v", err, !tt.mismatch, tt.mismatch)
			}
			var ge *GraphError
			if got := errors.As(err, &ge); got != (tt.graph != 0) || got && ge.StatusCode != tt.graph {
				t.Errorf("error %T %q, want a GraphError with status %d", err, err, tt.graph)
			}
		})
	}

	t.Run("bad base", func(t *testing.T) {
		if err := readErr(g, nil, "graph.facebook.com/v20.0", g.token, "1"); err == nil || !strings.Contains(err.Error(), "is not an http(s) URL") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, _, err := FetchMedia(ctx, g.srv.Client(), base, g.token, "short"); !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	})
}

// TestFetchMediaHTTPSOnly checks that the token is never sent to a plain
// http media url when the Graph API is reached over https.
func TestFetchMediaHTTPSOnly(t *testing.T) {
	g := newGraph(t, true)
	plain := "http://" + strings.TrimPrefix(g.srv.URL, "https://") + "/lookaside/whatsapp_business/attachments/?mid=x"
	g.media["x"] = graphMedia{info: map[string]any{"url": plain}, data: []byte("x")}
	g.media["y"] = graphMedia{info: map[string]any{"mime_type": "text/plain"}, data: []byte("over tls")}
	err := readErr(g, g.srv.Client(), g.srv.URL+"/v20.0", g.token, "x")
	if err == nil || !strings.Contains(err.Error(), "is not an https URL") {
		t.Fatalf("error %v", err)
	}
	if err := readErr(g, g.srv.Client(), g.srv.URL+"/v20.0", g.token, "y"); err != nil {
		t.Fatal(err)
	}
}

// TestFetchMediaSharedResponse replays the documented media answer of the
// shared samples (bindambc_media_retrieval_response.json) with its url
// pointed at the test server. Its sha256 is of an image the test does not
// have, so bytes of the right size are still refused at the end.
func TestFetchMediaSharedResponse(t *testing.T) {
	path := filepath.Join(sharedDir(t), "bindambc_media_retrieval_response.json")
	var info map[string]any
	if err := json.Unmarshal(readFile(t, path), &info); err != nil {
		t.Fatal(err)
	}
	delete(info, "url")
	id := info["id"].(string)
	size := int(info["file_size"].(float64))
	g := newGraph(t, false)
	g.media[id] = graphMedia{info: info, data: bytes.Repeat([]byte{0x89}, size)}
	body, mi, err := FetchMedia(context.Background(), g.srv.Client(), g.srv.URL+"/v20.0", g.token, id)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	eq(t, "info", [4]any{mi.ID, mi.MimeType, mi.SHA256, mi.FileSize}, [4]any{"1227829768162607", "image/png", "72fd8a734216768565faf2b59cec266eea00a78dd039ce84356319fc8c4ad22e", int64(103632)})
	n, err := io.Copy(io.Discard, body)
	if !errors.Is(err, ErrMediaMismatch) {
		t.Fatalf("read %d bytes, error %v; want ErrMediaMismatch", n, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
