package convert

import (
	"fmt"
	"html/template"
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

func textBody(it *item.Item, refs []blob.Ref) (string, error) {
	v := makeView(it, refs)
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
	return b.String(), nil
}

var htmlTmpl = template.Must(template.New("item").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family:sans-serif">
<h3>{{.Title}}</h3>
<table cellpadding="2">
<tr><th align="left">Conversation</th><td>{{.Conversation}}</td></tr>
<tr><th align="left">From</th><td>{{.From}}</td></tr>
{{range .To}}<tr><th align="left">To</th><td>{{.}}</td></tr>
{{end}}<tr><th align="left">Time</th><td>{{.Time}}</td></tr>
{{if .Call}}<tr><th align="left">Call</th><td>{{.Call}}</td></tr>
{{end}}{{if .RefersTo}}<tr><th align="left">About message</th><td>{{.RefersTo}}</td></tr>
{{end}}</table>
{{if .Text}}<p style="white-space:pre-wrap">{{.Text}}</p>
{{end}}{{with .Location}}<p>Location: {{.Latitude}}, {{.Longitude}}{{if .Name}} ({{.Name}}){{end}}{{if .Address}}, {{.Address}}{{end}} <a href="{{$.MapURL}}">map</a></p>
{{end}}{{if .Attachments}}<p>Attachments:</p><ul>
{{range .Attachments}}<li>{{.Name}} ({{.Type}}, {{.Size}})</li>
{{end}}</ul>
{{end}}{{if .Note}}<p><em>{{.Note}}</em></p>
{{end}}{{with .Original}}<blockquote><p>Original message{{if .Time}} ({{.Time}}){{end}}:</p>
{{if .Text}}<p style="white-space:pre-wrap">{{.Text}}</p>
{{end}}{{if .Attachments}}<ul>
{{range .Attachments}}<li>{{.Name}} ({{.Type}}, {{.Size}})</li>
{{end}}</ul>
{{end}}</blockquote>
{{end}}<p style="color:#777">Archived by Custos from {{.Source}}, item {{.SourceID}}</p>
</body></html>
`))

func htmlBody(it *item.Item, refs []blob.Ref) (string, error) {
	var b strings.Builder
	if err := htmlTmpl.Execute(&b, makeView(it, refs)); err != nil {
		return "", fmt.Errorf("rendering HTML body of %s item %q: %w", it.Source, it.SourceID, err)
	}
	return b.String(), nil
}
