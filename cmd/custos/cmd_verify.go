package main

import (
	"context"
	"fmt"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/store"
	"github.com/spf13/cobra"
)

func newVerifyCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Check that every archived message is as it was archived",
		Long: `Render every archived item (those in the recoverable stage too) from its stored
form and its attachments' bytes, and check the message against the size and
SHA-256 recorded when it was archived. Reports each item whose stored message,
item or attachment is damaged, missing or changed, and goes on.

Exit status 1 when an item is not as archived. Recorded in the audit log.
(The audit log itself is checked by 'custos audit verify'.)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVerify(cmd.Context(), g)
		},
	}
}

func runVerify(ctx context.Context, g *globals) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.Counts(ctx)
	if err != nil {
		return err
	}
	progress, done := g.progress(c.Items, "verifying")
	problems := []store.ItemProblem{}
	n, err := st.VerifyItems(ctx, progress, func(p store.ItemProblem) { problems = append(problems, p) })
	done()
	e := audit.Entry{Action: audit.ItemsVerify, Object: "archive", Details: map[string]any{"checked": n, "problems": len(problems)}}
	if len(problems) > 0 {
		e.Outcome = audit.Failure
		e.Details = map[string]any{"checked": n, "problems": len(problems), "first": problems[0]}
	}
	if err := g.record(context.WithoutCancel(ctx), st, e, err); err != nil {
		return err
	}
	if g.json {
		if err := g.printJSON(map[string]any{"checked": n, "problems": problems}); err != nil {
			return err
		}
	} else {
		for _, p := range problems {
			fmt.Fprintf(g.stdout, "item %d (%s %s): %s\n", p.ItemID, p.Source, p.SourceID, p.Problem)
		}
		if len(problems) == 0 {
			fmt.Fprintf(g.stdout, "checked %d items: every message is as archived\n", n)
		} else {
			fmt.Fprintf(g.stdout, "checked %d items: %d not as archived\n", n, len(problems))
		}
	}
	if len(problems) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d items are not as archived", len(problems))}
	}
	return nil
}
