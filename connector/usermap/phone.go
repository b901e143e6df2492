package usermap

import (
	"fmt"
	"unicode/utf8"

	"github.com/custos-archive/custos/phone"
)

// Normalizer turns numbers into E.164; see package phone.
type Normalizer = phone.Normalizer

// NewNormalizer returns a Normalizer with a default region; see package phone.
func NewNormalizer(defaultRegion string) (*Normalizer, error) {
	return phone.NewNormalizer(defaultRegion)
}

// ErrNotPhone is matched by every error Normalize returns.
var ErrNotPhone = phone.ErrNotPhone

// quoteInput quotes s for an error message, cut at 40 characters.
func quoteInput(s string) string {
	const limit = 40
	if utf8.RuneCountInString(s) <= limit {
		return fmt.Sprintf("%q", s)
	}
	r := []rune(s)
	return fmt.Sprintf("%q…", string(r[:limit]))
}
