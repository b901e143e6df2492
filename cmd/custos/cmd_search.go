package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/search"
	"github.com/spf13/cobra"
)

type searchOptions struct {
	mailboxes []string
	explain   bool
	oldest    bool
	limit     int
	page      int
}

func newSearchCmd(g *globals) *cobra.Command {
	var o searchOptions
	cmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search the archive with a KQL query",
		Long: `Search the archived items with a KQL-style query, across all mailboxes or the
ones given with --mailbox. Prints the total count, the counts by mailbox and by
source, and one page of hits, newest first, with highlighted snippets.

  free words and "phrases", prefix*, AND, OR, NOT (or -word), parentheses,
  word NEAR(n) word
  from: to: participants: subject: body: attachmentnames: folder: mailbox:
  kind: whatsapp wechat enterprise-number sms mms call voicemail chat attachment
        file deleted recalled edit reaction location contact system externaldata
  source: whatsapp | wechat | enterprise-number
  sent: received: 2026-01-31, 2026-01-01..2026-01-31, >=2026-01-01, <2026-02-01
  size: >1MB, 10KB..2MB      hasattachment: true|false

Numbers in from:, to: and participants: match however they are written
(+1 202-555-0143, 12025550143, (202) 555-0143 with --region US).

Examples:
  custos search 'price AND from:alice sent:2026-03-01..2026-03-31'
  custos search 'kind:deleted OR kind:recalled' --mailbox alice@corp.example
  custos search '合同' --explain`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSearch(cmd.Context(), g, o, args[0])
		},
	}
	cmd.Flags().StringSliceVar(&o.mailboxes, "mailbox", nil, "search only this mailbox (repeat or separate with commas)")
	cmd.Flags().BoolVar(&o.explain, "explain", false, "print how the query was parsed, without searching")
	cmd.Flags().BoolVar(&o.oldest, "oldest", false, "oldest first")
	cmd.Flags().IntVar(&o.limit, "limit", 20, "hits per page")
	cmd.Flags().IntVar(&o.page, "page", 1, "page of hits to show")
	return cmd
}

func runSearch(ctx context.Context, g *globals, o searchOptions, q string) error {
	norm, err := g.normalizer()
	if err != nil {
		return err
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	eng := search.New(st, norm)
	if o.explain {
		n, _, err := eng.Parse(q)
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(map[string]string{"query": q, "explain": n.String()})
		}
		fmt.Fprintln(g.stdout, n.String())
		return nil
	}
	if o.page < 1 {
		return fmt.Errorf("--page must be 1 or more")
	}
	res, err := eng.Search(ctx, search.Request{Query: q, Mailboxes: o.mailboxes, Oldest: o.oldest, Limit: o.limit, Offset: (o.page - 1) * o.limit, Stats: true})
	object := "archive"
	if len(o.mailboxes) > 0 {
		object = "mailbox:" + strings.Join(o.mailboxes, ",")
	}
	d := map[string]any{"query": q, "mailboxes": o.mailboxes, "page": o.page}
	if res != nil {
		d["total"] = res.Total
	}
	if err := g.record(context.WithoutCancel(ctx), st, audit.Entry{Action: audit.Search, Object: object, Details: d}, err); err != nil {
		return err
	}
	if g.json {
		return g.printJSON(res)
	}
	fmt.Fprintf(g.stdout, "%d hits", res.Total)
	if res.Total > 0 {
		fmt.Fprintf(g.stdout, " (showing %d-%d)", res.Offset+1, res.Offset+len(res.Hits))
	}
	fmt.Fprintln(g.stdout)
	if res.Total == 0 {
		return nil
	}
	fmt.Fprintf(g.stdout, "by source: %s\nby mailbox: %s\n\n", counts(res.BySource), counts(res.ByMailbox))
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tMAILBOX\tFOLDER\tFROM\tSNIPPET")
	for _, h := range res.Hits {
		snip := h.Snippet
		if snip == "" {
			snip = h.Subject
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", h.Time.Format("2006-01-02 15:04"), h.Mailbox, h.Folder, h.From, snip)
	}
	return tw.Flush()
}

func counts(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	var parts []string
	for i, k := range keys {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("… %d more", len(keys)-10))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
