package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
)

// cmdSubject manages organisations' activation credentials (激活凭证) for subject self-service:
// activate prints a new credential once (re-activating replaces the old one), revoke stops it
// at once, list shows what was issued.
func cmdSubject(ctx context.Context, e *env, args []string) error {
	var c config
	fs := flag.NewFlagSet("subject", flag.ContinueOnError)
	c.flags(fs, e.getenv)
	usage := func() error {
		fmt.Fprintln(e.stderr, "用法 / usage: xinyong subject activate CODE\n"+
			"       xinyong subject revoke CODE\n"+
			"       xinyong subject list")
		return exitCode(2)
	}
	rest, err := parseAction(fs, e, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 2 && (rest[0] == "activate" || rest[0] == "revoke"):
	case len(rest) == 1 && rest[0] == "list":
	default:
		return usage()
	}
	a, done, err := c.openApp(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	switch rest[0] {
	case "activate":
		plain, _, s, err := a.IssueSubjectCredential(ctx, cliActor(e), rest[1])
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已为 %s（%s）签发激活凭证 / issued an activation credential:\n\n    %s\n\n", s.Name, s.Code, plain)
		fmt.Fprintln(e.stdout, "请通过安全渠道交给该单位：凭证只显示这一次，平台只保存其哈希值；此前签发的凭证已失效。\n"+
			"Hand it to the organisation through a safe channel: it is shown only this once, and any earlier credential no longer works.")
	case "revoke":
		if err := a.RevokeSubjectCredential(ctx, cliActor(e), rest[1]); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "已吊销 %s 的激活凭证 / revoked the credential\n", rest[1])
	case "list":
		accts, err := a.SubjectAccounts(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "代码 code\t名称 name\t签发时间 issued\t状态 status")
		for _, x := range accts {
			name, status := "-", "有效 valid"
			if x.Subject != nil {
				name = x.Subject.Name
			}
			if x.Credential.Revoked {
				status = "已吊销 revoked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", x.Credential.SubjectKey, name, x.Credential.IssuedAt.Local().Format("2006-01-02 15:04 MST"), status)
		}
		return tw.Flush()
	}
	return nil
}
