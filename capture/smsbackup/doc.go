// Package smsbackup reads Android "SMS Backup & Restore" (SyncTech) XML
// backups — <smses> files with <sms> and <mms> elements and <calls> files
// with <call> elements — and turns each element into an item.Item of the
// Enterprise Number source. It is a pure format package: no store, no
// network, standard library and the item model only.
//
// # Streaming
//
// Parse reads the XML with an encoding/xml Decoder token by token and never
// holds the document: each element is decoded on its own, converted,
// validated and handed to emit before the next one is read. Memory is bounded
// by the largest single element (an MMS carries its media as base64
// attributes, so an element holds its own media twice while it is decoded)
// plus a fixed window of content keys for de-duplication; a 2 GB backup needs
// no more memory than a 2 MB one.
//
// # Invariants
//
//   - Every item handed to emit has passed (*item.Item).Validate.
//   - Every <sms>, <mms> and <call> directly under the root is accounted for
//     in Stats exactly once: emitted (SMS, MMS, Calls), a repeat of an earlier
//     element (Duplicates), broken (RejectedCount, with the first
//     MaxRejected listed in Rejected), or cut off by the end of the input or
//     an XML syntax error (Unfinished, at most 1). Other elements under the
//     root are counted in Unknown and skipped.
//   - Nothing partial is emitted: an element is converted only after its end
//     tag has been read, and a broken element is rejected whole.
//   - A non-nil error from Parse means the file was not read to its end: the
//     caller must treat the import of that file as incomplete. The items
//     emitted before the error are complete and correct (a truncated backup's
//     complete elements are all emitted), and importing the file again after
//     it is fixed duplicates nothing, since every item's SourceID is a content
//     key.
//
// # Mapping
//
// Kinds: <sms> → item.SMS, <mms> → item.MMS, <call> → item.CallLog. Every
// item has Source item.EnterpriseNumber and Owner the backed-up phone's own
// number (Options.Owner).
//
// SourceID: the format has no message ids, so the SourceID is a content key:
// "sms-", "mms-" or "call-" and the hex SHA-256 of the owner's number and the
// element's identifying attributes (sms: address, date, type, body; mms:
// msg_box, date, address, the addrs and every part's type, names, text and
// data; call: number, date, type, duration). Attributes that change between
// two backups of the same message (read, seen, readable_date, contact_name,
// _id) are left out, so the same message backed up twice, or twice in one
// file (fkleon_sms_dupes.xml), has the same key and is stored once. Within
// one file Parse also skips a repeat of any of the last DedupWindow keys and
// counts it in Stats.Duplicates; a repeat further apart is emitted again with
// the same SourceID, and the store keeps one copy.
//
// Direction: sms type 1 (received) has From the address and To the owner;
// every other type — 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued — has
// From the owner and To the address. Drafts, outbox, failed and queued
// messages are kept (a compliance archive keeps what was written, sent or
// not) and say so in Meta["status"]: received, sent, draft, outbox, failed or
// queued. An mms with msg_box 1 is inbound from the <addr type="137"> (From)
// address; msg_box 2 sent, 3 draft, 4 outbox and 5 failed are outbound from
// the owner; without a usable msg_box, m_type 132 (retrieve-conf) means
// received and 128 (send-req) sent.
//
// MMS recipients: all addrs (137 From, 151 To, 130 Cc, 129 Bcc) other than
// the owner and Android's "insert-address-token" are the other parties; when
// an mms has no usable addrs, the address attribute ("~" between the numbers
// of a group) is used. An mms with more than one other party is a group
// conversation (Conversation.Type group, Conversation.Name the
// contact_name). Parts: text/plain parts are the Text (joined by a newline,
// in document order); application/smil parts are layout and are skipped;
// every other part is an attachment with the bytes of its base64 data
// attribute, named by cl, name or fn (the first that is set), or
// "part-N.ext". A part without data but with text (a vCard, say) keeps the
// text as its bytes; a media part with neither (backups made without media)
// is named in Meta["missing-media"].
//
// Calls: type 1 incoming (inbound, completed), 2 outgoing (outbound,
// completed, or no-answer when the duration is 0), 3 missed, 4 voicemail, 5
// rejected, 6 refused list (status "blocked"), 7 answered externally
// (status "answered-elsewhere"); duration in seconds. A withheld number
// (number empty or negative, presentation 2, 3 or 4) becomes a participant
// with ID "private", "unknown" or "payphone".
//
// Conversation.ID: the owner's and the other parties' numbers (or IDs),
// sorted and joined by ",", so an SMS thread, its MMS and the calls with the
// same person share one conversation.
//
// Time: date is epoch milliseconds; a value below 10^11 is taken as seconds
// (some producers write seconds; 10^11 ms is March 1973, 10^11 s the year
// 5138). Times are in UTC; readable_date is ignored.
//
// Phone numbers: a number becomes Participant.Phone only when it is E.164
// (item.IsE164). The rule without Options.Normalize: spaces, dashes, dots,
// slashes and parentheses are removed; the result is used when it is "+"
// and 6 to 15 digits. Anything else — "773-338-7786", "5550100", short
// codes, "group_8@rcs.google.com" — is not guessed at: the participant gets
// Participant.ID (the digits without separators, or the value as written)
// and the raw value is always in Meta["address"]. A caller that knows the
// phone's region passes Options.Normalize (for example a libphonenumber-based
// normaliser) to turn national numbers into E.164. The literal "null" means
// no value in every attribute (the app writes it for empty fields), and
// contact_name "(Unknown)" means no contact name.
//
// Errors: an XML syntax error stops the parse with an *Error naming the file
// and line; a file that ends inside an element (a truncated or interrupted
// backup) stops with an *Error matching ErrTruncated that names the line the
// cut element starts on, after every complete element before it was
// emitted. A broken element — a required attribute missing or invalid
// (date="abc", type="9"), undecodable base64, an item that fails validation
// — is listed in Stats.Rejected with its line, element and reason, nothing of
// it is emitted, and parsing continues with the next element.
package smsbackup
