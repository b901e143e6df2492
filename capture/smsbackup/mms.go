package smsbackup

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/custos-archive/custos/item"
)

// mmsElement is an <mms> with its <part>s and <addr>s, as read.
type mmsElement struct {
	attrs attrs
	parts []attrs
	addrs []attrs
}

// readMMS reads the rest of an <mms> whose start tag is start: every <part>
// and <addr> in it, wherever they are nested, up to its end tag.
func (p *parser) readMMS(start xml.StartElement) (*mmsElement, error) {
	m := &mmsElement{attrs: start.Attr}
	depth := 1
	for depth > 0 {
		tok, err := p.d.Token()
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "part":
				m.parts = append(m.parts, t.Attr)
			case "addr":
				m.addrs = append(m.addrs, t.Attr)
			}
		case xml.EndElement:
			depth--
		}
	}
	return m, nil
}

// mmsBoxes names the msg_box values; 1 is the only inbound one.
var mmsBoxes = map[int]string{1: "received", 2: "sent", 3: "draft", 4: "outbox", 5: "failed"}

// mms converts an <mms> element.
func (p *parser) mms(m *mmsElement) (*item.Item, error) {
	as := m.attrs
	when, err := parseDate(as, "date")
	if err != nil {
		return nil, err
	}
	box, err := parseInt(as, "msg_box")
	status, ok := mmsBoxes[box]
	if err != nil || !ok {
		// Fall back on the PDU type: 132 retrieve-conf was received,
		// 128 send-req was sent.
		switch as.str("m_type") {
		case "132":
			box, status = 1, "received"
		case "128":
			box, status = 2, "sent"
		default:
			if err == nil {
				err = fmt.Errorf("msg_box=%q: not an mms box (1 received, 2 sent, 3 draft, 4 outbox, 5 failed)", as.str("msg_box"))
			}
			return nil, err
		}
	}
	address := as.str("address")
	it := &item.Item{
		Source: item.EnterpriseNumber,
		Kind:   item.MMS,
		Time:   when,
		Owner:  p.o.Owner.Phone,
		Meta:   map[string]string{"status": status},
	}
	if address != "" {
		it.Meta["address"] = address
	}
	k := newKey("mms", p.o.Owner.Phone)
	k.add(strconv.Itoa(box), strconv.FormatInt(when.UnixMilli(), 10), address)

	// The parties: the addrs, else the address attribute.
	var others []item.Participant
	seen := map[string]bool{}
	addOther := func(pt item.Participant) {
		if p.isOwner(pt) || seen[key(pt)] {
			return
		}
		seen[key(pt)] = true
		others = append(others, pt)
	}
	senderKey, senderIsOwner := "", false
	for _, a := range m.addrs {
		raw, typ := a.str("address"), a.str("type")
		k.add(typ, raw)
		pt, ok := p.party(raw, "")
		if !ok {
			continue
		}
		if typ == "137" && senderKey == "" && !senderIsOwner {
			senderIsOwner = p.isOwner(pt)
			if !senderIsOwner {
				senderKey = key(pt)
			}
		}
		addOther(pt)
	}
	if len(others) == 0 {
		for _, a := range splitAddress(address) {
			if pt, ok := p.party(a, ""); ok {
				addOther(pt)
			}
		}
	}
	contact := contactName(as.str("contact_name"))
	if len(others) == 1 {
		others[0].Name = contact
	}
	if box == 1 {
		if senderKey == "" {
			// No usable From addr, or one naming the owner on a
			// received message: the address attribute names the
			// other party.
			for _, a := range splitAddress(address) {
				if pt, ok := p.party(a, ""); ok && !p.isOwner(pt) {
					senderKey = key(pt)
					break
				}
			}
		}
		from := slices.IndexFunc(others, func(o item.Participant) bool { return key(o) == senderKey })
		if from < 0 && len(others) > 0 {
			from = 0
		}
		switch {
		case from >= 0:
			it.From = others[from]
		case senderIsOwner:
			it.From = p.o.Owner // a message to oneself
		default:
			return nil, errors.New("addrs: no sender (no <addr type=\"137\"> and no address) on a received mms")
		}
		it.To = []item.Participant{p.o.Owner}
		for i, o := range others {
			if i != from {
				it.To = append(it.To, o)
			}
		}
	} else {
		it.From = p.o.Owner
		it.To = others
	}
	it.Conversation = p.conversation(others, contact)

	if s := as.str("sub"); s != "" {
		it.Meta["subject"] = s
	}
	if s := as.str("m_id"); s != "" {
		it.Meta["m-id"] = s
	}

	// The parts.
	var texts, missing []string
	for i, part := range m.parts {
		ct := part.str("ct")
		text, hasText := part.get("text")
		data, hasData := part.get("data")
		k.add(ct, part.str("seq"), part.str("name"), part.str("cl"), part.str("fn"), text, data)
		mt := mediaType(ct)
		switch {
		case mt == "application/smil":
			continue
		case mt == "text/plain" && hasText:
			texts = append(texts, text)
			continue
		case mt == "text/plain" && hasData:
			b, err := decodeBase64(data)
			if err != nil {
				return nil, fmt.Errorf("part %d (text/plain): data: %v", i+1, err)
			}
			texts = append(texts, string(b))
			continue
		}
		a := item.Attachment{Name: partName(part, i+1, mt), ContentType: mt}
		switch {
		case hasData:
			b, err := decodeBase64(data)
			if err != nil {
				return nil, fmt.Errorf("part %d (%s): data: %v", i+1, a.Name, err)
			}
			a.Data = b
		case hasText && text != "":
			a.Data = []byte(text)
		default:
			missing = append(missing, a.Name)
			continue
		}
		a.Size = int64(len(a.Data))
		it.Attachments = append(it.Attachments, a)
	}
	it.Text = strings.Join(texts, "\n")
	if len(missing) > 0 {
		it.Meta["missing-media"] = strings.Join(missing, ", ")
	}
	if it.Text == "" && len(it.Attachments) == 0 {
		switch {
		case len(missing) > 0:
			it.Text = "[media not included in the backup: " + strings.Join(missing, ", ") + "]"
		case it.Meta["subject"] != "":
			it.Text = it.Meta["subject"]
		default:
			return nil, errors.New("parts: no text and no media")
		}
	}
	it.SourceID = k.id("mms")
	return it, nil
}

// mediaType returns the MIME type of a part's ct attribute without
// parameters, or application/octet-stream when it is not one.
func mediaType(ct string) string {
	ct, _, _ = strings.Cut(ct, ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	typ, sub, ok := strings.Cut(ct, "/")
	if !ok || typ == "" || sub == "" || strings.ContainsAny(ct, " \t\r\n\"\\") || strings.Count(ct, "/") != 1 {
		return "application/octet-stream"
	}
	for _, r := range ct {
		if r < 0x21 || r > 0x7e {
			return "application/octet-stream"
		}
	}
	return ct
}

// partName returns the file name of a part: its cl, name or fn, without
// any directory, or part-N with an extension for its type.
func partName(part attrs, n int, mt string) string {
	for _, attr := range []string{"cl", "name", "fn"} {
		v := part.str(attr)
		if i := strings.LastIndexAny(v, `/\`); i >= 0 {
			v = v[i+1:]
		}
		v = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, v)
		v = strings.TrimSpace(v)
		if v != "" && v != "." && v != ".." {
			return v
		}
	}
	return fmt.Sprintf("part-%d%s", n, extension(mt))
}

// extension returns a file extension for common MMS media types.
func extension(mt string) string {
	switch mt {
	case "image/jpeg", "image/jpg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "image/heic":
		return ".heic"
	case "video/mp4":
		return ".mp4"
	case "video/3gpp":
		return ".3gp"
	case "audio/amr":
		return ".amr"
	case "audio/mpeg", "audio/mp3":
		return ".mp3"
	case "audio/mp4", "audio/aac":
		return ".m4a"
	case "text/x-vcard", "text/vcard":
		return ".vcf"
	case "text/x-vcalendar", "text/calendar":
		return ".ics"
	case "application/pdf":
		return ".pdf"
	}
	return ".bin"
}

// decodeBase64 decodes a data attribute: standard base64, with or without
// padding, line breaks and spaces allowed.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		return b, nil
	}
	if b, err2 := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err2 == nil {
		return b, nil
	}
	return nil, fmt.Errorf("not base64: %v", err)
}
