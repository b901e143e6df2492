package demo

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// SyntheticUser is the i-th user (0-based) of a synthetic organisation.
func SyntheticUser(i int) Person {
	return Person{Email: fmt.Sprintf("user%04d@corp.example", i+1), Name: fmt.Sprintf("User %04d", i+1), Phone: fmt.Sprintf("+1555%07d", i)}
}

// SyntheticUsersCSV is the users file of a synthetic organisation.
func SyntheticUsersCSV(users int) string {
	var b strings.Builder
	b.WriteString("email,name,phones\n")
	for i := 0; i < users; i++ {
		p := SyntheticUser(i)
		fmt.Fprintf(&b, "%s,%s,%s\n", p.Email, p.Name, p.Phone)
	}
	return b.String()
}

// Synthetic returns n WhatsApp chat items of a synthetic organisation with
// the given number of users, for tests and benchmarks: 1:1 and group chats
// between users (email property set) and outside contacts, a share with a
// small attachment (attachEvery-th item; 0 for none), and one item in
// unmappedEvery (0 for none) between outside contacts only, which maps to
// nobody.
func Synthetic(n, users, attachEvery, unmappedEvery int, seed uint64, fn func(*item.Item) error) error {
	r := rand.New(rand.NewPCG(seed, 0x5e7))
	words := Vocabulary(20000)
	zipf := rand.NewZipf(r, 1.1, 1, uint64(len(words)-1))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	contact := func(i int) item.Participant {
		return item.Participant{Name: fmt.Sprintf("Contact %04d", i), Phone: fmt.Sprintf("+4477009%05d", i)}
	}
	for i := 0; i < n; i++ {
		u := SyntheticUser(r.IntN(users))
		me := item.Participant{Name: u.Name, Phone: u.Phone, Email: u.Email}
		other := contact(r.IntN(users * 10))
		conv := item.Conversation{ID: "wa:" + u.Phone + "/" + other.Phone, Name: other.Name, Type: item.Direct}
		from, to := me, []item.Participant{other}
		if r.IntN(2) == 0 {
			from, to = other, []item.Participant{me}
		}
		if r.IntN(5) == 0 {
			v := SyntheticUser(r.IntN(users))
			if v.Email != u.Email {
				to = append(to, item.Participant{Name: v.Name, Phone: v.Phone, Email: v.Email})
				conv = item.Conversation{ID: fmt.Sprintf("wa:group-%d", r.IntN(users*3)), Name: "Team " + words[r.IntN(100)], Type: item.Group}
			}
		}
		if unmappedEvery > 0 && i%unmappedEvery == unmappedEvery-1 {
			from, to = contact(r.IntN(users*10)), []item.Participant{other}
		}
		nw := 5 + r.IntN(30)
		ws := make([]string, nw)
		for j := range ws {
			ws[j] = words[zipf.Uint64()]
		}
		it := &item.Item{Source: item.WhatsApp, Kind: item.Chat, SourceID: fmt.Sprintf("wamid.syn-%d-%09d", seed, i),
			Conversation: conv, From: from, To: to, Time: start.Add(time.Duration(i) * 7 * time.Second), Text: strings.Join(ws, " ")}
		if attachEvery > 0 && i%attachEvery == 0 {
			data := make([]byte, 1024+r.IntN(4096))
			for j := range data {
				data[j] = byte(r.IntN(256))
			}
			it.Kind = item.Media
			it.Attachments = []item.Attachment{{Name: fmt.Sprintf("IMG-%09d.jpg", i), ContentType: "image/jpeg", Data: data}}
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

// WriteSynthetic writes Synthetic items as JSON lines.
func WriteSynthetic(w io.Writer, n, users, attachEvery, unmappedEvery int, seed uint64) error {
	iw := item.NewWriter(w)
	return Synthetic(n, users, attachEvery, unmappedEvery, seed, iw.Write)
}

// Vocabulary returns n words: common chat and business words first, then
// made-up words, so that a Zipf draw over it gives common and rare words.
func Vocabulary(n int) []string {
	words := strings.Fields("the you to and it is that ok for me we have this not just can with will are what but know get going all yes now like good they about when how then see from would time here more want need think well back still also sure right thanks please " +
		"meeting tomorrow call today send price client order deal update check team office report invoice payment contract project budget deadline shipment delivery account transfer approval quote discount margin forecast customer supplier trade position portfolio market shares bond yield rate loan credit cash wire bank fund broker compliance audit risk limit hedge swap option settlement hotel flight dinner lunch coffee weekend morning evening urgent confidential")
	seen := map[string]bool{}
	for _, w := range words {
		seen[w] = true
	}
	onsets := strings.Fields("b c d f g h j k l m n p r s t v w z br cr dr fr gr kr pr tr bl cl fl gl pl sl st sk sp sh ch th")
	vowels := strings.Fields("a e i o u ai ea ou io ia")
	codas := []string{"", "", "", "n", "r", "l", "s", "t", "m", "x", "nd", "rt", "st"}
	r := rand.New(rand.NewPCG(7, 7))
	for len(words) < n {
		var b strings.Builder
		for k := 2 + r.IntN(3); k > 0; k-- {
			b.WriteString(onsets[r.IntN(len(onsets))] + vowels[r.IntN(len(vowels))] + codas[r.IntN(len(codas))])
		}
		if w := b.String(); len(w) >= 4 && len(w) <= 14 && !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words[:n]
}
