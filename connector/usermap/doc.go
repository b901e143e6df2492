// Package usermap decides which mailboxes an archived item goes into: it
// reads the user mapping CSV (mobile number → mailbox address, optionally
// with validity dates), normalises phone numbers to E.164, and applies the
// seeds' mapping rule to the participants of an item.
//
// It is pure format and logic: it never touches the store, and it imports only
// the standard library and github.com/nyaruka/phonenumbers. Every value it
// returns is immutable after construction, so a Normalizer or a Table may be
// shared between goroutines.
//
// # The mapping CSV
//
// The first non-blank line is a header. Column names are matched without
// regard to case or surrounding spaces, a UTF-8 byte order mark is ignored,
// and the columns may come in any order:
//
//	phone or External User ID                 required: the mobile number
//	email or Microsoft 365 User Mailbox       required: the mailbox address
//	valid_from                                optional: first moment the mapping holds
//	valid_to                                  optional: last day the mapping holds
//
// The second form is the mapping file of the Microsoft Purview connectors, so
// a file an organisation already has can be uploaded unchanged. Any other
// column is an error.
//
// Each following line maps one number. The number may be written in any
// common way (see Normalizer.Normalize); it is stored in E.164. The address is
// lowercased and must look like an address (local@domain.tld).
//
// valid_from and valid_to are either a date, YYYY-MM-DD, read as UTC, or an
// RFC 3339 timestamp with a zone. A valid_from date means midnight UTC at the
// start of that day. A valid_to date is inclusive: the mapping holds for the
// whole of that day, until midnight UTC at the start of the next. A valid_to
// timestamp is the instant the mapping stops holding (exclusive). An empty
// cell means open-ended. Validity periods are half-open intervals
// [valid_from, end); Entry.ValidTo holds the exclusive end.
//
// Lines whose cells are all empty are skipped. Identical mappings (same
// number, address and period, after normalisation) are kept once. A number
// may map to different addresses only in periods that do not overlap: that is
// how a reassigned number is written. Two mappings of one number to different
// addresses in overlapping periods make the file ambiguous and are an error.
//
// # Errors
//
// Parse returns the first problem it finds as a *CSVError naming the file,
// the line and the column, and saying what to do. Line is 0 only for problems
// of the whole file: an empty file (no header) or a failure to read it.
//
// # The mapping rule
//
// Resolve applies the rule of the seeds to each participant of an item: the
// custom mapping CSV first (the address mapped to the participant's number
// at the item's time); else, when automatic mapping is on, the participant's
// email property. A mapping counts only if it names a mailbox that exists.
// The item goes once into each mailbox so found; participants that map to
// nobody are reported with the reason.
package usermap
