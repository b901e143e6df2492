package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/directory"
	"github.com/custos-archive/custos/store"
	"github.com/spf13/cobra"
)

func newUsersCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Manage the directory of users and their mailboxes",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "import USERS.CSV",
		Short: "Create or update users (and their mailboxes) from a CSV file",
		Long: `Create or update users from a CSV file with the header email,name,phones.
Phones are separated by ';' and normalised to E.164 (--region applies to numbers
without a country code). Each user gets a mailbox at their email address.
The whole file is checked first: a bad line stops the import with its line
number and field, and nothing is changed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUsersImport(cmd.Context(), g, args[0])
		},
	})
	cmd.AddCommand(newUsersPasswordCmd(g), newAppPasswordCmd(g))
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the users in the directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUsersList(cmd.Context(), g)
		},
	})
	return cmd
}

// usersImportResult is what `users import` did.
type usersImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// readUsers reads and checks a users file (email,name,phones).
func (g *globals) readUsers(path string) ([]directory.User, error) {
	n, err := g.normalizer()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return directory.ParseUsers(f, path, n)
}

func runUsersImport(ctx context.Context, g *globals, path string) error {
	users, err := g.readUsers(path)
	if err != nil {
		return err
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// One transaction: the whole file or nothing, with an audit record per
	// user created or updated.
	us := make([]store.User, len(users))
	for i, u := range users {
		us[i] = store.User{Email: u.Email, Name: u.Name, Phones: u.Phones}
	}
	created, updated, err := st.PutUsers(ctx, us, g.actorName())
	if err != nil {
		return g.record(ctx, st, audit.Entry{Action: audit.UserCreate, Object: "directory", Details: map[string]any{"file": path}}, err)
	}
	res := usersImportResult{Created: len(created), Updated: len(updated)}
	if g.json {
		return g.printJSON(res)
	}
	fmt.Fprintf(g.stdout, "users: %d created, %d updated\n", res.Created, res.Updated)
	return nil
}

func runUsersList(ctx context.Context, g *globals) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	us, err := st.Users(ctx)
	if err != nil {
		return err
	}
	if g.json {
		type row struct {
			Email  string   `json:"email"`
			Name   string   `json:"name"`
			Phones []string `json:"phones"`
		}
		rows := []row{}
		for _, u := range us {
			rows = append(rows, row{u.Email, u.Name, u.Phones})
		}
		return g.printJSON(rows)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tPHONES")
	for _, u := range us {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Email, u.Name, strings.Join(u.Phones, ";"))
	}
	return tw.Flush()
}
