package item

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// FieldError says which field of an item is wrong and how.
type FieldError struct {
	Field   string // JSON path of the field, e.g. "to[1].phone"
	Problem string // what is wrong and, where it helps, what to do
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{5,14}$`)

// IsE164 reports whether s is a phone number in E.164 form.
func IsE164(s string) bool { return e164.MatchString(s) }

// Validate checks that the item is complete and consistent, and fills in the
// conversation type when it was left out (direct for two participants, group
// for more). It returns a *FieldError naming the first field that is wrong.
func (it *Item) Validate() error {
	if it.Source == "" {
		return &FieldError{"source", "missing (want one of " + joinSources() + ")"}
	}
	if _, err := ParseSource(string(it.Source)); err != nil {
		return &FieldError{"source", err.Error()}
	}
	if it.Kind == "" {
		return &FieldError{"kind", "missing"}
	}
	if _, err := ParseKind(string(it.Kind)); err != nil {
		return &FieldError{"kind", err.Error()}
	}
	if !it.Source.Allows(it.Kind) {
		return &FieldError{"kind", fmt.Sprintf("a %s item cannot be of kind %q", it.Source, it.Kind)}
	}
	if strings.TrimSpace(it.SourceID) == "" {
		return &FieldError{"source_id", "missing: every item needs the platform's id (or a content key)"}
	}
	if len(it.SourceID) > 512 {
		return &FieldError{"source_id", "longer than 512 bytes"}
	}
	if strings.TrimSpace(it.Conversation.ID) == "" {
		return &FieldError{"conversation.id", "missing"}
	}
	switch it.Conversation.Type {
	case "":
		it.Conversation.Type = Direct
		if len(it.To) > 1 {
			it.Conversation.Type = Group
		}
	case Direct, Group:
	default:
		return &FieldError{"conversation.type", fmt.Sprintf("%q is neither %q nor %q", it.Conversation.Type, Direct, Group)}
	}
	if it.From.IsZero() {
		return &FieldError{"from", "missing: the sender needs a name, phone, email or id"}
	}
	if err := validParticipant("from", it.From); err != nil {
		return err
	}
	for i, p := range it.To {
		field := fmt.Sprintf("to[%d]", i)
		if p.IsZero() {
			return &FieldError{field, "empty participant"}
		}
		if err := validParticipant(field, p); err != nil {
			return err
		}
	}
	if it.Time.IsZero() {
		return &FieldError{"time", "missing (RFC 3339, e.g. 2026-01-31T09:15:00Z)"}
	}
	if it.Owner != "" && !IsE164(it.Owner) {
		return &FieldError{"owner", fmt.Sprintf("%q is not an E.164 number (+ and 6 to 15 digits)", it.Owner)}
	}
	for i := range it.Attachments {
		if err := validAttachment(fmt.Sprintf("attachments[%d]", i), &it.Attachments[i]); err != nil {
			return err
		}
	}
	if it.Original != nil {
		for i := range it.Original.Attachments {
			if err := validAttachment(fmt.Sprintf("original.attachments[%d]", i), &it.Original.Attachments[i]); err != nil {
				return err
			}
		}
	}
	switch it.Kind {
	case Call, CallLog, VoiceRecording:
		if it.Call == nil {
			return &FieldError{"call", fmt.Sprintf("missing: a %s needs direction, status and duration_seconds", it.Kind)}
		}
	}
	if it.Call != nil {
		if it.Call.Direction != "inbound" && it.Call.Direction != "outbound" {
			return &FieldError{"call.direction", fmt.Sprintf("%q is neither \"inbound\" nor \"outbound\"", it.Call.Direction)}
		}
		if it.Call.Status == "" {
			return &FieldError{"call.status", "missing (e.g. completed, missed, busy, no-answer, failed)"}
		}
		if it.Call.Duration < 0 {
			return &FieldError{"call.duration_seconds", "negative"}
		}
	}
	if it.Kind == VoiceRecording && len(it.Attachments) == 0 {
		return &FieldError{"attachments", "missing: a voice_recording carries the audio as an attachment"}
	}
	if (it.Kind == Media || it.Kind == File || it.Kind == MMS) && len(it.Attachments) == 0 && it.Text == "" {
		return &FieldError{"attachments", fmt.Sprintf("missing: a %s item has attachments or text", it.Kind)}
	}
	if it.Kind == Location && it.Location == nil {
		return &FieldError{"location", "missing: a location item needs latitude and longitude"}
	}
	for k := range it.Meta {
		if !validMetaKey(k) {
			return &FieldError{"meta", fmt.Sprintf("key %q: use letters, digits and '-' only", k)}
		}
	}
	return nil
}

func validParticipant(field string, p Participant) error {
	if p.Phone != "" && !IsE164(p.Phone) {
		return &FieldError{field + ".phone", fmt.Sprintf("%q is not an E.164 number (+ and 6 to 15 digits, e.g. +15550100)", p.Phone)}
	}
	if p.Email != "" {
		at := strings.LastIndexByte(p.Email, '@')
		if at <= 0 || at == len(p.Email)-1 || strings.ContainsAny(p.Email, " <>\",\r\n") {
			return &FieldError{field + ".email", fmt.Sprintf("%q is not an email address", p.Email)}
		}
	}
	return nil
}

func validAttachment(field string, a *Attachment) error {
	if strings.TrimSpace(a.Name) == "" {
		return &FieldError{field + ".name", "missing"}
	}
	if strings.ContainsAny(a.Name, "\x00\r\n") {
		return &FieldError{field + ".name", "contains a control character"}
	}
	if a.ContentType == "" {
		return &FieldError{field + ".content_type", "missing (e.g. image/jpeg, application/octet-stream)"}
	}
	if !strings.Contains(a.ContentType, "/") || strings.ContainsAny(a.ContentType, " \r\n;") {
		return &FieldError{field + ".content_type", fmt.Sprintf("%q is not a MIME type", a.ContentType)}
	}
	n := 0
	if a.Data != nil {
		n++
	}
	if a.Path != "" {
		n++
	}
	if a.Blob != "" {
		n++
	}
	if n != 1 {
		return &FieldError{field, "give the bytes in exactly one of data, path or blob"}
	}
	if a.Size < 0 {
		return &FieldError{field + ".size", "negative"}
	}
	if a.Data != nil && a.Size != 0 && int64(len(a.Data)) != a.Size {
		return &FieldError{field + ".size", fmt.Sprintf("says %d bytes but data holds %d", a.Size, len(a.Data))}
	}
	if a.SHA256 != "" && !isHex256(a.SHA256) {
		return &FieldError{field + ".sha256", "not 64 hex digits"}
	}
	if a.Blob != "" {
		h, ok := strings.CutPrefix(a.Blob, "sha256:")
		if !ok || !isHex256(h) {
			return &FieldError{field + ".blob", "want \"sha256:\" and 64 hex digits"}
		}
	}
	return nil
}

func isHex256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

func validMetaKey(k string) bool {
	if k == "" || len(k) > 40 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
