package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The demo's "database" is a tiny in-process engine that behaves like a
// SQL engine where injection is concerned: unbalanced quotes give SQLite's
// error text, conditions are really evaluated (so AND 1=1 and AND 1=2
// differ), and SLEEP(n)/PG_SLEEP(n) really sleep (capped). It understands
// one statement shape: SELECT cols FROM table WHERE expr, with ?
// placeholders for the safe, parameterised twins.

type sqlValue any // nil, int64, float64, string

type row map[string]sqlValue

type table struct {
	cols []string
	rows []row
}

type database struct {
	tables   map[string]*table
	maxSleep time.Duration
}

type sqlError struct{ msg string }

func (e *sqlError) Error() string { return e.msg }

func newDatabase() *database {
	return &database{
		maxSleep: 10 * time.Second,
		tables: map[string]*table{
			"products": {cols: []string{"id", "name", "price"}, rows: []row{
				{"id": int64(1), "name": "Laptop sticker", "price": 2.5},
				{"id": int64(2), "name": "Hoodie", "price": 39.0},
				{"id": int64(3), "name": "Coffee mug", "price": 12.0},
			}},
			"users": {cols: []string{"id", "name", "email"}, rows: []row{
				{"id": int64(1), "name": "alice", "email": "alice@example.test"},
				{"id": int64(2), "name": "bob", "email": "bob@example.test"},
			}},
			"orders": {cols: []string{"id", "item", "status"}, rows: []row{
				{"id": "1001", "item": "Hoodie", "status": "shipped"},
				{"id": "1002", "item": "Coffee mug", "status": "processing"},
			}},
		},
	}
}

// Query runs one SELECT. args bind ? placeholders, in order.
func (db *database) Query(ctx context.Context, query string, args ...sqlValue) ([]row, error) {
	toks, err := lex(query)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, args: args}
	if err := p.expectWord("SELECT"); err != nil {
		return nil, err
	}
	var cols []string
	for {
		t := p.next()
		if t.kind != tIdent && !(t.kind == tOp && t.text == "*") {
			return nil, p.syntax(t)
		}
		cols = append(cols, strings.ToLower(t.text))
		if p.peek().kind == tOp && p.peek().text == "," {
			p.next()
			continue
		}
		break
	}
	if err := p.expectWord("FROM"); err != nil {
		return nil, err
	}
	tn := p.next()
	tbl, ok := db.tables[strings.ToLower(tn.text)]
	if tn.kind != tIdent || !ok {
		return nil, &sqlError{fmt.Sprintf("no such table: %s", tn.text)}
	}
	var where node
	if p.peekWord("WHERE") {
		p.next()
		if where, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.syntax(t)
	}
	ev := &evaluator{ctx: ctx, db: db}
	var out []row
	for _, r := range tbl.rows {
		if where != nil {
			v, err := where.eval(ev, r)
			if err != nil {
				return nil, err
			}
			if !truthy(v) {
				continue
			}
		}
		sel := row{}
		for _, c := range cols {
			if c == "*" {
				for k, v := range r {
					sel[k] = v
				}
				continue
			}
			v, ok := r[c]
			if !ok {
				return nil, &sqlError{"no such column: " + c}
			}
			sel[c] = v
		}
		out = append(out, sel)
	}
	return out, nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tNum
	tStr
	tOp
	tParam
)

type tok struct {
	kind tokKind
	text string
	num  float64
}

func lex(s string) ([]tok, error) {
	var out []tok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-', c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += end + 4
			}
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(s) {
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					closed = true
					break
				}
				b.WriteByte(s[j])
				j++
			}
			if !closed {
				return nil, &sqlError{fmt.Sprintf("unrecognized token: %q", s[i:])}
			}
			if c == '"' {
				out = append(out, tok{kind: tIdent, text: b.String()})
			} else {
				out = append(out, tok{kind: tStr, text: b.String()})
			}
			i = j + 1
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			if j < len(s) && (unicode.IsLetter(rune(s[j])) || s[j] == '_') {
				k := j
				for k < len(s) && (unicode.IsLetter(rune(s[k])) || unicode.IsDigit(rune(s[k])) || s[k] == '_') {
					k++
				}
				return nil, &sqlError{fmt.Sprintf("unrecognized token: %q", s[i:k])}
			}
			n, err := strconv.ParseFloat(s[i:j], 64)
			if err != nil {
				return nil, &sqlError{fmt.Sprintf("unrecognized token: %q", s[i:j])}
			}
			out = append(out, tok{kind: tNum, text: s[i:j], num: n})
			i = j
		case unicode.IsLetter(rune(c)) || c == '_':
			j := i
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '_') {
				j++
			}
			out = append(out, tok{kind: tIdent, text: s[i:j]})
			i = j
		case c == '?':
			out = append(out, tok{kind: tParam, text: "?"})
			i++
		default:
			for _, op := range []string{"||", "<=", ">=", "<>", "!=", "==", "=", "<", ">", "(", ")", ",", "*", "+", "-", "/", ";", "%"} {
				if strings.HasPrefix(s[i:], op) {
					out = append(out, tok{kind: tOp, text: op})
					i += len(op)
					goto next
				}
			}
			return nil, &sqlError{fmt.Sprintf("unrecognized token: %q", string(c))}
		next:
		}
	}
	return append(out, tok{kind: tEOF}), nil
}

type parser struct {
	toks []tok
	pos  int
	args []sqlValue
	narg int
}

func (p *parser) peek() tok { return p.toks[p.pos] }
func (p *parser) next() tok {
	t := p.toks[p.pos]
	if p.pos < len(p.toks)-1 {
		p.pos++
	}
	return t
}
func (p *parser) peekWord(w string) bool {
	t := p.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, w)
}
func (p *parser) expectWord(w string) error {
	if !p.peekWord(w) {
		return p.syntax(p.peek())
	}
	p.next()
	return nil
}
func (p *parser) syntax(t tok) error {
	if t.kind == tEOF {
		return &sqlError{"incomplete input"}
	}
	text := t.text
	if t.kind == tStr {
		text = "'" + text + "'"
	}
	return &sqlError{fmt.Sprintf("near %q: syntax error", text)}
}

type node interface {
	eval(ev *evaluator, r row) (sqlValue, error)
}

type evaluator struct {
	ctx   context.Context
	db    *database
	slept bool
}

type lit struct{ v sqlValue }
type col struct{ name string }
type unary struct {
	op string
	x  node
}
type binary struct {
	op   string
	l, r node
}
type call struct {
	name string
	args []node
}

func (n lit) eval(*evaluator, row) (sqlValue, error) { return n.v, nil }
func (n col) eval(_ *evaluator, r row) (sqlValue, error) {
	v, ok := r[strings.ToLower(n.name)]
	if !ok {
		return nil, &sqlError{"no such column: " + n.name}
	}
	return v, nil
}
func (n unary) eval(ev *evaluator, r row) (sqlValue, error) {
	v, err := n.x.eval(ev, r)
	if err != nil {
		return nil, err
	}
	if n.op == "-" {
		return -toNum(v), nil
	}
	return boolVal(!truthy(v)), nil
}
func (n binary) eval(ev *evaluator, r row) (sqlValue, error) {
	l, err := n.l.eval(ev, r)
	if err != nil {
		return nil, err
	}
	if n.op == "AND" && !truthy(l) {
		return int64(0), nil
	}
	if n.op == "OR" && truthy(l) {
		return int64(1), nil
	}
	rv, err := n.r.eval(ev, r)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "AND", "OR":
		return boolVal(truthy(rv)), nil
	case "||":
		return toStr(l) + toStr(rv), nil
	case "+":
		return toNum(l) + toNum(rv), nil
	case "-":
		return toNum(l) - toNum(rv), nil
	case "*":
		return toNum(l) * toNum(rv), nil
	case "/":
		d := toNum(rv)
		if d == 0 {
			return nil, nil
		}
		return toNum(l) / d, nil
	case "LIKE":
		return boolVal(like(toStr(l), toStr(rv))), nil
	}
	c := compare(l, rv)
	switch n.op {
	case "=", "==":
		return boolVal(c == 0), nil
	case "<>", "!=":
		return boolVal(c != 0), nil
	case "<":
		return boolVal(c < 0), nil
	case ">":
		return boolVal(c > 0), nil
	case "<=":
		return boolVal(c <= 0), nil
	case ">=":
		return boolVal(c >= 0), nil
	}
	return nil, &sqlError{"near \"" + n.op + "\": syntax error"}
}
func (n call) eval(ev *evaluator, r row) (sqlValue, error) {
	var args []sqlValue
	for _, a := range n.args {
		v, err := a.eval(ev, r)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	switch strings.ToUpper(n.name) {
	case "SLEEP", "PG_SLEEP":
		if len(args) != 1 {
			return nil, &sqlError{"wrong number of arguments to function " + n.name + "()"}
		}
		// Sleep once per query, like a query planner that evaluates a
		// constant once; capped so the demo stays responsive.
		if !ev.slept {
			ev.slept = true
			d := min(time.Duration(toNum(args[0])*float64(time.Second)), ev.db.maxSleep)
			if d > 0 {
				t := time.NewTimer(d)
				select {
				case <-ev.ctx.Done():
					t.Stop()
				case <-t.C:
				}
			}
		}
		return int64(0), nil
	case "LOWER":
		if len(args) == 1 {
			return strings.ToLower(toStr(args[0])), nil
		}
	case "UPPER":
		if len(args) == 1 {
			return strings.ToUpper(toStr(args[0])), nil
		}
	case "LENGTH":
		if len(args) == 1 {
			return int64(len(toStr(args[0]))), nil
		}
	default:
		return nil, &sqlError{"no such function: " + n.name}
	}
	return nil, &sqlError{"wrong number of arguments to function " + n.name + "()"}
}

// Grammar, lowest precedence first: OR, AND, NOT, comparison/LIKE,
// ||, + -, * /, unary, primary.
func (p *parser) expr() (node, error) { return p.or() }

func (p *parser) or() (node, error) {
	l, err := p.and()
	for err == nil && p.peekWord("OR") {
		p.next()
		var r node
		if r, err = p.and(); err == nil {
			l = binary{"OR", l, r}
		}
	}
	return l, err
}

func (p *parser) and() (node, error) {
	l, err := p.not()
	for err == nil && p.peekWord("AND") {
		p.next()
		var r node
		if r, err = p.not(); err == nil {
			l = binary{"AND", l, r}
		}
	}
	return l, err
}

func (p *parser) not() (node, error) {
	if p.peekWord("NOT") {
		p.next()
		x, err := p.not()
		return unary{"NOT", x}, err
	}
	return p.cmp()
}

func (p *parser) cmp() (node, error) {
	l, err := p.concat()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind == tOp && strings.Contains("= == <> != < > <= >=", t.text) && t.text != "" {
		switch t.text {
		case "=", "==", "<>", "!=", "<", ">", "<=", ">=":
			p.next()
			r, err := p.concat()
			return binary{t.text, l, r}, err
		}
	}
	if p.peekWord("LIKE") {
		p.next()
		r, err := p.concat()
		return binary{"LIKE", l, r}, err
	}
	return l, nil
}

func (p *parser) concat() (node, error) {
	l, err := p.add()
	for err == nil && p.peek().kind == tOp && p.peek().text == "||" {
		p.next()
		var r node
		if r, err = p.add(); err == nil {
			l = binary{"||", l, r}
		}
	}
	return l, err
}

func (p *parser) add() (node, error) {
	l, err := p.mul()
	for err == nil && p.peek().kind == tOp && (p.peek().text == "+" || p.peek().text == "-") {
		op := p.next().text
		var r node
		if r, err = p.mul(); err == nil {
			l = binary{op, l, r}
		}
	}
	return l, err
}

func (p *parser) mul() (node, error) {
	l, err := p.unary()
	for err == nil && p.peek().kind == tOp && (p.peek().text == "*" || p.peek().text == "/") {
		op := p.next().text
		var r node
		if r, err = p.unary(); err == nil {
			l = binary{op, l, r}
		}
	}
	return l, err
}

func (p *parser) unary() (node, error) {
	if t := p.peek(); t.kind == tOp && t.text == "-" {
		p.next()
		x, err := p.unary()
		return unary{"-", x}, err
	}
	return p.primary()
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch t.kind {
	case tNum:
		if t.num == float64(int64(t.num)) && !strings.Contains(t.text, ".") {
			return lit{int64(t.num)}, nil
		}
		return lit{t.num}, nil
	case tStr:
		return lit{t.text}, nil
	case tParam:
		if p.narg >= len(p.args) {
			return nil, &sqlError{"not enough arguments for placeholders"}
		}
		v := p.args[p.narg]
		p.narg++
		return lit{v}, nil
	case tIdent:
		if strings.EqualFold(t.text, "NULL") {
			return lit{nil}, nil
		}
		if n := p.peek(); n.kind == tOp && n.text == "(" {
			p.next()
			c := call{name: t.text}
			if n := p.peek(); n.kind == tOp && n.text == ")" {
				p.next()
				return c, nil
			}
			for {
				a, err := p.expr()
				if err != nil {
					return nil, err
				}
				c.args = append(c.args, a)
				n := p.next()
				if n.kind == tOp && n.text == ")" {
					return c, nil
				}
				if n.kind != tOp || n.text != "," {
					return nil, p.syntax(n)
				}
			}
		}
		switch strings.ToUpper(t.text) {
		case "AND", "OR", "NOT", "LIKE", "SELECT", "FROM", "WHERE", "UNION":
			return nil, p.syntax(t)
		}
		return col{t.text}, nil
	case tOp:
		if t.text == "(" {
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			if c := p.next(); c.kind != tOp || c.text != ")" {
				return nil, p.syntax(c)
			}
			return x, nil
		}
	}
	return nil, p.syntax(t)
}

func boolVal(b bool) sqlValue {
	if b {
		return int64(1)
	}
	return int64(0)
}

func truthy(v sqlValue) bool { return v != nil && toNum(v) != 0 }

func toNum(v sqlValue) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case string:
		// SQLite reads the longest numeric prefix.
		s := strings.TrimSpace(x)
		j := 0
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || (j == 0 && s[j] == '-')) {
			j++
		}
		n, _ := strconv.ParseFloat(s[:j], 64)
		return n
	}
	return 0
}

func toStr(v sqlValue) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func compare(a, b sqlValue) int {
	_, as := a.(string)
	_, bs := b.(string)
	if as && bs {
		return strings.Compare(a.(string), b.(string))
	}
	x, y := toNum(a), toNum(b)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// like implements SQL LIKE with % and _, case-insensitive for ASCII, in
// O(len(s)*len(pat)).
func like(s, pat string) bool {
	s, pat = strings.ToLower(s), strings.ToLower(pat)
	if len(s) > 4096 || len(pat) > 4096 {
		return false
	}
	prev := make([]bool, len(pat)+1)
	prev[0] = true
	for j := 1; j <= len(pat); j++ {
		prev[j] = prev[j-1] && pat[j-1] == '%'
	}
	for i := 1; i <= len(s); i++ {
		cur := make([]bool, len(pat)+1)
		for j := 1; j <= len(pat); j++ {
			switch pat[j-1] {
			case '%':
				cur[j] = cur[j-1] || prev[j]
			case '_':
				cur[j] = prev[j-1]
			default:
				cur[j] = prev[j-1] && s[i-1] == pat[j-1]
			}
		}
		prev = cur
	}
	return prev[len(pat)]
}
