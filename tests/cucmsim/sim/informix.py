"""Informix SQL as CUCM's executeSQLQuery takes it, run on SQLite.

translate() tokenises the statement (so string literals, including hostile
ones, stay literals), refuses anything but one SELECT, rewrites Informix's
`SELECT SKIP n FIRST m` / `LIMIT m` / UNIQUE / MATCHES into SQLite, and
re-emits every string literal single-quoted.  sql_error() maps SQLite errors
to Informix error codes and messages (-201 syntax error, -206 unknown table,
-217 unknown column, ...), which AXL returns as the negative axlcode.
"""

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
_OPS = ("<>", "!=", ">=", "<=", "||", "::")


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
                if j >= n:
                    raise SqlError(-202, "An illegal character has been "
                                   "found in the statement.")
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        buf.append(ch)
                        j += 2
                        continue
                    break
                buf.append(sql[j])
                j += 1
            out.append(("str", "".join(buf)))
            i = j + 1
        else:
            m = _IDENT.match(sql, i)
            if m:
                out.append(("ident", m.group()))
                i = m.end()
                continue
            m = _NUMBER.match(sql, i)
            if m:
                out.append(("num", m.group()))
                i = m.end()
                continue
            op = next((o for o in _OPS if sql.startswith(o, i)), ch)
            if op == "::":
                raise SqlError(*SYNTAX)
            out.append(("op", op))
            i += len(op)
    return out


def _quote(s):
    return "'" + s.replace("'", "''") + "'"


def translate(sql):
    """Informix SELECT -> SQLite SELECT.  Raises SqlError."""
    toks = tokenize(sql)
    if toks and toks[-1] == ("op", ";"):
        toks.pop()
    if not toks:
        raise SqlError(*SYNTAX)
    if toks[0][0] != "ident" or toks[0][1].lower() != "select":
        raise NOT_A_QUERY
    if ("op", ";") in toks:
        raise SqlError(*SYNTAX)
    skip = first = None
    i = 1
    while i + 1 < len(toks) and toks[i][0] == "ident":
        word = toks[i][1].lower()
        if word in ("skip", "first", "limit") and toks[i + 1][0] == "num":
            value = int(float(toks[i + 1][1]))
            if word == "skip":
                skip = value
            else:
                first = value
            i += 2
        else:
            break
    body = toks[i:]
    words = []
    for kind, text in body:
        if kind == "str":
            words.append(_quote(text))
        elif kind == "ident":
            low = text.lower()
            if low == "unique":
                words.append("DISTINCT")
            elif low == "matches":
                words.append("GLOB")
            else:
                words.append(text)
        else:
            words.append(text)
    out = "SELECT " + " ".join(words)
    if first is not None or skip is not None:
        out += f" LIMIT {first if first is not None else -1}"
        if skip:
            out += f" OFFSET {skip}"
    return out


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


def sql_error(exc):
    """SqlError for a sqlite3 exception."""
    msg = str(exc)
    m = re.match(r"no such table: (?:\w+\.)?(\S+)", msg)
    if m:
        return SqlError(-206, f"The specified table ({m.group(1)}) is not "
                        "in the database.")
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
        return SqlError(-206, f"The specified table ({m.group(1)}) is not "
                        "in the database.")
    if "not authorized" in msg or "prohibited" in msg:
        return NOT_A_QUERY
    if isinstance(exc, sqlite3.ProgrammingError):
        return SqlError(*SYNTAX)
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
