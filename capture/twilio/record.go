package twilio

import (
	"errors"
	"fmt"
	"time"

	"github.com/custos-archive/custos/item"
)

// Options say what the parsers need to know of the organisation and the
// moment. Both fields are required.
type Options struct {
	// Numbers reports whether addr is one of the organisation's Enterprise
	// Numbers. addr is a number in E.164 ("+12028831111"), or a short code
	// ("384387") or other id as Twilio wrote it, without any channel prefix:
	// "whatsapp:+12028831111" is asked as "+12028831111". The direction of
	// every message and call is decided by which of From and To it accepts.
	Numbers func(addr string) bool
	// Now is when the webhook was received. Message webhooks carry no time:
	// it is their item's Time. Call callbacks without a Timestamp use it too.
	Now time.Time
}

func (o *Options) check() error {
	if o.Numbers == nil {
		return errors.New("twilio: Options.Numbers is nil: pass the function that knows the organisation's Enterprise Numbers")
	}
	if o.Now.IsZero() {
		return errors.New("twilio: Options.Now is zero: pass the time the webhook was received")
	}
	return nil
}

// RecordingOptions are the Options of ParseRecording.
type RecordingOptions struct {
	Options
	// Call is the call_log item of the recording's call (ParseCallStatus's
	// item for the same CallSid). A recording status callback carries no
	// From and To; ParseRecording takes the parties, the conversation, the
	// owner and the direction from Call when the callback lacks them.
	// Optional; when given, its SourceID must be the callback's CallSid.
	Call *item.Item
	// Format is the audio format the recording is fetched in: "wav" (the
	// default, Twilio's original) or "mp3". Twilio serves a recording in
	// either when its URL is given the extension.
	Format string
}

// Record is one webhook read into an item, and the media the item refers
// to but the webhook does not carry.
type Record struct {
	// Item is the message, call log or recording. It has passed
	// (*item.Item).Validate, except that a voice_recording's item is valid
	// only once its audio (Media[0]) is attached: the item model requires
	// it, and ParseRecording has checked the item with it in place.
	Item *item.Item `json:"item"`
	// Media lists the media of an MMS or channel message, in MediaUrl{N}
	// order, or the audio of a recording, for the capture service to fetch
	// (FetchMedia), store and append to Item.Attachments with
	// Media.Attachment. Empty when there are none.
	Media []Media `json:"media,omitempty"`
}

// Media is a file a webhook refers to by URL.
type Media struct {
	// URL is where the bytes are: MediaUrl{N} as Twilio sent it, or the
	// RecordingUrl with the format's extension. Twilio sends absolute
	// https URLs on api.twilio.com; FetchMedia gets them.
	URL string `json:"url"`
	// ContentType is the MIME type: MediaContentType{N}, or guessed from
	// the name's extension when the webhook gives none, or
	// "application/octet-stream". Prefer the type FetchMedia returns.
	ContentType string `json:"content_type"`
	// Name is the file name the attachment gets: the URL's last path
	// segment (Twilio's ME… or RE… sid) with an extension for the type.
	Name string `json:"name"`
}

// Attachment returns the attachment for the media, without its bytes: the
// caller sets Blob (or Path) once it has fetched and stored them, and
// appends it to the item's Attachments.
func (m Media) Attachment() item.Attachment {
	return item.Attachment{Name: m.Name, ContentType: m.ContentType}
}

// Resource names what a Status is about.
type Resource string

// The resources a Status can be about.
const (
	MessageResource   Resource = "message"
	CallResource      Resource = "call"
	RecordingResource Resource = "recording"
)

// Status is a callback that reports the state of a message, call or
// recording without being an item of its own: a message status callback
// (sent, delivered, read, failed, …), a call that is not over yet (queued,
// ringing, in-progress), a recording that is not complete (in-progress,
// absent, failed). The caller may store it against the item with the same
// SID; it never creates one.
type Status struct {
	// Resource says whether SID is a MessageSid, CallSid or RecordingSid.
	Resource Resource `json:"resource"`
	// SID is the message's, call's or recording's sid.
	SID string `json:"sid"`
	// CallSID is the call of a recording, when given.
	CallSID string `json:"call_sid,omitempty"`
	// Status is the status as Twilio sent it (lower case), e.g. "delivered",
	// "ringing", "absent".
	Status string `json:"status"`
	// ErrorCode is Twilio's error code of a failed message or recording,
	// e.g. "21610" (the recipient replied STOP). Empty when none (or "0").
	ErrorCode string `json:"error_code,omitempty"`
	// From and To are the addresses as Twilio sent them, when it did.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Time is the callback's Timestamp when it has one, else Options.Now.
	Time time.Time `json:"time"`
	// Meta carries further facts of the callback (account-sid,
	// sequence-number, channel-status-message, …), keyed as Item.Meta is.
	Meta map[string]string `json:"meta,omitempty"`
}

// ParamError says which webhook parameter is wrong and how. Every error
// about the webhook's content is one; the HTTP layer answers it with 400
// (as JSON: the fields are tagged), except ErrCallUnknown (see there).
// Errors that are not (a nil Options.Numbers, a zero Options.Now) are the
// caller's.
type ParamError struct {
	// Param is the parameter's name as Twilio spells it: "From",
	// "MediaUrl1", "CallDuration".
	Param string `json:"param"`
	// Problem says what is wrong and, where it helps, what to do.
	Problem string `json:"problem"`
	// Err is ErrNotOurNumber or ErrCallUnknown when the problem is one of
	// those, else nil.
	Err error `json:"-"`
}

func (e *ParamError) Error() string {
	return "twilio webhook: " + e.Param + ": " + e.Problem
}

// Unwrap returns Err.
func (e *ParamError) Unwrap() error { return e.Err }

// ErrNotOurNumber is wrapped by the *ParamError of a message or call of
// which neither From nor To is one of the organisation's numbers
// (Options.Numbers): its direction and owner are unknown. Add the number
// to the organisation's Enterprise Numbers; Twilio keeps the message in
// its own logs meanwhile.
var ErrNotOurNumber = errors.New("neither From nor To is one of the organisation's Enterprise Numbers")

// ErrCallUnknown is wrapped by the *ParamError of a completed recording
// whose callback carries no From and To (recording status callbacks
// never do) when RecordingOptions.Call is not given. Find the call's item
// by the CallSid and parse again with it; if the call's status callback
// has not arrived yet, keep the callback and parse it when it has. The
// webhook is not at fault: do not answer it 400, which would lose the
// recording, but 2xx once the callback is kept.
var ErrCallUnknown = errors.New("the recording's call is unknown")

func paramErr(param, format string, args ...any) *ParamError {
	return &ParamError{Param: param, Problem: fmt.Sprintf(format, args...)}
}

// orNil returns m, or nil when it is empty.
func orNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}
