package waexport

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/custos-archive/custos/item"
)

// class is what a message is, read from its author and text.
type class struct {
	kind      item.Kind
	event     string // system: what happened, e.g. "group-created"
	actor     string // system: who did it, as written ("You", "Du", a name); "" when unknown
	group     bool   // the line shows that the chat is a group
	groupName string // a group name the line gives (creation or rename)
	renamed   bool   // groupName comes from a rename
	chatAuth  bool   // an authored system line whose author is the chat itself (iOS)
	broad     bool   // an authored system line matched only a broad pattern ("X added Y")
	edited    string // edit: the text without the marker
	call      *item.CallInfo
	place     *item.Place
	media     string // the media file the message names
	omitted   bool   // the export left the media out
	caption   string // the text without the media placeholder
	live      bool   // a live location notice
}

// classify decides what a record is. chat is the chat name the caller gave
// (or the file name implies): an authored line whose author is the chat is
// a system line when its text reads like one.
func classify(r *record, text, chat string, weakOK bool) class {
	clean := strings.TrimSpace(stripInvisible(text))
	if group, ok := notice(clean); ok {
		// Encryption notices are system lines whoever authors them (iOS:
		// the chat).
		return class{kind: item.System, event: "encryption", group: group, chatAuth: r.author != ""}
	}
	if r.author == "" {
		c := class{kind: item.System}
		if p, m := matchSystem(clean); p != nil {
			c.setSystem(p, m)
		}
		return c
	}
	// iOS writes system lines as if authored, by the chat ("Group: ‎Josh
	// added you") or by the actor ("Josh: ‎Josh created this group"), with
	// U+200E before the text.
	if r.lrm || (chat != "" && r.author == chat) {
		if p, m := matchSystem(clean); p != nil && (!p.broad || weakOK) {
			c := class{kind: item.System}
			c.setSystem(p, m)
			c.broad = p.broad
			c.chatAuth = c.actor == "" || !sameName(c.actor, r.author)
			return c
		}
	}
	if isDeleted(clean) {
		return class{kind: item.Deleted}
	}
	if call := parseCall(clean); call != nil {
		return class{kind: item.Call, call: call}
	}
	if c, ok := parseMedia(text); ok {
		return c
	}
	if pl := parseLocation(text); pl != nil {
		return class{kind: item.Location, place: pl}
	}
	if t, ok := parseEdited(text); ok {
		return class{kind: item.Edit, edited: t}
	}
	if len(clean) < 32 && live[normal(clean)] {
		return class{kind: item.Chat, live: true}
	}
	return class{kind: item.Chat}
}

func sameName(a, b string) bool { return strings.EqualFold(cleanName(a), cleanName(b)) }

// normal lowercases s and drops a final full stop, for table lookups.
func normal(s string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
}

func (c *class) setSystem(p *sysPattern, m []string) {
	c.event = p.event
	c.group = p.group
	if i := p.re.SubexpIndex("a"); i > 0 {
		c.actor = strings.TrimSpace(m[i])
	}
	if i := p.re.SubexpIndex("g"); i > 0 {
		c.groupName = strings.TrimSpace(m[i])
		c.renamed = p.rename
	}
}

// sysPattern is one kind of system line in one language.
type sysPattern struct {
	re     *regexp.Regexp
	event  string
	group  bool // only groups have it
	rename bool // g is the group's new name
	broad  bool // could be an ordinary message ("I added sugar")
}

func sys(event string, group bool, expr string) *sysPattern {
	return &sysPattern{re: regexp.MustCompile(expr), event: event, group: group}
}

// notices start the encryption notices; the second list only groups have.
var notices, groupNotices = []string{
	"Messages and calls are end-to-end encrypted",
	"Messages you send to this chat and calls are now secured with end-to-end encryption",
	"Messages to this chat and calls are now secured with end-to-end encryption",
	"Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt",
	"Nachrichten, die du in diesem Chat sendest, sowie Anrufe sind jetzt mit Ende-zu-Ende-Verschlüsselung geschützt",
	"Los mensajes y las llamadas están cifrados de extremo a extremo",
	"Les messages et les appels sont chiffrés de bout en bout",
	"As mensagens e as chamadas são protegidas com a criptografia de ponta-a-ponta",
	"As mensagens e as chamadas são criptografadas de ponta a ponta",
	"I messaggi e le chiamate sono crittografati end-to-end",
	"Berichten en gesprekken worden end-to-end versleuteld",
	"Mesajlar ve aramalar uçtan uca şifrelidir",
	"Сообщения и звонки защищены сквозным шифрованием",
}, []string{
	"Messages to this group are now secured with end-to-end encryption",
	"Messages you send to this group are now secured with end-to-end encryption",
	"Nachrichten an diese Gruppe sind jetzt mit Ende-zu-Ende-Verschlüsselung geschützt",
	"Nachrichten, die du an diese Gruppe sendest, sind jetzt mit Ende-zu-Ende-Verschlüsselung geschützt",
}

// notice reports whether text is an encryption notice, and whether only
// groups have it.
func notice(text string) (group, ok bool) {
	if len(text) < 20 || len(text) > 1024 {
		return false, false
	}
	for _, n := range groupNotices {
		if strings.HasPrefix(text, n) {
			return true, true
		}
	}
	for _, n := range notices {
		if strings.HasPrefix(text, n) {
			return false, true
		}
	}
	return false, false
}

// The system lines, from WhatsR's per-locale table (English and German,
// Android and iOS) and the exports in shared/testdata. The named group "a"
// is the actor, "g" a group name. Group names are quoted with " or “” (en)
// and „“ (de).
var sysPatterns = func() []*sysPattern {
	broad := func(p *sysPattern) *sysPattern { p.broad = true; return p }
	rename := func(p *sysPattern) *sysPattern { p.rename = true; return p }
	return []*sysPattern{
		// English.
		sys("group-created", true, `^(?P<a>.+?) created group ["“](?P<g>.*)["”]$`),
		sys("group-created", true, `^(?P<a>.+?) created this group$`),
		rename(sys("group-renamed", true, `^(?P<a>.+?) changed the (?:subject|group name)(?: from ["“].*["”])? to ["“](?P<g>.*)["”]\.?$`)),
		sys("group-changed", true, `^(?P<a>.+?) (?:changed|deleted) (?:this group's|the group's|the group) (?:icon|description|settings)\b.*$`),
		sys("group-changed", true, `^(?P<a>.+?) turned (?:on|off) admin approval\b.*$`),
		sys("member-joined", true, `^(?P<a>.+?) joined using this group's invite link$`),
		sys("members-changed", true, `^You were (?:added|removed)$`),
		sys("admin-changed", true, `^You're (?:now|no longer) an admin$`),
		sys("number-changed", false, `^(?P<a>.+?) changed their phone number\b.*$`),
		sys("number-changed", false, `^(?P<a>\+[0-9][0-9 ()-]+) changed to \+[0-9][0-9 ()-]+\.?$`),
		sys("security-code-changed", false, `^Your security code with .+ changed\b.*$`),
		sys("security-code-changed", false, `^(?P<a>.+?)'s security code changed\b.*$`),
		sys("disappearing-messages", false, `^(?P<a>.+?) (?:turned on|turned off|updated|changed) (?:disappearing messages|the message timer)\b.*$`),
		sys("group-call", true, `^(?P<a>.+?) started a (?:video )?call$`),
		sys("blocked", false, `^(?P<a>You) (?:blocked|unblocked) this contact\b.*$`),
		sys("chat-privacy", false, `^(?P<a>.+?) turned (?:on|off) advanced chat privacy\b.*$`),
		sys("pinned", false, `^(?P<a>.+?) (?:pinned|unpinned) a message$`),
		broad(sys("members-changed", true, `^(?P<a>.+?) (?:added|removed) .+$`)),
		broad(sys("member-left", true, `^(?P<a>.+?) left$`)),

		// German.
		sys("group-created", true, `^(?P<a>.+?) (?:hat|hast) die Gruppe [„"“](?P<g>.*)[“"”] erstellt\.?$`),
		sys("group-created", true, `^(?P<a>.+?) (?:hat|hast) diese Gruppe erstellt\.?$`),
		rename(sys("group-renamed", true, `^(?P<a>.+?) (?:hat|hast) den Gruppennamen (?:von [„"“].*[“"”] )?zu [„"“](?P<g>.*)[“"”] geändert\.?$`)),
		sys("group-changed", true, `^(?P<a>.+?) (?:hat|hast) (?:das Gruppenbild|die Gruppenbeschreibung) (?:geändert|gelöscht)\.?$`),
		sys("member-left", true, `^(?P<a>.+?) hat die Gruppe verlassen\.?$`),
		sys("members-changed", true, `^Du wurdest (?:hinzugefügt|entfernt)\.?$`),
		sys("member-joined", true, `^(?P<a>.+?) ist (?:der Gruppe )?über den Einladungslink(?: dieser Gruppe)? beigetreten\.?$`),
		sys("admin-changed", true, `^Du bist (?:jetzt ein\*e Admin|kein\*e Admin mehr)\.?$`),
		sys("number-changed", false, `^(?P<a>.+?) hat eine neue Telefonnummer\b.*$`),
		sys("number-changed", false, `^(?P<a>\+[0-9][0-9 ()-]+) hat zu \+[0-9][0-9 ()-]+ gewechselt\.?$`),
		sys("security-code-changed", false, `^Dein Sicherheitscode für .+ hat sich geändert\b.*$`),
		sys("disappearing-messages", false, `^(?P<a>.+?) (?:hat|hast) (?:selbstlöschende Nachrichten|die Nachrichtendauer)\b.*$`),
		sys("group-call", true, `^(?P<a>.+?) hat einen (?:Video)?[Aa]nruf gestartet\.?$`),
		sys("blocked", false, `^(?P<a>Du) hast diesen Kontakt (?:blockiert|freigegeben)\b.*$`),
		broad(sys("members-changed", true, `^(?P<a>.+?) (?:hat|hast) .+ (?:hinzugefügt|entfernt)\.?$`)),
	}
}()

// matchSystem finds the system pattern that text matches.
func matchSystem(text string) (*sysPattern, []string) {
	if len(text) > 2048 || strings.Contains(text, "\n") {
		return nil, nil // system lines are single and short
	}
	for _, p := range sysPatterns {
		if m := p.re.FindStringSubmatch(text); m != nil {
			return p, m
		}
	}
	return nil, nil
}

// youWords are how an export names the owner as the actor of a system line.
var youWords = map[string]bool{
	"you": true, "du": true, "tú": true, "tu": true, "vous": true, "você": true,
	"jij": true, "je": true, "sen": true, "siz": true, "вы": true, "ты": true,
}

// deleted are the texts of deleted messages, lower case, without a final
// full stop. English and German from WhatsR, the others from parser code
// (unverified against real exports).
var deleted = setOf(
	"this message was deleted", "you deleted this message", "message deleted",
	"diese nachricht wurde gelöscht", "du hast diese nachricht gelöscht",
	"se eliminó este mensaje", "eliminaste este mensaje", "este mensaje fue eliminado",
	"ce message a été supprimé", "vous avez supprimé ce message",
	"esta mensagem foi apagada", "você apagou esta mensagem", "mensagem apagada",
	"questo messaggio è stato eliminato", "hai eliminato questo messaggio",
	"dit bericht is verwijderd", "je hebt dit bericht verwijderd",
	"bu mesaj silindi", "bu mesajı sildiniz",
	"данное сообщение удалено", "вы удалили это сообщение", "это сообщение удалено",
)

func isDeleted(clean string) bool { return len(clean) < 64 && deleted[normal(clean)] }

// live are the texts of live location notices.
var live = setOf("live location shared", "live location ended", "live-standort wird geteilt", "live-standort beendet")

// editedMarkers end the text of an edited message.
var editedMarkers = []string{
	"<This message was edited>",
	"<Diese Nachricht wurde bearbeitet>", "<Diese Nachricht wurde bearbeitet.>",
	"<Ce message a été modifié>", "<Se editó este mensaje.>", "<Se editó este mensaje>",
	"<Mensagem editada>", "<Questo messaggio è stato modificato>", "<Dit bericht is bewerkt>",
	"<Bu mesaj düzenlendi>", "<Сообщение изменено>",
}

// parseEdited removes the edited marker from the end of text.
func parseEdited(text string) (string, bool) {
	t := strings.TrimRightFunc(text, func(r rune) bool { return space(r) || invisible(r) || r == '\n' })
	if !strings.HasSuffix(t, ">") {
		return "", false
	}
	for _, m := range editedMarkers {
		if strings.HasSuffix(t, m) {
			return strings.TrimRightFunc(t[:len(t)-len(m)], func(r rune) bool { return space(r) || invisible(r) }), true
		}
	}
	return "", false
}

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}

// callForms are the call notices of iOS exports (Android exports have none).
var callForms = []struct {
	prefix string
	missed bool
	video  bool
}{
	{"missed voice call", true, false}, {"missed video call", true, true},
	{"missed group voice call", true, false}, {"missed group video call", true, true},
	{"verpasster sprachanruf", true, false}, {"verpasster videoanruf", true, true},
	{"verpasster gruppensprachanruf", true, false}, {"verpasster gruppenvideoanruf", true, true},
	{"voice call", false, false}, {"video call", false, true},
	{"group voice call", false, false}, {"group video call", false, true},
	{"sprachanruf", false, false}, {"videoanruf", false, true},
}

var durationRe = regexp.MustCompile(`^(\d{1,5})\s*(sec|secs|seconds?|min|mins|minutes?|hr|hrs|hours?|sek|std)\.?$`)

// parseCall reads "Missed voice call", "Voice call. 5 min", "Video call. No
// answer" and their German forms.
func parseCall(clean string) *item.CallInfo {
	if len(clean) > 80 || len(clean) < 9 {
		return nil
	}
	switch clean[0] { // missed, voice, video, group, verpasster, sprachanruf
	case 'M', 'm', 'V', 'v', 'G', 'g', 'S', 's':
	default:
		return nil
	}
	l := strings.ToLower(clean)
	for _, f := range callForms {
		rest, ok := strings.CutPrefix(l, f.prefix)
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if rest != "" {
			if rest[0] != '.' && rest[0] != ',' {
				continue
			}
			rest = strings.TrimSpace(stripInvisible(rest[1:]))
		}
		rest = strings.TrimSuffix(rest, ".")
		if f.missed {
			if rest == "" || rest == "tap to call back" || rest == "zum zurückrufen tippen" {
				return &item.CallInfo{Direction: "inbound", Status: "missed", Video: f.video}
			}
			return nil
		}
		switch rest {
		case "no answer", "keine antwort":
			return &item.CallInfo{Direction: "inbound", Status: "no-answer", Video: f.video}
		case "declined", "abgelehnt":
			return &item.CallInfo{Direction: "inbound", Status: "rejected", Video: f.video}
		}
		if m := durationRe.FindStringSubmatch(rest); m != nil {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			switch m[2][0] {
			case 'm':
				n *= 60
			case 'h':
				n *= 3600
			case 's':
				if m[2] == "std" {
					n *= 3600
				}
			}
			return &item.CallInfo{Direction: "inbound", Status: "completed", Duration: n, Video: f.video}
		}
		return nil
	}
	return nil
}

var mapsRe = regexp.MustCompile(`https?://maps\.google\.[a-z.]{2,10}/(?:maps)?\?q=(-?\d{1,3}(?:\.\d+)?),\s?(-?\d{1,3}(?:\.\d+)?)\S*`)

// locationWords label a shared location's URL.
var locationWords = setOf("location", "standort", "ubicación", "localização", "localisation", "posizione", "locatie", "konum", "местоположение")

var venueRe = regexp.MustCompile(`^(.+) \((.+)\)$`)

// parseLocation reads a shared location: a line "location: URL" (Android,
// perhaps after lines with the place's name and address), "Location: URL"
// (iOS), "Name (Address): URL" (iOS venue) or a bare maps URL, where the URL
// gives latitude and longitude.
func parseLocation(text string) *item.Place {
	if !strings.Contains(text, "maps.google.") {
		return nil
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(stripInvisible(l))
		m := mapsRe.FindStringSubmatchIndex(l)
		if m == nil || strings.TrimSpace(l[m[1]:]) != "" {
			continue
		}
		label := strings.TrimSpace(l[:m[0]])
		if label != "" && !strings.HasSuffix(label, ":") {
			return nil
		}
		label = strings.TrimSpace(strings.TrimSuffix(label, ":"))
		lat, err1 := strconv.ParseFloat(l[m[2]:m[3]], 64)
		lon, err2 := strconv.ParseFloat(l[m[4]:m[5]], 64)
		if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			return nil
		}
		pl := &item.Place{Latitude: lat, Longitude: lon, URL: l[m[0]:m[1]]}
		switch {
		case label == "" || locationWords[strings.ToLower(label)]:
			// Android: name and address on the lines before.
			if i >= 2 {
				pl.Name = strings.TrimSpace(stripInvisible(lines[i-2]))
				pl.Address = strings.TrimSpace(stripInvisible(lines[i-1]))
			} else if i == 1 {
				pl.Name = strings.TrimSpace(stripInvisible(lines[0]))
			}
		default:
			if v := venueRe.FindStringSubmatch(label); v != nil {
				pl.Name, pl.Address = v[1], v[2]
			} else {
				pl.Name = label
			}
		}
		return pl
	}
	return nil
}
