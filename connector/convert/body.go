package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store/blob"
)

// view is what both bodies show of an item.
type view struct {
	Title        string
	Conversation string
	From         string
	To           []string
	Time         string
	Text         string
	Location     *item.Place
	MapURL       string
	Call         string
	RefersTo     string
	Note         string // what the kind means for the reader (deleted, recalled, edited)
	Original     *originalView
	Attachments  []attView
	Source       string
	SourceID     string
}

type originalView struct {
	Time        string
	Text        string
	Attachments []attView
}

type attView struct {
	Name, Type, Size string
}

func makeView(it *item.Item, refs []blob.Ref) view {
	v := view{
		Title:    it.Source.Label() + " " + it.Kind.Label(),
		From:     participantLine(it.From),
		Time:     it.Time.Format("2006-01-02 15:04:05 -07:00"),
		Text:     it.Text,
		Location: it.Location,
		RefersTo: it.RefersTo,
		Source:   it.Source.Label(),
		SourceID: it.SourceID,
	}
	conv := it.Conversation.Name
	if conv == "" {
		conv = it.Conversation.ID
	}
	v.Conversation = conv + " (" + string(it.Conversation.Type) + ")"
	for _, p := range it.To {
		v.To = append(v.To, participantLine(p))
	}
	if it.Location != nil {
		v.MapURL = it.Location.URL
		if v.MapURL == "" {
			v.MapURL = fmt.Sprintf("geo:%s,%s", strconv.FormatFloat(it.Location.Latitude, 'f', -1, 64), strconv.FormatFloat(it.Location.Longitude, 'f', -1, 64))
		}
	}
	if it.Call != nil {
		kind := "voice"
		if it.Call.Video {
			kind = "video"
		}
		v.Call = fmt.Sprintf("%s %s call, %s, duration %s", it.Call.Direction, kind, it.Call.Status, Duration(it.Call.Duration))
	}
	switch it.Kind {
	case item.Deleted:
		v.Note = "The sender deleted this message."
	case item.Recalled:
		v.Note = "The sender recalled this message."
	case item.Edit:
		v.Note = "The sender edited this message; the text above is the new text."
	case item.Reaction:
		v.Note = "A reaction to another message."
	}
	if v.Note != "" && it.Original == nil && it.Kind != item.Reaction {
		v.Note += " The original content was not captured."
	}
	n := len(it.Attachments)
	for i := range it.Attachments {
		v.Attachments = append(v.Attachments, attLine(&it.Attachments[i], refs[i]))
	}
	if it.Original != nil {
		o := &originalView{Text: it.Original.Text}
		if it.Original.Time != nil {
			o.Time = it.Original.Time.Format("2006-01-02 15:04:05 -07:00")
		}
		for i := range it.Original.Attachments {
			o.Attachments = append(o.Attachments, attLine(&it.Original.Attachments[i], refs[n+i]))
		}
		v.Original = o
	}
	return v
}

func participantLine(p item.Participant) string {
	var parts []string
	if p.Name != "" {
		parts = append(parts, p.Name)
	}
	var ids []string
	for _, s := range []string{p.Phone, p.Email, p.ID} {
		if s != "" {
			ids = append(ids, s)
		}
	}
	if len(ids) > 0 {
		parts = append(parts, "<"+strings.Join(ids, ", ")+">")
	}
	return strings.Join(parts, " ")
}

func attLine(a *item.Attachment, ref blob.Ref) attView {
	return attView{Name: a.Name, Type: a.ContentType, Size: humanSize(ref.Size)}
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func textBody(v *view) string {
	var b strings.Builder
	b.WriteString(v.Title + "\n\n")
	fmt.Fprintf(&b, "Conversation: %s\n", v.Conversation)
	fmt.Fprintf(&b, "From: %s\n", v.From)
	for _, t := range v.To {
		fmt.Fprintf(&b, "To: %s\n", t)
	}
	fmt.Fprintf(&b, "Time: %s\n", v.Time)
	if v.Call != "" {
		fmt.Fprintf(&b, "Call: %s\n", v.Call)
	}
	if v.RefersTo != "" {
		fmt.Fprintf(&b, "About message: %s\n", v.RefersTo)
	}
	if v.Text != "" {
		b.WriteString("\n" + v.Text + "\n")
	}
	if v.Location != nil {
		fmt.Fprintf(&b, "\nLocation: %s, %s", strconv.FormatFloat(v.Location.Latitude, 'f', -1, 64), strconv.FormatFloat(v.Location.Longitude, 'f', -1, 64))
		if v.Location.Name != "" {
			fmt.Fprintf(&b, " (%s)", v.Location.Name)
		}
		if v.Location.Address != "" {
			fmt.Fprintf(&b, ", %s", v.Location.Address)
		}
		fmt.Fprintf(&b, "\n%s\n", v.MapURL)
	}
	if len(v.Attachments) > 0 {
		b.WriteString("\nAttachments:\n")
		for _, a := range v.Attachments {
			fmt.Fprintf(&b, "- %s (%s, %s)\n", a.Name, a.Type, a.Size)
		}
	}
	if v.Note != "" {
		b.WriteString("\n" + v.Note + "\n")
	}
	if o := v.Original; o != nil {
		b.WriteString("\nOriginal message")
		if o.Time != "" {
			b.WriteString(" (" + o.Time + ")")
		}
		b.WriteString(":\n")
		if o.Text != "" {
			b.WriteString(o.Text + "\n")
		}
		for _, a := range o.Attachments {
			fmt.Fprintf(&b, "- %s (%s, %s)\n", a.Name, a.Type, a.Size)
		}
	}
	fmt.Fprintf(&b, "\n-- \nArchived by Custos from %s, item %s\n", v.Source, v.SourceID)
	return b.String()
}

// htmlBody renders the HTML part. Every value is escaped as html/template
// escapes text (a test keeps the two equal); it is written by hand because
// executing the template was a quarter of the conversion's time.
func htmlBody(v *view) string {
	var b strings.Builder
	b.Grow(1100 + len(v.Text))
	w := func(ss ...string) {
		for _, s := range ss {
			b.WriteString(s)
		}
	}
	e := htmlEscaper.Replace
	w(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>`, e(v.Title), `</title></head>
<body style="font-family:sans-serif">
<h3>`, e(v.Title), `</h3>
<table cellpadding="2">
<tr><th align="left">Conversation</th><td>`, e(v.Conversation), `</td></tr>
<tr><th align="left">From</th><td>`, e(v.From), "</td></tr>\n")
	for _, t := range v.To {
		w(`<tr><th align="left">To</th><td>`, e(t), "</td></tr>\n")
	}
	w(`<tr><th align="left">Time</th><td>`, e(v.Time), "</td></tr>\n")
	if v.Call != "" {
		w(`<tr><th align="left">Call</th><td>`, e(v.Call), "</td></tr>\n")
	}
	if v.RefersTo != "" {
		w(`<tr><th align="left">About message</th><td>`, e(v.RefersTo), "</td></tr>\n")
	}
	w("</table>\n")
	if v.Text != "" {
		w(`<p style="white-space:pre-wrap">`, e(v.Text), "</p>\n")
	}
	if l := v.Location; l != nil {
		w("<p>Location: ", e(fmt.Sprint(l.Latitude)), ", ", e(fmt.Sprint(l.Longitude)))
		if l.Name != "" {
			w(" (", e(l.Name), ")")
		}
		if l.Address != "" {
			w(", ", e(l.Address))
		}
		w(` <a href="`, e(linkURL(v.MapURL)), "\">map</a></p>\n")
	}
	attachments := func(as []attView) {
		for _, a := range as {
			w("<li>", e(a.Name), " (", e(a.Type), ", ", e(a.Size), ")</li>\n")
		}
	}
	if len(v.Attachments) > 0 {
		w("<p>Attachments:</p><ul>\n")
		attachments(v.Attachments)
		w("</ul>\n")
	}
	if v.Note != "" {
		w("<p><em>", e(v.Note), "</em></p>\n")
	}
	if o := v.Original; o != nil {
		w("<blockquote><p>Original message")
		if o.Time != "" {
			w(" (", e(o.Time), ")")
		}
		w(":</p>\n")
		if o.Text != "" {
			w(`<p style="white-space:pre-wrap">`, e(o.Text), "</p>\n")
		}
		if len(o.Attachments) > 0 {
			w("<ul>\n")
			attachments(o.Attachments)
			w("</ul>\n")
		}
		w("</blockquote>\n")
	}
	w(`<p style="color:#777">Archived by Custos from `, e(v.Source), ", item ", e(v.SourceID), "</p>\n</body></html>\n")
	return b.String()
}

// htmlEscaper escapes what html/template escapes in text and in quoted
// attribute values.
var htmlEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// linkURL returns the URL a link may point to: web, mail and geo: URLs,
// with the bytes a URL may not hold percent-encoded (as html/template
// does); "#" for any other
// scheme (a javascript: URL from a sender must not become a live link).
func linkURL(u string) string {
	if scheme, _, ok := strings.Cut(u, ":"); ok && !strings.Contains(scheme, "/") {
		switch strings.ToLower(scheme) {
		case "http", "https", "mailto", "geo":
		default:
			return "#"
		}
	}
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!#$&*+,/:;=?@[]", c) >= 0,
			c == '%' && i+2 < len(u) && isHex(u[i+1]) && isHex(u[i+2]):
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
