package waexport_test

import (
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/custos-archive/custos/capture/waexport"
	"github.com/custos-archive/custos/item"
)

func ExampleParseText() {
	const export = "[15/03/2024, 09:18:35] Bob Chen: \u200eMessages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share them.\n" +
		"[15/03/2024, 09:19:02] Bob Chen: Can you confirm\n" +
		"the order size?\n" +
		"[15/03/2024, 09:19:40] Dana Lee: Confirmed: 500 <This message was edited>\n" +
		"[15/03/2024, 09:20:11] Bob Chen: \u200eimage omitted\n" +
		"[31/02/2024, 09:21:00] Bob Chen: no such day\n"
	berlin := time.FixedZone("CET", 3600)
	res, err := waexport.ParseText(strings.NewReader(export), "WhatsApp Chat - Bob Chen.txt", waexport.Options{
		Owner:    item.Participant{Name: "Dana Lee", Phone: "+4915234567890"},
		Location: berlin,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Format, res.Chat)
	for _, it := range res.Items {
		fmt.Printf("%s %-10s %-9s %q", it.Time.Format(time.RFC3339), it.Kind, it.From.Name, it.Text)
		if m := it.Meta["media"]; m != "" {
			fmt.Print(" media ", m)
		}
		fmt.Println()
	}
	for _, r := range res.Rejected {
		fmt.Println(r)
	}
	// Output:
	// [dd/mm/yyyy, HH:mm:ss] Bob Chen
	// 2024-03-15T09:18:35+01:00 system     Bob Chen  "Messages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share them."
	// 2024-03-15T09:19:02+01:00 chat       Bob Chen  "Can you confirm\nthe order size?"
	// 2024-03-15T09:19:40+01:00 edit       Dana Lee  "Confirmed: 500"
	// 2024-03-15T09:20:11+01:00 attachment Bob Chen  "image omitted" media omitted
	// WhatsApp Chat - Bob Chen.txt:6: date 31/02/2024 does not exist (read as day/month/year)
}
