"""executeSQLQuery and listRegistrationDynamic.

executeSQLQuery runs the client's Informix SELECT (informix.translate) on
the SQLite tables with an authorizer that allows reading only, Informix's
case-sensitive LIKE, and NULL as an empty element.  Rows are serialised as
they are fetched; past max_response_bytes the rest are only counted, for the
"Query request too large" fault.
"""

import sqlite3

from . import informix
from .axlops import AxlFault, PhoneRenderer, braces, child, local, text
from .registry import RISSTATUS_NAMES
from .soap import esc


def _value(v):
    if v is None:
        return ""
    if isinstance(v, bytes):
        return v.hex()
    return esc(v)


def execute_sql_query(sim, el, version):
    sql = text(el, "sql", "")
    try:
        translated = informix.translate(sql)
    except informix.SqlError as e:
        raise AxlFault(e.message, e.code, "soapenv:Client") from None
    limit = sim.config["max_response_bytes"]
    store = sim.store
    parts, size, rows, counted = [], 0, 0, 0
    with store.lock:
        conn = store.conn
        conn.execute("PRAGMA case_sensitive_like = ON")
        conn.set_authorizer(informix.make_authorizer(store.HIDDEN))
        try:
            cur = conn.execute(translated)
            names = informix.column_names(cur.description or [])
            over = False
            while True:
                batch = cur.fetchmany(500)
                if not batch:
                    break
                if over:
                    counted += len(batch)
                    continue
                for i, row in enumerate(batch):
                    p = "<row>" + "".join(
                        f"<{n}>{_value(v)}</{n}>" if v is not None
                        else f"<{n}/>" for n, v in zip(names, row)) + "</row>"
                    size += len(p.encode("utf-8"))
                    if size > limit:
                        over = True
                        counted = len(batch) - i
                        break
                    parts.append(p)
                    rows += 1
        except sqlite3.Error as e:
            err = informix.sql_error(e)
            raise AxlFault(err.message, err.code, "soapenv:Client") from None
        finally:
            conn.set_authorizer(None)
            conn.execute("PRAGMA case_sensitive_like = OFF")
    if over:
        raise sim.too_large(rows + counted, rows + 1, size)
    return "<return>" + "".join(parts) + "</return>"


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
