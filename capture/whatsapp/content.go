package whatsapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/custos-archive/custos/item"
)

// card is a contact card of a contacts message.
type card struct {
	Name *struct {
		FormattedName string `json:"formatted_name"`
		FirstName     string `json:"first_name"`
		MiddleName    string `json:"middle_name"`
		LastName      string `json:"last_name"`
		Prefix        string `json:"prefix"`
		Suffix        string `json:"suffix"`
	} `json:"name"`
	Phones []struct {
		Phone string `json:"phone"`
		WaID  string `json:"wa_id"`
		Type  string `json:"type"`
	} `json:"phones"`
	Emails []struct {
		Email string `json:"email"`
		Type  string `json:"type"`
	} `json:"emails"`
	Org *struct {
		Company    string `json:"company"`
		Department string `json:"department"`
		Title      string `json:"title"`
	} `json:"org"`
	URLs []struct {
		URL  string `json:"url"`
		Type string `json:"type"`
	} `json:"urls"`
	Addresses []struct {
		Street      string `json:"street"`
		City        string `json:"city"`
		State       string `json:"state"`
		Zip         string `json:"zip"`
		Country     string `json:"country"`
		CountryCode string `json:"country_code"`
		Type        string `json:"type"`
	} `json:"addresses"`
	Birthday string `json:"birthday"`
}

// cardsText writes contact cards as readable text, one block per card:
//
//	Chandler Bing
//	phone (CELL): +1 555-555-5555, WhatsApp 972987654321
//	email (WORK): chandler@example.com
func cardsText(cards []card) string {
	var b strings.Builder
	for i, c := range cards {
		if i > 0 {
			b.WriteString("\n\n")
		}
		name := ""
		if c.Name != nil {
			n := c.Name
			name = firstNonEmpty(strings.TrimSpace(n.FormattedName), joinNonEmpty(" ", n.Prefix, n.FirstName, n.MiddleName, n.LastName, n.Suffix))
		}
		if name == "" {
			name = "(no name)"
		}
		b.WriteString(name)
		line := func(label, typ, v string) {
			if v = strings.TrimSpace(v); v == "" {
				return
			}
			b.WriteString("\n")
			b.WriteString(label)
			if typ != "" {
				b.WriteString(" (" + typ + ")")
			}
			b.WriteString(": ")
			b.WriteString(v)
		}
		for _, p := range c.Phones {
			v := p.Phone
			if p.WaID != "" {
				v = joinNonEmpty(", ", v, "WhatsApp "+p.WaID)
			}
			line("phone", p.Type, v)
		}
		for _, e := range c.Emails {
			line("email", e.Type, e.Email)
		}
		if c.Org != nil {
			line("organisation", "", joinNonEmpty(", ", c.Org.Company, c.Org.Department, c.Org.Title))
		}
		for _, u := range c.URLs {
			line("url", u.Type, u.URL)
		}
		for _, a := range c.Addresses {
			line("address", a.Type, joinNonEmpty(", ", a.Street, a.City, joinNonEmpty(" ", a.State, a.Zip), firstNonEmpty(a.Country, a.CountryCode)))
		}
		line("birthday", "", c.Birthday)
	}
	return b.String()
}

// order is the object of an order message: products from a catalog.
type order struct {
	CatalogID    string `json:"catalog_id"`
	Text         string `json:"text"`
	ProductItems []struct {
		ProductRetailerID string          `json:"product_retailer_id"`
		Quantity          json.RawMessage `json:"quantity"`
		ItemPrice         json.RawMessage `json:"item_price"`
		Currency          string          `json:"currency"`
	} `json:"product_items"`
}

// orderText writes an order as text: a heading, one line per product, then
// the customer's text.
func orderText(o *order) string {
	var b strings.Builder
	b.WriteString("[order")
	if o.CatalogID != "" {
		b.WriteString(" from catalog " + o.CatalogID)
	}
	b.WriteString("]")
	for _, p := range o.ProductItems {
		b.WriteString("\n")
		if q := rawText(p.Quantity); q != "" {
			b.WriteString(q + " × ")
		}
		b.WriteString(p.ProductRetailerID)
		if price := rawText(p.ItemPrice); price != "" {
			b.WriteString(" at " + joinNonEmpty(" ", price, p.Currency))
		}
	}
	if o.Text != "" {
		b.WriteString("\n")
		b.WriteString(o.Text)
	}
	return b.String()
}

// interactiveText reads an interactive reply: the user tapped a reply
// button (button_reply), chose from a list (list_reply) or completed a
// flow (nfm_reply). The text is what the user chose or answered.
func interactiveText(it *item.Item, raw json.RawMessage, path string) error {
	var in struct {
		Type        string `json:"type"`
		ButtonReply *struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"button_reply"`
		ListReply *struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"list_reply"`
		NfmReply *struct {
			Name         string `json:"name"`
			Body         string `json:"body"`
			ResponseJSON string `json:"response_json"`
		} `json:"nfm_reply"`
	}
	if err := decodeAt(raw, path, &in); err != nil {
		return err
	}
	it.Kind = item.Chat
	typ := strings.TrimSpace(in.Type)
	if typ == "" {
		return &ParseError{path + ".type", "missing (button_reply, list_reply, nfm_reply, …)"}
	}
	it.Meta["interactive-type"] = typ
	switch {
	case typ == "button_reply" && in.ButtonReply != nil:
		it.Text = in.ButtonReply.Title
		if in.ButtonReply.ID != "" {
			it.Meta["reply-id"] = in.ButtonReply.ID
		}
	case typ == "list_reply" && in.ListReply != nil:
		it.Text = joinNonEmpty("\n", in.ListReply.Title, in.ListReply.Description)
		if in.ListReply.ID != "" {
			it.Meta["reply-id"] = in.ListReply.ID
		}
	case typ == "nfm_reply" && in.NfmReply != nil:
		n := in.NfmReply
		if n.Name != "" {
			it.Meta["flow-name"] = n.Name
		}
		head := "[flow reply"
		if n.Name != "" && n.Name != "flow" {
			head += " " + n.Name
		}
		head += "]"
		it.Text = joinNonEmpty("\n", head+" "+n.Body, flowResponse(n.ResponseJSON))
	default:
		// Another kind of interactive message: kept whole as text.
		var fields map[string]json.RawMessage
		if err := decodeAt(raw, path, &fields); err != nil {
			return err
		}
		it.Text = "[interactive " + typ + "]"
		if obj, ok := fields[typ]; ok {
			it.Text += "\n" + compactJSON(obj)
		}
	}
	return nil
}

// flowResponse writes the response_json of a completed flow (a JSON
// string) as "key: value" lines, in the order the flow gave them. A
// response that is not a JSON object is written as it came.
func flowResponse(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "response: " + s
	}
	var b strings.Builder
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "response: " + s
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "response: " + s
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(key + ": " + rawText(bytes.TrimSpace(v)))
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return "response: " + s
	}
	if _, err := dec.Token(); err == nil {
		// Something after the object.
		return "response: " + s
	}
	if b.Len() == 0 {
		return fmt.Sprintf("response: %s", s)
	}
	return b.String()
}
