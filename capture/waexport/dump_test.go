package waexport

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/custos-archive/custos/item"
)

func TestDump(t *testing.T) {
	files, _ := filepath.Glob(os.Getenv("DUMP"))
	for _, f := range files {
		fh, _ := os.Open(f)
		res, err := ParseText(fh, f, Options{Owner: item.Participant{Phone: "+15550100"}})
		fh.Close()
		if err != nil {
			fmt.Println("ERR", err)
			continue
		}
		fmt.Printf("=== %s items=%d rejected=%d format=%q assumed=%v chat=%q lines=%d\n", filepath.Base(f), len(res.Items), len(res.Rejected), res.Format, res.OrderAssumed, res.Chat, res.Lines)
		for _, r := range res.Rejected {
			fmt.Println("  REJ", r)
		}
		for _, it := range res.Items {
			if os.Getenv("FULL") != "" {
				b, _ := json.Marshal(it)
				fmt.Println(string(b))
				continue
			}
			to := ""
			for _, p := range it.To {
				to += p.Name + p.Phone + ","
			}
			fmt.Printf("  %s %-10s %-8s from=%s%s to=[%s] %q %v\n", it.Meta["export-line"], it.Kind, it.Conversation.Type, it.From.Name, it.From.Phone, to, clipT(it.Text), it.Meta)
		}
	}
}

func clipT(s string) string {
	if len(s) > 60 {
		return s[:60]
	}
	return s
}
