package twilio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// StatusError is FetchMedia's error for a response other than 200 OK.
type StatusError struct {
	URL    string // the URL that answered, without its query
	Code   int    // the HTTP status code
	Status string // the HTTP status line, e.g. "404 Not Found"
	Body   string // the start of the response body (Twilio's error JSON)
}

func (e *StatusError) Error() string {
	msg := "twilio media: GET " + e.URL + ": " + e.Status
	switch e.Code {
	case http.StatusUnauthorized, http.StatusForbidden:
		msg += ": check the account SID and auth token (media of another account, or a token that was rotated)"
	case http.StatusNotFound:
		msg += ": the media was deleted, or the recording is not ready yet"
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Temporary reports whether fetching again later may succeed: a 404 (a
// recording Twilio has not finished processing), 408, 429 or a 5xx.
func (e *StatusError) Temporary() bool {
	return e.Code == http.StatusNotFound || e.Code == http.StatusRequestTimeout ||
		e.Code == http.StatusTooManyRequests || e.Code >= 500
}

// FetchMedia GETs a media or recording URL (Media.URL) with HTTP basic
// auth (the account SID and auth token; none when both are empty, for
// accounts whose media are public), follows redirects, and returns the
// body, which the caller must close, and its media type
// ("application/octet-stream" when the response has none). c nil means
// http.DefaultClient; ctx bounds the whole download.
//
// Twilio answers a media URL with a redirect to its storage, which must
// not see the credentials: they are sent only to the URL's own origin
// (scheme, host and port), and never over plain http except to a loopback
// address. A redirect to another origin goes without them, a redirect to
// plain http elsewhere is refused. A response other than 200 is a
// *StatusError.
func FetchMedia(ctx context.Context, c *http.Client, mediaURL, accountSid, authToken string) (io.ReadCloser, string, error) {
	u, err := url.Parse(mediaURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", fmt.Errorf("twilio media: %q is not an absolute http(s) URL", clip(mediaURL))
	}
	creds := accountSid != "" || authToken != ""
	if creds && !secure(u) {
		return nil, "", fmt.Errorf("twilio media: refusing to send the account's credentials over plain http to %s: use https", u.Host)
	}
	if c == nil {
		c = http.DefaultClient
	}
	cc := *c
	next := c.CheckRedirect
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if next != nil {
			if err := next(req, via); err != nil {
				return err
			}
		} else if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if !secure(req.URL) {
			return fmt.Errorf("refusing the redirect to plain http %s", req.URL.Host)
		}
		if !sameOrigin(req.URL, u) {
			req.Header.Del("Authorization")
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("twilio media: %w", err)
	}
	if creds {
		req.SetBasicAuth(accountSid, authToken)
	}
	resp, err := cc.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("twilio media: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		where := *resp.Request.URL
		where.RawQuery, where.User = "", nil
		return nil, "", &StatusError{URL: where.String(), Code: resp.StatusCode, Status: resp.Status, Body: strings.TrimSpace(string(body))}
	}
	ct, ok := mediaType(resp.Header.Get("Content-Type"))
	if !ok {
		ct = octetStream
	}
	return resp.Body, ct, nil
}

// secure reports whether credentials may travel to u: https, or http to a
// loopback address (a local test server).
func secure(u *url.URL) bool {
	if u.Scheme == "https" {
		return true
	}
	if u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && strings.EqualFold(hostPort(a), hostPort(b))
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}
