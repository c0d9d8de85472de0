"""Informix SQL as CUCM's executeSQLQuery takes it, run on SQLite.

translate() tokenises the statement (string literals, including hostile
ones, stay literals; comments are dropped), parses it with the grammar below
and emits the SQLite equivalent.  Anything outside the grammar is Informix's
-201 syntax error, so SQLite-only syntax (OFFSET, GLOB, `x`, ?, LIMIT a, b)
is refused as CUCM refuses it.  sql_error() maps what SQLite still rejects
(unknown table, column, function) to Informix's code and message, which AXL
returns as the negative axlcode.

    query     := core {UNION [ALL] core} [ORDER BY order {, order}] [LIMIT n]
    core      := SELECT [SKIP n] [FIRST n | LIMIT n] [ALL | DISTINCT | UNIQUE]
                 item {, item} FROM source {, source} [WHERE cond]
                 [GROUP BY expr {, expr}] [HAVING cond]
    item      := * | name.* | expr [[AS] alias]
    source    := table [[AS] alias] {join} ;  table := name | (query)
    join      := [INNER] JOIN table ON cond | LEFT|RIGHT|FULL [OUTER] JOIN
                 table ON cond | CROSS JOIN table
    cond      := cond OR cond | cond AND cond | NOT cond | (cond) | EXISTS
                 (query) | expr [NOT] LIKE|MATCHES expr [ESCAPE 'c'] |
                 expr [NOT] IN (query | expr {, expr}) | expr [NOT] BETWEEN
                 expr AND expr | expr IS [NOT] NULL | expr op expr
    op        := = | == | != | <> | < | > | <= | >=
    expr      := term {+ | - | || term} ; term := factor {* | / factor}
    factor    := [- | +] (number | 'string' | "string" | NULL | name[.name]
                 | function(args) | CASE ... END | (expr) | (query))

SKIP/FIRST only in the outermost SELECT; FIRST (or LIMIT) n > 0; a
trailing LIMIT n (Informix 12.10+) not together with FIRST.  Double-quoted
strings are literals (no DELIMIDENT).  LIKE and = are case-sensitive (the
connection runs with case_sensitive_like) and LIKE's default escape
character is the backslash, as Informix's; MATCHES runs as GLOB.
"""

import collections
import re
import sqlite3


class SqlError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


NOT_A_QUERY = SqlError(-79750, "Method only for queries.")
SYNTAX = (-201, "A syntax error has occurred.")

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_OPS = ("<>", "!=", ">=", "<=", "==", "||", "::")
_COMPARE = {"=", "==", "!=", "<>", "<", ">", "<=", ">="}
# words that end an expression or a FROM item, so never an alias
_RESERVED = {
    "select", "from", "where", "group", "by", "having", "order", "union",
    "inner", "left", "right", "full", "outer", "cross", "join", "on", "as",
    "and", "or", "not", "in", "like", "matches", "between", "is", "null",
    "exists", "case", "when", "then", "else", "end", "asc", "desc", "limit",
    "skip", "first", "middle", "distinct", "unique", "all", "into",
    "escape"}
# Informix routines the simulator knows -> the SQLite function
FUNCTIONS = {"count": "count", "sum": "sum", "avg": "avg", "min": "min",
             "max": "max", "upper": "upper", "lower": "lower",
             "length": "length", "char_length": "length", "trim": "trim",
             "nvl": "ifnull", "abs": "abs", "round": "round",
             "replace": "replace", "substr": "substr"}

Translated = collections.namedtuple("Translated", "sql first skip tables")


def tokenize(sql):
    """[(kind, text)] with kind in ident, num, str, op; comments dropped."""
    out, i, n = [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch.isspace():
            i += 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            if j < 0:
                raise SqlError(*SYNTAX)
            i = j + 2
        elif ch == "{":
            j = sql.find("}", i + 1)
            if j < 0:
                raise SqlError(*SYNTAX)
            i = j + 1
        elif ch in "'\"":
            buf, j = [], i + 1
            while True:
                k = sql.find(ch, j)
                if k < 0:
                    raise SqlError(-202, "An illegal character has been "
                                   "found in the statement.")
                if sql.startswith(ch, k + 1):     # a doubled quote
                    buf.append(sql[j:k + 1])
                    j = k + 2
                    continue
                buf.append(sql[j:k])
                break
            out.append(("str", "".join(buf)))
            i = k + 1
        else:
            m = _IDENT.match(sql, i) or _NUMBER.match(sql, i)
            if m:
                out.append(("ident" if m.re is _IDENT else "num", m.group()))
                i = m.end()
                continue
            op = next((o for o in _OPS if sql.startswith(o, i)), ch)
            out.append(("op", op))
            i += len(op)
    return out


def _quote(s):
    return "'" + s.replace("'", "''") + "'"


class _Parser:
    """Recursive descent over the tokens; each method returns SQLite text.
    endless: SKIP is dropped and a string literal on the right of > or >=
    becomes '' (the keyset of a page), for the endless fault."""

    def __init__(self, toks, endless=False):
        self.toks, self.i, self.endless = toks, 0, endless
        self.tables = []

    # -- tokens ---------------------------------------------------------------

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else (None, None)

    def word(self, k=0):
        kind, text = self.peek(k)
        return text.lower() if kind == "ident" else None

    def accept(self, *words):
        w = self.word()
        if w is not None and w in words:
            self.i += 1
            return w
        return None

    def expect(self, *words):
        w = self.accept(*words)
        if w is None:
            raise SqlError(*SYNTAX)
        return w

    def accept_op(self, *ops):
        kind, text = self.peek()
        if kind == "op" and text in ops:
            self.i += 1
            return text
        return None

    def expect_op(self, op):
        if self.accept_op(op) is None:
            raise SqlError(*SYNTAX)

    def count(self, zero_ok):
        kind, text = self.peek()
        if kind != "num" or not text.isdigit() or (int(text) == 0
                                                   and not zero_ok):
            raise SqlError(*SYNTAX)
        self.i += 1
        return int(text)

    def commas(self, parse):
        """parse {, parse}, joined."""
        out = [parse()]
        while self.accept_op(","):
            out.append(parse())
        return ", ".join(out)

    def name(self):
        kind, text = self.peek()
        if kind != "ident" or text.lower() in _RESERVED:
            raise SqlError(*SYNTAX)
        self.i += 1
        return text

    # -- statements -------------------------------------------------------------

    def statement(self):
        if self.word() != "select":
            raise NOT_A_QUERY
        sql, first, skip = self.query(top=True)
        if self.peek()[0] is not None:
            raise SqlError(*SYNTAX)
        return Translated(sql, first, skip, tuple(self.tables))

    def query(self, top=False):
        out, skip, first = self.core(top)
        while self.accept("union"):
            out += " UNION ALL " if self.accept("all") else " UNION "
            out += self.core(False)[0]
        if self.accept("order"):
            self.expect("by")
            out += " ORDER BY " + self.commas(self.order_item)
        if top and self.accept("limit"):
            if first is not None:
                raise SqlError(*SYNTAX)
            first = self.count(False)
        if self.endless:
            skip = None
        if first is not None or skip:
            out += f" LIMIT {first if first is not None else -1}"
            if skip:
                out += f" OFFSET {skip}"
        return out, first, skip

    def core(self, top):
        self.expect("select")
        skip = first = None
        if top and self.accept("skip"):
            skip = self.count(True)
        if top and self.accept("first", "limit"):
            first = self.count(False)
        out = "SELECT "
        q = self.accept("all", "distinct", "unique")
        if q:
            out += "ALL " if q == "all" else "DISTINCT "
        out += self.commas(self.item)
        self.expect("from")
        out += " FROM " + self.commas(self.source)
        if self.accept("where"):
            out += " WHERE " + self.cond()
        if self.accept("group"):
            self.expect("by")
            out += " GROUP BY " + self.commas(self.expr)
        if self.accept("having"):
            out += " HAVING " + self.cond()
        return out, skip, first

    def alias(self):
        if self.accept("as"):
            return " AS " + self.name()
        kind, text = self.peek()
        if kind == "ident" and text.lower() not in _RESERVED:
            self.i += 1
            return " AS " + text
        return ""

    def item(self):
        if self.accept_op("*"):
            return "*"
        if self.peek()[0] == "ident" and self.peek(1) == ("op", ".") \
                and self.peek(2) == ("op", "*"):
            t = self.name()
            self.i += 2
            return t + ".*"
        return self.expr() + self.alias()

    def table(self):
        if self.accept_op("("):
            sub = self.query()[0]
            self.expect_op(")")
            return f"({sub})" + self.alias()
        t = self.name()
        self.tables.append(t.lower())
        return t + self.alias()

    def source(self):
        if self.word() == "outer":      # Informix's own outer join
            raise SqlError(*SYNTAX)
        out = self.table()
        while True:
            w = self.accept("inner", "left", "right", "full", "cross", "join")
            if w is None:
                return out
            if w in ("left", "right", "full"):
                self.accept("outer")
                kind = f"{w.upper()} OUTER JOIN"
            else:
                kind = "CROSS JOIN" if w == "cross" else "INNER JOIN"
            if w != "join":
                self.expect("join")
            out += f" {kind} {self.table()}"
            if w != "cross":
                self.expect("on")
                out += " ON " + self.cond()

    def order_item(self):
        e = self.expr()
        d = self.accept("asc", "desc")
        return e + (" " + d.upper() if d else "")

    # -- conditions and expressions ---------------------------------------------

    def cond(self):
        out = self.cond_and()
        while self.accept("or"):
            out += " OR " + self.cond_and()
        return out

    def cond_and(self):
        out = self.cond_not()
        while self.accept("and"):
            out += " AND " + self.cond_not()
        return out

    def cond_not(self):
        if self.accept("not"):
            return "NOT " + self.cond_not()
        if self.accept("exists"):
            self.expect_op("(")
            sub = self.query()[0]
            self.expect_op(")")
            return f"EXISTS ({sub})"
        if self.peek() == ("op", "(") and self.word(1) != "select":
            # a condition in parentheses, or the first operand of one
            self.i += 1
            inner = self.cond()
            self.expect_op(")")
            return self.predicate(f"({inner})")
        return self.predicate()

    def predicate(self, first=None):
        left = self.expr(first)
        op = self.accept_op(*_COMPARE)
        if op:
            start = self.i
            right = self.expr()
            if self.endless and op in (">", ">=") and self.i == start + 1 \
                    and self.toks[start][0] == "str":
                right = "''"
            return f"{left} {'=' if op == '==' else op} {right}"
        neg = "NOT " if self.accept("not") else ""
        w = self.accept("like", "matches", "in", "between", "is")
        if w in ("like", "matches"):
            out = f"{left} {neg}{'LIKE' if w == 'like' else 'GLOB'} " \
                  f"{self.expr()}"
            escape = "\\" if w == "like" else None
            if self.accept("escape"):
                kind, text = self.peek()
                if w == "matches" or kind != "str" or len(text) != 1:
                    raise SqlError(*SYNTAX)
                self.i += 1
                escape = text
            return out + (" ESCAPE " + _quote(escape) if escape else "")
        if w == "in":
            self.expect_op("(")
            inner = self.query()[0] if self.word() == "select" \
                else self.commas(self.expr)
            self.expect_op(")")
            return f"{left} {neg}IN ({inner})"
        if w == "between":
            low = self.expr()
            self.expect("and")
            return f"{left} {neg}BETWEEN {low} AND {self.expr()}"
        if w == "is" and not neg:
            neg = "NOT " if self.accept("not") else ""
            self.expect("null")
            return f"{left} IS {neg}NULL"
        if neg or w:
            raise SqlError(*SYNTAX)
        return left

    def expr(self, first=None):
        out = self.term(first)
        while True:
            op = self.accept_op("+", "-", "||")
            if op is None:
                return out
            out += f" {op} {self.term()}"

    def term(self, first=None):
        out = first or self.factor()
        while True:
            op = self.accept_op("*", "/")
            if op is None:
                return out
            out += f" {op} {self.factor()}"

    def factor(self):
        sign = self.accept_op("-", "+")
        return (sign or "") + self.primary()

    def primary(self):
        kind, text = self.peek()
        if kind == "num":
            self.i += 1
            return text
        if kind == "str":
            self.i += 1
            return _quote(text)
        if self.accept_op("("):
            inner = self.query()[0] if self.word() == "select" \
                else self.expr()
            self.expect_op(")")
            return f"({inner})"
        if kind != "ident":
            raise SqlError(*SYNTAX)
        if self.accept("null"):
            return "NULL"
        if self.accept("case"):
            return self.case()
        if self.peek(1) == ("op", "("):
            return self.function()
        t = self.name()
        if self.accept_op("."):
            return t + "." + self.name()
        return t

    def case(self):
        out = "CASE"
        if self.word() != "when":
            out += " " + self.expr()
        if self.word() != "when":
            raise SqlError(*SYNTAX)
        while self.accept("when"):
            out += " WHEN " + self.cond()
            self.expect("then")
            out += " THEN " + self.expr()
        if self.accept("else"):
            out += " ELSE " + self.expr()
        self.expect("end")
        return out + " END"

    def function(self):
        name = self.peek()[1]
        low = name.lower()
        self.i += 2
        if low not in FUNCTIONS:
            raise SqlError(-674, f"Routine ({low}) can not be resolved.")
        if low == "count" and self.accept_op("*"):
            args = "*"
        else:
            args = "DISTINCT " if self.accept("distinct", "unique") else ""
            args += self.commas(self.expr)
        self.expect_op(")")
        return f"{FUNCTIONS[low]}({args})"


def translate(sql, endless=False):
    """Informix SELECT -> Translated(sql, first, skip, tables) for SQLite.
    Raises SqlError."""
    toks = tokenize(sql)
    if toks and toks[-1] == ("op", ";"):
        toks.pop()
    if not toks:
        raise SqlError(*SYNTAX)
    if toks[0][0] != "ident" or toks[0][1].lower() != "select":
        raise NOT_A_QUERY
    if ("op", "::") in toks or ("op", ";") in toks:
        raise SqlError(*SYNTAX)
    try:
        return _Parser(toks, endless).statement()
    except RecursionError:
        raise SqlError(*SYNTAX) from None


def column_names(description):
    """Result column element names: lowercase, no table prefix, functions
    by their name (count(*) -> count, as a real log shows)."""
    names = []
    for d in description:
        name = d[0].strip().lower()
        if "(" in name:
            name = name.split("(", 1)[0].strip() or "expression"
        if "." in name:
            name = name.rsplit(".", 1)[1]
        if not re.fullmatch(r"[a-z_][a-z0-9_.-]*", name):
            name = "expression"
        names.append(name)
    return names


def table_error(name):
    return SqlError(-206, f"The specified table ({name}) is not in the "
                    "database.")


def sql_error(exc):
    """SqlError for a sqlite3 exception."""
    msg = str(exc)
    m = re.match(r"no such table: (?:\w+\.)?(\S+)", msg)
    if m:
        return table_error(m.group(1))
    m = re.match(r"no such column: (\S+)", msg)
    if m:
        col = m.group(1).rsplit(".", 1)[-1]
        return SqlError(-217, f"Column ({col}) not found in any table in the "
                        "query (or SLV is undefined).")
    m = re.match(r"ambiguous column name: (\S+)", msg)
    if m:
        return SqlError(-324, f"Ambiguous column ({m.group(1)}).")
    m = re.match(r"no such function: (\S+)", msg)
    if m:
        return SqlError(-674, f"Routine ({m.group(1)}) can not be resolved.")
    m = re.match(r"access to (\w+)\.\S+ is prohibited", msg)
    if m:
        return table_error(m.group(1))
    if "not authorized" in msg or "prohibited" in msg:
        return NOT_A_QUERY
    return SqlError(*SYNTAX)


def make_authorizer(hidden_tables):
    """Allows reading only; hidden tables look absent."""
    allowed = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ,
               sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}

    def authorizer(action, arg1, arg2, dbname, source):
        if action == sqlite3.SQLITE_READ and arg1 in hidden_tables:
            return sqlite3.SQLITE_DENY
        if action in allowed:
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY
    return authorizer
