package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custos-archive/custos/capture"
	"github.com/custos-archive/custos/capture/smsbackup"
	"github.com/custos-archive/custos/capture/spool"
	"github.com/custos-archive/custos/capture/waexport"
	"github.com/custos-archive/custos/capture/wecom"
	"github.com/custos-archive/custos/item"
	"github.com/spf13/cobra"
)

// captureDir is the capture site's data folder inside the data folder.
func (g *globals) captureDir() string { return filepath.Join(g.data, "capture") }

func (g *globals) openSpool(ctx context.Context) (*spool.Spool, error) {
	return spool.Open(ctx, g.captureDir(), nil)
}

func newCaptureCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "capture",
		Short: "Operate the capture site (the archiver site connectors pull from)",
		Long: `Operate the capture site: the organisation account connectors log in with, the
registered users, file imports, and what the site holds. The site keeps its data
in DATA/capture; 'custos serve' (or 'serve --role capture') runs its webhooks,
ingest API and export API.`,
	}
	var username string
	var passwordStdin bool
	org := &cobra.Command{
		Use:   "org --username NAME --password-stdin",
		Short: "Set the organisation account's username and password",
		Long: `Set the organisation account: connectors log in to the export API with it.
The password is read from standard input (one line, at least 12 characters), or
from CUSTOS_CAPTURE_PASSWORD, never from the command line. It is stored as an
argon2id hash; setting it again ends every open export session.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCaptureOrg(cmd.Context(), g, username, passwordStdin, cmd.InOrStdin())
		},
	}
	org.Flags().StringVar(&username, "username", "", "the organisation's username (required)")
	org.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")
	org.MarkFlagRequired("username")

	users := &cobra.Command{Use: "users", Short: "Registered users of the capture site"}
	var name, email string
	var phones []string
	add := &cobra.Command{
		Use:   "add --email EMAIL --name NAME --phone NUMBER...",
		Short: "Register a user (or update the one with that email)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCaptureUsersAdd(cmd.Context(), g, email, name, phones)
		},
	}
	add.Flags().StringVar(&email, "email", "", "work email address, the mailbox address in the archive (required)")
	add.Flags().StringVar(&name, "name", "", "name (required)")
	add.Flags().StringSliceVar(&phones, "phone", nil, "mobile number (repeat for several)")
	add.MarkFlagRequired("email")
	add.MarkFlagRequired("name")
	users.AddCommand(add,
		&cobra.Command{
			Use:   "import USERS.CSV",
			Short: "Register users from a CSV file (email,name,phones; phones separated by ;)",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runCaptureUsersImport(cmd.Context(), g, args[0])
			},
		},
		&cobra.Command{
			Use:   "list",
			Short: "List the registered users",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return runCaptureUsersList(cmd.Context(), g)
			},
		})

	var io_ captureImportOptions
	imp := &cobra.Command{
		Use:   "import --format whatsapp-export|sms-backup|wecom [--owner PHONE] FILE...",
		Short: "Import captured files: WhatsApp exports, SMS Backup & Restore XML, WeCom records",
		Long: `Import files into the capture site:
  whatsapp-export  a WhatsApp "Export chat" .txt, or its .zip with media (--owner: the
                   number of the phone it was exported from; --tz: the phone's time zone)
  sms-backup       an SMS Backup & Restore XML file (sms, mms, calls), read as a stream
                   (--owner: the phone's number)
  wecom            decrypted WeCom conversation-archive records, one JSON object per line
Prints what was stored, what was already there, and every rejected line or element
with its file, line and reason. Importing a file again stores nothing twice.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCaptureImport(cmd.Context(), g, io_, args)
		},
	}
	imp.Flags().StringVar(&io_.format, "format", "", "whatsapp-export, sms-backup or wecom (required)")
	imp.Flags().StringVar(&io_.owner, "owner", "", "the number of the phone the file came from")
	imp.Flags().StringVar(&io_.ownerName, "owner-name", "", "the owner's name as it appears in a WhatsApp export")
	imp.Flags().StringVar(&io_.tz, "tz", "UTC", "the phone's time zone for WhatsApp exports (e.g. Europe/Berlin)")
	imp.MarkFlagRequired("format")

	var src, since, until string
	items := &cobra.Command{
		Use:   "items --source SOURCE [--since T] [--until T]",
		Short: "List what the site holds for a source, in capture order",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCaptureItems(cmd.Context(), g, src, since, until)
		},
	}
	items.Flags().StringVar(&src, "source", "", "whatsapp, wechat or enterprise-number (required)")
	items.Flags().StringVar(&since, "since", "", "captured at or after (RFC 3339 or YYYY-MM-DD)")
	items.Flags().StringVar(&until, "until", "", "captured before (RFC 3339 or YYYY-MM-DD)")
	items.MarkFlagRequired("source")
	cmd.AddCommand(org, users, imp, items)
	return cmd
}

func runCaptureOrg(ctx context.Context, g *globals, username string, stdin bool, in io.Reader) error {
	pw := os.Getenv("CUSTOS_CAPTURE_PASSWORD")
	if stdin {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && err != io.EOF {
			return err
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if pw == "" {
		return errors.New("no password: give it on standard input with --password-stdin, or in CUSTOS_CAPTURE_PASSWORD")
	}
	sp, err := g.openSpool(ctx)
	if err != nil {
		return err
	}
	defer sp.Close()
	if err := sp.SetOrg(ctx, username, pw); err != nil {
		return err
	}
	if g.json {
		return g.printJSON(map[string]string{"username": username})
	}
	fmt.Fprintf(g.stdout, "organisation account set: %s\n", username)
	return nil
}

func runCaptureUsersAdd(ctx context.Context, g *globals, email, name string, phones []string) error {
	n, err := g.normalizer()
	if err != nil {
		return err
	}
	u := spool.User{Email: email, Name: name}
	for _, p := range phones {
		e164, _, err := n.Normalize(p)
		if err != nil {
			return fmt.Errorf("--phone: %w", err)
		}
		u.Phones = append(u.Phones, e164)
	}
	sp, err := g.openSpool(ctx)
	if err != nil {
		return err
	}
	defer sp.Close()
	created, err := sp.PutUser(ctx, u)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(map[string]any{"email": strings.ToLower(email), "created": created})
	}
	fmt.Fprintf(g.stdout, "registered %s (%s)\n", strings.ToLower(email), map[bool]string{true: "new", false: "updated"}[created])
	return nil
}

func runCaptureUsersImport(ctx context.Context, g *globals, path string) error {
	us, err := g.readUsers(path)
	if err != nil {
		return err
	}
	sp, err := g.openSpool(ctx)
	if err != nil {
		return err
	}
	defer sp.Close()
	var created, updated int
	for _, u := range us {
		c, err := sp.PutUser(ctx, spool.User{Email: u.Email, Name: u.Name, Phones: u.Phones})
		if err != nil {
			return err
		}
		if c {
			created++
		} else {
			updated++
		}
	}
	if g.json {
		return g.printJSON(map[string]int{"created": created, "updated": updated})
	}
	fmt.Fprintf(g.stdout, "registered users: %d created, %d updated\n", created, updated)
	return nil
}

func runCaptureUsersList(ctx context.Context, g *globals) error {
	sp, err := g.openSpool(ctx)
	if err != nil {
		return err
	}
	defer sp.Close()
	us, err := sp.Users(ctx)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(us)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tPHONES")
	for _, u := range us {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Email, u.Name, strings.Join(u.Phones, ";"))
	}
	return tw.Flush()
}

type captureImportOptions struct {
	format, owner, ownerName, tz string
}

func runCaptureImport(ctx context.Context, g *globals, o captureImportOptions, files []string) error {
	var owner item.Participant
	if o.owner != "" {
		n, err := g.normalizer()
		if err != nil {
			return err
		}
		e164, _, err := n.Normalize(o.owner)
		if err != nil {
			return fmt.Errorf("--owner: %w", err)
		}
		owner = item.Participant{Phone: e164, Name: o.ownerName}
	}
	if (o.format == "whatsapp-export" || o.format == "sms-backup") && owner.Phone == "" {
		return fmt.Errorf("--owner is required for %s: the number of the phone the file came from", o.format)
	}
	sp, err := g.openSpool(ctx)
	if err != nil {
		return err
	}
	defer sp.Close()
	rep := &capture.ImportReport{Rejected: []capture.Rejected{}}
	for _, path := range files {
		if err := importCaptureFile(ctx, g, sp, o, owner, path, rep); err != nil {
			printCaptureReport(g, rep)
			return err
		}
	}
	if err := printCaptureReport(g, rep); err != nil {
		return err
	}
	if len(rep.Rejected) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d lines or elements rejected (listed above); the rest is stored", len(rep.Rejected))}
	}
	return nil
}

func importCaptureFile(ctx context.Context, g *globals, sp *spool.Spool, o captureImportOptions, owner item.Participant, path string, rep *capture.ImportReport) error {
	switch o.format {
	case "whatsapp-export":
		loc, err := time.LoadLocation(o.tz)
		if err != nil {
			return fmt.Errorf("--tz: %w", err)
		}
		opt := waexport.Options{Owner: owner, Location: loc}
		var res *waexport.Result
		dir := filepath.Dir(path)
		if strings.EqualFold(filepath.Ext(path), ".zip") {
			tmp, err := os.MkdirTemp("", "custos-waexport-*")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			res, err = waexport.ParseZip(path, tmp, opt)
			if err != nil {
				return err
			}
			dir = tmp
		} else {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			res, err = waexport.ParseText(f, path, opt)
			f.Close()
			if err != nil {
				return err
			}
		}
		im := capture.NewImporter(sp, dir, "whatsapp-export", rep)
		for _, it := range res.Items {
			if err := im.Add(ctx, it, nil); err != nil {
				return err
			}
		}
		for _, r := range res.Rejected {
			rep.Rejected = append(rep.Rejected, capture.Rejected{File: r.File, Line: r.Line, Reason: r.Reason})
		}
		return im.Flush(ctx)
	case "sms-backup":
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		n, _ := g.normalizer()
		opt := smsbackup.Options{Owner: owner, Normalize: func(raw string) (string, error) {
			e, _, err := n.Normalize(raw)
			return e, err
		}}
		im := capture.NewImporter(sp, filepath.Dir(path), "sms-backup", rep)
		st, err := smsbackup.Parse(f, path, opt, func(it *item.Item) error { return im.Add(ctx, it, nil) })
		for _, r := range st.Rejected {
			rep.Rejected = append(rep.Rejected, capture.Rejected{File: r.File, Line: r.Line, Reason: r.Element + ": " + r.Reason})
		}
		if ferr := im.Flush(ctx); err == nil {
			err = ferr
		}
		return err
	case "wecom":
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		im := capture.NewImporter(sp, filepath.Dir(path), "wecom", rep)
		st, err := wecom.ParseLines(f, path, wecom.Options{}, func(r *wecom.Record) error {
			return im.Add(ctx, r.Item, capture.WeComCapture(r, "wecom").Media)
		})
		for _, r := range st.Rejected {
			rep.Rejected = append(rep.Rejected, capture.Rejected{File: r.File, Line: r.Line, Reason: r.Reason})
		}
		if ferr := im.Flush(ctx); err == nil {
			err = ferr
		}
		return err
	}
	return fmt.Errorf("--format %q: want whatsapp-export, sms-backup or wecom", o.format)
}

func printCaptureReport(g *globals, rep *capture.ImportReport) error {
	if g.json {
		return g.printJSON(rep)
	}
	fmt.Fprintf(g.stdout, "stored %d, already there %d, rejected %d\n", rep.Stored, rep.Duplicates, len(rep.Rejected))
	for _, r := range rep.Rejected {
		fmt.Fprintf(g.stdout, "rejected: %s:%d: %s\n", r.File, r.Line, r.Reason)
	}
	return nil
}

func parseFlagTime(s, name string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--%s: %q is neither RFC 3339 nor YYYY-MM-DD", name, s)
}

func runCaptureItems(ctx context.Context, g *globals, source, since, until string) error {
	src, err := item.ParseSource(source)
	if err != nil {
		return fmt.Errorf("--source: %w", err)
	}
	w := spool.Window{Source: src}
	if w.Since, err = parseFlagTime(since, "since"); err != nil {
		return err
	}
	if w.Until, err = parseFlagTime(until, "until"); err != nil {
		return err
	}
	sp, err := g.openSpool(ctx)
	if err != nil {
		return err
	}
	defer sp.Close()
	var all []spool.Captured
	for {
		page, more, err := sp.List(ctx, w)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if !more || len(page) == 0 {
			break
		}
		w.After = page[len(page)-1].Seq
	}
	if g.json {
		if all == nil {
			all = []spool.Captured{}
		}
		return g.printJSON(all)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tCAPTURED\tKIND\tSOURCE ID\tFROM\tTEXT")
	for _, c := range all {
		text := c.Item.Text
		if r := []rune(text); len(r) > 60 {
			text = string(r[:60]) + "…"
		}
		from := c.Item.From.Name
		if from == "" {
			from = c.Item.From.Phone
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", c.Seq, c.CapturedAt.Format(time.RFC3339), c.Item.Kind, c.Item.SourceID, from, strings.ReplaceAll(text, "\n", " "))
	}
	fmt.Fprintf(tw, "%d items\n", len(all))
	return tw.Flush()
}
