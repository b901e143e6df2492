package usermap

import (
	"testing"
	"time"
)

func TestLookupReassignedNumber(t *testing.T) {
	// +12025550143 belonged to alice until the end of 30 June 2024 (valid_to
	// is inclusive) and to bob from 1 July. +12025550199 went from carol to
	// erin at noon on 31 December, given as timestamps.
	tab := parseFile(t, "US", "validity.csv")
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		newYork = time.FixedZone("EDT", -4*3600)
	}
	tests := []struct {
		phone string
		at    time.Time
		want  string // "" for no mapping
	}{
		{"+12025550143", time.Date(2022, 12, 31, 23, 59, 59, 999999999, time.UTC), ""},
		{"+12025550143", time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), "alice@corp.example"},
		{"+12025550143", time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC), "alice@corp.example"},
		{"+12025550143", time.Date(2024, 6, 30, 23, 59, 59, 999999999, time.UTC), "alice@corp.example"},
		{"+12025550143", time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), "bob@corp.example"},
		{"+12025550143", time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), "bob@corp.example"},
		// The boundary is midnight UTC whatever the zone of the instant:
		// 30 June 20:30 in New York is 1 July 00:30 UTC.
		{"+12025550143", time.Date(2024, 6, 30, 19, 30, 0, 0, newYork), "alice@corp.example"},
		{"+12025550143", time.Date(2024, 6, 30, 20, 30, 0, 0, newYork), "bob@corp.example"},
		{"+12025550199", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), "carol@corp.example"},
		{"+12025550199", time.Date(2024, 12, 31, 11, 59, 59, 0, time.UTC), "carol@corp.example"},
		{"+12025550199", time.Date(2024, 12, 31, 12, 0, 0, 0, time.UTC), "erin@corp.example"},
		{"+12025550177", time.Date(2024, 3, 1, 7, 59, 59, 0, time.UTC), ""},
		{"+12025550177", time.Date(2024, 3, 1, 9, 0, 0, 0, time.FixedZone("CET", 3600)), "dan@corp.example"},
		{"+12025550100", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), ""},
		{"2025550143", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), ""}, // not E.164
	}
	for _, tt := range tests {
		got, ok := tab.Lookup(tt.phone, tt.at)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Lookup(%s, %s) = %q, %v; want %q", tt.phone, tt.at.Format(time.RFC3339Nano), got, ok, tt.want)
		}
	}
}

func TestLookupWithoutDates(t *testing.T) {
	tab := parseFile(t, "US", "phone_email.csv")
	for _, at := range []time.Time{{}, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Now(), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if got, ok := tab.Lookup("+12025550199", at); !ok || got != "bob@corp.example" {
			t.Errorf("Lookup at %v = %q, %v", at, got, ok)
		}
	}
}

func TestNilTable(t *testing.T) {
	var tab *Table
	if got, ok := tab.Lookup("+12025550143", time.Now()); ok || got != "" {
		t.Errorf("nil Lookup = %q, %v", got, ok)
	}
	if tab.Len() != 0 || tab.Entries() != nil {
		t.Errorf("nil table is not empty")
	}
}

func TestEntriesAreCopies(t *testing.T) {
	tab := parseFile(t, "US", "validity.csv")
	es := tab.Entries()
	*es[0].ValidTo = es[0].ValidTo.AddDate(10, 0, 0)
	es[0].Email = "mallory@corp.example"
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if got, _ := tab.Lookup("+12025550143", at); got != "bob@corp.example" {
		t.Errorf("changing Entries changed the table: Lookup = %q", got)
	}
	if again := tab.Entries(); again[0].Email != "alice@corp.example" || !again[0].ValidTo.Equal(*day(2024, 7, 1)) {
		t.Errorf("changing Entries changed the table: %v", showEntries(again[:1]))
	}
}
