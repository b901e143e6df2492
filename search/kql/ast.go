package kql

import (
	"strconv"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// Node is a node of a parsed query: one of *Word, *Phrase, *Text, *Kind,
// *DateRange, *SizeRange, *HasAttachment, *And, *Or, *Not and *Near.
type Node interface {
	// String prints the node as a canonical S-expression, for
	// custos search --explain and for tests.
	String() string
	// Pos is the byte offset in the query where the node's text begins.
	Pos() int
	node()
}

// Term is free text: a *Word or a *Phrase. Text and Near hold terms.
type Term interface {
	Node
	term()
}

// Field names a property. Its value is the property's name in lower case.
type Field string

// The properties.
const (
	FieldFrom            Field = "from"            // the sender
	FieldTo              Field = "to"              // the recipients
	FieldParticipants    Field = "participants"    // sender or recipients
	FieldSubject         Field = "subject"         // the subject
	FieldBody            Field = "body"            // the body text
	FieldAttachmentNames Field = "attachmentnames" // the attachments' file names
	FieldFolder          Field = "folder"          // the name of the mailbox folder
	FieldMailbox         Field = "mailbox"         // the mailbox address
	FieldKind            Field = "kind"            // what the item is, or its source
	FieldSource          Field = "source"          // the source of the item
	FieldSent            Field = "sent"            // the item's original time
	FieldReceived        Field = "received"        // the time it was archived
	FieldSize            Field = "size"            // the message size in bytes
	FieldHasAttachment   Field = "hasattachment"   // whether it has attachments
)

// textFields are the properties whose values are words and phrases.
var textFields = []Field{FieldFrom, FieldTo, FieldParticipants, FieldSubject, FieldBody,
	FieldAttachmentNames, FieldFolder, FieldMailbox}

// fields lists every property, in the order error messages list them.
var fields = append(append([]Field(nil), textFields...),
	FieldKind, FieldSource, FieldSent, FieldReceived, FieldSize, FieldHasAttachment)

// Word is a free-text word, as typed: case and accents are kept, and it may
// hold the joining punctuation described in the package comment (q3-report,
// alice@corp.example), which the search side splits as it splits indexed
// text. With Prefix it matches any word it begins (the query had Text
// followed by "*").
type Word struct {
	P      int
	Text   string
	Prefix bool
}

// Phrase is the literal text between double quotes, as typed: its words in
// order, adjacent.
type Phrase struct {
	P    int
	Text string
}

// Text restricts a term to a text property: Field is a text property (from,
// to, participants, subject, body, attachmentnames, folder, mailbox) and
// Term is a *Word or a *Phrase. P is the offset of the property name.
type Text struct {
	P     int
	Field Field
	Term  Term
}

// Kind matches items by source and kind, from kind: or source:. An item
// matches when its source is one of Sources (or Sources is empty) and its
// kind is one of Kinds (or Kinds is empty); kind:externaldata leaves both
// empty and matches every item. P is the offset of the property name.
type Kind struct {
	P       int
	Sources []item.Source
	Kinds   []item.Kind
}

// DateRange matches items whose time is in the half-open UTC interval
// [From, To); a nil end is open. Field is FieldSent or FieldReceived; at
// least one end is set and From is before To. P is the offset of the
// property name.
type DateRange struct {
	P        int
	Field    Field
	From, To *time.Time
}

// SizeRange matches items whose size in bytes is in the inclusive interval
// [Min, Max]; a nil end is open. At least one end is set, 0 <= Min <= Max. P
// is the offset of the property name.
type SizeRange struct {
	P        int
	Min, Max *int64
}

// HasAttachment matches items with (Value true) or without attachments. P is
// the offset of the property name.
type HasAttachment struct {
	P     int
	Value bool
}

// And matches what all of Operands match. It has at least two operands,
// none of which is an *And.
type And struct {
	P        int
	Operands []Node
}

// Or matches what any of Operands matches. It has at least two operands,
// none of which is an *Or.
type Or struct {
	P        int
	Operands []Node
}

// Not matches what X does not. P is the offset of NOT or "-" (or of the
// property name, for name<>value).
type Not struct {
	P int
	X Node
}

// Near matches items in which Left and Right occur, in either order, with at
// most Distance words between them. P is the offset of Left.
type Near struct {
	P           int
	Left, Right Term
	Distance    int
}

// Pos returns P.
func (n *Word) Pos() int { return n.P }

// Pos returns P.
func (n *Phrase) Pos() int { return n.P }

// Pos returns P.
func (n *Text) Pos() int { return n.P }

// Pos returns P.
func (n *Kind) Pos() int { return n.P }

// Pos returns P.
func (n *DateRange) Pos() int { return n.P }

// Pos returns P.
func (n *SizeRange) Pos() int { return n.P }

// Pos returns P.
func (n *HasAttachment) Pos() int { return n.P }

// Pos returns P.
func (n *And) Pos() int { return n.P }

// Pos returns P.
func (n *Or) Pos() int { return n.P }

// Pos returns P.
func (n *Not) Pos() int { return n.P }

// Pos returns P.
func (n *Near) Pos() int { return n.P }

func (*Word) node()          {}
func (*Phrase) node()        {}
func (*Text) node()          {}
func (*Kind) node()          {}
func (*DateRange) node()     {}
func (*SizeRange) node()     {}
func (*HasAttachment) node() {}
func (*And) node()           {}
func (*Or) node()            {}
func (*Not) node()           {}
func (*Near) node()          {}

func (*Word) term()   {}
func (*Phrase) term() {}

// String returns (word "text") or, for a prefix, (prefix "text").
func (n *Word) String() string {
	if n.Prefix {
		return "(prefix " + strconv.Quote(n.Text) + ")"
	}
	return "(word " + strconv.Quote(n.Text) + ")"
}

// String returns (phrase "text").
func (n *Phrase) String() string { return "(phrase " + strconv.Quote(n.Text) + ")" }

// String returns (field term), as in (from (word "alice")).
func (n *Text) String() string {
	return "(" + string(n.Field) + " " + str(n.Term) + ")"
}

// String returns (kind k1 k2 … source=s1 …), or (kind any) when both lists
// are empty.
func (n *Kind) String() string {
	var b strings.Builder
	b.WriteString("(kind")
	for _, k := range n.Kinds {
		b.WriteString(" " + string(k))
	}
	for _, s := range n.Sources {
		b.WriteString(" source=" + string(s))
	}
	if len(n.Kinds) == 0 && len(n.Sources) == 0 {
		b.WriteString(" any")
	}
	b.WriteString(")")
	return b.String()
}

// String returns (field [from, to)) with RFC 3339 UTC times, -inf and +inf
// for open ends.
func (n *DateRange) String() string {
	from, to := "-inf", "+inf"
	if n.From != nil {
		from = n.From.UTC().Format(time.RFC3339Nano)
	}
	if n.To != nil {
		to = n.To.UTC().Format(time.RFC3339Nano)
	}
	return "(" + string(n.Field) + " [" + from + ", " + to + "))"
}

// String returns (size [min, max]) in bytes, -inf and +inf for open ends.
func (n *SizeRange) String() string {
	lo, hi := "-inf", "+inf"
	if n.Min != nil {
		lo = strconv.FormatInt(*n.Min, 10)
	}
	if n.Max != nil {
		hi = strconv.FormatInt(*n.Max, 10)
	}
	return "(size [" + lo + ", " + hi + "])"
}

// String returns (hasattachment true) or (hasattachment false).
func (n *HasAttachment) String() string {
	return "(hasattachment " + strconv.FormatBool(n.Value) + ")"
}

// String returns (and x y …), flattening nested ands.
func (n *And) String() string {
	return list("and", n.Operands, andOperands)
}

// String returns (or x y …), flattening nested ors.
func (n *Or) String() string {
	return list("or", n.Operands, orOperands)
}

// String returns (not x).
func (n *Not) String() string { return "(not " + str(n.X) + ")" }

// String returns (near distance left right).
func (n *Near) String() string {
	return "(near " + strconv.Itoa(n.Distance) + " " + str(n.Left) + " " + str(n.Right) + ")"
}

// str prints a node, and a missing one as (nil).
func str(n Node) string {
	if n == nil {
		return "(nil)"
	}
	return n.String()
}

func andOperands(x Node) []Node {
	if a, ok := x.(*And); ok && a != nil {
		return a.Operands
	}
	return nil
}

func orOperands(x Node) []Node {
	if o, ok := x.(*Or); ok && o != nil {
		return o.Operands
	}
	return nil
}

// list prints (op x y …), inlining the operands of operands of the same
// operator.
func list(op string, xs []Node, same func(Node) []Node) string {
	var b strings.Builder
	b.WriteString("(" + op)
	var walk func(xs []Node)
	walk = func(xs []Node) {
		for _, x := range xs {
			if inner := same(x); inner != nil {
				walk(inner)
				continue
			}
			b.WriteString(" " + str(x))
		}
	}
	walk(xs)
	b.WriteString(")")
	return b.String()
}
