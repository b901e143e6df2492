package whatsapp

import (
	"fmt"
	"strings"

	"github.com/custos-archive/custos/item"
)

// contact is an entry of value.contacts: the profile of the WhatsApp user
// the change is about.
type contact struct {
	Profile struct {
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"profile"`
	WaID         string `json:"wa_id"`
	UserID       string `json:"user_id"`
	ParentUserID string `json:"parent_user_id"`
}

// businessPhone normalises the business's display number to E.164: the
// platform writes it as digits ("15550783881"), some senders with a plus
// and spaces ("+250 788 123 200").
func businessPhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.WriteByte('+')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '+' && i == 0:
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.':
		default:
			return "", false
		}
	}
	p := b.String()
	return p, item.IsE164(p)
}

// isBSUID reports whether s looks like a business-scoped user id: letters,
// then dot-separated parts of letters and digits ("US.13491208655302741918",
// "US.ENT.11815799212886844830").
func isBSUID(s string) bool {
	if len(s) < 3 || len(s) > 128 {
		return false
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		for j := 0; j < len(p); j++ {
			c := p[j]
			letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			if !letter && (i == 0 || !(c >= '0' && c <= '9')) {
				return false
			}
		}
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// user is the WhatsApp user a message, echo or call is with, as read.
type user struct {
	p item.Participant
	// key is what identifies the user in a direct conversation's id: the
	// phone, else the id.
	key  string
	meta map[string]string
}

// user reads the WhatsApp user named by a wa_id member (from, to,
// recipient) and a business-scoped user id member (from_user_id,
// to_user_id), and looks up their profile in the change's contacts.
//
// A wa_id is digits: "+" and the digits make the Phone when that is an
// E.164 number; otherwise the digits are kept as the participant's ID. The
// wa_id member may also hold a business-scoped user id (BSUID), which is
// the participant's ID, as is the user id member. Anything else is an
// error: a placeholder ("<WHATSAPP_USER_PHONE_NUMBER>") or garbage is not a
// person to file an item under.
func (c *change) user(path, waMember, waID, uidMember, userID, parentUserID string) (user, error) {
	waID = strings.TrimPrefix(strings.TrimSpace(waID), "+")
	userID = strings.TrimSpace(userID)
	u := user{meta: map[string]string{}}
	var digits string
	switch {
	case waID == "":
	case allDigits(waID):
		digits = waID
	case isBSUID(waID):
		if userID == "" {
			userID = waID
		}
	default:
		return u, &ParseError{joinPath(path, waMember), fmt.Sprintf("%q is neither a WhatsApp number (wa_id: digits) nor a business-scoped user id (like US.13491208655302741918)", clip(waID))}
	}
	if userID != "" && !isBSUID(userID) {
		return u, &ParseError{joinPath(path, uidMember), fmt.Sprintf("%q is not a business-scoped user id (like US.13491208655302741918)", clip(userID))}
	}
	var ct *contact
	for i := range c.contacts {
		x := &c.contacts[i]
		if digits != "" && strings.TrimPrefix(x.WaID, "+") == digits || userID != "" && (x.UserID == userID || x.WaID == userID) {
			ct = x
			break
		}
	}
	if ct != nil {
		u.p.Name = strings.TrimSpace(ct.Profile.Name)
		if digits == "" && allDigits(strings.TrimPrefix(ct.WaID, "+")) {
			digits = strings.TrimPrefix(ct.WaID, "+")
		}
		if userID == "" && isBSUID(ct.UserID) {
			userID = ct.UserID
		}
		if parentUserID == "" {
			parentUserID = ct.ParentUserID
		}
		if ct.Profile.Username != "" {
			u.meta["username"] = ct.Profile.Username
		}
	}
	if digits != "" {
		if p := "+" + digits; item.IsE164(p) {
			u.p.Phone = p
		} else if userID == "" {
			u.p.ID = digits
		} else {
			u.meta["wa-id"] = digits
		}
	}
	if userID != "" {
		u.p.ID = userID
	}
	if parentUserID = strings.TrimSpace(parentUserID); parentUserID != "" {
		u.meta["parent-user-id"] = parentUserID
	}
	u.key = u.p.Phone
	if u.key == "" {
		u.key = u.p.ID
	}
	return u, nil
}

// business is the business's own participant: its number.
func (c *change) business() item.Participant {
	return item.Participant{Phone: c.owner}
}

// direct returns the conversation of the business with a user.
func (c *change) direct(u user) item.Conversation {
	return item.Conversation{ID: "wa:" + c.owner + ":" + u.key, Name: u.p.Name, Type: item.Direct}
}

// newItem starts an item of the change with the facts every item of it
// has.
func (c *change) newItem() *item.Item {
	it := &item.Item{
		Source: item.WhatsApp,
		Owner:  c.owner,
		Meta:   map[string]string{},
	}
	if c.wabaID != "" {
		it.Meta["waba-id"] = c.wabaID
	}
	if c.phoneID != "" {
		it.Meta["phone-number-id"] = c.phoneID
	}
	return it
}

// addUserMeta copies a user's further facts into the item's meta, keys
// prefixed with "customer-".
func addUserMeta(it *item.Item, u user) {
	for k, v := range u.meta {
		it.Meta["customer-"+k] = v
	}
}
