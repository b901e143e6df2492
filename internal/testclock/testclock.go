// Package testclock gives tests a clock that can be moved to another date,
// so that a suite can prove it passes whatever day it runs.
//
// CUSTOS_TEST_NOW (RFC 3339, or a date as 2006-01-02) sets the moment the
// clock shows when the test binary starts; from there it runs on with the
// wall clock, so timeouts and heartbeats behave as usual. Unset, the clock
// is the wall clock.
package testclock

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// Env is the variable that moves the clock.
const Env = "CUSTOS_TEST_NOW"

var (
	once   sync.Once
	offset time.Duration
	err    error
)

func load() {
	v := os.Getenv(Env)
	if v == "" {
		return
	}
	t, e := time.Parse(time.RFC3339, v)
	if e != nil {
		t, e = time.Parse(time.DateOnly, v)
	}
	if e != nil {
		err = fmt.Errorf("%s=%q: want RFC 3339 or YYYY-MM-DD: %w", Env, v, e)
		return
	}
	offset = time.Until(t)
}

// Now is the test clock: the wall clock moved by CUSTOS_TEST_NOW. A value
// that does not parse panics, so a mistyped date cannot pass as today.
func Now() time.Time {
	once.Do(load)
	if err != nil {
		panic(err)
	}
	return time.Now().Add(offset)
}
