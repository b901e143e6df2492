// Package bench reads the shared benchmark corpus (shared/bench/gencorpus.py:
// corpus.jsonl and manifest.json) and turns it into items, so the archive
// can be measured on the same messages established mail servers were
// measured on. Attachment bytes are regenerated from their recipe,
// SHAKE-256("mailbench-attachment/<seed>/<id>") cut to their size.
package bench

import (
	"bufio"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// Manifest is the corpus's manifest.json.
type Manifest struct {
	Generator         string  `json:"generator"`
	N                 int     `json:"n"`
	Users             int     `json:"users"`
	Seed              int     `json:"seed"`
	TotalMessageBytes int64   `json:"total_message_bytes"`
	Attachments       int     `json:"attachments"`
	Queries           Queries `json:"queries"`
	UserList          []User  `json:"user_list"`
}

// User is a monitored user of the corpus.
type User struct {
	User     string `json:"user"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Messages int    `json:"messages"`
}

// Queries are the manifest's benchmark queries with their expected hits.
type Queries struct {
	TargetUser string    `json:"target_user"`
	Common     WordQuery `json:"common"`
	Rare       WordQuery `json:"rare"`
	And2       WordQuery `json:"and2"`
	FromDate   struct {
		From         string `json:"from"`
		Since        string `json:"since"`
		Before       string `json:"before"`
		ExpectAll    int64  `json:"expect_all"`
		ExpectTarget int64  `json:"expect_target"`
	} `json:"from_date"`
}

// WordQuery is words that must all occur.
type WordQuery struct {
	Words        []string `json:"words"`
	ExpectAll    int64    `json:"expect_all"`
	ExpectTarget int64    `json:"expect_target"`
}

// Query is a manifest query in KQL, with its expected hit count over all
// mailboxes.
type Query struct {
	Name   string
	KQL    string
	Expect int64
}

// KQL returns the manifest's queries in the archive's query language.
func (m *Manifest) KQL() []Query {
	q := m.Queries
	before, _ := time.Parse("2006-01-02", q.FromDate.Before)
	body := func(ws []string) string {
		for i, w := range ws {
			ws[i] = "body:" + w
		}
		return strings.Join(ws, " AND ")
	}
	// The manifest counts messages whose text holds the words: body:.
	return []Query{
		{"common", body(q.Common.Words), q.Common.ExpectAll},
		{"rare", body(q.Rare.Words), q.Rare.ExpectAll},
		{"and2", body(q.And2.Words), q.And2.ExpectAll},
		{"from_date", fmt.Sprintf(`from:"%s" AND sent:%s..%s`, q.FromDate.From, q.FromDate.Since, before.AddDate(0, 0, -1).Format("2006-01-02")),
			q.FromDate.ExpectAll},
	}
}

// ReadManifest reads dir/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	return &m, nil
}

type person struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

type record struct {
	ID                string   `json:"id"`
	Source            string   `json:"source"`
	Conversation      string   `json:"conversation"`
	ConversationTitle string   `json:"conversation_title"`
	Owner             string   `json:"owner"`
	Sender            person   `json:"sender"`
	Recipients        []person `json:"recipients"`
	Timestamp         string   `json:"timestamp"`
	Text              string   `json:"text"`
	Attachment        *struct {
		Name        string `json:"name"`
		Size        int    `json:"size"`
		ContentType string `json:"content_type"`
		SHA256      string `json:"sha256"`
		Bytes       string `json:"bytes"`
	} `json:"attachment"`
}

// Reader reads corpus.jsonl one message at a time, as items.
type Reader struct {
	sc   *bufio.Scanner
	line int
}

// NewReader returns a Reader over corpus.jsonl.
func NewReader(r io.Reader) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	return &Reader{sc: sc}
}

// Next returns the next message as a validated item and its line, or io.EOF.
func (r *Reader) Next() (*item.Item, int, error) {
	if !r.sc.Scan() {
		if err := r.sc.Err(); err != nil {
			return nil, r.line, err
		}
		return nil, r.line, io.EOF
	}
	r.line++
	var rec record
	if err := json.Unmarshal(r.sc.Bytes(), &rec); err != nil {
		return nil, r.line, fmt.Errorf("corpus.jsonl:%d: %w", r.line, err)
	}
	it, err := rec.item()
	if err != nil {
		return nil, r.line, fmt.Errorf("corpus.jsonl:%d: %w", r.line, err)
	}
	return it, r.line, nil
}

// Items reads corpus.jsonl and calls fn with each message as an item.
func Items(r io.Reader, fn func(*item.Item) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		var rec record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return fmt.Errorf("corpus.jsonl:%d: %w", line, err)
		}
		it, err := rec.item()
		if err != nil {
			return fmt.Errorf("corpus.jsonl:%d: %w", line, err)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return sc.Err()
}

func (p person) participant() item.Participant {
	return item.Participant{Name: p.Name, Phone: p.Phone, Email: p.Email}
}

func (rec *record) item() (*item.Item, error) {
	t, err := time.Parse(time.RFC3339, rec.Timestamp)
	if err != nil {
		return nil, err
	}
	it := &item.Item{Source: item.WhatsApp, Kind: item.Chat, SourceID: rec.ID, Time: t, Text: rec.Text,
		Conversation: item.Conversation{ID: rec.Conversation, Name: rec.ConversationTitle, Type: item.Direct},
		From:         rec.Sender.participant()}
	for _, p := range rec.Recipients {
		it.To = append(it.To, p.participant())
	}
	if len(it.To) > 1 {
		it.Conversation.Type = item.Group
	}
	if a := rec.Attachment; a != nil {
		recipe, ok := strings.CutPrefix(a.Bytes, "shake256:")
		if !ok {
			return nil, fmt.Errorf("attachment bytes %q: want shake256:<recipe>", a.Bytes)
		}
		data := sha3.SumSHAKE256([]byte(recipe), a.Size)
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != a.SHA256 {
			return nil, fmt.Errorf("attachment of %s: regenerated bytes do not match its sha256", rec.ID)
		}
		it.Kind = item.Media
		if a.ContentType == "application/pdf" {
			it.Kind = item.File
		}
		it.Attachments = []item.Attachment{{Name: a.Name, ContentType: a.ContentType, Data: data, SHA256: a.SHA256}}
	}
	return it, it.Validate()
}
