// Package whatsapp reads the webhooks of the WhatsApp Business Platform
// (Cloud API) — the GET verification handshake, the X-Hub-Signature-256 of
// POSTs, and the POSTed whatsapp_business_account bodies — and turns the
// messages, message echoes and calls they carry into items of the WhatsApp
// source. It is a pure format package: no store; the standard library and
// the item model only. FetchMedia is its one network call: it fetches a
// media object's bytes from the Graph API by id, for the capture service to
// stream into storage.
//
// A webhook is handled in this order: VerifySignature on the raw body (401
// on error), Parse (400 on error: the platform retries, nothing partial is
// stored), store the records idempotently by item Source + SourceID, answer
// 200; then fetch each record's Media and append Media.Attachment.
//
// # Invariants
//
//   - Parse is all-or-nothing. A body that is not valid JSON, is not a
//     whatsapp_business_account envelope, or has one message, echo, call or
//     status that cannot be read is a *ParseError naming the JSON path at
//     fault ("entry[0].changes[0].value.messages[0].timestamp: \"abc\" is
//     not epoch seconds"), and nothing of the body is returned.
//   - Nothing in an accepted body is dropped: every message, message echo
//     and call is a Record, every status a Status, and every change without
//     them (account, template, quality, name, marketing-preference updates,
//     platform errors) an Ignored entry with the reason.
//   - Every Record's item has passed (*item.Item).Validate, with Source
//     item.WhatsApp.
//   - Parse is deterministic: the same body gives the same Batch. It does
//     not deduplicate: a body that repeats a message id gives two records
//     with the same SourceID, and idempotency is the caller's.
//   - Every message type becomes an item, the ones this package does not
//     know included: a chat item whose text is the type and its object.
//
// # Parties and conversations
//
// The business number (value.metadata.display_phone_number, normalised to
// E.164: digits get a '+', spaces and dashes go) is every item's Owner and
// the party on the business side; a change whose number is not a phone
// number (a placeholder such as "<BUSINESS_DISPLAY_PHONE_NUMBER>") is an
// error. The WhatsApp user is read from the message's from (messages[],
// inbound: From the user, To the business) or to (message_echoes[],
// outbound, sent from the WhatsApp Business app: From the business, To the
// user): a wa_id of digits makes the Phone ("+" and the digits) when that
// is an E.164 number and is kept as the participant's ID otherwise ("5678");
// a business-scoped user id (BSUID, "US.13491208655302741918", in
// from_user_id or in from itself) is the participant's ID, with or without
// a phone; anything else ("bla", a placeholder) is an error. The user's
// name is the profile name of the matching value.contacts entry; its
// username and parent user id go to Meta (customer-username,
// customer-parent-user-id).
//
// A message with group_id is in the group conversation of that id (type
// group); any other is in the direct conversation "wa:" + business phone +
// ":" + user phone (or user id when there is no phone), named after the
// user.
//
// # Kinds
//
// SourceID is the message id (wamid…), Time the timestamp (epoch seconds,
// as a string or a number), UTC. Meta always has "type" (the WhatsApp
// message type) and "direction" (inbound or outbound), and "waba-id" and
// "phone-number-id" when the body gives them.
//
//   - text → chat.
//   - image, video, audio, voice (audio with voice true), sticker →
//     attachment (item.Media); document → file. The item has no attachment
//     yet: Record.Media lists the media to fetch by id; the text is the
//     caption or says what the media is ("[voice message]", "[document
//     report.pdf]"); Meta carries media-id, mime-type, media-sha256,
//     filename, voice, animated.
//   - location → location with item.Place; the text is its name and
//     address.
//   - contacts → contact; the text lists each card: name, phones (with
//     their wa_id), emails, organisation, urls, addresses, birthday.
//   - interactive button_reply and list_reply → chat, text the title chosen,
//     Meta reply-id; nfm_reply (a completed Flow) → chat, text the body and
//     the response_json as "key: value" lines in the flow's order (as it
//     came when it is not a JSON object); button (a template's quick reply)
//     → chat, text the button text, Meta button-payload; other interactive
//     types → chat with their object as text.
//   - order → chat, one line per product ("3 × HAMBURGER at 30 ILS") and the
//     order's text; Meta catalog-id.
//   - reaction → reaction, RefersTo the message reacted to, text the emoji;
//     an empty emoji removes a reaction: text "[reaction removed]", Meta
//     reaction-removed=true.
//   - edit → edit, RefersTo edit.original_message_id, text the new text or
//     caption; new media are in Record.Media.
//   - revoke → deleted, RefersTo revoke.original_message_id.
//   - unsupported (error 131051) → chat whose text says the content was not
//     delivered and why; Meta error-code, errors.
//   - system (user_changed_number, …) → system, text the system body; Meta
//     system-type, new-wa-id. request_welcome → system.
//   - Any message: context.id → Meta reply-to (and reply-to-from);
//     context.forwarded and frequently_forwarded → Meta forwarded=true;
//     referral (click-to-WhatsApp ad) → Meta referral-*; errors → Meta
//     errors (with the errors of the change's value, when it has any
//     beside messages or calls; a value of errors only is Ignored).
//
// Calls (value.calls, Business Calling API): each event is a call item with
// SourceID "<wacid>:<event>", so that a call's connect and its terminate
// are both kept. Direction inbound for USER_INITIATED, outbound for
// BUSINESS_INITIATED; connect has status "connecting"; terminate has the
// final status in lower case ("completed", "failed"), the duration (from
// duration, else end_time − start_time) and start_time as its time. The
// caller and the called are From and To.
//
// Statuses (value.statuses) are Status values, not items: delivery receipts
// of messages the business sent and the ringing/accepted/rejected progress
// of calls it placed (Type "call"). The status value is passed through in
// lower case, not checked against a list.
//
// A chat history sync (field history, coexistence) is Ignored: messages
// from before the number was onboarded are not captured by this channel.
//
// # Media
//
// A webhook never carries media bytes. Each Media has the Name and
// ContentType its attachment gets (the document's file name, or "<media
// id>.<extension of the MIME type>"), and Media.Attachment(blob, size)
// makes the attachment once the bytes are stored. FetchMedia streams the
// bytes and checks them against the size and SHA-256 the Graph API gives;
// Media.SHA256Hex decodes the webhook's base64 checksum for a further
// comparison.
package whatsapp
