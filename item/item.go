// Package item is Custos's model of one captured communication: a chat message,
// an SMS or MMS, a call, a call log, a voice recording, an edit, a deletion, a
// recall or a system event, from one of the three sources (WhatsApp,
// WeChat/WeCom, Enterprise Number).
//
// The model is the contract between the capture side and the archive side:
// capture channels produce items, the export API serves them as JSON lines,
// and the archive converts each item into one RFC 5322 message. docs/items.md
// documents the JSON form field by field.
//
// This package uses only the standard library.
package item

import (
	"fmt"
	"strings"
	"time"
)

// Source names the channel an item was captured from. Each source has its own
// folder in every mailbox the item is filed into.
type Source string

// The sources Custos archives.
const (
	WhatsApp         Source = "whatsapp"
	WeChat           Source = "wechat"
	EnterpriseNumber Source = "enterprise-number"
)

// Sources lists every known source in a stable order.
var Sources = []Source{WhatsApp, WeChat, EnterpriseNumber}

// ParseSource returns the source named s, or an error that lists the valid names.
func ParseSource(s string) (Source, error) {
	for _, src := range Sources {
		if string(src) == s {
			return src, nil
		}
	}
	return "", fmt.Errorf("unknown source %q (want one of %s)", s, joinSources())
}

func joinSources() string {
	names := make([]string, len(Sources))
	for i, s := range Sources {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Folder is the name of the mailbox folder items of this source are filed in,
// as the seeds name it.
func (s Source) Folder() string {
	switch s {
	case WhatsApp:
		return "WhatsApp Archiver"
	case WeChat:
		return "WeChat Archiver"
	case EnterpriseNumber:
		return "Enterprise Number Archiver"
	}
	return string(s)
}

// Label is the human name of the source, used in subjects and bodies.
func (s Source) Label() string {
	switch s {
	case WhatsApp:
		return "WhatsApp"
	case WeChat:
		return "WeChat"
	case EnterpriseNumber:
		return "Enterprise Number"
	}
	return string(s)
}

// Kind says what an item is.
type Kind string

// The kinds of item. Which kinds a source produces is given by Source.Kinds.
const (
	Chat           Kind = "chat"            // a text message in a chat
	Media          Kind = "attachment"      // a media message (kind "attachment"): image, audio, video, voice note, sticker
	File           Kind = "file"            // a document or file shared in a chat
	Location       Kind = "location"        // a shared location
	Contact        Kind = "contact"         // a shared contact card
	Reaction       Kind = "reaction"        // a reaction (emoji) to another message
	Call           Kind = "call"            // a voice or video call in a chat app
	SMS            Kind = "sms"             // an SMS text message
	MMS            Kind = "mms"             // an MMS message with parts
	VoiceRecording Kind = "voice_recording" // a recorded phone call, the audio as an attachment
	CallLog        Kind = "call_log"        // a phone call record without audio
	Edit           Kind = "edit"            // a message was edited; Text is the new text
	Deleted        Kind = "deleted"         // a message was deleted ("revoked") by its sender
	Recalled       Kind = "recalled"        // a message was recalled (WeChat/WeCom)
	System         Kind = "system"          // a system event: group created, member added, …
)

// Kinds lists every kind in a stable order.
var Kinds = []Kind{Chat, Media, File, Location, Contact, Reaction, Call, SMS, MMS,
	VoiceRecording, CallLog, Edit, Deleted, Recalled, System}

// ParseKind returns the kind named s, or an error that lists the valid names.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown kind %q (want one of %s)", s, strings.Join(names, ", "))
}

// Label is the human name of the kind, used in subjects.
func (k Kind) Label() string {
	switch k {
	case Chat:
		return "chat message"
	case Media:
		return "attachment"
	case File:
		return "file"
	case Location:
		return "location"
	case Contact:
		return "contact card"
	case Reaction:
		return "reaction"
	case Call:
		return "call"
	case SMS:
		return "SMS"
	case MMS:
		return "MMS"
	case VoiceRecording:
		return "voice call recording"
	case CallLog:
		return "voice call log"
	case Edit:
		return "edited message"
	case Deleted:
		return "deleted message"
	case Recalled:
		return "recalled message"
	case System:
		return "system event"
	}
	return string(k)
}

// Modifies reports whether the kind is an event about another message
// (Edit, Deleted, Recalled, Reaction), which RefersTo then names.
func (k Kind) Modifies() bool {
	return k == Edit || k == Deleted || k == Recalled || k == Reaction
}

// allowed lists the kinds each source produces: the seeds' lists, plus edits,
// reactions and system events, which every chat platform has.
var allowed = map[Source][]Kind{
	WhatsApp:         {Chat, Media, File, Location, Contact, Reaction, Call, Edit, Deleted, System},
	WeChat:           {Chat, Media, File, Location, Contact, Call, Edit, Recalled, System},
	EnterpriseNumber: {SMS, MMS, Chat, Media, File, VoiceRecording, CallLog, Edit, Deleted, System},
}

// Kinds returns the kinds this source produces.
func (s Source) Kinds() []Kind { return allowed[s] }

// Allows reports whether the source produces items of kind k.
func (s Source) Allows(k Kind) bool {
	for _, a := range allowed[s] {
		if a == k {
			return true
		}
	}
	return false
}

// Item is one captured communication.
type Item struct {
	// Source is the channel the item came from.
	Source Source `json:"source"`
	// Kind says what the item is.
	Kind Kind `json:"kind"`
	// SourceID is the platform's own id of the item (WhatsApp wamid, WeCom
	// msgid, Twilio MessageSid or CallSid), or a content key where the format
	// has none. Source and SourceID together identify an item: importing it
	// again never duplicates it.
	SourceID string `json:"source_id"`
	// Conversation is the chat, thread or call the item belongs to.
	Conversation Conversation `json:"conversation"`
	// From is the participant who sent the message or placed the call.
	From Participant `json:"from"`
	// To are the other participants: the recipients of a message, the members
	// of the group, or the other party of a call.
	To []Participant `json:"to"`
	// Time is when the item was sent or the call started, with the offset the
	// source gave.
	Time time.Time `json:"time"`
	// Text is the message text, or the new text of an edit. Empty for calls.
	Text string `json:"text,omitempty"`
	// Attachments are the media, files and recordings of the item.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Call holds the facts of a call, call log or recording.
	Call *CallInfo `json:"call,omitempty"`
	// Location holds a shared location.
	Location *Place `json:"location,omitempty"`
	// RefersTo is the SourceID of the message an edit, deletion, recall or
	// reaction is about, when the source names it.
	RefersTo string `json:"refers_to,omitempty"`
	// Original is the content of that message before the edit, deletion or
	// recall, when the capture side had it. Compliance keeps it.
	Original *Content `json:"original,omitempty"`
	// Owner is the phone (E.164) of the device or account the item was
	// captured from, when known (a WhatsApp export's owner, a Twilio number).
	Owner string `json:"owner,omitempty"`
	// Meta carries further source facts (platform ids, status) as strings;
	// they are written to the message as X-Custos-Meta headers.
	Meta map[string]string `json:"meta,omitempty"`
}

// Conversation identifies the chat, thread or call an item belongs to.
type Conversation struct {
	// ID is the platform's id of the conversation (group id, room id, or a
	// stable id derived from the two parties of a 1:1 chat).
	ID string `json:"id"`
	// Name is the group name or, for a 1:1 chat, the other party's name.
	Name string `json:"name,omitempty"`
	// Type is "direct" for a 1:1 conversation, "group" for more.
	Type ConversationType `json:"type"`
}

// ConversationType says whether a conversation is 1:1 or a group.
type ConversationType string

// The conversation types.
const (
	Direct ConversationType = "direct"
	Group  ConversationType = "group"
)

// Participant is a person or number that took part in an item.
type Participant struct {
	// Name is the display name, as the platform or the phone's contacts gave it.
	Name string `json:"name,omitempty"`
	// Phone is the number in E.164 form (+15550100).
	Phone string `json:"phone,omitempty"`
	// Email is the participant's "User's Email address" property, filled by the
	// capture site for registered users. Automatic user mapping uses it.
	Email string `json:"email,omitempty"`
	// ID is the platform's own user id where it is not a phone number (a WeCom
	// userid, a WhatsApp wa_id).
	ID string `json:"id,omitempty"`
}

// IsZero reports whether p identifies nobody.
func (p Participant) IsZero() bool {
	return p.Name == "" && p.Phone == "" && p.Email == "" && p.ID == ""
}

// Attachment is one file of an item. Its bytes come from exactly one of Data,
// Path or Blob.
type Attachment struct {
	// Name is the original file name.
	Name string `json:"name"`
	// ContentType is the MIME type, e.g. "image/jpeg".
	ContentType string `json:"content_type"`
	// Size is the length in bytes. When given, the bytes must match it.
	Size int64 `json:"size,omitempty"`
	// SHA256 is the hex SHA-256 of the bytes. When given, the bytes must match it.
	SHA256 string `json:"sha256,omitempty"`
	// Data holds the bytes inline (base64 in JSON). For small attachments.
	Data []byte `json:"data,omitempty"`
	// Path names a file holding the bytes, relative to the items file. For
	// large attachments: it is streamed, never read whole into memory.
	Path string `json:"path,omitempty"`
	// Blob names bytes already in the archive's blob store, as "sha256:<hex>".
	Blob string `json:"blob,omitempty"`
}

// CallInfo holds the facts of a call.
type CallInfo struct {
	// Direction is "inbound" or "outbound", seen from the owner's side.
	Direction string `json:"direction"`
	// Status is how the call ended: "completed", "missed", "busy",
	// "no-answer", "failed", "canceled", "rejected".
	Status string `json:"status"`
	// Duration is the call's length in whole seconds.
	Duration int64 `json:"duration_seconds"`
	// Video is true for a video call.
	Video bool `json:"video,omitempty"`
}

// Place is a shared location.
type Place struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// Content is the content of a message as it was before an edit, deletion or
// recall.
type Content struct {
	Text        string       `json:"text,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// Time is when the original was sent, when known.
	Time *time.Time `json:"time,omitempty"`
}

// Participants returns From followed by To.
func (it *Item) Participants() []Participant {
	ps := make([]Participant, 0, 1+len(it.To))
	ps = append(ps, it.From)
	return append(ps, it.To...)
}

// AllAttachments returns the item's attachments followed by those of the
// original content.
func (it *Item) AllAttachments() []*Attachment {
	var as []*Attachment
	for i := range it.Attachments {
		as = append(as, &it.Attachments[i])
	}
	if it.Original != nil {
		for i := range it.Original.Attachments {
			as = append(as, &it.Original.Attachments[i])
		}
	}
	return as
}
