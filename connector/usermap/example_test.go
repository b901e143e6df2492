package usermap_test

import (
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/custos-archive/custos/connector/usermap"
)

func ExampleParse() {
	// A number that went from Alice to Bob at the end of June.
	const mapping = `phone,email,valid_from,valid_to
+1 202-555-0143,Alice@Corp.Example,,2024-06-30
(202) 555-0143,bob@corp.example,2024-07-01,
`
	n, err := usermap.NewNormalizer("US")
	if err != nil {
		log.Fatal(err)
	}
	table, err := usermap.Parse(strings.NewReader(mapping), "map.csv", n)
	if err != nil {
		log.Fatal(err)
	}
	for _, at := range []string{"2024-06-30T23:59:00Z", "2024-07-01T00:00:00Z"} {
		t, _ := time.Parse(time.RFC3339, at)
		email, ok := table.Lookup("+12025550143", t)
		fmt.Println(at, email, ok)
	}
	// Output:
	// 2024-06-30T23:59:00Z alice@corp.example true
	// 2024-07-01T00:00:00Z bob@corp.example true
}

func ExampleParse_error() {
	const mapping = "phone,email\n+12025550143,alice@corp.example\nabc,bob@corp.example\n"
	_, err := usermap.Parse(strings.NewReader(mapping), "map.csv", nil)
	fmt.Println(err)
	// Output:
	// map.csv:3: field "phone": "abc" is not a phone number: it contains letters (extensions and vanity numbers are not supported); write digits only, with the country code, e.g. +12025550143
}

func ExampleNormalizer_Normalize() {
	n, err := usermap.NewNormalizer("GB")
	if err != nil {
		log.Fatal(err)
	}
	for _, raw := range []string{"+44 20 7946 0958", "020 7946 0958", "0044 20 7946 0958", "12025550143"} {
		e164, assumed, err := n.Normalize(raw)
		fmt.Println(e164, assumed, err)
	}
	// Output:
	// +442079460958 false <nil>
	// +442079460958 true <nil>
	// +442079460958 false <nil>
	// +12025550143 false <nil>
}

func ExampleResolve() {
	n, _ := usermap.NewNormalizer("US")
	table, err := usermap.Parse(strings.NewReader("phone,email\n+12025550143,alice@corp.example\n"), "map.csv", n)
	if err != nil {
		log.Fatal(err)
	}
	mailboxes := map[string]bool{"alice@corp.example": true, "dave@corp.example": true}
	res := usermap.Resolve(time.Now(), []usermap.Participant{
		{Name: "Alice", Phone: "+12025550143"},
		{Name: "Dave", Phone: "+12025550111", Email: "Dave@Corp.Example"},
		{Name: "Partner", Phone: "+12025550100", Email: "ext@partner.example"},
	}, usermap.Options{
		Table:         table,
		Auto:          true,
		MailboxExists: func(a string) bool { return mailboxes[a] },
	})
	fmt.Println(res.Mailboxes)
	for _, m := range res.Unmapped {
		fmt.Println(m.Reason)
	}
	// Output:
	// [alice@corp.example dave@corp.example]
	// +12025550100: not in the mapping CSV; email property ext@partner.example names no mailbox
}
