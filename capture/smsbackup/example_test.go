package smsbackup_test

import (
	"fmt"
	"strings"

	"github.com/custos-archive/custos/capture/smsbackup"
	"github.com/custos-archive/custos/item"
)

func ExampleParse() {
	backup := `<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<smses count="3">
  <sms protocol="0" address="+12025550143" date="1772445600000" type="1" body="Can you send the price?" contact_name="Alice Martin" />
  <sms protocol="0" address="+12025550143" date="abc" type="2" body="broken date" />
  <sms protocol="0" address="+12025550143" date="1772445660000" type="2" body="Sending it now." contact_name="Alice Martin" />
</smses>`
	o := smsbackup.Options{Owner: item.Participant{Phone: "+12025550100", Email: "dana@corp.example"}}
	st, err := smsbackup.Parse(strings.NewReader(backup), "sms-20260302.xml", o, func(it *item.Item) error {
		fmt.Printf("%s %s → %s: %s\n", it.Time.Format("15:04"), it.From.Phone, it.To[0].Phone, it.Text)
		return nil // a capture service stores the item here
	})
	if err != nil {
		fmt.Println("incomplete:", err)
	}
	fmt.Printf("%d sms, %d rejected\n", st.SMS, st.RejectedCount)
	for _, r := range st.Rejected {
		fmt.Println(r)
	}
	// Output:
	// 10:00 +12025550143 → +12025550100: Can you send the price?
	// 10:01 +12025550100 → +12025550143: Sending it now.
	// 2 sms, 1 rejected
	// sms-20260302.xml:4: <sms> skipped: date="abc": not a number (want epoch milliseconds)
}
