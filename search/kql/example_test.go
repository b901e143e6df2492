package kql_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/custos-archive/custos/search/kql"
)

func ExampleParse() {
	opts := kql.Options{Now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}

	n, err := kql.Parse(`price from:(alice OR bob) sent:2026-01-01..2026-01-31 -kind:deleted`, opts)
	if err != nil {
		panic(err)
	}
	fmt.Println(n)

	n, _ = kql.Parse(`"annual report" NEAR(3) 合同 size>1MB received>=yesterday`, opts)
	fmt.Println(n)

	_, err = kql.Parse(`"price from:alice`, opts)
	var e *kql.Error
	if errors.As(err, &e) {
		fmt.Println(e.Pos, e.Column, e.Msg)
	}
	_, err = kql.Parse(`price AND (from:alice OR) `, opts)
	fmt.Println(err)
	// Output:
	// (and (word "price") (or (from (word "alice")) (from (word "bob"))) (sent [2026-01-01T00:00:00Z, 2026-02-01T00:00:00Z)) (not (kind deleted)))
	// (and (near 3 (phrase "annual report") (word "合同")) (size [1048577, +inf]) (received [2026-02-28T00:00:00Z, +inf)))
	// 0 1 unclosed quote: add a closing " to end the phrase
	// column 23: OR needs a term on its right
}
