package demo

import (
	"context"
	"testing"
	"time"
)

// The demo's fakes parse whatever a scanner (or anyone on loopback)
// sends: they must never panic or hang.
func FuzzFakeSQL(f *testing.F) {
	for _, s := range []string{"1", "1 AND 1=1", "x' OR '1'='1", "'||pg_sleep(0)--", "1 AND SLEEP(0)", "((((", "'", "LOWER(name) LIKE '%a_%'", "1/*x*/OR/**/1=1#"} {
		f.Add(s)
	}
	db := newDatabase()
	db.maxSleep = time.Millisecond
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = db.Query(context.Background(), "SELECT name, price FROM products WHERE name LIKE '%"+in+"%'")
		_, _ = db.Query(context.Background(), "SELECT name FROM products WHERE id = "+in)
	})
}

func FuzzFakeShell(f *testing.F) {
	for _, s := range []string{"127.0.0.1", ";expr 1 + 2", "$(expr 1 + 2)", "`id`", "|cat /etc/passwd", "$($($(", "'unterminated", "x\nsleep 0"} {
		f.Add(s)
	}
	sh := fakeShell{maxSleep: time.Millisecond}
	f.Fuzz(func(t *testing.T, in string) {
		_ = sh.Run(context.Background(), "ping -c 1 "+in)
		_ = renderTemplate("Hello "+in+"!", nil)
	})
}
