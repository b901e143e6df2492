// Package waexport reads WhatsApp "Export chat" files — the .txt of Android
// and iOS, in any locale's date format, or the .zip with media — and turns
// each message into an item.Item of source item.WhatsApp.
//
// It is pure format code: no database, no network, no package state. It
// imports only the standard library and package item. ParseText streams the
// input line by line and keeps only what becomes the items; ParseZip also
// streams every media file it extracts.
//
// # Lines
//
// A line starts a message when it has a header: a date (three numbers
// separated by '/', '.' or '-': d/m/yy, m/d/yy, dd.mm.yyyy, yyyy-mm-dd,
// yyyy/mm/dd, …), a comma and/or spaces, a time (H:MM or H:MM:SS, also with
// dots as in Danish exports, 24-hour,
// or 12-hour with AM/PM, am/pm, a.m./p.m. or "a. m.", after an ordinary
// space, U+00A0 or U+202F), and the delimiter: " - " on Android
// ("12/31/20, 9:05 PM - Bob: hi"), "]" on iOS ("[31.12.20, 21:05:09] Bob: hi").
// U+FEFF, U+200E, U+200F and the bidi embeddings are skipped at the start of
// lines, inside the bracket and around names. Every other line continues
// the message before it, blank lines included; lines end in LF, CRLF or CR,
// mixed. Trailing blank lines of a message are dropped.
//
// A line shaped like a header whose date or time cannot exist
// ("31/02/2020", "25:10", an unknown AM/PM marker of up to six letters such
// as "vorm.") is a Rejected line with
// the reason; the continuation lines after it belong to it. Non-empty lines
// before the first message are rejected too. Nothing is dropped silently:
// every non-empty line is a message start, a continuation or rejected.
// Input without a single header is an error wrapping ErrNotExport that
// quotes the first line.
//
// Real exports write "00:04 AM" and "23:59 PM"; these are read as 00:04 and
// 23:59. "13:00 AM" is rejected.
//
// # Day and month
//
// The order of day and month is decided per file, separately for each way of
// writing dates in it (layout, separator, year first or last, year width),
// from all its dates: a first field above 12 means day first, a second field
// above 12 month first. When dates tell both (two exports run together),
// Options.DayFirst decides if set, else each date takes the order of the
// nearest date before it that tells (after it, for the first ones); a date
// impossible in its order is rejected. When no date tells, Options.DayFirst decides; without it, dates with a
// leading zero, a four-digit year or a separator other than '/' are day first
// (the en-US layout 1/29/18 is the common month-first one), year-first dates
// are year/month/day, and "1/2/21"-style dates take the order under which the
// dates go backwards less often, else month first. Result.OrderAssumed says
// that the order was assumed; Result.Format shows the layout found. Two-digit
// years are 20yy. Timestamps need not be in order; items keep file order.
//
// Times are local times of the phone, read in Options.Location (UTC by
// default).
//
// # Authors and system lines
//
// After the header comes "Author: text". The author is the text before the
// first ": " that precedes any quotation mark (system lines quote group
// names); a line ending in "Author:" is an empty message; "Name:text" without
// the space is a message only when Name authors other messages. A name
// written "~ Name" (a member not in the owner's contacts) loses the "~" and
// the item gets meta "author-unsaved". A name that is a phone number ("+1 123
// 456 789") becomes a participant with Phone in E.164; other names become
// participants with Name.
//
// Lines without an author are kind system: encryption notices, "X created
// group", "X added Y", "You were added", renames, icon changes, security code
// and number changes. Lines with an author are system lines too when their
// text is an encryption notice, or when it reads like a system line (in the
// English and German forms of WhatsR's table) and starts with U+200E, as iOS
// writes them ("Super Group: ‎Josh added you"), or the author is the chat's
// name. From is the actor the text names ("You"/"Du" is the owner), else the
// chat (the participant named like the chat in a 1:1 chat, else a participant
// whose Name is the chat name). Meta "event" names what happened
// ("group-created", "members-changed", "encryption", …).
//
// # Kinds
//
//   - chat: everything not below; a live location notice ("live location
//     shared") is a chat item with meta "location": "live".
//   - attachment (item.Media), file, contact: media placeholders. Android
//     "<Media omitted>", "<Medien ausgeschlossen>", "IMG-….jpg (file
//     attached)", "PTT-….opus (Datei angehängt)"; iOS "image omitted", "Bild
//     weggelassen", "Report.pdf • 3 pages document omitted", "<attached:
//     00000012-PHOTO-….jpg>", "<Anhang: …>". Images, video, audio, voice notes
//     and stickers are attachments, .vcf and contact cards contacts, other
//     files (and "document omitted") files. Without the media (ParseText, or
//     a zip without that file) the item keeps the text as written and gets
//     meta "media": "omitted" and, when the export names one, "media-file".
//   - deleted: "This message was deleted", "You deleted this message",
//     "Diese Nachricht wurde gelöscht." and other locales'. The original is
//     not in exports.
//   - edit: a text ending in "<This message was edited>" (or the German,
//     French, Spanish, … marker); Text is without the marker.
//   - call: iOS "Missed voice call", "Missed video call" (status missed),
//     "Voice call. 5 min" (completed, with duration), "Video call. No answer"
//     (no-answer); inbound unless the owner is the author.
//   - location: "location: https://maps.google.com/?q=LAT,LON" (Android, with
//     the place's name and address on the lines before), "Location: …" (iOS),
//     "Standort: …", "Name (Address): URL"; Place has latitude, longitude,
//     URL and, when given, name and address. A maps link without coordinates
//     stays a chat item.
//   - system: see above.
//
// # Chat, participants, conversation
//
// The chat's name is Options.Chat, else read from the file name ("WhatsApp
// Chat with Bob.txt", "WhatsApp Chat - Bob.zip", "WhatsApp-Chat mit Bob.txt",
// with or without a " (1)"), else the author of iOS system lines (the group,
// or the other party of a 1:1 chat), else the group's latest name from a
// rename line or its name from the creation line, else the only other author,
// else the file's base name unless generic ("_chat"), else the other authors'
// names, sorted ("Alice, Bob"), else "WhatsApp chat".
// Give Options.Chat when the name must stay stable across exports of a group
// that is renamed.
//
// The owner (Options.Owner, Phone required) takes part in every item: From
// when the author is Owner.Name (case-insensitive), "You"/"Du", or the
// owner's number; else first in To. Without Owner.Name, in a chat without
// group lines whose two authors include the chat's name, the other author is
// taken to be the owner. To is everyone else seen in the chat — authors of
// messages and actors of system lines, in order of appearance — except From.
//
// Conversation.ID is "waexport:" + owner phone + ":" + chat name;
// Conversation.Type is group when a group system line is seen or more than
// one person besides the owner authors messages, else direct.
//
// # Zips
//
// ParseZip(path, dir, o) finds the chat text in the zip (_chat.txt, else the
// one "WhatsApp Chat with X.txt", else the only .txt), parses it as
// ParseText does, with the chat name also read from the zip's name
// ("WhatsApp Chat - Bob.zip"), and extracts into dir every media file that a
// message names and the zip holds, streaming it. The item then has one
// Attachment with Path (absolute), Size, SHA256, ContentType from the
// extension, and Text is the caption without the placeholder. Media named but
// not in the zip is marked omitted as above. A truncated or corrupt zip, one
// without a chat text, or a media file that fails its checksum is an error
// (ErrBadZip, or the zip's checksum error) naming the zip; the files the call
// extracted are removed.
//
// # Source ids
//
// Exports carry no message ids. SourceID is the hex SHA-256 of the owner's
// phone, the chat name, the local time as written (2006-01-02T15:04:05), the
// author as written, the text as written, and the number of earlier messages
// in the file with the same time, author and text, each written as its
// length in decimal, ':' and its bytes. Importing the same file again — or an export of the same chat that
// overlaps it, from the same phone and locale — yields the same ids, so the
// archive stores each message once. The time zone is not part of the id.
//
// Each item also has meta "export-file" (the file's base name; for a zip
// "x.zip/_chat.txt") and "export-line" (the line its header is on), so a
// reviewer can find it in the original.
//
// # Limits
//
// Locale tables cover English and German fully (from WhatsR's table and the
// public fixtures); encryption notices, deleted and edited markers, attachment
// placeholders and file names of es, fr, pt, it, nl, tr and ru are included
// from parser code but not verified against real exports. System lines in
// other languages are still system lines (they have no author), but their
// actor is not read (From is the chat). Dates in non-Latin digits, Chinese
// 上午/下午 markers and lines longer than MaxLine are not supported. A message
// whose text itself contains a line shaped like a header (a pasted chat) is
// split there, as in every parser of this format.
package waexport
