package whatsapp

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/custos-archive/custos/item"
)

// message is an entry of value.messages or value.message_echoes.
type message struct {
	From             string          `json:"from"`
	FromUserID       string          `json:"from_user_id"`
	FromParentUserID string          `json:"from_parent_user_id"`
	To               string          `json:"to"`
	ToUserID         string          `json:"to_user_id"`
	ToParentUserID   string          `json:"to_parent_user_id"`
	GroupID          *string         `json:"group_id"`
	ID               string          `json:"id"`
	Timestamp        json.RawMessage `json:"timestamp"`
	Referral         *referral       `json:"referral"`
	Errors           []apiError      `json:"errors"`
}

// content is what a message says: its type and the object of that type.
// An edit carries a content of its own, the new message.
type content struct {
	Type    string      `json:"type"`
	Context *msgContext `json:"context"`
	Text    *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image       *mediaObject    `json:"image"`
	Video       *mediaObject    `json:"video"`
	Audio       *mediaObject    `json:"audio"`
	Voice       *mediaObject    `json:"voice"`
	Sticker     *mediaObject    `json:"sticker"`
	Document    *mediaObject    `json:"document"`
	Location    *location       `json:"location"`
	Contacts    []card          `json:"contacts"`
	Interactive json.RawMessage `json:"interactive"`
	Button      *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Reaction *struct {
		MessageID string  `json:"message_id"`
		Emoji     *string `json:"emoji"`
	} `json:"reaction"`
	Order  *order  `json:"order"`
	System *system `json:"system"`
	Revoke *struct {
		OriginalMessageID string `json:"original_message_id"`
	} `json:"revoke"`
	Edit *struct {
		OriginalMessageID string          `json:"original_message_id"`
		Message           json.RawMessage `json:"message"`
	} `json:"edit"`
	Unsupported *struct {
		Type string `json:"type"`
	} `json:"unsupported"`
}

type msgContext struct {
	From                string `json:"from"`
	ID                  string `json:"id"`
	Forwarded           bool   `json:"forwarded"`
	FrequentlyForwarded bool   `json:"frequently_forwarded"`
	ReferredProduct     *struct {
		CatalogID         string `json:"catalog_id"`
		ProductRetailerID string `json:"product_retailer_id"`
	} `json:"referred_product"`
}

type referral struct {
	SourceURL    string `json:"source_url"`
	SourceID     string `json:"source_id"`
	SourceType   string `json:"source_type"`
	Headline     string `json:"headline"`
	Body         string `json:"body"`
	MediaType    string `json:"media_type"`
	ImageURL     string `json:"image_url"`
	VideoURL     string `json:"video_url"`
	ThumbnailURL string `json:"thumbnail_url"`
	CtwaClid     string `json:"ctwa_clid"`
}

type mediaObject struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	Voice    bool   `json:"voice"`
	Animated bool   `json:"animated"`
	URL      string `json:"url"`
}

type location struct {
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Name      string   `json:"name"`
	Address   string   `json:"address"`
	URL       string   `json:"url"`
}

type system struct {
	Body     string `json:"body"`
	Type     string `json:"type"`
	WaID     string `json:"wa_id"`
	NewWaID  string `json:"new_wa_id"`
	Identity string `json:"identity"`
	Customer string `json:"customer"`
}

// maxSourceID is the longest source id an item may have.
const maxSourceID = 512

// message reads one message (echo false: inbound, from the user to the
// business) or message echo (echo true: outbound, sent by the business
// from the WhatsApp Business app).
func (c *change) message(raw json.RawMessage, path string, echo bool) (Record, error) {
	var m message
	if err := decodeAt(raw, path, &m); err != nil {
		return Record{}, err
	}
	// What the message says is decoded apart (not embedded in message),
	// so that a type error names its path without a Go field name.
	var ct content
	if err := decodeAt(raw, path, &ct); err != nil {
		return Record{}, err
	}
	if strings.TrimSpace(m.ID) == "" {
		return Record{}, &ParseError{path + ".id", "missing: every message has its id (wamid…)"}
	}
	if len(m.ID) > maxSourceID {
		return Record{}, &ParseError{path + ".id", fmt.Sprintf("longer than %d bytes", maxSourceID)}
	}
	t, err := epoch(m.Timestamp, path+".timestamp")
	if err != nil {
		return Record{}, err
	}
	it := c.newItem()
	it.SourceID = m.ID
	it.Time = t
	group := ""
	if m.GroupID != nil {
		group = strings.TrimSpace(*m.GroupID)
		if group == "" {
			return Record{}, &ParseError{path + ".group_id", "empty"}
		}
	}
	// The user the message is from (inbound) or to (echo).
	var u user
	if echo {
		u, err = c.user(path, "to", m.To, "to_user_id", m.ToUserID, m.ToParentUserID)
	} else {
		u, err = c.user(path, "from", m.From, "from_user_id", m.FromUserID, m.FromParentUserID)
	}
	if err != nil {
		return Record{}, err
	}
	if u.key == "" && (!echo || group == "") {
		if echo {
			return Record{}, &ParseError{path + ".to", "missing: neither to nor to_user_id names the recipient"}
		}
		return Record{}, &ParseError{path + ".from", "missing: neither from nor from_user_id names the sender"}
	}
	addUserMeta(it, u)
	biz := c.business()
	if echo {
		it.Meta["direction"] = "outbound"
		if from := strings.TrimSpace(m.From); from != "" {
			p, ok := businessPhone(from)
			if !ok {
				return Record{}, &ParseError{path + ".from", fmt.Sprintf("%q is not a phone number: an echo is sent from the business number", clip(from))}
			}
			biz.Phone = p
		}
		it.From = biz
		if u.key != "" {
			it.To = []item.Participant{u.p}
		}
	} else {
		it.Meta["direction"] = "inbound"
		it.From = u.p
		it.To = []item.Participant{biz}
	}
	if group != "" {
		it.Conversation = item.Conversation{ID: group, Type: item.Group}
		it.Meta["group-id"] = group
	} else {
		it.Conversation = c.direct(u)
	}
	if m.Referral != nil {
		addReferral(it, m.Referral)
	}
	if len(m.Errors) > 0 {
		var es []string
		for _, e := range m.Errors {
			es = append(es, e.String())
		}
		it.Meta["errors"] = strings.Join(es, "; ")
	}
	rec := Record{Item: it}
	if err := fill(&rec, &ct, m.Errors, raw, path, 0); err != nil {
		return Record{}, err
	}
	if err := it.Validate(); err != nil {
		return Record{}, &ParseError{path, fmt.Sprintf("the item made of it is not valid: %v", err)}
	}
	return rec, nil
}

// fill sets the kind, text, media and meta of the record from a message's
// content. raw is the JSON object of the content, for types this package
// does not know; depth is 1 inside an edit.
func fill(rec *Record, ct *content, errs []apiError, raw json.RawMessage, path string, depth int) error {
	it := rec.Item
	typ := strings.TrimSpace(ct.Type)
	if typ == "" {
		return &ParseError{path + ".type", "missing: every message has its type (text, image, …)"}
	}
	if depth == 0 {
		it.Meta["type"] = typ
	} else {
		it.Meta["edit-type"] = typ
	}
	if ct.Context != nil {
		addContext(it, ct.Context, depth)
	}
	missing := func() error {
		return &ParseError{joinPath(path, typ), fmt.Sprintf("missing: a %s message has its %q object", typ, typ)}
	}
	switch typ {
	case "text":
		if ct.Text == nil {
			return missing()
		}
		it.Kind = item.Chat
		it.Text = ct.Text.Body
	case "image", "video", "audio", "voice", "sticker", "document":
		obj := map[string]*mediaObject{"image": ct.Image, "video": ct.Video, "audio": ct.Audio,
			"voice": ct.Voice, "sticker": ct.Sticker, "document": ct.Document}[typ]
		if obj == nil {
			return missing()
		}
		if err := addMedia(rec, typ, obj, joinPath(path, typ)); err != nil {
			return err
		}
	case "location":
		if ct.Location == nil {
			return missing()
		}
		l := ct.Location
		if l.Latitude == nil {
			return &ParseError{path + ".location.latitude", "missing"}
		}
		if l.Longitude == nil {
			return &ParseError{path + ".location.longitude", "missing"}
		}
		it.Kind = item.Location
		it.Location = &item.Place{Latitude: *l.Latitude, Longitude: *l.Longitude, Name: l.Name, Address: l.Address, URL: l.URL}
		it.Text = joinNonEmpty("\n", l.Name, l.Address)
	case "contacts":
		if len(ct.Contacts) == 0 {
			return &ParseError{path + ".contacts", "missing: a contacts message has at least one contact card"}
		}
		it.Kind = item.Contact
		it.Text = cardsText(ct.Contacts)
		it.Meta["contact-count"] = fmt.Sprint(len(ct.Contacts))
	case "interactive":
		if len(ct.Interactive) == 0 || string(ct.Interactive) == "null" {
			return missing()
		}
		if err := interactiveText(it, ct.Interactive, path+".interactive"); err != nil {
			return err
		}
	case "button":
		if ct.Button == nil {
			return missing()
		}
		it.Kind = item.Chat
		it.Text = ct.Button.Text
		if ct.Button.Payload != "" {
			it.Meta["button-payload"] = ct.Button.Payload
		}
	case "reaction":
		if ct.Reaction == nil {
			return missing()
		}
		if strings.TrimSpace(ct.Reaction.MessageID) == "" {
			return &ParseError{path + ".reaction.message_id", "missing: a reaction names the message it is about"}
		}
		it.Kind = item.Reaction
		it.RefersTo = ct.Reaction.MessageID
		if ct.Reaction.Emoji == nil || *ct.Reaction.Emoji == "" {
			it.Text = "[reaction removed]"
			it.Meta["reaction-removed"] = "true"
		} else {
			it.Text = *ct.Reaction.Emoji
		}
	case "order":
		if ct.Order == nil {
			return missing()
		}
		it.Kind = item.Chat
		it.Text = orderText(ct.Order)
		if ct.Order.CatalogID != "" {
			it.Meta["catalog-id"] = ct.Order.CatalogID
		}
	case "system":
		if ct.System == nil {
			return missing()
		}
		s := ct.System
		it.Kind = item.System
		it.Text = s.Body
		if it.Text == "" {
			it.Text = "[system message " + s.Type + "]"
		}
		for k, v := range map[string]string{"system-type": s.Type, "new-wa-id": firstNonEmpty(s.NewWaID, s.WaID), "system-identity": s.Identity, "system-customer": s.Customer} {
			if v != "" {
				it.Meta[k] = v
			}
		}
	case "request_welcome":
		it.Kind = item.System
		it.Text = "[the user opened the chat with the business for the first time]"
	case "revoke", "deleted":
		var ref string
		if ct.Revoke != nil {
			ref = strings.TrimSpace(ct.Revoke.OriginalMessageID)
		}
		if ref == "" {
			return &ParseError{path + ".revoke.original_message_id", "missing: a deletion names the message deleted"}
		}
		if depth > 0 {
			return &ParseError{path + ".type", "a deletion cannot be the new content of an edit"}
		}
		it.Kind = item.Deleted
		it.RefersTo = ref
	case "edit":
		if ct.Edit == nil {
			return missing()
		}
		if depth > 0 {
			return &ParseError{path + ".type", "an edit cannot be the new content of an edit"}
		}
		ref := strings.TrimSpace(ct.Edit.OriginalMessageID)
		if ref == "" {
			return &ParseError{path + ".edit.original_message_id", "missing: an edit names the message edited"}
		}
		if len(ct.Edit.Message) == 0 || string(ct.Edit.Message) == "null" {
			return &ParseError{path + ".edit.message", "missing: an edit carries the new message"}
		}
		mpath := path + ".edit.message"
		var nc content
		if err := decodeAt(ct.Edit.Message, mpath, &nc); err != nil {
			return err
		}
		if err := fill(rec, &nc, nil, ct.Edit.Message, mpath, depth+1); err != nil {
			return err
		}
		if it.Kind == item.Reaction || it.Kind == item.System {
			return &ParseError{mpath + ".type", fmt.Sprintf("a %s cannot be the new content of an edit", nc.Type)}
		}
		it.Kind = item.Edit
		it.RefersTo = ref
		if it.Text == "" && len(rec.Media) > 0 {
			it.Text = mediaLabel(rec.Media[len(rec.Media)-1])
		}
	case "unsupported":
		it.Kind = item.Chat
		var b strings.Builder
		b.WriteString("[unsupported message")
		if ct.Unsupported != nil && ct.Unsupported.Type != "" {
			b.WriteString(" of type " + ct.Unsupported.Type)
			it.Meta["unsupported-type"] = ct.Unsupported.Type
		}
		b.WriteString(": WhatsApp did not deliver its content")
		for _, e := range errs {
			b.WriteString("; ")
			b.WriteString(e.String())
		}
		b.WriteString("]")
		if len(errs) > 0 {
			it.Meta["error-code"] = errs[0].code()
		}
		if ct.Text != nil && ct.Text.Body != "" {
			b.WriteString("\n")
			b.WriteString(ct.Text.Body)
		}
		it.Text = b.String()
	default:
		// A type this package does not know is kept, not dropped: a chat
		// item whose text is the type and its object.
		it.Kind = item.Chat
		it.Text = "[" + typ + " message]"
		var fields map[string]json.RawMessage
		if err := decodeAt(raw, path, &fields); err != nil {
			return err
		}
		if obj, ok := fields[typ]; ok {
			it.Text += "\n" + compactJSON(obj)
		}
		it.Meta["unknown-type"] = "true"
	}
	return nil
}

// addMedia reads a media object: image, video, audio, voice and sticker
// make an attachment item, document a file item. The caption is the text;
// without one, the text says what the media is ("[voice message]").
func addMedia(rec *Record, typ string, obj *mediaObject, path string) error {
	if strings.TrimSpace(obj.ID) == "" {
		return &ParseError{path + ".id", "missing: the media id is what its bytes are fetched by"}
	}
	m := newMedia(typ, obj)
	it := rec.Item
	if it.Kind == "" {
		it.Kind = item.Media
		if typ == "document" {
			it.Kind = item.File
		}
	}
	rec.Media = append(rec.Media, m)
	it.Text = obj.Caption
	if it.Text == "" {
		it.Text = mediaLabel(m)
	}
	for k, v := range map[string]string{"media-id": m.ID, "mime-type": m.MimeType, "media-sha256": m.SHA256, "filename": m.Filename, "media-url": obj.URL} {
		if v != "" {
			it.Meta[k] = v
		}
	}
	if m.Voice {
		it.Meta["voice"] = "true"
	}
	if m.Animated {
		it.Meta["animated"] = "true"
	}
	return nil
}

// mediaLabel says what a media is, for a text: "[voice message]",
// "[document report.pdf]".
func mediaLabel(m Media) string {
	switch {
	case m.Voice:
		return "[voice message]"
	case m.Type == "sticker" && m.Animated:
		return "[animated sticker]"
	case m.Type == "document" && cleanFilename(m.Filename) != "":
		return "[document " + m.Name + "]"
	}
	return "[" + m.Type + "]"
}

// addContext records what a message replies to or that it was forwarded.
func addContext(it *item.Item, cx *msgContext, depth int) {
	if depth > 0 {
		// The context of an edit's new message repeats the original's.
		if cx.ID != "" {
			it.Meta["edit-context-id"] = cx.ID
		}
		return
	}
	if cx.ID != "" {
		it.Meta["reply-to"] = cx.ID
		if cx.From != "" {
			it.Meta["reply-to-from"] = cx.From
		}
	}
	if cx.Forwarded {
		it.Meta["forwarded"] = "true"
	}
	if cx.FrequentlyForwarded {
		it.Meta["forwarded"] = "true"
		it.Meta["frequently-forwarded"] = "true"
	}
	if p := cx.ReferredProduct; p != nil {
		it.Meta["referred-product"] = joinNonEmpty(" ", p.CatalogID, p.ProductRetailerID)
	}
}

// addReferral records the ad or post a message came from.
func addReferral(it *item.Item, r *referral) {
	for k, v := range map[string]string{
		"referral-source-url": r.SourceURL, "referral-source-id": r.SourceID, "referral-source-type": r.SourceType,
		"referral-headline": r.Headline, "referral-body": r.Body, "referral-media-type": r.MediaType,
		"referral-image-url": r.ImageURL, "referral-video-url": r.VideoURL, "referral-thumbnail-url": r.ThumbnailURL,
		"referral-ctwa-clid": r.CtwaClid,
	} {
		if v != "" {
			it.Meta[k] = v
		}
	}
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
