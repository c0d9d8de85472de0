"""executeSQLQuery and listRegistrationDynamic.

executeSQLQuery runs the client's Informix SELECT (informix.translate) on
the store's SQL connection (read-only, Informix's case-sensitive LIKE, the
data dictionary of the release simulated), NULL as an empty element.  Rows
are serialised as they are fetched; past max_response_bytes the rest are
only counted, for the "Query request too large" fault.  A statement longer
than sql_max_length bytes is Informix's -460.
"""

import itertools
import sqlite3

from . import informix
from .axlops import AxlFault, PhoneRenderer, braces, child, local, text
from .registry import RISSTATUS_NAMES
from .soap import esc


def _row_renderer(names):
    """row tuple -> '<row><col>value</col>...</row>' for these columns
    (the hot loop of a page: a value is escaped only if it has to be)."""
    cols = [(f"<{n}>", f"</{n}>", f"<{n}/>") for n in names]

    def render(row):
        out = ["<row>"]
        for (o, c, e), v in zip(cols, row):
            if v is None:
                out.append(e)
            elif type(v) is str and ("&" in v or "<" in v or ">" in v):
                out.append(o + esc(v) + c)
            elif type(v) is bytes:
                out.append(o + v.hex() + c)
            else:
                out.append(f"{o}{v}{c}")
        out.append("</row>")
        return "".join(out)
    return render


def _sql_error(e):
    return AxlFault(e.message, e.code, "soapenv:Client")


def execute_sql_query(sim, el, version, endless=None):
    sql = text(el, "sql", "")
    store = sim.store
    if len(sql.encode("utf-8")) > sim.config["sql_max_length"]:
        raise AxlFault("Statement length exceeds maximum.", -460,
                       "soapenv:Client")
    try:
        q = informix.translate(sql, endless=endless is not None)
        gone = next((t for t in q.tables if t in store.sql_hidden), None)
        if gone is not None:
            raise informix.table_error(gone)
    except informix.SqlError as e:
        raise _sql_error(e) from None
    limit = sim.config["max_response_bytes"]
    parts, size, counted = [], 0, 0
    with store.lock:
        cur = store.sql.cursor()
        try:
            cur.execute(q.sql)
            names = informix.column_names(cur.description or [])
            render = _row_renderer(names)
            if endless is None:
                batches = iter(lambda: cur.fetchmany(500), [])
            else:
                batches = [_endless_rows(sim, endless, names,
                                         cur.fetchall(), q.first)]
            for batch in batches:
                if counted:
                    counted += len(batch)
                    continue
                rendered = [render(row) for row in batch]
                more = len("".join(rendered).encode("utf-8"))
                if size + more <= limit:
                    parts += rendered
                    size += more
                    continue
                for i, p in enumerate(rendered):   # the row that crosses
                    size += len(p.encode("utf-8"))
                    if size > limit:
                        counted = len(batch) - i
                        break
                    parts.append(p)
        except sqlite3.Error as e:
            raise _sql_error(informix.sql_error(e)) from None
        finally:
            cur.close()
    if counted:
        raise sim.too_large(len(parts) + counted, len(parts) + 1, size)
    return "<return>" + "".join(parts) + "</return>"


def _endless_rows(sim, rule, names, rows, first):
    """A full page (FIRST n, else as many as the query found) whatever the
    skip or keyset: the query's rows over and over, with fresh names."""
    n = first if first is not None else len(rows)
    if not rows:
        rows = [(None,) * len(names)]
    out = []
    name_col = names.index("name") if "name" in names else \
        _device_name_column(sim, rows[0])
    pkid_col = names.index("pkid") if "pkid" in names else None
    for row, (name, pkid) in zip(itertools.cycle(rows),
                                 sim.faults.fresh_names(rule, n)):
        row = list(row)
        if name_col is not None:
            row[name_col] = name
        if pkid_col is not None:
            row[pkid_col] = pkid
        out.append(row)
    return out


def _device_name_column(sim, row):
    """The column holding device names when the query renamed it (d.name
    AS n): the first one whose value names a device."""
    for i, v in enumerate(row):
        if isinstance(v, str) and sim.store.sql.execute(
                "SELECT 1 FROM device WHERE name = ?", (v,)).fetchone():
            return i
    return None


_RD_TAGS = {"lastKnownIpAddress": "lastknownipaddress",
            "lastKnownUcm": "lastknownucm",
            "lastKnownConfigVersion": "lastknownconfigversion",
            "locationDetails": "locationdetails", "portOrSsid": "portorssid",
            "lastSeen": "lastseen"}


def list_registration_dynamic(sim, el, version):
    crit = child(el, "searchCriteria")
    like = text(crit, "device")
    if like is None:
        raise AxlFault("At least one element under searchCriteria has to be "
                       "mentioned", 5003, "soapenv:Client")
    tags = [local(c) for c in child(el, "returnedTags")
            if isinstance(c.tag, str)]
    first_txt = text(el, "first")
    first = int(first_txt) if first_txt not in (None, "") else None
    skip = int(text(el, "skip") or 0) if first is not None else 0
    rows = sim.store.regdyn(like, skip, first)
    r = PhoneRenderer(version)
    limit = sim.config["max_response_bytes"]
    parts, size = [], 0
    for i, row in enumerate(rows):
        inner = []
        for t in tags:
            if t == "device":
                inner.append(r.fk("device", row["name"], row["dpkid"]))
            elif t == "endpointConnection":
                inner.append("<endpointConnection/>")
            elif t == "risStatus":
                inner.append(r.plain(t, RISSTATUS_NAMES.get(row["tkrisstatus"],
                                                            "Unknown")))
            elif t in _RD_TAGS:
                v = row[_RD_TAGS[t]]
                inner.append(r.plain(t, "" if v is None else str(v)))
            else:
                inner.append(f"<{t}/>")
        p = (f'<registrationDynamic uuid="{braces(row["pkid"])}">'
             + "".join(inner) + "</registrationDynamic>")
        size += len(p.encode("utf-8"))
        if size > limit:
            raise sim.too_large(len(rows), i + 1, size)
        parts.append(p)
    return "<return>" + "".join(parts) + "</return>"
