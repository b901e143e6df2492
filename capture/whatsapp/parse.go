package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// Batch is what one webhook POST body holds, in the order the body gives
// it: entry by entry, change by change, and within a change messages,
// message echoes, calls, statuses and errors.
//
// Every message, message echo and call of the body is one of Records;
// every status is one of Statuses; every change that carries no
// communication (account, template, quality, preference updates, platform
// errors) is one of Ignored. Nothing in a body that Parse accepts is left
// out of all three.
type Batch struct {
	Records  []Record
	Statuses []Status
	Ignored  []Ignored
}

// Record is one message, message echo or call of a body: the item and the
// media it refers to, whose bytes are fetched later by id (FetchMedia).
type Record struct {
	// Item has passed (*item.Item).Validate. Its Attachments are empty: the
	// capture service appends Media[i].Attachment(blob, size) once it has
	// fetched and stored the bytes.
	Item *item.Item
	// Media lists the media the message carries, in order; empty for
	// messages without media.
	Media []Media
}

// Status is a delivery receipt for a message the business sent (sent,
// delivered, read, failed, …) or the progress of a call the business placed
// (ringing, accepted, rejected). It is not an item: it carries no content.
type Status struct {
	// MessageID is the wamid of the message (or the wacid of the call) the
	// status is about.
	MessageID string
	// Type is "message" or "call" (the status's own type; "message" when
	// the platform leaves it out).
	Type string
	// Status is the status in lower case, as the platform names it: sent,
	// delivered, read, failed, deleted, ringing, accepted, rejected, … It is
	// not checked against a list: the platform adds values, and a receipt
	// never carries content.
	Status string
	// RecipientID is the wa_id of the recipient, RecipientUserID its
	// business-scoped user id; either may be empty.
	RecipientID     string
	RecipientUserID string
	// Owner is the business number (E.164) the status came to, when the
	// change names it.
	Owner string
	// Time is when the status happened, UTC.
	Time time.Time
	// Errors describes the errors a failed status carries, one per error:
	// "131047 Re-engagement message: More than 24 hours have passed …".
	Errors []string
	// Raw is the status object exactly as the body gave it.
	Raw json.RawMessage
}

// Ignored is a change of the body that is not a communication, with why it
// was not made an item.
type Ignored struct {
	// Path is the JSON path of the change, e.g. "entry[0].changes[1]".
	Path string
	// Field is the change's field: account_update,
	// message_template_status_update, phone_number_quality_update, …
	Field string
	// Reason says what the change was and why it is not archived.
	Reason string
}

// ParseError says what is wrong with a webhook body and where. A body with
// a ParseError is rejected whole: nothing of it is returned.
type ParseError struct {
	// Path is the JSON path of the value at fault, e.g.
	// "entry[0].changes[1].value.messages[0].timestamp"; empty for the body
	// as a whole.
	Path string
	// Problem says what is wrong.
	Problem string
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return "whatsapp webhook: " + e.Problem
	}
	return "whatsapp webhook: " + e.Path + ": " + e.Problem
}

// Object is the value of the "object" member of every WhatsApp Business
// Platform webhook body.
const Object = "whatsapp_business_account"

// Parse reads one webhook POST body (after VerifySignature). It is
// all-or-nothing: a body that is not a whatsapp_business_account envelope,
// is not valid JSON, or has any message, echo, call or status that cannot be
// read is a *ParseError naming the JSON path at fault, and nothing of it is
// returned, so that the webhook can be answered 400 and nothing partial is
// stored. Parse is deterministic: the same body gives the same batch.
func Parse(body []byte) (*Batch, error) {
	var env struct {
		Object *string            `json:"object"`
		Entry  *[]json.RawMessage `json:"entry"`
	}
	if err := decodeAt(body, "", &env); err != nil {
		return nil, err
	}
	if env.Object == nil {
		return nil, &ParseError{"object", fmt.Sprintf("missing: not a WhatsApp Business Platform webhook (want \"object\": %q)", Object)}
	}
	if *env.Object != Object {
		return nil, &ParseError{"object", fmt.Sprintf("%q is not %q: not a WhatsApp Business Platform webhook", clip(*env.Object), Object)}
	}
	if env.Entry == nil {
		return nil, &ParseError{"entry", "missing: the webhook has no entries"}
	}
	b := &Batch{}
	for i, raw := range *env.Entry {
		if err := b.entry(raw, fmt.Sprintf("entry[%d]", i)); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// entry reads one entry: a WhatsApp Business Account and its changes.
func (b *Batch) entry(raw json.RawMessage, path string) error {
	var e struct {
		ID      string             `json:"id"`
		Changes *[]json.RawMessage `json:"changes"`
	}
	if err := decodeAt(raw, path, &e); err != nil {
		return err
	}
	if e.Changes == nil {
		return &ParseError{path + ".changes", "missing: an entry has its changes"}
	}
	for i, raw := range *e.Changes {
		if err := b.change(raw, e.ID, fmt.Sprintf("%s.changes[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// value is the value of a change. Members that hold communications are kept
// raw and read one by one, so that an error names its index.
type value struct {
	Metadata *struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []json.RawMessage `json:"contacts"`
	Messages []json.RawMessage `json:"messages"`
	Echoes   []json.RawMessage `json:"message_echoes"`
	Calls    []json.RawMessage `json:"calls"`
	Statuses []json.RawMessage `json:"statuses"`
	Errors   []json.RawMessage `json:"errors"`
	// Members of updates that are not communications, for Ignored reasons.
	Event                    json.RawMessage `json:"event"`
	Decision                 json.RawMessage `json:"decision"`
	MessageTemplateName      json.RawMessage `json:"message_template_name"`
	RequestedVerifiedName    json.RawMessage `json:"requested_verified_name"`
	CurrentLimit             json.RawMessage `json:"current_limit"`
	UserPreferences          json.RawMessage `json:"user_preferences"`
	DisplayPhoneNumberUpdate json.RawMessage `json:"display_phone_number"`
}

// change is one change being read: its value and what the records made of
// it share.
type change struct {
	field    string
	wabaID   string
	owner    string // the business number, E.164; "" when the change has no metadata
	phoneID  string
	contacts []contact
	errs     []string // value.errors, described
}

// change reads one change.
func (b *Batch) change(raw json.RawMessage, wabaID, path string) error {
	var ch struct {
		Field *string         `json:"field"`
		Value json.RawMessage `json:"value"`
	}
	if err := decodeAt(raw, path, &ch); err != nil {
		return err
	}
	if ch.Field == nil || strings.TrimSpace(*ch.Field) == "" {
		return &ParseError{path + ".field", "missing: a change names its field (messages, calls, …)"}
	}
	c := &change{field: *ch.Field, wabaID: wabaID}
	vpath := path + ".value"
	if len(ch.Value) == 0 || ch.Value[0] != '{' {
		if isCommunicationField(c.field) {
			return &ParseError{vpath, fmt.Sprintf("missing: a %s change has a value object", c.field)}
		}
		b.Ignored = append(b.Ignored, Ignored{path, c.field, ignoredReason(c.field, nil)})
		return nil
	}
	var v value
	if err := decodeAt(ch.Value, vpath, &v); err != nil {
		return err
	}
	if v.Metadata != nil {
		c.phoneID = v.Metadata.PhoneNumberID
	}
	if v.Metadata != nil && v.Metadata.DisplayPhoneNumber != "" {
		owner, ok := businessPhone(v.Metadata.DisplayPhoneNumber)
		if !ok {
			return &ParseError{vpath + ".metadata.display_phone_number", fmt.Sprintf("%q is not a phone number: the business number is the owner of every item", clip(v.Metadata.DisplayPhoneNumber))}
		}
		c.owner = owner
	}
	for i, raw := range v.Contacts {
		var ct contact
		if err := decodeAt(raw, fmt.Sprintf("%s.contacts[%d]", vpath, i), &ct); err != nil {
			return err
		}
		c.contacts = append(c.contacts, ct)
	}
	for i, raw := range v.Errors {
		var e apiError
		if err := decodeAt(raw, fmt.Sprintf("%s.errors[%d]", vpath, i), &e); err != nil {
			return err
		}
		c.errs = append(c.errs, e.String())
	}
	first := len(b.Records)
	if len(v.Messages)+len(v.Echoes)+len(v.Calls) > 0 && c.owner == "" {
		return &ParseError{vpath + ".metadata.display_phone_number", "missing: messages and calls need the business number, the owner of every item"}
	}
	for i, raw := range v.Messages {
		rec, err := c.message(raw, fmt.Sprintf("%s.messages[%d]", vpath, i), false)
		if err != nil {
			return err
		}
		b.Records = append(b.Records, rec)
	}
	for i, raw := range v.Echoes {
		rec, err := c.message(raw, fmt.Sprintf("%s.message_echoes[%d]", vpath, i), true)
		if err != nil {
			return err
		}
		b.Records = append(b.Records, rec)
	}
	for i, raw := range v.Calls {
		rec, err := c.call(raw, fmt.Sprintf("%s.calls[%d]", vpath, i))
		if err != nil {
			return err
		}
		b.Records = append(b.Records, rec)
	}
	for i, raw := range v.Statuses {
		st, err := c.status(raw, fmt.Sprintf("%s.statuses[%d]", vpath, i))
		if err != nil {
			return err
		}
		b.Statuses = append(b.Statuses, st)
	}
	if len(c.errs) > 0 {
		if len(b.Records) > first {
			// Errors beside messages or calls (a call's terminate carries
			// them) stay with the records.
			for _, rec := range b.Records[first:] {
				rec.Item.Meta["errors"] = joinNonEmpty("; ", rec.Item.Meta["errors"], strings.Join(c.errs, "; "))
			}
		} else {
			for _, e := range c.errs {
				b.Ignored = append(b.Ignored, Ignored{path, c.field, "platform error, not a communication: " + e})
			}
		}
	}
	if len(v.Messages)+len(v.Echoes)+len(v.Calls)+len(v.Statuses)+len(v.Errors) == 0 {
		b.Ignored = append(b.Ignored, Ignored{path, c.field, ignoredReason(c.field, &v)})
	}
	return nil
}

// isCommunicationField reports whether changes of the field carry messages,
// echoes or calls.
func isCommunicationField(f string) bool {
	return f == "messages" || f == "calls" || f == "smb_message_echoes"
}

// ignoredReason says what a change without messages, calls, statuses or
// errors is.
func ignoredReason(field string, v *value) string {
	what := map[string]string{
		"account_update":                     "WhatsApp Business Account update",
		"account_alerts":                     "account alert",
		"account_review_update":              "account review update",
		"business_capability_update":         "business capability update",
		"message_template_status_update":     "message template status update",
		"message_template_quality_update":    "message template quality update",
		"message_template_components_update": "message template components update",
		"template_category_update":           "message template category update",
		"phone_number_quality_update":        "phone number quality update",
		"phone_number_name_update":           "phone number display name update",
		"user_preferences":                   "user marketing preference update",
		"security":                           "security settings update",
		"flows":                              "WhatsApp Flows update",
		"payment_configuration_update":       "payment configuration update",
		"smb_app_state_sync":                 "WhatsApp Business app contact sync",
		"history":                            "WhatsApp Business app chat history sync",
		"messages":                           "messages change without messages",
		"calls":                              "calls change without calls",
		"smb_message_echoes":                 "message echoes change without echoes",
	}[field]
	if what == "" {
		what = "update of field " + strconv.Quote(clip(field))
	}
	var facts []string
	if v != nil {
		for _, f := range []struct {
			name string
			raw  json.RawMessage
		}{
			{"event", v.Event}, {"decision", v.Decision}, {"template", v.MessageTemplateName},
			{"requested name", v.RequestedVerifiedName}, {"limit", v.CurrentLimit},
			{"number", v.DisplayPhoneNumberUpdate},
		} {
			if s := rawText(f.raw); s != "" {
				facts = append(facts, f.name+" "+clip(s))
			}
		}
	}
	if v != nil && len(v.UserPreferences) > 0 {
		var prefs []struct {
			WaID     string `json:"wa_id"`
			Category string `json:"category"`
			Value    string `json:"value"`
		}
		if json.Unmarshal(v.UserPreferences, &prefs) == nil {
			for _, p := range prefs {
				facts = append(facts, clip(joinNonEmpty(" ", p.Category, p.Value, "by "+p.WaID)))
			}
		}
	}
	if len(facts) > 0 {
		what += " (" + strings.Join(facts, ", ") + ")"
	}
	switch field {
	case "history":
		return what + ": messages from before the number was onboarded are not captured by the webhook channel"
	case "messages", "calls", "smb_message_echoes":
		return what + ": nothing to archive"
	}
	return what + ": not a communication"
}

// status reads one status.
func (c *change) status(raw json.RawMessage, path string) (Status, error) {
	var s struct {
		ID              string          `json:"id"`
		Status          string          `json:"status"`
		Timestamp       json.RawMessage `json:"timestamp"`
		RecipientID     string          `json:"recipient_id"`
		RecipientUserID string          `json:"recipient_user_id"`
		Type            string          `json:"type"`
		Errors          []apiError      `json:"errors"`
	}
	if err := decodeAt(raw, path, &s); err != nil {
		return Status{}, err
	}
	if strings.TrimSpace(s.ID) == "" {
		return Status{}, &ParseError{path + ".id", "missing: a status names the message it is about"}
	}
	if strings.TrimSpace(s.Status) == "" {
		return Status{}, &ParseError{path + ".status", "missing (sent, delivered, read, failed, …)"}
	}
	t, err := epoch(s.Timestamp, path+".timestamp")
	if err != nil {
		return Status{}, err
	}
	st := Status{
		MessageID:       s.ID,
		Type:            strings.ToLower(s.Type),
		Status:          strings.ToLower(strings.TrimSpace(s.Status)),
		RecipientID:     s.RecipientID,
		RecipientUserID: s.RecipientUserID,
		Owner:           c.owner,
		Time:            t,
		Raw:             raw,
	}
	if st.Type == "" {
		st.Type = "message"
	}
	for _, e := range s.Errors {
		st.Errors = append(st.Errors, e.String())
	}
	return st, nil
}

// apiError is an error object of the Graph API, as messages, statuses and
// values carry them.
type apiError struct {
	Code      json.RawMessage `json:"code"`
	Title     string          `json:"title"`
	Message   string          `json:"message"`
	Details   string          `json:"details"`
	ErrorData *struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

// String describes the error: "131051 Message type unknown: Message type is
// currently not supported."
func (e apiError) String() string {
	var b strings.Builder
	b.WriteString(rawText(e.Code))
	title := e.Title
	if title == "" {
		title = e.Message
	}
	if title != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(title)
	}
	details := e.Details
	if details == "" && e.ErrorData != nil {
		details = e.ErrorData.Details
	}
	if details != "" && details != title {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(details)
	}
	if b.Len() == 0 {
		return "error without code or title"
	}
	return b.String()
}

// code returns the error's code as written.
func (e apiError) code() string { return rawText(e.Code) }

// maxEpoch is the last second of the year 9999.
const maxEpoch = 253402300799

// epoch reads a time in epoch seconds: a JSON string of digits, as the
// platform sends it, or a JSON number.
func epoch(raw json.RawMessage, path string) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, &ParseError{path, "missing (epoch seconds)"}
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, &ParseError{path, "not a JSON string"}
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > maxEpoch {
		return time.Time{}, &ParseError{path, fmt.Sprintf("%s is not epoch seconds", clip(string(raw)))}
	}
	return time.Unix(n, 0).UTC(), nil
}

// rawText renders a scalar JSON value as text: a string without its quotes,
// anything else as written (compact for objects and arrays).
func rawText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return compactJSON(raw)
}

// compactJSON returns raw without insignificant space.
func compactJSON(raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// decodeAt decodes raw into v; an error is a *ParseError under path.
func decodeAt(raw []byte, path string, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return jsonError(path, err)
	}
	return nil
}

// jsonError turns an encoding/json error into a *ParseError; path is the
// JSON path of the value decoded.
func jsonError(path string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		p := path
		if te.Field != "" {
			p = joinPath(path, te.Field)
		}
		return &ParseError{p, fmt.Sprintf("a JSON %s where %s is wanted", te.Value, jsonType(te.Type))}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &ParseError{path, fmt.Sprintf("not valid JSON (at byte %d): %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))}
	}
	return &ParseError{path, strings.TrimPrefix(err.Error(), "json: ")}
}

func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// jsonType names the JSON type a Go type is decoded from.
func jsonType(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return jsonType(t.Elem())
	}
	return t.String()
}

// clip shortens a value for an error message.
func clip(s string) string {
	if len(s) <= 60 {
		return s
	}
	i := 60
	for i > 0 && !isRuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
