package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/store"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func newAuditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Verify, search and export the audit log",
		Long: `Every action is a record in the audit log: who, when, what, on which object,
and the outcome (logins, user and mailbox changes, connector changes and runs,
imports, searches with their query, exports, holds, policy changes, deletions,
recoveries, purges, reviews, and the audit log's own verifications, searches
and exports). Records are numbered and hash-chained: each holds the SHA-256 of
the one before, so an edited, removed or reordered record breaks the chain.`,
	}
	var head, file string
	verify := &cobra.Command{
		Use:   "verify [--head SEQ:HASH] [--file EXPORT.JSONL]",
		Short: "Walk the audit log's hash chain and report the first broken, removed or reordered record",
		Long: `Walk the whole audit log, record by record, and check that each is unchanged
(its hash), in its place (its number) and chained to the one before; report
the first record that is not, and exit with status 1.

It prints the log's head (SEQ:HASH of the last record). Keep it outside the
data folder: 'custos audit verify --head SEQ:HASH' later proves the log up to
that record was not rewritten, even by someone who recomputed every hash.

--file verifies a complete JSON-lines export ('custos audit export') instead
of the data folder.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAuditVerify(cmd.Context(), g, head, file)
		},
	}
	verify.Flags().StringVar(&head, "head", "", "a head printed by an earlier verify, to check against")
	verify.Flags().StringVar(&file, "file", "", "verify this JSON-lines export rather than the data folder")

	var sf auditFilterFlags
	var limit int
	search := &cobra.Command{
		Use:   "search [--user WHO] [--action ACTION] [--object OBJECT] [--since TIME] [--until TIME]",
		Short: "Search the audit log, newest first",
		Long: `Search the audit log by who (--user, the actor recorded), action, object and
time, newest first.

--action takes an action (hold.place) or a family (hold: hold.place and
hold.release). --object takes an object (hold:3, mailbox:alice@corp.example,
copy:1234) or a prefix ending in * (mailbox:alice*). --since and --until take
a date (2026-03-01, midnight UTC) or an RFC 3339 time.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAuditSearch(cmd.Context(), g, sf, limit)
		},
	}
	sf.register(search.Flags())
	search.Flags().IntVar(&limit, "limit", 100, "records shown (0: all)")

	var ef auditFilterFlags
	var format, out string
	export := &cobra.Command{
		Use:   "export --format jsonl|csv [--out FILE] [filters]",
		Short: "Export the audit log as JSON lines or CSV",
		Long: `Export the audit log (or the records the filters select, as in 'custos audit
search') in the order of their numbers, as JSON lines or CSV, to stdout or
--out. Every field is exported, hashes included: a complete JSON-lines export
can be verified with 'custos audit verify --file'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAuditExport(cmd.Context(), g, ef, format, out)
		},
	}
	ef.register(export.Flags())
	export.Flags().StringVar(&format, "format", "jsonl", "jsonl or csv")
	export.Flags().StringVar(&out, "out", "", "file to write (default stdout)")
	cmd.AddCommand(verify, search, export)
	return cmd
}

type auditFilterFlags struct {
	actor, action, object, since, until string
}

func (f *auditFilterFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.actor, "user", "", "only records of actions by this user (the actor)")
	fs.StringVar(&f.action, "action", "", "only this action or family of actions")
	fs.StringVar(&f.object, "object", "", "only this object (or prefix*)")
	fs.StringVar(&f.since, "since", "", "only records at or after this time")
	fs.StringVar(&f.until, "until", "", "only records before this time")
}

func (f auditFilterFlags) filter() (store.AuditFilter, error) {
	since, err := parseTime("--since", f.since)
	if err != nil {
		return store.AuditFilter{}, err
	}
	until, err := parseTime("--until", f.until)
	if err != nil {
		return store.AuditFilter{}, err
	}
	return store.AuditFilter{Actor: f.actor, Action: f.action, Object: f.object, Since: since, Until: until}, nil
}

func (f auditFilterFlags) details() map[string]any {
	d := map[string]any{}
	for k, v := range map[string]string{"user": f.actor, "action": f.action, "object": f.object, "since": f.since, "until": f.until} {
		if v != "" {
			d[k] = v
		}
	}
	return d
}

// verifyResult is what `audit verify` found.
type verifyResult struct {
	OK      bool           `json:"ok"`
	Records int64          `json:"records"`
	Head    audit.Head     `json:"head"`
	Problem *audit.Problem `json:"problem,omitempty"`
	File    string         `json:"file,omitempty"`
}

func runAuditVerify(ctx context.Context, g *globals, headFlag, file string) error {
	var anchors []audit.Head
	if headFlag != "" {
		h, err := audit.ParseHead(headFlag)
		if err != nil {
			return fmt.Errorf("--head: %w", err)
		}
		anchors = append(anchors, h)
	}
	var res verifyResult
	if file != "" {
		n, last, p, err := verifyFile(file, anchors)
		if err != nil {
			return err
		}
		res = verifyResult{OK: p == nil, Records: n, Head: last, Problem: p, File: file}
	} else {
		st, err := g.openStore(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		n, last, p, err := st.VerifyAudit(ctx, anchors...)
		if err != nil {
			return err
		}
		res = verifyResult{OK: p == nil, Records: n, Head: last, Problem: p}
		d := map[string]any{"records": n, "head": last.String()}
		outcome := audit.Success
		if p != nil {
			d["problem"], outcome = p.Msg, audit.Failure
		}
		if _, err := st.Audit(ctx, audit.Entry{Actor: g.actorName(), Action: audit.AuditVerify, Object: "audit", Outcome: outcome, Details: d}); err != nil {
			return fmt.Errorf("recording the verification in the audit log: %w", err)
		}
	}
	if g.json {
		if err := g.printJSON(res); err != nil {
			return err
		}
	} else if res.OK {
		fmt.Fprintf(g.stdout, "audit log verified: %d records, chain intact\nhead %s\n", res.Records, res.Head)
		fmt.Fprintf(g.stdout, "(keep the head outside the data folder; 'custos audit verify --head %s' checks against it later)\n", res.Head)
	}
	if !res.OK {
		return &exitError{code: 1, msg: fmt.Sprintf("audit log broken at record %d (%s): %s; %d records before it verified",
			res.Problem.Seq, res.Problem.Kind, res.Problem.Msg, res.Records)}
	}
	return nil
}

func verifyFile(path string, anchors []audit.Head) (int64, audit.Head, *audit.Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, audit.Head{}, nil, err
	}
	defer f.Close()
	rd := audit.NewReader(f)
	v := audit.NewVerifier(anchors...)
	var last audit.Record
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, audit.Head{}, nil, fmt.Errorf("%s: %w", path, err)
		}
		if p := v.Add(r); p != nil {
			n, h := v.Verified()
			return n, h, p, nil
		}
		last = r
	}
	// A file has no head beside it: its last record is its end.
	p := v.End(audit.Head{Seq: last.Seq, Hash: last.Hash})
	n, h := v.Verified()
	return n, h, p, nil
}

func runAuditSearch(ctx context.Context, g *globals, ff auditFilterFlags, limit int) error {
	f, err := ff.filter()
	if err != nil {
		return err
	}
	f.Limit, f.Descending = limit, true
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var rs []audit.Record
	err = st.AuditSearch(ctx, f, func(r audit.Record) error {
		rs = append(rs, r)
		return nil
	})
	d := ff.details()
	d["records"] = len(rs)
	if err := g.record(ctx, st, audit.Entry{Action: audit.AuditSearch, Object: "audit", Details: d}, err); err != nil {
		return err
	}
	if g.json {
		if rs == nil {
			rs = []audit.Record{}
		}
		return g.printJSON(rs)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tACTOR\tACTION\tOBJECT\tOUTCOME\tDETAILS")
	for _, r := range rs {
		det := string(r.Details)
		if len(det) > 120 {
			det = det[:117] + "…"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time.Format("2006-01-02 15:04:05"), r.Actor, r.Action, r.Object, r.Outcome, det)
	}
	fmt.Fprintf(tw, "%d records\n", len(rs))
	return tw.Flush()
}

func runAuditExport(ctx context.Context, g *globals, ff auditFilterFlags, format, out string) error {
	f, err := ff.filter()
	if err != nil {
		return err
	}
	var w io.Writer = g.stdout
	var tmp *os.File
	if out != "" {
		tmp, err = os.CreateTemp(filepath.Dir(out), ".custos-audit-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		w = tmp
	}
	enc, err := audit.NewEncoder(w, format)
	if err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	n := 0
	err = st.AuditSearch(ctx, f, func(r audit.Record) error {
		n++
		return enc.Encode(r)
	})
	if err == nil {
		err = enc.Flush()
	}
	if tmp != nil {
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), out)
		}
	}
	d := ff.details()
	d["format"], d["records"], d["file"] = format, n, out
	if err := g.record(ctx, st, audit.Entry{Action: audit.AuditExport, Object: "audit", Details: d}, err); err != nil {
		return err
	}
	if out != "" && !g.json {
		fmt.Fprintf(g.stderr, "exported %d audit records to %s\n", n, out)
	} else if out != "" {
		return g.printJSON(map[string]any{"records": n, "file": out, "format": format})
	}
	return nil
}
