// Package wecom reads WeCom (企业微信) conversation-archive records — the
// decrypted chatdata JSON objects of the 会话内容存档 SDK (msgid, action,
// from, tolist, roomid, msgtime, msgtype and the per-type object) — and
// turns each into an item.Item of the WeChat source. It is a pure format
// package: no store, no network, no SDK; standard library and the item
// model only.
//
// ParseRecord reads one record; ParseLines reads JSON lines (one record per
// line), reports bad lines with their numbers and goes on.
//
// # Invariants
//
//   - Every item returned has passed (*item.Item).Validate.
//   - A record ParseRecord cannot turn into an item is an error naming the
//     field that is wrong (*RecordError); nothing partial is returned.
//   - Every message type becomes an item, the ones this package does not
//     know included: an unknown msgtype becomes a chat item whose text is
//     the type and its payload, so nothing in the archive is dropped.
//   - Integers are read exactly (json.Number): values beyond int64, which
//     WeCom sends (uint64 ids and sizes), never break a record; a size that
//     does not fit is kept as written in Meta and left out of Media.Size.
//
// # Media
//
// A record never carries media bytes: images, voice notes, videos,
// stickers, files and call recordings are fetched later with the SDK's
// GetMediaData by sdkfileid. An item.Attachment must have its bytes (data,
// path or blob), so ParseRecord does not invent attachments without them.
// It returns a Record: the Item, whose Text describes the media ("[image,
// 70961 bytes]") and whose Meta carries the media facts (sdkfileid, md5sum,
// filesize, play-length, …), and Media, the list of pending media with the
// name and MIME type their attachment should get. The capture service
// fetches each by SDKFileID, stores the bytes and appends
// Media.Attachment() with the Blob (or Path) set to the item's Attachments
// before it files the item; until then the item is complete and valid, just
// without the bytes. Names and types: image → <md5>.jpg image/jpeg, voice →
// <md5>.amr audio/amr, video → <md5>.mp4 video/mp4, emotion → <md5>.gif or
// .png, file → its filename with a type from its extension, a meeting
// recording → <voiceid> application/octet-stream (WeCom does not say the
// format).
//
// # Mapping
//
// Source item.WeChat; SourceID the msgid; From the from userid (internal
// userid, external wo…/wm… id, robot wb… id, or a phone number for VoIP,
// which is kept as an ID: WeCom writes it without country code);
// To the tolist; Participant.Name from Options.Names. Conversation: the
// roomid for a group (type group), else the sorted pair of from and the
// first of tolist joined by "," (type direct). Time: msgtime in
// milliseconds, UTC. A msgtime of 0 (WeCom's example image record) takes the
// time from the msgid's "_<unix seconds>" suffix when it has one, else the
// Unix epoch, and says so in Meta["time-unknown"].
//
// Kinds by msgtype: text and markdown → chat; image, voice, video and
// emotion → attachment (item.Media); file → file; location → location with
// item.Place; card → contact; link, weapp, news, chatrecord (the forwarded
// messages as text lines), mixed (its parts concatenated; its images are
// Media), docmsg, todo, vote, collect, redpacket, external_redpacket,
// meeting (an invitation), calendar, sphfeed and qydiskfile → chat with a
// readable text; meeting_voice_call and voiptext → call, direction
// "outbound" (a WeCom archive has no owner: the call is seen from its
// initiator, From), status "completed", duration from endtime or
// callduration; voip_doc_share → file (a document shared during a VoIP
// call: it has a file and no call facts, so it is not made a call with
// invented direction, status and duration; voipid is in Meta); agree,
// disagree and action switch → system; action recall (msgtype revoke) →
// recalled with RefersTo the revoke.pre_msgid.
package wecom
