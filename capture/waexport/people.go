package waexport

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// chatContext is what the whole file says about the chat: its name, type and
// participants.
type chatContext struct {
	chat    string
	convID  string
	typ     item.ConversationType
	o       *Options
	aliases map[string]bool // author names that are the owner (besides Owner.Name, You, Du)
	parts   []item.Participant
	index   map[string]int // author or actor as written → index in parts
	keys    map[string]int // "p:" phone or "n:" name → index in parts
	to      map[int][]item.Participant
	all     []item.Participant
	bad     string // a participant that is not valid (a bug)
}

// phoneOf reads a name written as a phone number ("+1 123 456 789",
// "+49 (1523) 456-7890") as E.164.
func phoneOf(s string) (string, bool) {
	s = cleanName(s)
	if !strings.HasPrefix(s, "+") {
		return "", false
	}
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '(' || r == ')' || r == '.' || space(r) || invisible(r):
		default:
			return "", false
		}
	}
	p := b.String()
	return p, item.IsE164(p)
}

// participant makes the participant an author or actor name stands for.
func participant(name string) item.Participant {
	if p, ok := phoneOf(name); ok {
		return item.Participant{Phone: p}
	}
	return item.Participant{Name: name}
}

// isOwner reports whether an author or actor name is the owner.
func (c *chatContext) isOwner(name string) bool {
	if youWords[strings.ToLower(name)] || c.aliases[name] {
		return true
	}
	if c.o.Owner.Name != "" && strings.EqualFold(name, strings.TrimSpace(c.o.Owner.Name)) {
		return true
	}
	p, ok := phoneOf(name)
	return ok && p == c.o.Owner.Phone
}

// add registers a person by the name they are written with.
func (c *chatContext) add(name string) {
	if _, ok := c.index[name]; ok {
		return
	}
	if c.isOwner(name) {
		c.index[name] = 0
		return
	}
	p := participant(name)
	key := "n:" + p.Name
	if p.Phone != "" {
		key = "p:" + p.Phone
	}
	if i, ok := c.keys[key]; ok {
		c.index[name] = i
		return
	}
	c.keys[key] = len(c.parts)
	c.index[name] = len(c.parts)
	c.parts = append(c.parts, p)
}

// fromTo returns the sender of a record, everyone else in the chat, and
// whether the sender is the owner. The To slices are shared between the
// items of a chat: one per sender, not one per item, so that a large group
// export does not cost participants × messages.
func (c *chatContext) fromTo(r *record) (item.Participant, []item.Participant, bool) {
	who := r.author
	if r.cls.kind == item.System {
		who = r.cls.actor
		if who == "" {
			who = c.chat
		}
	}
	i, ok := c.index[who]
	if !ok {
		// The chat itself (a group, or a 1:1 chat's other party who never
		// wrote): the sender of system lines without an actor.
		if c.all == nil {
			c.all = c.parts[:len(c.parts):len(c.parts)]
		}
		return item.Participant{Name: who}, c.all, false
	}
	to, ok := c.to[i]
	if !ok {
		to = make([]item.Participant, 0, len(c.parts)-1)
		to = append(to, c.parts[:i]...)
		to = append(to, c.parts[i+1:]...)
		c.to[i] = to
	}
	return c.parts[i], to, i == 0
}

// people decides the chat's name, type and participants, after
// classification.
func (p *parser) people(res *Result) *chatContext {
	c := &chatContext{o: &p.o, aliases: map[string]bool{}, index: map[string]int{}, keys: map[string]int{}, to: map[int][]item.Participant{}}
	owner := p.o.Owner
	owner.Name = strings.TrimSpace(owner.Name)

	// Authors of ordinary messages, in order.
	var authors []string
	wrote := map[string]bool{}
	for _, r := range p.recs {
		if r.reject == "" && r.cls.kind != item.System && !wrote[r.author] {
			wrote[r.author] = true
			authors = append(authors, r.author)
		}
	}
	// "Alice: ‎Bob added Carol" by an Alice who also writes messages is a
	// message, not a system line.
	for _, r := range p.recs {
		if r.reject == "" && r.cls.broad && r.cls.chatAuth && wrote[r.author] {
			r.cls = classify(r, r.full, p.namedChat(), false)
		}
	}

	// The chat's name: the caller's; the file's; the author of iOS system
	// lines; the group's latest name; ...
	chat := p.namedChat()
	group := false
	var created, renamed, sysAuthor string
	for _, r := range p.recs {
		if r.reject != "" || r.cls.kind != item.System {
			continue
		}
		group = group || r.cls.group
		if r.author != "" && r.cls.chatAuth && sysAuthor == "" {
			sysAuthor = r.author
		}
		switch {
		case r.cls.renamed && r.cls.groupName != "":
			renamed = r.cls.groupName
		case r.cls.groupName != "" && created == "":
			created = r.cls.groupName
		}
	}
	for _, s := range []string{sysAuthor, renamed, created} {
		if chat == "" {
			chat = s
		}
	}

	// Without Owner.Name, in a 1:1 chat named after one of its two
	// authors, the other author is the owner.
	var others []string
	for _, a := range authors {
		if !c.isOwner(a) {
			others = append(others, a)
		}
	}
	if owner.Name == "" && !group && len(others) == 2 && chat != "" {
		for i, a := range others {
			if a == chat {
				o := others[1-i]
				c.aliases[o] = true
				owner.Name = o
				others = []string{a}
				break
			}
		}
	}
	if chat == "" && len(others) == 1 {
		chat = others[0]
	}
	if chat == "" {
		chat = baseName(p.file)
	}
	if chat == "" && len(others) > 0 {
		chat = groupOf(others)
	}
	if chat == "" {
		chat = "WhatsApp chat"
	}
	res.Chat = chat

	c.chat = chat
	c.convID = "waexport:" + p.o.Owner.Phone + ":" + chat
	c.typ = item.Direct
	if group || len(others) >= 2 {
		c.typ = item.Group
	}
	c.parts = []item.Participant{owner}
	for _, r := range p.recs {
		if r.reject != "" {
			continue
		}
		if r.cls.kind != item.System {
			c.add(r.author)
		} else if r.cls.actor != "" {
			c.add(r.cls.actor)
		}
	}
	// Items are validated without To (see validate): check everyone once.
	// Names are non-empty and phones E.164 by construction, so a failure
	// here is a bug; it would show as items rejected by validate.
	for i := 1; i < len(c.parts); i++ {
		probe := item.Item{Source: item.WhatsApp, Kind: item.Chat, SourceID: "-", Conversation: item.Conversation{ID: "-"}, From: c.parts[i], Time: time.Unix(1, 0)}
		if err := probe.Validate(); err != nil {
			c.bad = fmt.Sprintf("participant %d: %v", i, err)
		}
	}
	return c
}

// groupOf names a chat after its members, sorted: "Alice, Bob, Carol".
func groupOf(names []string) string {
	s := slices.Clone(names)
	slices.Sort(s)
	if len(s) > 5 {
		return strings.Join(s[:5], ", ") + fmt.Sprintf(" and %d more", len(s)-5)
	}
	return strings.Join(s, ", ")
}

// namedChat is the chat's name as the caller or the file names give it, or "".
func (p *parser) namedChat() string {
	if p.o.Chat != "" {
		return p.o.Chat
	}
	if c := chatFromFile(p.file); c != "" {
		return c
	}
	return p.chatHint
}

// chatPrefixes start the names WhatsApp gives export files, per language.
var chatPrefixes = []string{
	"WhatsApp Chat with ", "WhatsApp Chat - ", "WhatsApp Chat mit ", "WhatsApp-Chat mit ",
	"Chat de WhatsApp con ", "Discussion WhatsApp avec ", "Conversa do WhatsApp com ",
	"Chat WhatsApp con ", "WhatsApp-chat met ", "WhatsApp Chat met ", "Чат WhatsApp с ",
}

var copySuffix = regexp.MustCompile(` \(\d{1,3}\)$`)

// chatFromFile reads the chat name from an export's file name:
// "WhatsApp Chat with Bob.txt" (Android), "WhatsApp Chat - Bob.zip" (iOS),
// also with a browser's " (1)" before the extension.
func chatFromFile(file string) string {
	b := baseNoExt(file)
	for _, p := range chatPrefixes {
		if len(b) > len(p) && strings.EqualFold(b[:len(p)], p) {
			return strings.TrimSpace(b[len(p):])
		}
	}
	return ""
}

func baseNoExt(file string) string {
	b := filepath.Base(filepath.ToSlash(file))
	if i := strings.LastIndexByte(b, '/'); i >= 0 {
		b = b[i+1:]
	}
	switch strings.ToLower(filepath.Ext(b)) {
	case ".txt", ".zip":
		b = b[:len(b)-4]
	}
	return copySuffix.ReplaceAllString(b, "")
}

// baseName is the file's name as a chat name, unless it is one of the
// generic names WhatsApp uses inside zips.
func baseName(file string) string {
	b := strings.TrimSpace(baseNoExt(file))
	switch strings.ToLower(b) {
	case "", ".", "_chat", "chat", "whatsapp chat", "-":
		return ""
	}
	return b
}
