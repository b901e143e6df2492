package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custos-archive/custos/store"
	"github.com/spf13/cobra"
)

func newUsersPasswordCmd(g *globals) *cobra.Command {
	var stdin bool
	cmd := &cobra.Command{
		Use:   "password EMAIL --password-stdin",
		Short: "Set a user's password (for IMAP access to their archive mailbox)",
		Long: fmt.Sprintf(`Set the password a user logs in with (IMAP: their email address and this
password). It is read from the first line of standard input, never from the
command line, must have at least %d characters, and is stored as an argon2id
hash. Setting it again replaces it; app passwords stay valid.

  printf '%%s\n' "$PASSWORD" | custos users password alice@corp.example --password-stdin`, store.MinPasswordLen),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !stdin {
				return errors.New("give the password on standard input with --password-stdin")
			}
			return runUsersPassword(cmd.Context(), g, args[0], cmd.InOrStdin())
		},
	}
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	return cmd
}

func runUsersPassword(ctx context.Context, g *globals, email string, in io.Reader) error {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return errors.New("no password on standard input")
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetPassword(ctx, email, pw); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w (add the user with 'custos users import')", err)
		}
		return err
	}
	if g.json {
		return g.printJSON(map[string]any{"user": strings.ToLower(email), "password": "set"})
	}
	fmt.Fprintf(g.stdout, "password of %s set\n", strings.ToLower(email))
	return nil
}

func newAppPasswordCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "app-password",
		Short: "Manage a user's app passwords (one per mail client, each revocable)",
		Long: `An app password is a generated secret a user gives one mail client instead of
their password (IMAP login: their email address and the app password). It is
shown once, when it is made, and stored only as a hash. Revoking it locks out
that client alone.`,
	}
	var name string
	add := &cobra.Command{
		Use:   "add EMAIL --name NAME",
		Short: "Make an app password and print it (once)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAppPasswordAdd(cmd.Context(), g, args[0], name)
		},
	}
	add.Flags().StringVar(&name, "name", "", "what it is for, e.g. the device or mail client (required)")
	add.MarkFlagRequired("name")
	list := &cobra.Command{
		Use:   "list EMAIL",
		Short: "List a user's app passwords (names and dates, never the secrets)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAppPasswordList(cmd.Context(), g, args[0])
		},
	}
	var revokeName string
	revoke := &cobra.Command{
		Use:   "revoke EMAIL --name NAME",
		Short: "Revoke one of a user's app passwords",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAppPasswordRevoke(cmd.Context(), g, args[0], revokeName)
		},
	}
	revoke.Flags().StringVar(&revokeName, "name", "", "the app password's name (required)")
	revoke.MarkFlagRequired("name")
	cmd.AddCommand(add, list, revoke)
	return cmd
}

func runAppPasswordAdd(ctx context.Context, g *globals, email, name string) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	secret, err := st.AddAppPassword(ctx, email, name)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(map[string]string{"user": strings.ToLower(email), "name": name, "app_password": secret})
	}
	fmt.Fprintf(g.stdout, "app password %q of %s (shown once; dashes optional):\n%s\n", name, strings.ToLower(email), secret)
	return nil
}

func runAppPasswordList(ctx context.Context, g *globals, email string) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	aps, err := st.AppPasswords(ctx, email)
	if err != nil {
		return err
	}
	if g.json {
		type row struct {
			Name       string     `json:"name"`
			CreatedAt  time.Time  `json:"created_at"`
			LastUsedAt *time.Time `json:"last_used_at"`
		}
		rows := []row{}
		for _, a := range aps {
			r := row{Name: a.Name, CreatedAt: a.CreatedAt}
			if !a.LastUsedAt.IsZero() {
				r.LastUsedAt = &a.LastUsedAt
			}
			rows = append(rows, r)
		}
		return g.printJSON(rows)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCREATED\tLAST USED")
	for _, a := range aps {
		used := "never"
		if !a.LastUsedAt.IsZero() {
			used = a.LastUsedAt.Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Name, a.CreatedAt.Format(time.DateTime), used)
	}
	return tw.Flush()
}

func runAppPasswordRevoke(ctx context.Context, g *globals, email, name string) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RevokeAppPassword(ctx, email, name); err != nil {
		return err
	}
	if !g.json {
		fmt.Fprintf(g.stdout, "app password %q of %s revoked\n", name, strings.ToLower(email))
		return nil
	}
	return g.printJSON(map[string]string{"user": strings.ToLower(email), "name": name, "revoked": "yes"})
}
