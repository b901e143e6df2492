package search

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/custos-archive/custos/connector/convert"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
	"github.com/custos-archive/custos/store/blob"
	"github.com/nyaruka/phonenumbers"
)

// MaxAttachmentText is how much of a text-like attachment is indexed.
const MaxAttachmentText = 1 << 20

// IsTextLike reports whether an attachment's content is indexed as text.
func IsTextLike(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.HasPrefix(ct, "text/") || ct == "application/json" || ct == "application/xml" ||
		ct == "application/csv" || strings.HasSuffix(ct, "+xml") || strings.HasSuffix(ct, "+json")
}

// Document returns the text an item is indexed under. attText is the text
// of its text-like attachments (see AttachmentText).
func Document(it *item.Item, attText string) store.Doc {
	var d store.Doc
	d.Sender = withPairs(participantTokens(it.Source, it.From))
	var rs []string
	for _, p := range it.To {
		rs = append(rs, participantTokens(it.Source, p)...)
	}
	d.Recipients = withPairs(rs)
	// The conversation's name is a property of the thread, not message
	// text: it goes with the subject.
	subject := convert.Subject(it)
	if !strings.Contains(subject, it.Conversation.Name) {
		subject += "\n" + it.Conversation.Name
	}
	d.Subject = withPairs(Tokens(subject))
	body := []string{it.Text}
	if it.Original != nil {
		body = append(body, it.Original.Text)
	}
	if l := it.Location; l != nil {
		body = append(body, l.Name, l.Address)
	}
	d.Body = withPairs(Tokens(strings.Join(body, "\n")))
	var names []string
	for _, a := range it.AllAttachments() {
		names = append(names, a.Name)
	}
	d.AttNames = withPairs(Tokens(strings.Join(names, "\n")))
	d.AttText = withPairs(Tokens(attText))
	return d
}

// participantTokens are what a participant is found by: name, email address,
// platform id, the address the message shows, and the number as E.164
// digits and as national digits, so +1 202-555-0143, 12025550143 and
// (202) 555-0143 all find it. The same participants come back in every
// message of a conversation, so the text is remembered.
func participantTokens(src item.Source, p item.Participant) []string {
	return participantTokenMemo.get(participantKey{src, p}, func(k participantKey) []string {
		addr := convert.Address(k.src, k.p)
		toks := Tokens(strings.Join([]string{k.p.Name, k.p.Email, k.p.ID, addr}, " "))
		toks = append(toks, PhoneTokens(k.p.Phone)...)
		toks = append(toks, AddressToken(addr))
		if k.p.Email != "" && !strings.EqualFold(k.p.Email, addr) {
			toks = append(toks, AddressToken(k.p.Email))
		}
		// The address shown is often the email property, and the number
		// is in it: each token once (a third fewer index entries).
		return uniq(toks)
	})
}

// uniq returns the tokens without repeats, in the order of their first
// occurrence.
func uniq(toks []string) []string {
	var out []string
	for _, t := range toks {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

type participantKey struct {
	src item.Source
	p   item.Participant
}

var participantTokenMemo = newMemo[participantKey, []string](100_000)

// AddressToken is the single token a whole email address is indexed under,
// so from:alice@corp.example is one lookup rather than a phrase of words
// ("corp" and "example" are in nearly every address).
func AddressToken(addr string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(addr))))
	return "addr" + hex.EncodeToString(sum[:10])
}

// IsAddress reports whether s looks like a whole email address.
func IsAddress(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\n<>\",;")
}

// PhoneTokens returns the tokens an E.164 number is indexed under: its
// digits and its national significant number. Parsing a number with
// libphonenumber costs tens of microseconds, so the tokens are remembered.
func PhoneTokens(e164 string) []string {
	if e164 == "" {
		return nil
	}
	return phoneTokenMemo.get(e164, phoneTokens)
}

var phoneTokenMemo = newMemo[string, []string](100_000)

// memo remembers the values of a pure function, up to max of them (then it
// starts again empty), for any number of goroutines.
type memo[K comparable, V any] struct {
	mu  sync.Mutex
	m   map[K]V
	max int
}

func newMemo[K comparable, V any](max int) *memo[K, V] {
	return &memo[K, V]{m: map[K]V{}, max: max}
}

func (c *memo[K, V]) get(k K, f func(K) V) V {
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = f(k)
	c.mu.Lock()
	if len(c.m) >= c.max {
		c.m = map[K]V{}
	}
	c.m[k] = v
	c.mu.Unlock()
	return v
}

func phoneTokens(e164 string) []string {
	digits := strings.TrimPrefix(e164, "+")
	out := []string{digits}
	if n, err := phonenumbers.Parse(e164, ""); err == nil {
		if nsn := phonenumbers.GetNationalSignificantNumber(n); nsn != "" && nsn != digits {
			out = append(out, nsn)
		}
	}
	return out
}

// AttachmentText reads the text of the item's text-like attachments from the
// blob store, at most MaxAttachmentText bytes of each.
func AttachmentText(ctx context.Context, bs blob.Store, it *item.Item) (string, error) {
	var b strings.Builder
	for _, a := range it.AllAttachments() {
		if !IsTextLike(a.ContentType) || a.Blob == "" {
			continue
		}
		rc, _, err := bs.Open(ctx, strings.TrimPrefix(a.Blob, "sha256:"))
		if err != nil {
			return "", err
		}
		_, err = io.Copy(&b, io.LimitReader(rc, MaxAttachmentText))
		rc.Close()
		if err != nil {
			return "", err
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// Reindex rewrites every copy's full-text row from its stored item with
// the current index text (adding, for one, the common-word pairs to an
// archive made before them). progress, when set, gets the copies done.
func Reindex(ctx context.Context, st *store.Store, progress func(done int64)) (int64, error) {
	return st.Reindex(ctx, func(ctx context.Context, si store.StoredItem) (store.Doc, error) {
		att, err := AttachmentText(ctx, st.Blobs(), si.Item)
		if err != nil {
			return store.Doc{}, err
		}
		return Document(si.Item, att), nil
	}, progress)
}
