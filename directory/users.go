// Package directory reads the users file operators import into the
// directory: a CSV with the columns email,name,phones, phones separated by
// ';'. It is a pure format package: it never touches the store.
package directory

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/custos-archive/custos/connector/usermap"
)

// User is one row of a users file.
type User struct {
	Line   int      `json:"line"`
	Email  string   `json:"email"`
	Name   string   `json:"name"`
	Phones []string `json:"phones"` // E.164
}

// Error is a problem with a users file, naming the line and field.
type Error struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s:%d", e.File, e.Line)
	if e.Field != "" {
		s += fmt.Sprintf(": field %q", e.Field)
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ParseUsers reads a users file. The header must name the columns email and
// name, and may name phones; their order is free. Numbers are normalised to
// E.164 with n. The whole file is checked: the first problem is returned,
// naming file, line and field, and no user is returned with it.
func ParseUsers(r io.Reader, file string, n *usermap.Normalizer) ([]User, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	fail := func(line int, field string, err error) error {
		return &Error{File: file, Line: line, Field: field, Err: err}
	}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fail(1, "", errors.New("the file is empty; the first line must be the header email,name,phones"))
	}
	if err != nil {
		return nil, csvError(file, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "email", "name", "phones":
			if _, dup := col[h]; dup {
				return nil, fail(1, h, errors.New("column given twice"))
			}
			col[h] = i
		default:
			return nil, fail(1, h, errors.New("unknown column (want email,name,phones)"))
		}
	}
	for _, need := range []string{"email", "name"} {
		if _, ok := col[need]; !ok {
			return nil, fail(1, need, errors.New("missing column (want email,name,phones)"))
		}
	}
	var users []User
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(header) {
			return nil, fail(line, "", fmt.Errorf("%d fields, the header has %d", len(rec), len(header)))
		}
		u := User{Line: line}
		u.Email = strings.ToLower(strings.TrimSpace(rec[col["email"]]))
		if at := strings.LastIndexByte(u.Email, '@'); at <= 0 || at == len(u.Email)-1 || strings.ContainsAny(u.Email, " <>,;\"") {
			return nil, fail(line, "email", fmt.Errorf("%q is not an email address", u.Email))
		}
		if prev, dup := seen[u.Email]; dup {
			return nil, fail(line, "email", fmt.Errorf("%s is already on line %d", u.Email, prev))
		}
		seen[u.Email] = line
		u.Name = strings.TrimSpace(rec[col["name"]])
		if u.Name == "" {
			return nil, fail(line, "name", errors.New("empty"))
		}
		if i, ok := col["phones"]; ok {
			for _, raw := range strings.Split(rec[i], ";") {
				if strings.TrimSpace(raw) == "" {
					continue
				}
				p, _, err := n.Normalize(raw)
				if err != nil {
					return nil, fail(line, "phones", err)
				}
				u.Phones = append(u.Phones, p)
			}
		}
		users = append(users, u)
	}
	return users, nil
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: file, Line: pe.Line, Err: fmt.Errorf("malformed CSV at column %d: %v", pe.Column, pe.Err)}
	}
	return fmt.Errorf("reading %s: %w", file, err)
}
