// Package kql parses Custos's content-search queries, a KQL dialect
// compatible with what Microsoft Purview Content Search users type, into a
// small, typed syntax tree. It is pure: no I/O, no clock (the current time
// comes in Options), no database. Package search compiles the tree to the
// index's language.
//
// # Grammar
//
//	query    = or
//	or       = and { "OR" and }
//	and      = unary { ["AND"] unary }          adjacent terms are ANDed
//	unary    = ("NOT" | "-") unary | near
//	near     = primary [ ("NEAR" | "NEAR(" n ")") primary ]
//	primary  = word | word "*" | phrase | "(" or ")" | property
//	property = name op value | name op "(" values ")"
//	op       = ":" | "=" | "<" | "<=" | ">" | ">=" | "<>"
//
// Precedence, tightest first: NEAR, NOT (and a leading "-"), AND (explicit
// or implicit), OR. Keywords are upper case only: "and", "or", "not" and
// "near" are plain words. NEAR joins two free words or phrases; its default
// distance is 5. NOT may stand alone (NOT spam, -spam) anywhere, also at the
// top level. "x NOT y" means x AND NOT y.
//
// # Words
//
// A word is a run of letters, digits and combining marks (any script: café,
// عقد and 合同已经 are single words; CJK runs are split by the search side),
// joined by the characters ' ’ - . _ @ + and ZWJ/ZWNJ where a letter, digit or
// mark follows them: q3-report, alice@corp.example, 4.35 and don't are one
// word each. A word may begin with "+" when a digit follows (+1555-0100). Any
// other character — punctuation such as , ; ! ? / # &, symbols and emoji — only
// separates words, as in Purview. Words keep the case and accents they were
// typed with; the search side folds them.
//
// A word followed directly by "*" is a prefix (pric*). A "*" anywhere else
// (leading, inside a word, after or inside a phrase) is an error.
//
// # Phrases
//
// A phrase is text between double quotes; the typographic quotes “ and ” are
// accepted too, and any of the three closes a phrase. A phrase is literal
// (10:30 or http://x are fine inside it) and has no escapes; it must contain
// a letter or digit and no "*".
//
// # Properties
//
// A word followed directly by one of the operators is a property
// restriction; property names are case-insensitive and unknown names are an
// error (quote the text to search for "10:30" or "http://x" as text):
//
//	from to participants subject body attachmentnames folder mailbox
//	                  a word, a prefix word* or a "phrase"        → *Text
//	kind source       a kind or source name (below)                → *Kind
//	sent received     a date, date..date, today, yesterday         → *DateRange
//	size              bytes with optional KB, MB, GB (1024-based)  → *SizeRange
//	hasattachment     true, false, yes, no                         → *HasAttachment
//
// The value of a text property is a word (or prefix word) or a phrase, as in
// free text. The value of any other property is everything up to white
// space, a parenthesis or a quote, so 2026-01-31T09:15:00Z, 1/31/2026 and
// 10KB..2MB need no quotes (quotes are accepted too).
//
// Text, kind, source and hasattachment take ":", "=" (the same) and "<>".
// Dates and sizes take every operator; a range a..b takes ":" or "=". "<>"
// is NOT of "=". A parenthesised group of values distributes the property
// over them: from:(alice OR bob) is (from:alice OR from:bob), and
// size>(1MB OR 2KB) is (size>1MB OR size>2KB); from<>(a OR b) is NOT
// (from:a OR from:b). A group holds values, AND, OR, NOT, "-" and nested
// groups, but no properties and no NEAR.
//
// kind: takes whatsapp, wechat and enterprise-number (items of that
// source), externaldata (every item: in Purview, what data connectors
// archived), call (a chat-app call, a phone call log or a call recording),
// voicemail (a call recording), and the item kinds sms, mms, chat,
// attachment, file, deleted, recalled, edit, reaction, location, contact,
// system, call_log and voice_recording. source: takes whatsapp, wechat and
// enterprise-number. Both are case-insensitive and resolve to a *Kind with
// the item sources and kinds they match.
//
// Dates are 2026-01-31, 1/31/2026 (US month/day/year, as Purview accepts),
// RFC 3339 times such as 2026-01-31T09:15:00Z, and today and yesterday (the
// UTC day of Options.Now). A date means its whole UTC day, a time its whole
// second (or its smallest written fraction); comparisons resolve to a
// half-open UTC interval [From, To): sent>=d is [d, ∞), sent>d is [d+1day, ∞),
// sent<d is (-∞, d), sent<=d is (-∞, d+1day), sent:a..b is [a, b+1day).
//
// Sizes resolve to an inclusive interval of whole bytes [Min, Max]; a value
// with a fraction (1.5MB) is exact, and rounds inwards: size>1.3KB is
// [1332, ∞), size<1.3KB is (-∞, 1331]. size:v and size=v need a whole number
// of bytes.
//
// # Limits and errors
//
// Queries longer than MaxLen bytes or nesting parentheses and NOTs deeper
// than MaxDepth are refused. Every error is an *Error with the byte offset
// and the 1-based column (in characters) of what is wrong.
package kql

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// MaxLen is the longest query Parse accepts, in bytes.
const MaxLen = 10000

// MaxDepth is how deeply Parse lets parentheses, property groups, NOT and
// "-" nest.
const MaxDepth = 100

// DefaultNear is the distance of a NEAR without a number.
const DefaultNear = 5

// MaxNear is the largest distance NEAR(n) accepts.
const MaxNear = 1000

// Options are the inputs of Parse beyond the query.
type Options struct {
	// Now is the current time; today and yesterday are the UTC days of
	// Now and of the day before. When it is zero they are an error.
	Now time.Time
}

// Error is a query that cannot be parsed, and where.
type Error struct {
	Pos    int    // byte offset in the query, 0 <= Pos <= len(query)
	Column int    // 1-based, counted in characters (runes)
	Msg    string // what is wrong, and what was expected
}

// Error returns "column N: message".
func (e *Error) Error() string {
	return fmt.Sprintf("column %d: %s", e.Column, e.Msg)
}

// errorAt returns an *Error for the byte offset pos of q.
func errorAt(q string, pos int, format string, args ...any) *Error {
	if pos < 0 {
		pos = 0
	}
	if pos > len(q) {
		pos = len(q)
	}
	for pos > 0 && pos < len(q) && !utf8.RuneStart(q[pos]) {
		pos--
	}
	return &Error{Pos: pos, Column: utf8.RuneCountInString(q[:pos]) + 1, Msg: fmt.Sprintf(format, args...)}
}

// column returns the 1-based column of byte offset pos in q.
func column(q string, pos int) int {
	return utf8.RuneCountInString(q[:pos]) + 1
}

// Parse parses the query q. The result is never nil when the error is nil;
// the error is always an *Error.
func Parse(q string, o Options) (Node, error) {
	if len(q) > MaxLen {
		return nil, errorAt(q, MaxLen, "the query is too long: %d bytes, at most %d", len(q), MaxLen)
	}
	for i, r := range q {
		if r == utf8.RuneError {
			if _, w := utf8.DecodeRuneInString(q[i:]); w == 1 {
				return nil, errorAt(q, i, "invalid UTF-8 byte 0x%02x", q[i])
			}
		}
	}
	p := &parser{q: q, now: o.Now}
	n, err := p.parse()
	if err != nil {
		return nil, err
	}
	return n, nil
}
