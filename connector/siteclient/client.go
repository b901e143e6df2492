// Package siteclient is the archive side's client of the capture site's
// export API (docs/capture.md): it logs in with the organisation's
// credentials, lists captured items by cursor, downloads attachment bytes
// and reads per-day counts. It speaks only HTTP and JSON, so the capture site
// can be another process or another machine.
package siteclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/custos-archive/custos/item"
)

// ErrAuth is returned when the site refuses the credentials.
var ErrAuth = errors.New("the capture site refused the username or password")

// TransientError is a failure worth retrying: the site is down, timed out
// or answered 5xx.
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return "capture site unavailable: " + e.Err.Error() }
func (e *TransientError) Unwrap() error { return e.Err }

// Client talks to one capture site.
type Client struct {
	base               string
	username, password string
	hc                 *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

// New returns a client of the site at base (scheme://host:port).
func New(base, username, password string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	return &Client{base: strings.TrimRight(base, "/"), username: username, password: password, hc: hc}
}

// Login logs in and keeps the token; it returns ErrAuth for wrong
// credentials and a *TransientError when the site cannot be reached.
func (c *Client) Login(ctx context.Context) error {
	body, _ := json.Marshal(map[string]string{"username": c.username, "password": c.password})
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/export/v1/login", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return &TransientError{err}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return ErrAuth
	}
	if err := check(resp); err != nil {
		return err
	}
	var out struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("login answer: %w", err)
	}
	exp, _ := time.Parse(time.RFC3339, out.ExpiresAt)
	c.mu.Lock()
	c.token, c.expires = out.Token, exp
	c.mu.Unlock()
	return nil
}

func check(resp *http.Response) error {
	if resp.StatusCode < 300 {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	err := fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return &TransientError{err}
	}
	return err
}

// get does an authenticated GET, logging in again once if the token expired.
func (c *Client) get(ctx context.Context, path string) (*http.Response, error) {
	for attempt := 0; attempt < 2; attempt++ {
		c.mu.Lock()
		tok, exp := c.token, c.expires
		c.mu.Unlock()
		if tok == "" || time.Until(exp) < time.Minute {
			if err := c.Login(ctx); err != nil {
				return nil, err
			}
			c.mu.Lock()
			tok = c.token
			c.mu.Unlock()
		}
		req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, &TransientError{err}
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			resp.Body.Close()
			c.mu.Lock()
			c.token = ""
			c.mu.Unlock()
			continue
		}
		if err := check(resp); err != nil {
			resp.Body.Close()
			return nil, err
		}
		return resp, nil
	}
	return nil, ErrAuth
}

// Captured is an item as the site serves it.
type Captured struct {
	Seq        int64      `json:"seq"`
	CapturedAt time.Time  `json:"captured_at"`
	Channel    string     `json:"channel"`
	Item       *item.Item `json:"item"`
}

// Page is one page of items.
type Page struct {
	Items      []Captured `json:"items"`
	NextCursor string     `json:"next_cursor"`
	More       bool       `json:"more"`
	Remaining  int64      `json:"remaining"`
}

// Items lists up to limit items of src captured after cursor.
func (c *Client) Items(ctx context.Context, src item.Source, cursor string, limit int) (*Page, error) {
	q := url.Values{"source": {string(src)}, "limit": {strconv.Itoa(limit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	resp, err := c.get(ctx, "/export/v1/items?"+q.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var p Page
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return nil, &TransientError{fmt.Errorf("reading a page of items: %w", err)}
	}
	return &p, nil
}

// Blob streams an attachment's bytes.
func (c *Client) Blob(ctx context.Context, sha256 string) (io.ReadCloser, error) {
	resp, err := c.get(ctx, "/export/v1/blobs/"+url.PathEscape(sha256))
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// DayCount is how many items the site captured on a UTC day.
type DayCount struct {
	Day   string `json:"day"`
	Count int64  `json:"count"`
}

// Counts returns the site's per-day capture counts of a source.
func (c *Client) Counts(ctx context.Context, src item.Source) ([]DayCount, error) {
	resp, err := c.get(ctx, "/export/v1/counts?source="+url.QueryEscape(string(src)))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Days []DayCount `json:"days"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, &TransientError{err}
	}
	return out.Days, nil
}
