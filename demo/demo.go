// Package demo makes a small organisation and a day of its mobile traffic on
// all three sources, for `custos demo`, and synthetic corpora of any size for
// tests and benchmarks. Everything is deterministic for a given seed.
package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// Person is a member of the demo organisation.
type Person struct {
	Email, Name, Phone string
}

// Employees are the demo organisation's users. Frank is not in the
// directory at first: items with only him and outsiders are quarantined
// until he is added.
var Employees = []Person{
	{"alice@demo.example", "Alice Martin", "+12025550143"},
	{"bob@demo.example", "Bob Chen", "+12025550144"},
	{"carol@demo.example", "Carol Díaz", "+12025550145"},
	{"dan@demo.example", "Dan Okafor", "+12025550146"},
	{"erin@demo.example", "Erin Walsh", "+12025550147"},
}

// Frank is the employee who joins late.
var Frank = Person{"frank@demo.example", "Frank Li", "+12025550148"}

// Outsiders are external contacts.
var Outsiders = []Person{
	{"", "Dana Lee (client)", "+13105550188"},
	{"", "Ravi Patel (broker)", "+447700900123"},
	{"", "Sofia Rossi", "+393401234567"},
	{"", "张伟 (supplier)", "+8613800138000"},
}

// UsersCSV is the users file for the demo organisation (without Frank).
func UsersCSV() string {
	var b strings.Builder
	b.WriteString("email,name,phones\n")
	for _, p := range Employees {
		fmt.Fprintf(&b, "%s,%s,%s\n", p.Email, p.Name, p.Phone)
	}
	return b.String()
}

// FrankCSV is the users file that adds Frank.
func FrankCSV() string {
	return "email,name,phones\n" + Frank.Email + "," + Frank.Name + "," + Frank.Phone + "\n"
}

// MappingCSV is the Enterprise Number custom mapping, in the anchor's own
// columns: SMS items carry numbers only, so the mapping says whose they are.
func MappingCSV() string {
	var b strings.Builder
	b.WriteString("External User ID,Microsoft 365 User Mailbox\n")
	for _, p := range append(append([]Person{}, Employees...), Frank) {
		fmt.Fprintf(&b, "%s,%s\n", p.Phone, p.Email)
	}
	return b.String()
}

func (p Person) participant(withEmail bool) item.Participant {
	x := item.Participant{Name: p.Name, Phone: p.Phone}
	if withEmail {
		x.Email = p.Email
	}
	return x
}

var phrases = []string{
	"Can you send the updated price for the Q3 order?",
	"Confirmed, 1,200 units at 4.35, closing today.",
	"Call me when you are out of the meeting.",
	"The client wants a discount on the bond trade.",
	"Shipment leaves the warehouse on Monday.",
	"Please check the invoice before we pay.",
	"Let's keep this between us for now.",
	"Contract signed, sending the scan.",
	"Running ten minutes late.",
	"Can we move the call to 4pm?",
}

// Day returns a day of the demo organisation's traffic on all three sources,
// about perSource items each, ordered by time. Employees carry their email
// property on WhatsApp and WeChat (the capture site fills it for registered
// users); Enterprise Number items carry numbers only and are mapped by the
// custom CSV.
func Day(day time.Time, perSource int, seed uint64) map[item.Source][]*item.Item {
	r := rand.New(rand.NewPCG(seed, 0xc057))
	out := map[item.Source][]*item.Item{}
	at := func(i int) time.Time {
		return day.Add(8*time.Hour + time.Duration(i)*10*time.Hour/time.Duration(perSource+1) + time.Duration(r.IntN(300))*time.Second)
	}
	pick := func(ps []Person) Person { return ps[r.IntN(len(ps))] }
	group := item.Conversation{ID: "120363025246125888@g.us", Name: "Deal desk", Type: item.Group}

	// WhatsApp
	for i := 0; i < perSource; i++ {
		emp, ext := pick(Employees), pick(Outsiders)
		from, to := emp.participant(true), []item.Participant{ext.participant(false)}
		if r.IntN(2) == 0 {
			from, to = to[0], []item.Participant{from}
		}
		conv := item.Conversation{ID: "wa:" + emp.Phone + "/" + ext.Phone, Name: ext.Name, Type: item.Direct}
		it := &item.Item{Source: item.WhatsApp, Kind: item.Chat, SourceID: fmt.Sprintf("wamid.demo-%s-%03d", day.Format("20060102"), i),
			Conversation: conv, From: from, To: to, Time: at(i), Text: phrases[r.IntN(len(phrases))]}
		switch i % 10 {
		case 3:
			it.Kind = item.Media
			it.Attachments = []item.Attachment{{Name: fmt.Sprintf("IMG-%s-WA%04d.jpg", day.Format("20060102"), i), ContentType: "image/jpeg", Data: fakeJPEG(r, 2048+r.IntN(4096))}}
		case 5:
			it.Kind = item.Call
			it.Text = ""
			it.Call = &item.CallInfo{Direction: "outbound", Status: "completed", Duration: int64(30 + r.IntN(900))}
		case 7:
			it.Conversation = group
			it.From = emp.participant(true)
			it.To = []item.Participant{pick(Employees).participant(true), ext.participant(false)}
			if it.To[0].Email == it.From.Email {
				it.To = it.To[1:]
			}
		case 8:
			it.Kind = item.Deleted
			it.RefersTo = fmt.Sprintf("wamid.demo-%s-%03d", day.Format("20060102"), i-1)
			it.Original = &item.Content{Text: "Don't put this in email: I can do 4.10 off the books."}
			it.Text = "This message was deleted"
		case 9:
			it.Kind = item.Edit
			it.RefersTo = fmt.Sprintf("wamid.demo-%s-%03d", day.Format("20060102"), i-2)
			it.Original = &item.Content{Text: "Meeting at 2pm"}
			it.Text = "Meeting at 3pm, not 2pm"
		}
		out[item.WhatsApp] = append(out[item.WhatsApp], it)
	}
	// One chat between Frank (not yet in the directory) and an outsider.
	ext := Outsiders[0]
	out[item.WhatsApp] = append(out[item.WhatsApp], &item.Item{Source: item.WhatsApp, Kind: item.Chat,
		SourceID: "wamid.demo-" + day.Format("20060102") + "-frank", Time: day.Add(17 * time.Hour),
		Conversation: item.Conversation{ID: "wa:" + Frank.Phone + "/" + ext.Phone, Name: ext.Name, Type: item.Direct},
		From:         Frank.participant(true), To: []item.Participant{ext.participant(false)}, Text: "First day here, welcome call tomorrow?"})

	// WeChat
	supplier := Outsiders[3]
	for i := 0; i < perSource; i++ {
		emp := pick(Employees)
		p := item.Participant{Name: emp.Name, ID: strings.Split(emp.Email, "@")[0], Email: emp.Email}
		s := item.Participant{Name: supplier.Name, ID: "wmUu0zBgAALV7ZymkcMyxvbTe8YdWxxA"}
		from, to := p, []item.Participant{s}
		if i%2 == 1 {
			from, to = s, []item.Participant{p}
		}
		it := &item.Item{Source: item.WeChat, Kind: item.Chat, SourceID: fmt.Sprintf("%d_%d", 14822339130656386894-uint64(i), day.Unix()+int64(i)),
			Conversation: item.Conversation{ID: "wc:" + p.ID + "/" + s.ID, Name: supplier.Name, Type: item.Direct},
			From:         from, To: to, Time: at(i), Text: []string{"合同已经签好了，明天发货。", "价格可以再低一点吗？", "Invoice attached, please confirm.", "明天上午开会讨论报价。"}[r.IntN(4)]}
		switch i % 6 {
		case 2:
			it.Kind = item.File
			it.Attachments = []item.Attachment{{Name: "报价单.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4\n% demo quote\n%%EOF\n")}}
		case 4:
			it.Kind = item.Call
			it.Text = ""
			it.Call = &item.CallInfo{Direction: "inbound", Status: "missed", Video: true}
		case 5:
			prev := out[item.WeChat][len(out[item.WeChat])-1]
			it.Kind = item.Recalled
			it.RefersTo = prev.SourceID
			it.Original = &item.Content{Text: prev.Text}
			it.Text = ""
		}
		out[item.WeChat] = append(out[item.WeChat], it)
	}

	// Enterprise Number: numbers only, mapped by the custom CSV.
	for i := 0; i < perSource; i++ {
		emp, ext := pick(Employees), pick(Outsiders[:3])
		conv := item.Conversation{ID: emp.Phone + "/" + ext.Phone, Type: item.Direct}
		from, to := item.Participant{Phone: emp.Phone}, []item.Participant{{Phone: ext.Phone, Name: ext.Name}}
		dir := "outbound"
		if i%2 == 1 {
			from, to, dir = to[0], []item.Participant{from}, "inbound"
		}
		it := &item.Item{Source: item.EnterpriseNumber, Kind: item.SMS, SourceID: fmt.Sprintf("SM%s%024d", day.Format("20060102"), i),
			Conversation: conv, From: from, To: to, Time: at(i), Text: phrases[r.IntN(len(phrases))], Owner: emp.Phone}
		switch i % 5 {
		case 1:
			it.Kind = item.MMS
			it.SourceID = "MM" + it.SourceID[2:]
			it.Attachments = []item.Attachment{{Name: "floorplan.jpg", ContentType: "image/jpeg", Data: fakeJPEG(r, 3000)}}
		case 2:
			it.Kind = item.CallLog
			it.SourceID = "CA" + it.SourceID[2:]
			it.Text = ""
			it.Call = &item.CallInfo{Direction: dir, Status: []string{"completed", "no-answer", "busy"}[r.IntN(3)], Duration: int64(r.IntN(600))}
		case 3:
			it.Kind = item.VoiceRecording
			it.SourceID = "RE" + it.SourceID[2:]
			it.Text = ""
			it.Call = &item.CallInfo{Direction: dir, Status: "completed", Duration: int64(60 + r.IntN(600))}
			it.Attachments = []item.Attachment{{Name: it.SourceID + ".wav", ContentType: "audio/wav", Data: fakeWAV(r, 8000)}}
		}
		out[item.EnterpriseNumber] = append(out[item.EnterpriseNumber], it)
	}
	return out
}

func fakeJPEG(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	copy(b, []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0})
	b[n-2], b[n-1] = 0xff, 0xd9
	return b
}

func fakeWAV(r *rand.Rand, n int) []byte {
	b := make([]byte, 44+n)
	copy(b, "RIFF")
	copy(b[8:], "WAVEfmt ")
	copy(b[36:], "data")
	for i := 44; i < len(b); i++ {
		b[i] = byte(128 + r.IntN(16) - 8)
	}
	return b
}
