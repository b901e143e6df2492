package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/custos-archive/custos/compliance"
	"github.com/custos-archive/custos/compliance/retention"
	"github.com/custos-archive/custos/item"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const retentionHelp = `A retention policy retains items for N days, deletes them after N days, or
retains them for N days and then deletes them; N counts from the item's sent
time. Its scope is the whole archive (the default), one source (--source), one
folder name (--folder) or chosen mailboxes (--mailbox).

Where several policies apply to an item, the principles of retention decide:
  1. a hold beats any deletion;
  2. retention beats deletion: an item is not deleted before every retention
     that applies to it has run out;
  3. the longest retention wins;
  4. for deletion, the most explicit scope wins (chosen mailboxes, then a
     source or folder, then the whole archive), and among those the shortest.

A deletion moves the item to the recoverable stage ('custos recover' brings it
back); it is purged for good once it has been there for the recovery period
('custos retention recovery-period'), unless a hold or a retention covers it.
Policies are applied by the sweeper: 'custos serve' runs it daily, and
'custos retention run' runs it now (--dry-run shows what it would do and why).`

func newRetentionCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Retention policies, the sweeper that applies them, and the recovery period",
		Long:  retentionHelp,
	}
	policy := &cobra.Command{
		Use:   "policy",
		Short: "Add, list, change and remove retention policies",
		Long:  retentionHelp,
	}
	var add policyFlags
	addCmd := &cobra.Command{
		Use:   "add NAME --action retain|delete|retain-delete --days N [--source S | --folder F | --mailbox EMAIL...]",
		Short: "Add a retention policy",
		Long: `Add a retention policy named NAME. Examples:

  custos retention policy add books-and-records --action retain --days 2190
  custos retention policy add chats --action delete --days 365 --source whatsapp
  custos retention policy add traders --action retain-delete --days 2555 --mailbox alice@corp.example`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicyAdd(cmd.Context(), g, args[0], add)
		},
	}
	add.register(addCmd.Flags(), true)
	addCmd.MarkFlagRequired("action")
	addCmd.MarkFlagRequired("days")

	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List the retention policies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicyList(cmd.Context(), g)
		},
	}
	var upd policyFlags
	updCmd := &cobra.Command{
		Use:   "update ID|NAME [--name NEW] [--action A] [--days N] [--all | --source S | --folder F | --mailbox EMAIL...]",
		Short: "Change a retention policy",
		Long: `Change a retention policy: only what is given changes. The change applies from
the next sweep; items it had already deleted stay in the recoverable stage.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicyUpdate(cmd.Context(), g, args[0], upd, cmd.Flags())
		},
	}
	upd.register(updCmd.Flags(), false)
	rmCmd := &cobra.Command{
		Use:   "remove ID|NAME",
		Short: "Remove a retention policy",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicyRemove(cmd.Context(), g, args[0])
		},
	}
	policy.AddCommand(addCmd, listCmd, updCmd, rmCmd)
	cmd.AddCommand(policy, newRetentionRunCmd(g), newRecoveryPeriodCmd(g))
	return cmd
}

// policyFlags are the flags that describe a policy.
type policyFlags struct {
	name      string
	action    string
	days      int
	all       bool
	source    string
	folder    string
	mailboxes []string
}

func (f *policyFlags) register(fs *pflag.FlagSet, adding bool) {
	if !adding {
		fs.StringVar(&f.name, "name", "", "new name")
		fs.BoolVar(&f.all, "all", false, "scope: the whole archive")
	}
	fs.StringVar(&f.action, "action", "", "retain, delete or retain-delete")
	fs.IntVar(&f.days, "days", 0, "number of days, counted from each item's sent time")
	fs.StringVar(&f.source, "source", "", "scope: items of this source (whatsapp, wechat, enterprise-number)")
	fs.StringVar(&f.folder, "folder", "", `scope: items in folders of this name, e.g. "WhatsApp Archiver"`)
	fs.StringSliceVar(&f.mailboxes, "mailbox", nil, "scope: items in these mailboxes (repeat or separate with commas)")
}

// scope returns the scope the flags give, and whether they give one.
func (f *policyFlags) scope() (retention.Scope, bool, error) {
	n := 0
	for _, set := range []bool{f.all, f.source != "", f.folder != "", len(f.mailboxes) > 0} {
		if set {
			n++
		}
	}
	if n > 1 {
		return retention.Scope{}, false, fmt.Errorf("give one scope: --all, --source, --folder or --mailbox")
	}
	switch {
	case f.source != "":
		src, err := item.ParseSource(f.source)
		if err != nil {
			return retention.Scope{}, false, fmt.Errorf("--source: %w", err)
		}
		return retention.Scope{Kind: retention.Source, Source: src}, true, nil
	case f.folder != "":
		return retention.Scope{Kind: retention.Folder, Folder: f.folder}, true, nil
	case len(f.mailboxes) > 0:
		return retention.Scope{Kind: retention.Mailboxes, Mailboxes: f.mailboxes}, true, nil
	}
	return retention.Scope{Kind: retention.All}, f.all, nil
}

func runPolicyAdd(ctx context.Context, g *globals, name string, f policyFlags) error {
	act, err := retention.ParseAction(f.action)
	if err != nil {
		return fmt.Errorf("--action: %w", err)
	}
	sc, _, err := f.scope()
	if err != nil {
		return err
	}
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := svc.AddPolicy(ctx, g.actorName(), retention.Policy{Name: name, Action: act, Days: f.days, Scope: sc})
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(p)
	}
	fmt.Fprintf(g.stdout, "added %s\n", p)
	return nil
}

func runPolicyList(ctx context.Context, g *globals) error {
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ps, err := svc.Policies(ctx)
	if err != nil {
		return err
	}
	days, err := svc.RecoveryDays(ctx)
	if err != nil {
		return err
	}
	if g.json {
		if ps == nil {
			ps = []retention.Policy{}
		}
		return g.printJSON(map[string]any{"policies": ps, "recovery_days": days})
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tACTION\tDAYS\tSCOPE\tCHANGED")
	for _, p := range ps {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s by %s\n", p.ID, p.Name, p.Action, p.Days, p.Scope, p.UpdatedAt.Format("2006-01-02"), p.UpdatedBy)
	}
	if len(ps) == 0 {
		fmt.Fprintln(tw, "no retention policies: items are kept until deleted by an operator")
	}
	fmt.Fprintf(tw, "recovery period: %d days\n", days)
	return tw.Flush()
}

func runPolicyUpdate(ctx context.Context, g *globals, ref string, f policyFlags, fs *pflag.FlagSet) error {
	var c compliance.PolicyChange
	if fs.Changed("name") {
		c.Name = &f.name
	}
	if fs.Changed("action") {
		act, err := retention.ParseAction(f.action)
		if err != nil {
			return fmt.Errorf("--action: %w", err)
		}
		c.Action = &act
	}
	if fs.Changed("days") {
		c.Days = &f.days
	}
	sc, given, err := f.scope()
	if err != nil {
		return err
	}
	if given {
		c.Scope = &sc
	}
	if c == (compliance.PolicyChange{}) {
		return fmt.Errorf("nothing to change: give --name, --action, --days or a scope")
	}
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	before, after, err := svc.UpdatePolicy(ctx, g.actorName(), ref, c)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(map[string]any{"before": before, "after": after})
	}
	fmt.Fprintf(g.stdout, "changed %s\n     to %s\n", before, after)
	return nil
}

func runPolicyRemove(ctx context.Context, g *globals, ref string) error {
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := svc.RemovePolicy(ctx, g.actorName(), ref)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(p)
	}
	fmt.Fprintf(g.stdout, "removed %s\n", p)
	return nil
}
