package wecom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-archive/custos/item"
)

// Options tune how records are read.
type Options struct {
	// Names maps user ids (internal userids and external wo…/wm… ids) to
	// display names, for Participant.Name. Optional.
	Names map[string]string
}

// Record is one archive record read: the item and the media it refers to,
// whose bytes are fetched later by sdkfileid.
type Record struct {
	Item *item.Item
	// Media lists the media of the record, in the order they appear, for
	// the capture service to fetch and attach. Empty for records without
	// media.
	Media []Media
}

// Media is a media file a record refers to but does not carry.
type Media struct {
	// SDKFileID is the id GetMediaData fetches the bytes with.
	SDKFileID string `json:"sdkfileid"`
	// Name is the file name the attachment gets.
	Name string `json:"name"`
	// ContentType is the MIME type the attachment gets.
	ContentType string `json:"content_type"`
	// Size is the length in bytes as the record gives it; 0 when it gives
	// none or a value beyond int64.
	Size int64 `json:"size,omitempty"`
	// MD5 is the hex MD5 as the record gives it. WeCom's documentation
	// warns it may be empty or wrong; fetch again when it does not match.
	MD5 string `json:"md5,omitempty"`
}

// Attachment returns the attachment for the media, without its bytes: the
// caller sets Blob or Path once it has fetched and stored them, and
// appends it to the item's Attachments.
func (m Media) Attachment() item.Attachment {
	return item.Attachment{Name: m.Name, ContentType: m.ContentType}
}

// RecordError says which field of a record is wrong.
type RecordError struct {
	MsgID   string // the record's msgid, when it has one
	Field   string // JSON path of the field, e.g. "msgtime", "location.latitude"
	Problem string
}

func (e *RecordError) Error() string {
	var b strings.Builder
	b.WriteString("wecom record")
	if e.MsgID != "" {
		fmt.Fprintf(&b, " %q", clip(e.MsgID))
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Problem)
	return b.String()
}

// envelope is the common part of a record, decoded field by field so
// that an error names its field.
type envelope struct {
	MsgID   *string
	Action  string
	From    string
	ToList  []string
	RoomID  string
	MsgTime *json.Number
	MsgType string
	// switch records
	Time *json.Number
	User string
	// top-level ids of meeting_voice_call, voip_doc_share and voiptext
	VoiceID string
	VoipID  string
}

// maxMillis is the last millisecond of the year 9999.
const maxMillis = 253402300799999

// ParseRecord reads one decrypted chatdata record (one JSON object). An
// error is a *RecordError naming the field that is wrong.
func ParseRecord(raw []byte, o Options) (*Record, error) {
	raw = bytes.TrimSpace(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")))
	if len(raw) == 0 || raw[0] != '{' {
		return nil, &RecordError{Problem: "not a JSON object (want one decrypted chatdata record: {\"msgid\": …})"}
	}
	if !utf8.Valid(raw) {
		return nil, &RecordError{Problem: "not valid UTF-8"}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, jsonError("", "", err)
	}
	var env envelope
	var msgID string
	if raw, ok := fields["msgid"]; ok {
		json.Unmarshal(raw, &msgID) // for messages; checked below
	}
	for _, f := range []struct {
		name string
		v    any
	}{
		{"msgid", &env.MsgID}, {"action", &env.Action}, {"from", &env.From}, {"tolist", &env.ToList},
		{"roomid", &env.RoomID}, {"msgtime", &env.MsgTime}, {"msgtype", &env.MsgType},
		{"time", &env.Time}, {"user", &env.User}, {"voiceid", &env.VoiceID}, {"voipid", &env.VoipID},
	} {
		if raw, ok := fields[f.name]; ok {
			if err := json.Unmarshal(raw, f.v); err != nil {
				return nil, jsonError(msgID, f.name, err)
			}
		}
	}
	r := &reader{o: o, env: &env, fields: fields}
	if env.MsgID == nil || strings.TrimSpace(*env.MsgID) == "" {
		return nil, &RecordError{Field: "msgid", Problem: "missing: every record has its message id"}
	}
	r.id = *env.MsgID
	if len(r.id) > 512 {
		return nil, r.errorf("msgid", "longer than 512 bytes")
	}
	rec, err := r.record()
	if err != nil {
		return nil, err
	}
	if err := rec.Item.Validate(); err != nil {
		return nil, r.errorf("", "the item made of it is not valid: %v", err)
	}
	return rec, nil
}

// reader holds one record while it is read.
type reader struct {
	o      Options
	env    *envelope
	fields map[string]json.RawMessage
	id     string
	it     *item.Item
	media  []Media
}

func (r *reader) errorf(field, format string, args ...any) error {
	return &RecordError{MsgID: r.id, Field: field, Problem: fmt.Sprintf(format, args...)}
}

// jsonError turns an encoding/json error into a *RecordError; prefix is
// the path of the object decoded.
func jsonError(id, prefix string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := prefix
		if te.Field != "" {
			field = strings.TrimPrefix(prefix+"."+te.Field, ".")
		}
		return &RecordError{MsgID: id, Field: field, Problem: fmt.Sprintf("a JSON %s where %s is wanted", te.Value, jsonType(te.Type.String()))}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &RecordError{MsgID: id, Field: prefix, Problem: fmt.Sprintf("not valid JSON (at byte %d): %s", se.Offset, strings.TrimPrefix(err.Error(), "json: "))}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if strings.HasPrefix(msg, "invalid number literal") {
		msg = "not a number: " + msg
	}
	return &RecordError{MsgID: id, Field: prefix, Problem: msg}
}

// jsonType names a Go type as the JSON type it reads.
func jsonType(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	switch {
	case goType == "string":
		return "a string"
	case goType == "json.Number":
		return "a number"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "bool":
		return "true or false"
	}
	return "an object"
}

// record builds the item.
func (r *reader) record() (*Record, error) {
	env := r.env
	r.it = &item.Item{
		Source:   item.WeChat,
		SourceID: r.id,
		Meta:     map[string]string{},
	}
	if env.Action != "" {
		r.it.Meta["action"] = env.Action
	}
	if env.Action == "switch" {
		if err := r.switchLog(); err != nil {
			return nil, err
		}
		return &Record{Item: r.it}, nil
	}
	if strings.TrimSpace(env.From) == "" {
		return nil, r.errorf("from", "missing: the sender's userid")
	}
	r.it.From = r.participant(env.From)
	for _, to := range env.ToList {
		if strings.TrimSpace(to) != "" {
			r.it.To = append(r.it.To, r.participant(to))
		}
	}
	if strings.TrimSpace(env.RoomID) != "" {
		r.it.Conversation = item.Conversation{ID: env.RoomID, Type: item.Group}
		r.it.Meta["roomid"] = env.RoomID
	} else {
		pair := []string{env.From}
		if len(r.it.To) > 0 {
			pair = append(pair, r.it.To[0].ID)
		}
		slices.Sort(pair)
		pair = slices.Compact(pair)
		r.it.Conversation = item.Conversation{ID: strings.Join(pair, ","), Type: item.Direct}
	}
	t, err := r.msgTime()
	if err != nil {
		return nil, err
	}
	r.it.Time = t
	if env.MsgType == "" {
		return nil, r.errorf("msgtype", "missing (text, image, revoke, …)")
	}
	r.it.Meta["msgtype"] = env.MsgType
	if env.VoiceID != "" {
		r.it.Meta["voiceid"] = env.VoiceID
	}
	if env.VoipID != "" {
		r.it.Meta["voipid"] = env.VoipID
	}
	if env.Action == "recall" || env.MsgType == "revoke" {
		err = r.revoke()
	} else {
		err = r.message()
	}
	if err != nil {
		return nil, err
	}
	return &Record{Item: r.it, Media: r.media}, nil
}

// participant returns the participant with a WeCom id.
func (r *reader) participant(id string) item.Participant {
	return item.Participant{ID: id, Name: r.o.Names[id]}
}

// msgTime reads msgtime.
func (r *reader) msgTime() (time.Time, error) {
	if r.env.MsgTime == nil {
		return time.Time{}, r.errorf("msgtime", "missing (epoch milliseconds)")
	}
	ms, err := millis(*r.env.MsgTime)
	if err != nil {
		return time.Time{}, r.errorf("msgtime", "%v", err)
	}
	if ms != 0 {
		return time.UnixMilli(ms).UTC(), nil
	}
	// WeCom's own example has msgtime 0. Many msgids end in the send
	// time in seconds: "8891446340739254950_1603875826".
	parts := strings.Split(r.id, "_")
	if len(parts) >= 2 {
		if s, err := strconv.ParseInt(parts[1], 10, 64); err == nil && len(parts[1]) == 10 && s > 0 {
			r.it.Meta["time-unknown"] = "msgtime is 0; the time is the msgid's"
			return time.Unix(s, 0).UTC(), nil
		}
	}
	r.it.Meta["time-unknown"] = "msgtime is 0; the time is the Unix epoch"
	return time.UnixMilli(0).UTC(), nil
}

// millis reads a time in epoch milliseconds.
func millis(n json.Number) (int64, error) {
	ms, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || ms < 0 || ms > maxMillis {
		return 0, fmt.Errorf("%s is not a time in epoch milliseconds", clip(n.String()))
	}
	return ms, nil
}

// seconds reads a time in epoch seconds.
func seconds(n json.Number) (time.Time, bool) {
	s, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || s <= 0 || s > maxMillis/1000 {
		return time.Time{}, false
	}
	return time.Unix(s, 0).UTC(), true
}

// size reads a byte count; ok is false when it is not one that fits in an
// int64.
func size(n json.Number) (int64, bool) {
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || v < 0 {
		return 0, false
	}
	return v, true
}

// switchLog reads a "switch" record: a user switched enterprise.
func (r *reader) switchLog() error {
	env := r.env
	if strings.TrimSpace(env.User) == "" {
		return r.errorf("user", "missing: the userid that switched enterprise")
	}
	if env.Time == nil {
		return r.errorf("time", "missing (epoch milliseconds)")
	}
	ms, err := millis(*env.Time)
	if err != nil {
		return r.errorf("time", "%v", err)
	}
	r.it.Kind = item.System
	r.it.Time = time.UnixMilli(ms).UTC()
	r.it.From = r.participant(env.User)
	r.it.Conversation = item.Conversation{ID: env.User, Type: item.Direct}
	r.it.Text = fmt.Sprintf("%s switched to another enterprise account", r.name(env.User))
	r.it.Meta["msgtype"] = "switch"
	return nil
}

// name returns a user's display name and id, or the id.
func (r *reader) name(id string) string {
	if n := r.o.Names[id]; n != "" {
		return n + " (" + id + ")"
	}
	return id
}

// revoke reads a recall.
func (r *reader) revoke() error {
	var p struct {
		PreMsgID string `json:"pre_msgid"`
	}
	if err := r.payload("revoke", &p); err != nil {
		return err
	}
	if strings.TrimSpace(p.PreMsgID) == "" {
		return r.errorf("revoke.pre_msgid", "missing: the msgid of the recalled message")
	}
	r.it.Kind = item.Recalled
	r.it.RefersTo = p.PreMsgID
	return nil
}

// payload decodes the object under key into v. A missing payload is an
// error naming it.
func (r *reader) payload(key string, v any) error {
	raw, ok := r.fields[key]
	if !ok || string(raw) == "null" {
		return r.errorf(key, "missing: a %s record has its %q object", r.env.MsgType, key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return jsonError(r.id, key, err)
	}
	return nil
}

// clip shortens a value for a message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
