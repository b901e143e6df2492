package imapserver

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// diagnose finds the syntax errors go-imap v2 beta.8 reports as server
// errors (see wireConn) in a command line (tag and all, literals as "{n}"):
// a malformed message set, an unknown search key, a bad search date, a
// mailbox name that is not modified UTF-7, an AUTHENTICATE initial response
// that is not base64. It returns what was wrong and what was expected, and
// false when it finds none of these.
func diagnose(line string) (string, bool) {
	toks := tokenize(line)
	if len(toks) < 2 {
		return "", false
	}
	name := strings.ToUpper(toks[1].s)
	args := toks[2:]
	if name == "UID" && len(args) > 0 {
		name = "UID " + strings.ToUpper(args[0].s)
		args = args[1:]
	}
	arg := func(i int) (token, bool) {
		if i < len(args) && !args[i].paren {
			return args[i], true
		}
		return token{}, false
	}
	switch name {
	case "FETCH", "UID FETCH", "STORE", "UID STORE", "COPY", "UID COPY", "MOVE", "UID MOVE", "UID EXPUNGE":
		if a, ok := arg(0); ok && !a.quoted && a.s != "$" && !validSet(a.s) {
			return fmt.Sprintf("%s: %s is not a message set: expected %s", name, quote(a.s), setHelp(name)), true
		}
		if name == "COPY" || name == "UID COPY" || name == "MOVE" || name == "UID MOVE" {
			if a, ok := arg(1); ok {
				return mailboxError(name, a.s)
			}
		}
	case "SEARCH", "UID SEARCH":
		return searchError(name, args)
	case "SELECT", "EXAMINE", "STATUS", "CREATE", "DELETE", "SUBSCRIBE", "UNSUBSCRIBE", "APPEND":
		if a, ok := arg(0); ok {
			return mailboxError(name, a.s)
		}
	case "RENAME", "LIST", "LSUB":
		for i := 0; i < 2; i++ {
			if a, ok := arg(i); ok {
				if msg, bad := mailboxError(name, a.s); bad {
					return msg, true
				}
			}
		}
	case "AUTHENTICATE":
		if a, ok := arg(1); ok && a.s != "=" {
			if _, err := base64.StdEncoding.DecodeString(a.s); err != nil {
				return "AUTHENTICATE: the initial response is not base64: expected the SASL response in base64 (RFC 4959), or = for an empty one", true
			}
		}
	}
	return "", false
}

// commandName is the command's name, "UID FETCH" and the like included.
func commandName(line string) string {
	f := strings.Fields(line)
	if len(f) < 2 {
		return ""
	}
	name := strings.ToUpper(f[1])
	if name == "UID" && len(f) > 2 {
		name += " " + strings.ToUpper(f[2])
	}
	return name
}

func setHelp(name string) string {
	what := "message numbers"
	if strings.HasPrefix(name, "UID ") {
		what = "UIDs"
	}
	return what + " and ranges separated by commas, such as 1, 2:5 or 1,3:* (each a number from 1 to 4294967295, or * for the last)"
}

// token is a command argument: an atom, a quoted string (unquoted), a
// literal ("{n}"), or a parenthesis.
type token struct {
	s      string
	quoted bool // a quoted string or a literal
	paren  bool // "(" or ")"
}

func tokenize(line string) []token {
	var toks []token
	for i := 0; i < len(line); {
		switch ch := line[i]; {
		case ch == ' ':
			i++
		case ch == '(' || ch == ')':
			toks = append(toks, token{s: line[i : i+1], paren: true})
			i++
		case ch == '"':
			var sb strings.Builder
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) {
					j++
				}
				sb.WriteByte(line[j])
			}
			toks = append(toks, token{s: sb.String(), quoted: true})
			i = j + 1
		case ch == '{' && strings.IndexByte(line[i:], '}') > 0 && literalSize(line[i:i+strings.IndexByte(line[i:], '}')+1]) >= 0:
			j := i + strings.IndexByte(line[i:], '}') + 1
			toks = append(toks, token{s: line[i:j], quoted: true})
			i = j
		default:
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '(' && line[j] != ')' {
				j++
			}
			toks = append(toks, token{s: line[i:j]})
			i = j
		}
	}
	return toks
}

// validSet is go-imap's rule for a sequence-set: comma-separated numbers
// (1 to 4294967295, no leading zero) or "*", alone or in "a:b" ranges.
func validSet(s string) bool {
	for _, r := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(r, ":")
		if !validSetNum(a) || (isRange && !validSetNum(b)) {
			return false
		}
	}
	return true
}

func validSetNum(s string) bool {
	if s == "*" {
		return true
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return err == nil && n > 0 && s[0] != '0'
}

var searchKeys = map[string]int{ // key: arguments
	"ALL": 0, "ANSWERED": 0, "DELETED": 0, "DRAFT": 0, "FLAGGED": 0, "NEW": 0, "OLD": 0, "RECENT": 0, "SEEN": 0,
	"UNANSWERED": 0, "UNDELETED": 0, "UNDRAFT": 0, "UNFLAGGED": 0, "UNSEEN": 0, "$": 0,
	"BCC": 1, "BODY": 1, "CC": 1, "FROM": 1, "SUBJECT": 1, "TEXT": 1, "TO": 1, "KEYWORD": 1, "UNKEYWORD": 1,
	"LARGER": 1, "SMALLER": 1, "UID": 1, "HEADER": 2,
	"BEFORE": 1, "ON": 1, "SINCE": 1, "SENTBEFORE": 1, "SENTON": 1, "SENTSINCE": 1,
}

const searchKeyHelp = "ALL, ANSWERED, BCC, BEFORE, BODY, CC, DELETED, DRAFT, FLAGGED, FROM, HEADER, KEYWORD, LARGER, NEW, " +
	"NOT, OLD, ON, OR, RECENT, SEEN, SENTBEFORE, SENTON, SENTSINCE, SINCE, SMALLER, SUBJECT, TEXT, TO, UID, " +
	"UNANSWERED, UNDELETED, UNDRAFT, UNFLAGGED, UNKEYWORD, UNSEEN, a message set such as 1:5, or keys in parentheses"

// searchError walks the search keys as go-imap reads them and reports the
// first unknown key, bad date or bad set.
func searchError(name string, args []token) (string, bool) {
	i := 0
	if i < len(args) && strings.EqualFold(args[i].s, "RETURN") && !args[i].quoted {
		i++
		for depth := 0; i < len(args); i++ { // skip the return options' list
			if args[i].paren {
				if args[i].s == "(" {
					depth++
				} else {
					depth--
				}
			}
			if depth == 0 {
				i++
				break
			}
		}
	}
	if i+1 < len(args) && strings.EqualFold(args[i].s, "CHARSET") {
		i += 2
	}
	var key func() (string, bool)
	key = func() (string, bool) {
		if i >= len(args) {
			return "", false
		}
		t := args[i]
		i++
		if t.paren {
			if t.s == ")" {
				return "", false
			}
			for i < len(args) && !(args[i].paren && args[i].s == ")") {
				if msg, bad := key(); bad {
					return msg, true
				}
			}
			i++
			return "", false
		}
		k := strings.ToUpper(t.s)
		switch k {
		case "NOT":
			return key()
		case "OR":
			if msg, bad := key(); bad {
				return msg, true
			}
			return key()
		}
		n, known := searchKeys[k]
		if t.quoted || !known {
			if !t.quoted && validSet(t.s) {
				return "", false
			}
			return fmt.Sprintf("%s: unknown search key %s; expected one of %s", name, quote(t.s), searchKeyHelp), true
		}
		if i+n > len(args) {
			i = len(args)
			return "", false
		}
		a := args[i]
		i += n
		switch k {
		case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE":
			if _, err := time.Parse("2-Jan-2006", a.s); err != nil {
				return fmt.Sprintf("%s: %s %s is not a date: expected day-month-year such as 2-Mar-2026 (months Jan, Feb, Mar, Apr, May, Jun, Jul, Aug, Sep, Oct, Nov, Dec)",
					name, k, quote(a.s)), true
			}
		case "UID":
			if a.s != "$" && !validSet(a.s) {
				return fmt.Sprintf("%s: UID %s is not a set of UIDs: expected %s", name, quote(a.s), setHelp("UID ")), true
			}
		}
		return "", false
	}
	for i < len(args) {
		if msg, bad := key(); bad {
			return msg, true
		}
	}
	return "", false
}

// mailboxError reports a mailbox name that is neither valid modified UTF-7
// nor UTF-8 (RFC 3501 section 5.1.3), as go-imap decodes names.
func mailboxError(cmd, name string) (string, bool) {
	if strings.EqualFold(name, inbox) || validMUTF7(name) {
		return "", false
	}
	return fmt.Sprintf("%s: the folder name %s is not valid modified UTF-7 (RFC 3501 section 5.1.3): "+
		"\"&\" must start a modified-base64 run of UTF-16 ended by \"-\", and \"&\" itself is written \"&-\"", cmd, quote(name)), true
}

func validMUTF7(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x20 || ch == 0x7f {
			return false
		}
		if ch != '&' {
			ascii = true
			continue
		}
		j := strings.IndexByte(s[i+1:], '-')
		if j < 0 {
			return false
		}
		run := s[i+1 : i+1+j]
		i += j + 1
		if run == "" {
			ascii = true
			continue
		}
		if !ascii {
			return false
		}
		b, err := base64.RawStdEncoding.Strict().DecodeString(strings.ReplaceAll(run, ",", "/"))
		if err != nil || len(b) == 0 || len(b)%2 != 0 {
			return false
		}
		u := make([]uint16, len(b)/2)
		for k := range u {
			u[k] = uint16(b[2*k])<<8 | uint16(b[2*k+1])
		}
		for _, r := range utf16.Decode(u) {
			if r == utf8.RuneError || (r >= 0x20 && r < 0x7f) {
				return false
			}
		}
		ascii = false
	}
	return true
}

// quote quotes s for a response text: printable ASCII only, 60 characters
// at most.
func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return strconv.QuoteToASCII(s)
}
