package wecom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// mediaFile is the payload of image, voice, video, emotion, file and
// voip_doc_share records (and of their parts in mixed and chatrecord).
type mediaFile struct {
	MD5Sum     string       `json:"md5sum"`
	FileSize   *json.Number `json:"filesize"`
	VoiceSize  *json.Number `json:"voice_size"`
	ImageSize  *json.Number `json:"imagesize"`
	PlayLength *json.Number `json:"play_length"`
	SDKFileID  string       `json:"sdkfileid"`
	FileName   string       `json:"filename"`
	FileExt    string       `json:"fileext"`
	Type       *json.Number `json:"type"` // emotion: 1 gif, 2 png
	Width      *json.Number `json:"width"`
	Height     *json.Number `json:"height"`
}

// message reads a record by its msgtype.
func (r *reader) message() error {
	switch t := r.env.MsgType; t {
	case "text":
		var p struct {
			Content string `json:"content"`
		}
		if err := r.payload("text", &p); err != nil {
			return err
		}
		r.it.Kind, r.it.Text = item.Chat, p.Content
	case "markdown":
		var p struct {
			Content string `json:"content"`
		}
		if err := r.payload("info", &p); err != nil {
			return err
		}
		r.it.Kind, r.it.Text = item.Chat, p.Content
		r.it.Meta["format"] = "markdown"
	case "image", "voice", "video", "emotion":
		var p mediaFile
		if err := r.payload(t, &p); err != nil {
			return err
		}
		text, err := r.addMedia(t, t, &p, true)
		if err != nil {
			return err
		}
		r.it.Kind, r.it.Text = item.Media, text
	case "file", "voip_doc_share":
		var p mediaFile
		if err := r.payload(t, &p); err != nil {
			return err
		}
		text, err := r.addMedia("file", t, &p, true)
		if err != nil {
			return err
		}
		if t == "voip_doc_share" {
			text = "[file shared in a voice call: " + strings.TrimPrefix(text, "[file ")
		}
		r.it.Kind, r.it.Text = item.File, text
	case "location":
		return r.location()
	case "card":
		var p struct {
			CorpName string `json:"corpname"`
			UserID   string `json:"userid"`
		}
		if err := r.payload("card", &p); err != nil {
			return err
		}
		r.it.Kind = item.Contact
		r.it.Text = "[contact card] " + r.name(p.UserID)
		if p.CorpName != "" {
			r.it.Text += ", " + p.CorpName
		}
		setMeta(r.it, "card-userid", p.UserID)
		setMeta(r.it, "card-corpname", p.CorpName)
	case "link":
		var p struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			LinkURL     string `json:"link_url"`
			ImageURL    string `json:"image_url"`
		}
		if err := r.payload("link", &p); err != nil {
			return err
		}
		r.chat(lines(p.Title, p.Description, p.LinkURL))
		setMeta(r.it, "link-url", p.LinkURL)
		setMeta(r.it, "image-url", p.ImageURL)
	case "weapp":
		var p struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			UserName    string `json:"username"`
			DisplayName string `json:"displayname"`
		}
		if err := r.payload("weapp", &p); err != nil {
			return err
		}
		r.chat(lines("[mini program "+p.DisplayName+"] "+p.Title, p.Description))
		setMeta(r.it, "weapp-username", p.UserName)
	case "news":
		var p struct {
			Item []struct {
				Title       string `json:"title"`
				Description string `json:"description"`
				URL         string `json:"url"`
				PicURL      string `json:"picurl"`
			} `json:"item"`
		}
		if err := r.payload("info", &p); err != nil {
			return err
		}
		var parts []string
		for _, n := range p.Item {
			parts = append(parts, lines(n.Title, n.Description, n.URL))
		}
		r.chat(strings.Join(parts, "\n\n"))
	case "chatrecord":
		return r.chatRecord()
	case "mixed":
		return r.mixed()
	case "meeting_voice_call":
		return r.meetingVoiceCall()
	case "voiptext":
		var p struct {
			CallDuration *json.Number `json:"callduration"`
			InviteType   *json.Number `json:"invitetype"`
		}
		if err := r.payload("voiptext", &p); err != nil {
			return err
		}
		call := &item.CallInfo{Direction: "outbound", Status: "completed"}
		if p.CallDuration != nil {
			d, ok := size(*p.CallDuration)
			if !ok {
				return r.errorf("voiptext.callduration", "%s is not a number of seconds", clip(p.CallDuration.String()))
			}
			call.Duration = d
		}
		kind := "voice call"
		if p.InviteType != nil {
			it := p.InviteType.String()
			r.it.Meta["invitetype"] = it
			call.Video = it == "1" || it == "3"
			switch it {
			case "1":
				kind = "video call"
			case "3":
				kind = "group video call"
			case "4":
				kind = "group voice call"
			}
		}
		r.it.Kind, r.it.Call = item.Call, call
		r.it.Text = fmt.Sprintf("[%s, %s]", kind, duration(call.Duration))
	case "agree", "disagree":
		var p struct {
			UserID    string       `json:"userid"`
			AgreeTime *json.Number `json:"agree_time"`
			Disagree  *json.Number `json:"disagree_time"`
		}
		if err := r.payload(t, &p); err != nil {
			return err
		}
		who := p.UserID
		if who == "" {
			who = r.env.From
		}
		verb := "agreed to the archiving of this conversation"
		when := p.AgreeTime
		if t == "disagree" {
			verb, when = "refused the archiving of this conversation", p.Disagree
		}
		r.it.Kind = item.System
		r.it.Text = r.name(who) + " " + verb
		if when != nil {
			if ms, err := millis(*when); err == nil {
				r.it.Meta[t+"-time"] = time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
			}
		}
	default:
		return r.other(t)
	}
	return nil
}

// chat makes the item a chat message with text.
func (r *reader) chat(text string) {
	r.it.Kind, r.it.Text = item.Chat, text
}

// lines joins the non-empty values by newlines.
func lines(vs ...string) string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return strings.Join(out, "\n")
}

// setMeta sets a Meta value when it is not empty.
func setMeta(it *item.Item, k, v string) {
	if v != "" {
		it.Meta[k] = v
	}
}

// addMedia records a media file of kind image, voice, video, emotion or
// file (msgtype t, or a part of mixed or chatrecord when top is false) as
// pending Media, puts its facts in Meta when top, and returns a text that
// describes it.
func (r *reader) addMedia(kind, t string, p *mediaFile, top bool) (string, error) {
	field := t
	if strings.TrimSpace(p.SDKFileID) == "" {
		if !top {
			return "[" + kind + ", not archived: no sdkfileid]", nil
		}
		return "", r.errorf(field+".sdkfileid", "missing: the id to fetch the %s with", kind)
	}
	m := Media{SDKFileID: p.SDKFileID, MD5: p.MD5Sum}
	var sizeRaw string
	for _, n := range []*json.Number{p.FileSize, p.VoiceSize, p.ImageSize} {
		if n != nil {
			sizeRaw = n.String()
			m.Size, _ = size(*n)
			break
		}
	}
	var desc []string
	base := p.MD5Sum
	if base == "" || strings.ContainsAny(base, `/\`) {
		base = "media"
	}
	switch kind {
	case "image":
		m.Name, m.ContentType = base+".jpg", "image/jpeg"
	case "voice":
		m.Name, m.ContentType = base+".amr", "audio/amr"
		desc = append(desc, "voice message")
	case "video":
		m.Name, m.ContentType = base+".mp4", "video/mp4"
	case "emotion":
		ext, ct := ".gif", "image/gif"
		if p.Type != nil && p.Type.String() == "2" {
			ext, ct = ".png", "image/png"
		}
		m.Name, m.ContentType = base+ext, ct
		desc = append(desc, "sticker")
		if p.Width != nil && p.Height != nil {
			desc = append(desc, p.Width.String()+"×"+p.Height.String())
		}
	case "file":
		m.Name = fileName(p.FileName, p.FileExt, base)
		m.ContentType = contentType(m.Name)
		desc = append(desc, "file "+m.Name)
	}
	if len(desc) == 0 {
		desc = append(desc, kind)
	}
	if p.PlayLength != nil {
		desc = append(desc, p.PlayLength.String()+" s")
	}
	if sizeRaw != "" {
		desc = append(desc, sizeRaw+" bytes")
	}
	r.media = append(r.media, m)
	if top {
		setMeta(r.it, "sdkfileid", p.SDKFileID)
		setMeta(r.it, "md5sum", p.MD5Sum)
		setMeta(r.it, "filesize", sizeRaw)
		if p.PlayLength != nil {
			r.it.Meta["play-length"] = p.PlayLength.String()
		}
		if p.Type != nil {
			r.it.Meta["emotion-type"] = p.Type.String()
		}
	}
	return "[" + strings.Join(desc, ", ") + "]", nil
}

// fileName returns a safe file name: the record's filename without any
// directory or control characters, else the md5 with the extension.
func fileName(name, ext, base string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name))
	if name != "" && name != "." && name != ".." {
		return name
	}
	ext = strings.Trim(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return -1
		}
		return r
	}, ext), ". ")
	if ext != "" {
		return base + "." + ext
	}
	return base
}

// contentType returns the MIME type of a file name's extension.
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".pdf":
		return "application/pdf"
	case ".doc":
		return "application/msword"
	case ".docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ".xls":
		return "application/vnd.ms-excel"
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".ppt":
		return "application/vnd.ms-powerpoint"
	case ".pptx":
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	case ".txt":
		return "text/plain"
	case ".csv":
		return "text/csv"
	case ".zip":
		return "application/zip"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".mp4":
		return "video/mp4"
	case ".mp3":
		return "audio/mpeg"
	case ".amr":
		return "audio/amr"
	}
	return "application/octet-stream"
}

// location reads a location record.
func (r *reader) location() error {
	var p struct {
		Longitude *json.Number `json:"longitude"`
		Latitude  *json.Number `json:"latitude"`
		Address   string       `json:"address"`
		Title     string       `json:"title"`
		Zoom      *json.Number `json:"zoom"`
	}
	if err := r.payload("location", &p); err != nil {
		return err
	}
	lat, err := coordinate(p.Latitude, 90)
	if err != nil {
		return r.errorf("location.latitude", "%v", err)
	}
	lon, err := coordinate(p.Longitude, 180)
	if err != nil {
		return r.errorf("location.longitude", "%v", err)
	}
	r.it.Kind = item.Location
	r.it.Location = &item.Place{Latitude: lat, Longitude: lon, Name: p.Title, Address: p.Address}
	r.it.Text = lines(p.Title, p.Address)
	if p.Zoom != nil {
		r.it.Meta["zoom"] = p.Zoom.String()
	}
	return nil
}

// coordinate reads a latitude (limit 90) or longitude (limit 180).
func coordinate(n *json.Number, limit float64) (float64, error) {
	if n == nil {
		return 0, fmt.Errorf("missing")
	}
	v, err := strconv.ParseFloat(n.String(), 64)
	if err != nil || math.IsNaN(v) || math.Abs(v) > limit {
		return 0, fmt.Errorf("%s is not between -%v and %v", clip(n.String()), limit, limit)
	}
	return v, nil
}

// chatRecord reads a forwarded chat history: its title and one line per
// forwarded message.
func (r *reader) chatRecord() error {
	var p struct {
		Title string `json:"title"`
		Item  []struct {
			Type         string       `json:"type"`
			MsgTime      *json.Number `json:"msgtime"`
			Content      string       `json:"content"`
			FromChatroom bool         `json:"from_chatroom"`
		} `json:"item"`
	}
	if err := r.payload("chatrecord", &p); err != nil {
		return err
	}
	out := []string{"[chat history] " + p.Title}
	for i, ci := range p.Item {
		line := ""
		if ci.MsgTime != nil {
			if t, ok := seconds(*ci.MsgTime); ok {
				line = t.Format("2006-01-02 15:04:05 UTC") + " "
			}
		}
		kind := strings.ToLower(strings.TrimPrefix(ci.Type, "ChatRecord"))
		text, err := r.part(kind, ci.Content, fmt.Sprintf("chatrecord.item[%d].content", i))
		if err != nil {
			return err
		}
		out = append(out, line+text)
	}
	r.chat(strings.Join(out, "\n"))
	return nil
}

// mixed reads a message of several parts: their texts, in order, with the
// media described and added to Media.
func (r *reader) mixed() error {
	var p struct {
		Item []struct {
			Type    string `json:"type"`
			Content string `json:"content"`
		} `json:"item"`
	}
	if err := r.payload("mixed", &p); err != nil {
		return err
	}
	var out []string
	for i, mi := range p.Item {
		text, err := r.part(mi.Type, mi.Content, fmt.Sprintf("mixed.item[%d].content", i))
		if err != nil {
			return err
		}
		out = append(out, text)
	}
	r.chat(strings.Join(out, "\n"))
	return nil
}

// part returns the text of one part of a mixed or chatrecord message,
// whose content is a JSON object encoded as a string, and adds its media.
func (r *reader) part(kind, content, field string) (string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(content), &obj); err != nil {
		// Not JSON: keep the content as written.
		if content == "" {
			return "[" + kind + "]", nil
		}
		return content, nil
	}
	str := func(k string) string {
		var s string
		if raw, ok := obj[k]; ok && json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	switch kind {
	case "text", "markdown":
		return strings.TrimRight(str("content"), "\n"), nil
	case "image", "voice", "video", "emotion", "file":
		var m mediaFile
		if err := json.Unmarshal([]byte(content), &m); err != nil {
			return "", jsonError(r.id, field, err)
		}
		return r.addMedia(kind, field, &m, false)
	case "link":
		return lines("[link] "+str("title"), str("description"), str("link_url")), nil
	case "location":
		return lines("[location] "+str("title"), str("address")), nil
	}
	if s := str("content"); s != "" {
		return s, nil
	}
	return "[" + kind + "] " + compact(content), nil
}

// meetingVoiceCall reads a recorded voice meeting: a call whose duration
// runs from msgtime to endtime, with its recording as Media and its shared
// documents and screens in the text.
func (r *reader) meetingVoiceCall() error {
	var p struct {
		EndTime      *json.Number `json:"endtime"`
		SDKFileID    string       `json:"sdkfileid"`
		DemoFileData []struct {
			FileName     string       `json:"filename"`
			DemoOperator string       `json:"demooperator"`
			StartTime    *json.Number `json:"starttime"`
			EndTime      *json.Number `json:"endtime"`
		} `json:"demofiledata"`
		ShareScreenData []struct {
			Share     string       `json:"share"`
			StartTime *json.Number `json:"starttime"`
			EndTime   *json.Number `json:"endtime"`
		} `json:"sharescreendata"`
	}
	if err := r.payload("meeting_voice_call", &p); err != nil {
		return err
	}
	call := &item.CallInfo{Direction: "outbound", Status: "completed"}
	if p.EndTime != nil {
		end, ok := seconds(*p.EndTime)
		if !ok {
			return r.errorf("meeting_voice_call.endtime", "%s is not a time in epoch seconds", clip(p.EndTime.String()))
		}
		r.it.Meta["endtime"] = end.Format(time.RFC3339)
		if d := end.Unix() - r.it.Time.Unix(); d > 0 {
			call.Duration = d
		}
	}
	r.it.Kind, r.it.Call = item.Call, call
	out := []string{fmt.Sprintf("[voice meeting, %s]", duration(call.Duration))}
	span := func(s, e *json.Number) string {
		var ts []string
		for _, n := range []*json.Number{s, e} {
			if n != nil {
				if t, ok := seconds(*n); ok {
					ts = append(ts, t.Format("15:04:05"))
				}
			}
		}
		if len(ts) == 0 {
			return ""
		}
		if len(ts) == 2 && ts[0] == ts[1] {
			ts = ts[:1]
		}
		return " " + strings.Join(ts, "–") + " UTC"
	}
	for _, d := range p.DemoFileData {
		out = append(out, fmt.Sprintf("shared document %s by %s%s", d.FileName, r.name(d.DemoOperator), span(d.StartTime, d.EndTime)))
	}
	for _, s := range p.ShareScreenData {
		out = append(out, fmt.Sprintf("screen shared by %s%s", r.name(s.Share), span(s.StartTime, s.EndTime)))
	}
	r.it.Text = strings.Join(out, "\n")
	if p.SDKFileID != "" {
		name := r.env.VoiceID
		if name == "" || strings.ContainsAny(name, `/\`) {
			name = "meeting-voice-call"
		}
		r.media = append(r.media, Media{SDKFileID: p.SDKFileID, Name: name, ContentType: "application/octet-stream"})
		r.it.Meta["sdkfileid"] = p.SDKFileID
	}
	return nil
}

// duration writes seconds as 1h02m05s, 3m20s or 54 s.
func duration(s int64) string {
	if s < 60 {
		return strconv.FormatInt(s, 10) + " s"
	}
	return (time.Duration(s) * time.Second).String()
}

// other reads the message types that become a chat item with a readable
// text, and any type this package does not know.
func (r *reader) other(t string) error {
	key := t
	switch t {
	case "docmsg":
		key = "doc"
	case "external_redpacket":
		key = "redpacket"
	case "qydiskfile":
		key = "info"
	}
	raw, ok := r.fields[key]
	if !ok || string(raw) == "null" {
		// An unknown type whose payload has another name: keep every
		// field that is not part of the envelope.
		r.chat(fmt.Sprintf("[%s] %s", t, r.rest()))
		return nil
	}
	var obj map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		r.chat(fmt.Sprintf("[%s] %s", t, compact(string(raw))))
		return nil
	}
	s := func(k string) string {
		switch v := obj[k].(type) {
		case string:
			return v
		case json.Number:
			return v.String()
		}
		return ""
	}
	when := func(k string) string {
		if n, ok := obj[k].(json.Number); ok {
			if tm, ok := seconds(n); ok {
				return tm.Format("2006-01-02 15:04 UTC")
			}
		}
		return s(k)
	}
	var text string
	switch t {
	case "docmsg":
		text = lines("[document] "+s("title"), s("link_url"), labeled("created by", s("doc_creator")))
	case "todo":
		text = lines("[to-do] "+s("title"), s("content"))
	case "vote":
		var items []string
		if vs, ok := obj["voteitem"].([]any); ok {
			for _, v := range vs {
				if str, ok := v.(string); ok {
					items = append(items, "- "+str)
				}
			}
		}
		action := "vote"
		switch s("votetype") {
		case "101":
			action = "vote created"
		case "102":
			action = "voted"
		}
		text = lines("["+action+"] "+s("votetitle"), strings.Join(items, "\n"))
	case "collect":
		var qs []string
		if ds, ok := obj["details"].([]any); ok {
			for _, d := range ds {
				if m, ok := d.(map[string]any); ok {
					q, _ := m["ques"].(string)
					typ, _ := m["type"].(string)
					qs = append(qs, fmt.Sprintf("- %s (%s)", q, typ))
				}
			}
		}
		text = lines("[form] "+s("title"), labeled("group", s("room_name")), labeled("created by", s("creator")), labeled("created", s("create_time")), strings.Join(qs, "\n"))
	case "redpacket", "external_redpacket":
		kinds := map[string]string{"1": "red packet", "2": "lucky red packet", "3": "incentive red packet"}
		k := kinds[s("type")]
		if k == "" {
			k = "red packet"
		}
		amount := s("totalamount")
		if fen, err := strconv.ParseInt(amount, 10, 64); err == nil {
			amount = fmt.Sprintf("%d.%02d CNY", fen/100, fen%100)
		}
		text = lines(fmt.Sprintf("[%s] %s", k, s("wish")), labeled("total", amount), labeled("packets", s("totalcnt")))
	case "meeting":
		text = lines("[meeting invitation] "+s("topic"), labeled("from", when("starttime")), labeled("to", when("endtime")), labeled("address", s("address")), labeled("remarks", s("remarks")), labeled("meeting id", s("meetingid")))
	case "calendar":
		var att []string
		if as, ok := obj["attendeename"].([]any); ok {
			for _, a := range as {
				if str, ok := a.(string); ok {
					att = append(att, str)
				}
			}
		}
		text = lines("[calendar] "+s("title"), labeled("organiser", s("creatorname")), labeled("attendees", strings.Join(att, ", ")), labeled("from", when("starttime")), labeled("to", when("endtime")), labeled("place", s("place")), labeled("remarks", s("remarks")))
	case "sphfeed":
		kinds := map[string]string{"2": "image", "4": "video", "9": "live"}
		text = lines(fmt.Sprintf("[Channels %s] %s", kinds[s("feed_type")], s("sph_name")), s("feed_desc"))
	case "qydiskfile":
		text = "[WeDrive file] " + s("filename")
	default:
		text = fmt.Sprintf("[%s] %s", t, compact(string(raw)))
	}
	r.chat(text)
	return nil
}

// labeled returns "label: v", or "" when v is empty.
func labeled(label, v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	return label + ": " + v
}

// rest returns the record's fields other than the envelope's, as compact
// JSON with sorted keys.
func (r *reader) rest() string {
	known := map[string]bool{"msgid": true, "action": true, "from": true, "tolist": true, "roomid": true, "msgtime": true, "msgtype": true}
	var keys []string
	for k := range r.fields {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.WriteString(compact(string(r.fields[k])))
	}
	b.WriteByte('}')
	return b.String()
}

// compact returns JSON without insignificant white space, or s as it is
// when it is not JSON.
func compact(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return s
	}
	return b.String()
}
