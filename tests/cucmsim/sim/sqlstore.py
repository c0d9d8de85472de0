"""The database: SQLite tables named and shaped like CUCM's Informix ones.

device, devicepool, typemodel, typeclass, typedeviceprotocol,
typecertificatestatus, typecertificateoperation, securityprofile,
callingsearchspace, enduser, processnode, registrationdynamic.  CAPF key
settings, which CUCM does not keep in `device` (FACTS §4), live in the
internal table sim_capf, hidden from executeSQLQuery.

All access goes through Store, whose lock serialises every statement.
executeSQLQuery runs on a connection of its own (Store.sql): read-only,
case-sensitive LIKE, and the data dictionary of the CUCM release simulated
(set_dictionary: tables and columns an older release lacks are hidden).
"""

import sqlite3
import threading

from . import enums, informix
from .clock import format_uft
from .population import NODES

SCHEMA = """
CREATE TABLE devicepool (pkid TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE typemodel (enum INTEGER PRIMARY KEY, name TEXT NOT NULL,
    moniker TEXT);
CREATE TABLE typeclass (enum INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE typedeviceprotocol (enum INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE typecertificatestatus (enum INTEGER PRIMARY KEY,
    name TEXT NOT NULL, moniker TEXT);
CREATE TABLE typecertificateoperation (enum INTEGER PRIMARY KEY,
    name TEXT NOT NULL, moniker TEXT);
CREATE TABLE securityprofile (pkid TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE callingsearchspace (pkid TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE enduser (pkid TEXT PRIMARY KEY, userid TEXT NOT NULL,
    firstname TEXT, lastname TEXT);
CREATE TABLE processnode (pkid TEXT PRIMARY KEY, name TEXT NOT NULL,
    description TEXT, systemnode TEXT, tknodeusage INTEGER);
CREATE TABLE device (
    pkid TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT,
    tkmodel INTEGER, tkclass INTEGER, tkdeviceprotocol INTEGER,
    tkproduct INTEGER, fkdevicepool TEXT, fksecurityprofile TEXT,
    fkcallingsearchspace TEXT, fkenduser TEXT,
    tkcertificateoperation INTEGER, tkcertificatestatus INTEGER,
    upgradefinishtime TEXT, authenticationstring TEXT,
    tkkeyauthority INTEGER, ecpublickeycurve INTEGER,
    lscvaliduntil INTEGER, lscissuername TEXT, lscissuervaliduntil INTEGER);
CREATE INDEX device_pool ON device (fkdevicepool);
CREATE TABLE registrationdynamic (pkid TEXT PRIMARY KEY,
    lastknownipaddress TEXT, lastknownucm TEXT,
    fkdevice TEXT NOT NULL UNIQUE, datetimestamp INTEGER,
    lastknownconfigversion TEXT, locationdetails TEXT,
    tkendpointconnection INTEGER, portorssid TEXT, lastseen INTEGER,
    tkrisstatus INTEGER);
CREATE TABLE sim_capf (fkdevice TEXT PRIMARY KEY, authenticationmode TEXT,
    keysize TEXT, keyorder TEXT, eckeysize TEXT);
"""

HIDDEN_TABLES = ("sim_capf",)
# --sql-dictionary: what executeSQLQuery cannot see ("table" or
# "table.column"); "old" is a release before the LSC columns (README)
DICTIONARIES = {"current": (),
                "old": ("device.lscvaliduntil", "device.lscissuername",
                        "device.lscissuervaliduntil")}
# the whole database of 40,000 phones (30 MB) fits in the page cache, and
# is mapped: a page of the inventory query reads no file
PRAGMAS = ("PRAGMA cache_size=-131072", "PRAGMA mmap_size=268435456")

# Columns listPhone/getPhone read, one row per device.
PHONE_SELECT = """
SELECT d.pkid, d.name, d.description, tm.name AS model, d.tkdeviceprotocol,
       d.tkclass, dp.pkid AS dp_pkid, dp.name AS dp_name,
       sp.pkid AS sp_pkid, sp.name AS sp_name,
       css.pkid AS css_pkid, css.name AS css_name,
       eu.pkid AS eu_pkid, eu.userid AS eu_userid,
       d.tkcertificateoperation, d.tkcertificatestatus, d.upgradefinishtime,
       d.authenticationstring, c.authenticationmode, c.keysize, c.keyorder,
       c.eckeysize, d.lscvaliduntil, d.lscissuername
FROM device d
JOIN devicepool dp ON dp.pkid = d.fkdevicepool
JOIN typemodel tm ON tm.enum = d.tkmodel
LEFT JOIN securityprofile sp ON sp.pkid = d.fksecurityprofile
LEFT JOIN callingsearchspace css ON css.pkid = d.fkcallingsearchspace
LEFT JOIN enduser eu ON eu.pkid = d.fkenduser
LEFT JOIN sim_capf c ON c.fkdevice = d.pkid
"""

# searchCriteria element -> SQL expression it is matched against with LIKE
CRITERIA = {
    "name": "d.name", "description": "d.description",
    "protocol": "(SELECT name FROM typedeviceprotocol WHERE enum = d.tkdeviceprotocol)",
    "callingSearchSpaceName": "css.name", "devicePoolName": "dp.name",
    "securityProfileName": "sp.name",
}


class Store:
    def __init__(self, path):
        self.lock = threading.RLock()
        self.path = path
        self.conn = sqlite3.connect(path, check_same_thread=False,
                                    isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=MEMORY")
        self.conn.execute("PRAGMA synchronous=OFF")
        for p in PRAGMAS:
            self.conn.execute(p)
        self.conn.executescript(SCHEMA)
        self.sql = None
        self.sql_hidden = set(HIDDEN_TABLES)

    def close(self):
        with self.lock:
            if self.sql is not None:
                self.sql.close()
            self.conn.close()

    def set_dictionary(self, hidden):
        """What executeSQLQuery sees: every table and column but hidden
        ("table" or "table.column" names).  A table with hidden columns is
        shadowed by a temporary view of the others on the SQL connection."""
        hidden = {h.lower() for h in hidden}
        with self.lock:
            tables = {r[0] for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            cols = {}
            for h in hidden:
                table, _, col = h.partition(".")
                if table not in tables:
                    raise ValueError(f"no table {table!r}")
                if col:
                    cols.setdefault(table, set()).add(col)
            if self.sql is None:
                self.sql = sqlite3.connect(self.path, check_same_thread=False,
                                           isolation_level=None)
                for p in PRAGMAS:
                    self.sql.execute(p)
                self.sql.execute("PRAGMA case_sensitive_like=ON")
            c = self.sql
            c.set_authorizer(None)
            c.execute("PRAGMA query_only=OFF")
            for (view,) in c.execute("SELECT name FROM temp.sqlite_master "
                                     "WHERE type = 'view'").fetchall():
                c.execute(f"DROP VIEW temp.{view}")
            for table, gone in cols.items():
                keep = [r[1] for r in c.execute(
                    f"PRAGMA main.table_info({table})") if r[1] not in gone]
                c.execute(f"CREATE TEMP VIEW {table} AS SELECT "
                          f"{', '.join(keep)} FROM main.{table}")
            c.execute("PRAGMA query_only=ON")
            self.sql_hidden = set(HIDDEN_TABLES) | {h for h in hidden
                                                    if "." not in h}
            c.set_authorizer(informix.make_authorizer(self.sql_hidden))

    # -- loading ---------------------------------------------------------

    def load(self, pop, node_pkids):
        c = self.conn
        with self.lock:
            c.execute("BEGIN")
            c.executemany("INSERT INTO typecertificatestatus VALUES (?,?,?)",
                          [(i + 1, n, n.upper().replace(" ", "_"))
                           for i, n in enumerate(enums.CERT_STATUSES)])
            c.executemany("INSERT INTO typecertificateoperation VALUES (?,?,?)",
                          [(i + 1, n, n.upper().replace(" ", "_"))
                           for i, n in enumerate(enums.CERT_OPERATIONS)])
            c.executemany("INSERT INTO typemodel VALUES (?,?,?)",
                          [(v[0], k, k.upper().replace(" ", "_"))
                           for k, v in enums.MODELS.items()])
            c.executemany("INSERT INTO typeclass VALUES (?,?)",
                          enums.DEVICE_CLASSES.items())
            c.executemany("INSERT INTO typedeviceprotocol VALUES (?,?)",
                          enums.DEVICE_PROTOCOLS.items())
            c.executemany("INSERT INTO devicepool VALUES (?,?)", pop.pools)
            c.executemany("INSERT INTO securityprofile VALUES (?,?)",
                          [(v, k) for k, v in pop.profiles.items()])
            c.executemany("INSERT INTO callingsearchspace VALUES (?,?)",
                          [(v, k) for k, v in pop.css.items()])
            c.executemany("INSERT INTO enduser VALUES (?,?,?,?)", pop.users)
            nodes = [(node_pkids[n], n, n, "f", 1 if n == NODES[0] else 2)
                     for n in NODES]
            nodes.append((node_pkids["EnterpriseWideData"],
                          "EnterpriseWideData", "", "t", 0))
            c.executemany("INSERT INTO processnode VALUES (?,?,?,?,?)", nodes)
            pools = {n: p for p, n in pop.pools}
            users = {u[1]: u[0] for u in pop.users}
            rows, capf = [], []
            for ph in pop.phones:
                tkmodel, tkproduct = enums.MODELS[ph["model"]][:2]
                rows.append((
                    ph["pkid"], ph["name"], ph["description"], tkmodel, 1,
                    ph["protocol"], tkproduct, pools[ph["pool"]],
                    pop.profiles.get(ph["profile"]),
                    pop.css.get(ph["css"]) if ph["css"] else None,
                    users.get(ph["owner"]) if ph["owner"] else None,
                    ph["op"], ph["status"],
                    format_uft(ph["deadline"]) if ph["deadline"] else "",
                    ph["authstring"], 0, None, ph["lscvaliduntil"],
                    ph["lscissuername"], ph.get("lscissuervaliduntil", 0)))
                capf.append((ph["pkid"], ph["authmode"], ph["keysize"],
                             ph["keyorder"], ph["eckeysize"]))
            c.executemany("INSERT INTO device VALUES (%s)" % ",".join("?" * 20),
                          rows)
            c.executemany("INSERT INTO sim_capf VALUES (?,?,?,?,?)", capf)
            c.execute("COMMIT")
            # statistics: the query planner walks device by name for a
            # keyset page instead of sorting every phone of the pools
            c.execute("ANALYZE")
        self.set_dictionary(DICTIONARIES["current"])

    # -- phones ----------------------------------------------------------

    def _where(self, criteria):
        clauses, args = ["d.tkclass = 1"], []
        for key, value in criteria:
            clauses.append(f"{CRITERIA[key]} LIKE ? ESCAPE '\x01'")
            args.append(value)
        return " WHERE " + " AND ".join(clauses), args

    def count_phones(self, criteria):
        where, args = self._where(criteria)
        sql = ("SELECT count(*) FROM device d JOIN devicepool dp ON "
               "dp.pkid = d.fkdevicepool LEFT JOIN securityprofile sp ON "
               "sp.pkid = d.fksecurityprofile LEFT JOIN callingsearchspace css "
               "ON css.pkid = d.fkcallingsearchspace" + where)
        with self.lock:
            return self.conn.execute(sql, args).fetchone()[0]

    def iter_phones(self, criteria, skip=0, first=None):
        """Rows ordered by name; materialised under the lock."""
        where, args = self._where(criteria)
        sql = PHONE_SELECT + where + " ORDER BY d.name"
        if first is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [first, skip]
        with self.lock:
            return self.conn.execute(sql, args).fetchall()

    def get_phone(self, name=None, pkid=None):
        if name is not None:
            where, args = " WHERE d.name = ? COLLATE NOCASE", [name]
        else:
            where, args = " WHERE d.pkid = ?", [pkid.strip("{}").lower()]
        with self.lock:
            return self.conn.execute(PHONE_SELECT + where, args).fetchone()

    def update_device(self, pkid, **cols):
        if not cols:
            return
        sets = ", ".join(f"{k} = ?" for k in cols)
        with self.lock:
            self.conn.execute(f"UPDATE device SET {sets} WHERE pkid = ?",
                              [*cols.values(), pkid])

    def update_capf(self, pkid, **cols):
        if not cols:
            return
        sets = ", ".join(f"{k} = ?" for k in cols)
        with self.lock:
            self.conn.execute(f"UPDATE sim_capf SET {sets} WHERE fkdevice = ?",
                              [*cols.values(), pkid])

    def device_row(self, pkid):
        with self.lock:
            return self.conn.execute("SELECT * FROM device WHERE pkid = ?",
                                     (pkid,)).fetchone()

    # -- registrationdynamic --------------------------------------------

    def upsert_regdyn(self, rows):
        """rows: (pkid, fkdevice, ip, ucm, lastseen, risstatus)."""
        with self.lock:
            self.conn.execute("BEGIN")
            self.conn.executemany(
                "INSERT INTO registrationdynamic (pkid, fkdevice, "
                "lastknownipaddress, lastknownucm, lastseen, tkrisstatus, "
                "lastknownconfigversion, locationdetails, "
                "tkendpointconnection, portorssid, datetimestamp) "
                "VALUES (?,?,?,?,?,?,'','',1,'',?5) "
                "ON CONFLICT(fkdevice) DO UPDATE SET "
                "lastknownipaddress = excluded.lastknownipaddress, "
                "lastknownucm = excluded.lastknownucm, "
                "lastseen = excluded.lastseen, "
                "datetimestamp = excluded.datetimestamp, "
                "tkrisstatus = excluded.tkrisstatus", rows)
            self.conn.execute("COMMIT")

    def regdyn(self, like, skip, first):
        sql = ("SELECT rd.pkid, d.name, d.pkid AS dpkid, rd.lastknownipaddress,"
               " rd.lastknownucm, rd.lastknownconfigversion, rd.locationdetails,"
               " rd.portorssid, rd.lastseen, rd.tkrisstatus "
               "FROM registrationdynamic rd JOIN device d ON "
               "d.pkid = rd.fkdevice WHERE d.name LIKE ? ESCAPE '\x01' "
               "ORDER BY d.name")
        args = [like]
        if first is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [first, skip]
        with self.lock:
            return self.conn.execute(sql, args).fetchall()

    def rows(self, table, where=None, limit=1000):
        """Raw rows for the control interface's /truth/rows."""
        with self.lock:
            names = {r[0] for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if table not in names:
                raise KeyError(table)
            sql = f"SELECT * FROM {table}"
            args = []
            if where:
                col, val = where
                cols = {r[1] for r in self.conn.execute(
                    f"PRAGMA table_info({table})")}
                if col not in cols:
                    raise KeyError(col)
                sql += f" WHERE {col} = ?"
                args.append(val)
            sql += " LIMIT ?"
            args.append(limit)
            return [dict(r) for r in self.conn.execute(sql, args)]

    def capf_row(self, pkid):
        with self.lock:
            return self.conn.execute("SELECT * FROM sim_capf WHERE fkdevice = ?",
                                     (pkid,)).fetchone()

    def descriptions(self, names):
        out = {}
        names = list(names)
        with self.lock:
            for i in range(0, len(names), 900):
                chunk = names[i:i + 900]
                q = ",".join("?" * len(chunk))
                for r in self.conn.execute(
                        f"SELECT name, description FROM device WHERE name "
                        f"IN ({q})", chunk):
                    out[r[0]] = r[1]
        return out
