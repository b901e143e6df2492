// Package twilio reads the webhooks Twilio (and Twilio-compatible
// platforms) send for an organisation's Enterprise Numbers — the business
// numbers it rents — and turns them into items of the Enterprise Number
// source: incoming SMS, MMS and channel messages (WhatsApp, RCS, … through
// Twilio), message status callbacks, voice call status callbacks and
// recording status callbacks. It is a pure format package: no store, no
// server; standard library and the item model only, plus FetchMedia, the
// one HTTP client call the capture service needs to get media and
// recordings.
//
// ValidateSignature checks X-Twilio-Signature (Sign computes it, for tests
// and fake Twilios). ParseMessage, ParseCallStatus and ParseRecording read
// the url.Values of one webhook (r.PostForm for POST; the query for GET).
// Twilio's bodies are a few kilobytes: the HTTP layer bounds what it reads
// (http.MaxBytesReader) before parsing the form.
//
// # Invariants
//
//   - Each Parse function returns exactly one of a *Record (a new item)
//     and a *Status (the state of a message, call or recording, which never
//     makes an item), or an error.
//   - Every Record's item has Source item.EnterpriseNumber and has passed
//     (*item.Item).Validate — except a voice_recording's, which the item
//     model accepts only with its audio attached: ParseRecording has
//     validated it with the audio in place, and it becomes valid once the
//     caller attaches Media[0].
//   - An error about the webhook is a *ParamError naming the parameter and
//     what is wrong, for a 400 answer; nothing partial is returned. Other
//     errors (Options.Now zero, Options.Numbers nil) are the caller's.
//   - Unknown parameters are ignored (Twilio adds parameters without
//     notice; the signature covers them all). A parameter this package
//     reads must be sent once and be UTF-8.
//   - No function keeps state or touches the network, but FetchMedia.
//
// # Messages
//
// A webhook with Body or NumMedia is a message; one without either but
// with MessageStatus (or SmsStatus) is a status callback — sent,
// delivered, read, failed, undelivered, … — and is returned as a Status
// with the MessageSid, the status and the ErrorCode. Status callbacks of
// messages the organisation sends carry no Body: Twilio never sends the
// text of an outbound message to a webhook, so outbound SMS are captured
// only where they are sent (the sending application posts them to the
// capture site's JSON ingest API) or when a compatible platform includes
// the Body, which makes the callback a message. An unknown status value is
// an error.
//
// SourceID: MessageSid (or the legacy SmsSid / SmsMessageSid, which must
// agree with it). Kind: a message over SMS/MMS is sms, or mms when it has
// media (or its sid is an MMS's, MM…, and it has text); a message on
// another channel — From or To with a prefix such as "whatsapp:",
// "rcs:", "messenger:" — is chat, or attachment (item.Media) with media,
// or file when every media is a document. Channel messages keep Source
// enterprise-number: they came through the organisation's Twilio number,
// and their conversation is filed with its other traffic; Meta["channel"]
// says which channel ("whatsapp").
//
// Text: Body. A message without a Body says what it carries instead:
// its media ("[media: ME1.jpg (image/jpeg)]"), its location ("[location
// 52.37, 4.89 Label Address]") or its button's text. Media: NumMedia must
// count the MediaUrl{N} parameters exactly (N from 0, no others, at most
// 100); each becomes a Media with the URL as sent, MediaContentType{N}
// (else a type guessed from the URL's extension, else
// application/octet-stream) and a name from the URL's last segment. The
// media bytes are not in the webhook: the capture service fetches each
// with FetchMedia and appends Media.Attachment with its Blob set.
// WhatsApp locations (Latitude, Longitude, Label, Address) fill
// item.Location on a chat item. ProfileName is the sender's Name.
//
// Time: Twilio's message webhooks carry no time; the item's Time is
// Options.Now, the moment the webhook was received (seconds after the
// message was, as Twilio calls at once).
//
// # Numbers and direction
//
// From and To may be an E.164 number (Participant.Phone), a short code
// (3 to 8 digits) or an alphanumeric sender (Participant.ID), or a channel
// address "<channel>:<address>": the prefix is stripped and recorded, an
// E.164 address is the Phone, any other (a WhatsApp business-scoped user
// id "whatsapp:US.1234", "client:alice", "sip:bob@example.com") the ID.
// For calls, an empty or withheld From ("anonymous", "restricted", …) is
// a participant with ID "anonymous" (or the word sent, lower case).
// Anything else is an error.
//
// Options.Numbers decides the direction: a message or call is inbound
// when To is one of the organisation's numbers and From is not, outbound
// when From is and To is not. When both are (two Enterprise Numbers),
// Twilio's own view decides: a received message, or a call with Direction
// inbound, is inbound. When neither is, the webhook is an error wrapping
// ErrNotOurNumber — this happens for the child leg of a forwarded call
// (<Dial> to a mobile with the caller's id), which the parent leg's own
// status callback already logs: configure status callbacks on the number,
// not on <Dial><Number>. The item's Owner is the organisation's number
// (when it is E.164), From and To are the sender and the recipient (the
// caller and the called), and Meta["direction"] (messages) or
// CallInfo.Direction (calls) is inbound or outbound.
//
// Conversation: direct, ID "<our address>/<their address>", e.g.
// "+12028831111/+14133881111"; a channel conversation keeps the prefixes
// ("whatsapp:+12028831111/whatsapp:+14133881111"), as it is another
// thread on both phones than the SMS one. Calls and SMS with the same
// person share a conversation. Name: the other party's name, when the
// webhook gives it (ProfileName, CallerName).
//
// # Calls
//
// A call status callback with a final CallStatus — completed, busy,
// failed, no-answer, canceled — is a call_log item: SourceID the CallSid,
// CallInfo{Direction, Status: CallStatus, Duration: CallDuration}
// (required when completed), Time the start of the call (Timestamp, RFC
// 2822, less CallDuration; Options.Now when Timestamp is absent), and
// Meta["ended"], Twilio's Direction (inbound, outbound-api,
// outbound-dial), ParentCallSid, AnsweredBy, SipResponseCode,
// RecordingSid. CallerName is the caller's Name. queued, initiated,
// ringing and in-progress are a Status with the Timestamp as its Time;
// callbacks can arrive out of order (SequenceNumber is in Status.Meta).
//
// # Recordings
//
// A recording callback with RecordingStatus completed (or none, for a
// <Record> action or a completed call's callback that carries a
// RecordingUrl) is a voice_recording item: SourceID the RecordingSid,
// CallInfo{Direction of the call, Status "completed", Duration:
// RecordingDuration}, Meta["call-sid"], and Media the audio at
// RecordingUrl + ".wav" (audio/wav, named RE….wav; ".mp3" and audio/mpeg
// with RecordingOptions.Format "mp3"). Recording status callbacks carry
// no From and To: pass the call's call_log item as RecordingOptions.Call,
// or get ErrCallUnknown (see there). Other statuses — in-progress,
// absent, failed — are a Status.
//
// When a call is recorded with the Record option, its completed status
// callback carries the RecordingSid and RecordingUrl: the capture service
// passes that form to ParseCallStatus (the call log) and, when it has a
// RecordingSid, to ParseRecording too (the recording).
//
// # Fetching media
//
// FetchMedia gets Media.URL with HTTP basic auth (account SID, auth
// token), follows Twilio's redirect to its storage without the
// credentials, and streams the body. It sends credentials only over https
// (or to a loopback test server).
package twilio
