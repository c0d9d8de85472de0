"""executeSQLQuery as the inventory read of issue 12 uses it: one stream of
every phone of many pools, joined with the type tables and
registrationdynamic, paged by keyset; and what CUCM refuses.

Run from the repository root:
    /usr/bin/python3 -m unittest discover -s tests/cucmsim -p 'test_*.py'
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simclient import Sim, SimError  # noqa: E402
from test_cucmsim import START, fault, raw_exchange, rows, sql  # noqa: E402

COLUMNS = ["name", "description", "pool", "model", "certop", "certstatus",
           "upgradefinishtime", "lscvaliduntil", "lscissuername",
           "lastknownipaddress", "lastknownucm", "datetimestamp", "lastseen"]
INVENTORY = (
    "SELECT FIRST {first} d.name, d.description, dp.name AS pool, "
    "tm.name AS model, tco.name AS certop, tcs.name AS certstatus, "
    "d.upgradefinishtime, d.lscvaliduntil, d.lscissuername, "
    "rd.lastknownipaddress, rd.lastknownucm, rd.datetimestamp, rd.lastseen "
    "FROM device d "
    "INNER JOIN devicepool dp ON d.fkdevicepool = dp.pkid "
    "INNER JOIN typemodel tm ON d.tkmodel = tm.enum "
    "INNER JOIN typecertificateoperation tco "
    "ON d.tkcertificateoperation = tco.enum "
    "INNER JOIN typecertificatestatus tcs ON d.tkcertificatestatus = tcs.enum "
    "LEFT OUTER JOIN registrationdynamic rd ON rd.fkdevice = d.pkid "
    "WHERE d.tkclass = 1 AND ({where}){keyset} ORDER BY d.name")
SCENARIO = {
    "population": {"phones": 500, "pools": 6, "seed": 5},
    "phones": [
        {"name": "SEPAAAA00000001", "pool": "HQ Phones",
         "description": "100% sure", "registered": True},
        {"name": "SEPAAAA00000002", "pool": "HQ Phones",
         "description": "100x sure", "registered": True},
        {"name": "SEPAAAA00000003", "pool": "Branch East",
         "schedule": "never_registered"},
    ]}


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def pools_in(names):
    return "dp.name IN (" + ", ".join(lit(p) for p in names) + ")"


class InventorySim(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(scenario=SCENARIO, start=START).start()
        cls.pools = cls.sim.info["pools"]

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def query(self, text, **kw):
        s, _, b = sql(self.sim, text, **kw)
        self.assertEqual(s, 200, b[:400])
        return rows(b)

    def refused(self, text):
        """(axlcode, message) of a query CUCM refuses."""
        s, _, b = sql(self.sim, text)
        self.assertEqual(s, 500, text)
        fc, msg, code, req = fault(b)
        self.assertEqual((fc, req), ("soapenv:Client", "executeSQLQuery"))
        return code, msg

    def paged(self, where, first):
        """Every row of the inventory query, read by keyset pages."""
        got, last = [], None
        while True:
            keyset = f" AND d.name > {lit(last)}" if last else ""
            page = self.query(INVENTORY.format(first=first, where=where,
                                               keyset=keyset))
            got += page
            if len(page) < first:
                return got
            last = page[-1]["name"]


class TestInventoryQuery(InventorySim):
    def test_keyset_pages_give_every_phone_of_the_pools_once(self):
        chosen = self.pools[:3]
        truth = {d["name"]: d for p in chosen
                 for d in self.sim.devices(pool=p)}
        got = self.paged(pools_in(chosen), 37)
        self.assertEqual([r["name"] for r in got], sorted(truth))
        for r in got:
            t = truth[r["name"]]
            self.assertEqual(list(r), COLUMNS)
            self.assertEqual((r["pool"], r["model"], r["certop"],
                              r["certstatus"], r["upgradefinishtime"],
                              int(r["lscvaliduntil"]), r["lscissuername"]),
                             (t["pool"], t["model"],
                              t["certificate_operation"],
                              t["certificate_status"],
                              t["upgrade_finish_time"], t["lscvaliduntil"],
                              t["lscissuername"] or ""))
        # the LEFT OUTER JOIN keeps a phone registrationdynamic never saw
        never = next(r for r in got if r["name"] == "SEPAAAA00000003")
        self.assertEqual((never["lastknownipaddress"], never["lastseen"]),
                         ("", ""))
        seen = [r for r in got if r["lastseen"]]
        self.assertTrue(seen)
        for r in seen:
            self.assertTrue(r["lastknownipaddress"].startswith("127."))
            self.assertEqual(r["datetimestamp"], r["lastseen"])

    def test_packed_row_and_type_names(self):
        """The form lscrenew sends since the rows were packed: the type
        tables' names with the count (UNION ALL), the pool as its place in
        a CASE, the rest joined by || with NVL for the NULLs."""
        chosen = self.pools[:2]
        where = "d.tkclass = 1 AND " + pools_in(chosen)
        names = self.query(
            "SELECT 1 AS kind, enum, name FROM typecertificateoperation "
            "UNION ALL SELECT 2, enum, name FROM typecertificatestatus "
            "UNION ALL SELECT 3, enum, name FROM typemodel UNION ALL "
            "SELECT 0, COUNT(*), '' FROM device d INNER JOIN devicepool dp "
            "ON d.fkdevicepool = dp.pkid WHERE " + where)
        types = {(r["kind"], r["enum"]): r["name"] for r in names}
        truth = {d["name"]: d for p in chosen
                 for d in self.sim.devices(pool=p)}
        self.assertEqual(types[("0", str(len(truth)))], "")
        case = "CASE dp.name " + " ".join(
            f"WHEN {lit(p)} THEN {i}" for i, p in enumerate(chosen)) + " END"
        got = self.query(
            "SELECT d.name AS n, " + case + " || '|' || d.tkmodel || '|' || "
            "d.tkcertificateoperation || '|' || d.tkcertificatestatus || "
            "'|' || NVL(d.lscvaliduntil, 0) || '|' || NVL(rd.lastseen, 0) || "
            "'|' || NVL(d.upgradefinishtime, '') || '|' || "
            "NVL(rd.lastknownipaddress, '') || '|' || NVL(rd.lastknownucm, "
            "'') AS x FROM device d INNER JOIN devicepool dp ON "
            "d.fkdevicepool = dp.pkid LEFT OUTER JOIN registrationdynamic rd "
            "ON rd.fkdevice = d.pkid WHERE " + where + " ORDER BY d.name")
        self.assertEqual([r["n"] for r in got], sorted(truth))
        for r in got:
            t = truth[r["n"]]
            pool, model, op, st, valid, seen, finish, ip, node = \
                r["x"].split("|")
            self.assertEqual(
                (chosen[int(pool)], types[("3", model)], types[("1", op)],
                 types[("2", st)], int(valid), finish),
                (t["pool"], t["model"], t["certificate_operation"],
                 t["certificate_status"], t["lscvaliduntil"],
                 t["upgrade_finish_time"]))
            if r["n"] == "SEPAAAA00000003":     # registrationdynamic: none
                self.assertEqual((seen, ip, node), ("0", "", ""))
        # without NVL, a phone registrationdynamic never saw has no x
        row = self.query(
            "SELECT d.name || '|' || rd.lastknownipaddress AS x FROM device d "
            "LEFT OUTER JOIN registrationdynamic rd ON rd.fkdevice = d.pkid "
            "WHERE d.name = 'SEPAAAA00000003'")
        self.assertEqual(row, [{"x": ""}])

    def test_or_and_parentheses(self):
        a, b = self.pools[0], self.pools[1]
        where = (f"(dp.name = {lit(a)} AND d.name LIKE 'SEP_A%') "
                 f"OR (dp.name = {lit(b)})")
        want = sorted(
            [d["name"] for d in self.sim.devices(pool=a)
             if re.fullmatch(r"SEP.A.*", d["name"], re.S)]
            + [d["name"] for d in self.sim.devices(pool=b)])
        self.assertEqual([r["name"] for r in self.paged(where, 25)], want)
        self.assertTrue(want)

    def test_long_in_list(self):
        names = self.pools + [f"No Such Pool {i:03d}" for i in range(300)]
        got = self.paged(pools_in(names), 400)
        self.assertEqual(len(got), len(self.sim.devices()))

    def test_skip_first_and_trailing_limit(self):
        base = "d.name FROM device d WHERE d.tkclass = 1 ORDER BY d.name"
        names = [r["name"] for r in self.query("SELECT " + base)]
        self.assertEqual([r["name"] for r in self.query(
            "SELECT SKIP 10 FIRST 5 " + base)], names[10:15])
        self.assertEqual([r["name"] for r in self.query(
            "select skip 0 first 3 " + base)], names[:3])
        self.assertEqual([r["name"] for r in self.query(
            "SELECT LIMIT 4 " + base)], names[:4])
        self.assertEqual([r["name"] for r in self.query(
            "SELECT " + base + " LIMIT 2")], names[:2])
        for bad in ("SELECT FIRST 5 SKIP 10 " + base,
                    "SELECT " + base + " LIMIT 3 OFFSET 2",
                    "SELECT " + base + " LIMIT 2, 3",
                    "SELECT FIRST 2 " + base + " LIMIT 3",
                    "SELECT FIRST 0 " + base,
                    "SELECT FIRST -1 " + base):
            self.assertEqual(self.refused(bad),
                             ("-201", "A syntax error has occurred."), bad)

    def test_like_is_case_sensitive_with_a_backslash_escape(self):
        q = "SELECT d.name FROM device d WHERE d.description LIKE {} " \
            "ORDER BY d.name"
        self.assertEqual([r["name"] for r in self.query(q.format(
            "'100_ sure'"))], ["SEPAAAA00000001", "SEPAAAA00000002"])
        self.assertEqual([r["name"] for r in self.query(q.format(
            "'100\\% sure'"))], ["SEPAAAA00000001"])
        self.assertEqual([r["name"] for r in self.query(q.format(
            "'100!_ sure' ESCAPE '!'"))], [])
        self.assertEqual(self.query(q.format("'100% SURE'")), [])
        self.assertEqual(self.query(
            "SELECT d.name FROM device d WHERE d.name = 'sepaaaa00000001'"),
            [])
        self.assertEqual(len(self.query(
            "SELECT d.name FROM device d WHERE UPPER(d.name) LIKE "
            "UPPER('sepaaaa%')")), 3)

    def test_what_informix_refuses(self):
        cases = {
            "SELECT d.nosuch FROM device d":
                ("-217", "Column (nosuch) not found in any table in the "
                 "query (or SLV is undefined)."),
            "SELECT name FROM nosuchtable":
                ("-206", "The specified table (nosuchtable) is not in the "
                 "database."),
            "SELECT printf('%d', 1) FROM device":
                ("-674", "Routine (printf) can not be resolved."),
            "SELECT name FROM device WHERE name GLOB 'SEP*'":
                ("-201", "A syntax error has occurred."),
            "SELECT name FROM device WHERE name = ?":
                ("-201", "A syntax error has occurred."),
            "SELECT `name` FROM device":
                ("-201", "A syntax error has occurred."),
            "SELECT d.name FROM device d, OUTER devicepool dp":
                ("-201", "A syntax error has occurred."),
            "SELECT name FROM device WHERE (name = 'a'":
                ("-201", "A syntax error has occurred."),
            "SELECT name FROM sim_capf":
                ("-206", "The specified table (sim_capf) is not in the "
                 "database."),
        }
        for q, want in cases.items():
            self.assertEqual(self.refused(q), want, q)

    def test_statement_length_limit(self):
        q = INVENTORY.format(first=10, where=pools_in(self.pools), keyset="")
        size = len(q.encode("utf-8"))
        try:
            self.sim.config(sql_max_length=size)
            self.assertEqual(len(self.query(q)), 10)
            self.sim.config(sql_max_length=size - 1)
            self.assertEqual(self.refused(q), (
                "-460", "Statement length exceeds maximum."))
        finally:
            self.sim.config(sql_max_length=32000)

    def test_too_large_for_the_inventory_query(self):
        where = pools_in(self.pools)
        every = INVENTORY.replace("FIRST {first} ", "").format(
            where=where, keyset="")
        total = len(self.sim.devices())
        try:
            self.sim.config(max_response_bytes=40000)
            s, _, b = sql(self.sim, every)
            self.assertEqual(s, 500)
            code, msg, axlcode, req = fault(b)
            self.assertEqual((code, axlcode, req),
                             ("soapenv:Server", "-1", "executeSQLQuery"))
            m = re.fullmatch(r"Query request too large\. Total rows matched: "
                             r"(\d+) rows\. Suggestive Row Fetch: less than "
                             r"(\d+) rows", msg)
            self.assertEqual(int(m.group(1)), total)
            suggest = int(m.group(2))
            self.assertEqual(len(self.query(INVENTORY.format(
                first=suggest - 1, where=where, keyset=""))), suggest - 1)
            s, _, b = sql(self.sim, INVENTORY.format(
                first=suggest * 2, where=where, keyset=""))
            self.assertIn(f"Total rows matched: {suggest * 2} rows",
                          fault(b)[1])
        finally:
            self.sim.config(max_response_bytes=8 * 1024 * 1024)


class TestCutReplies(InventorySim):
    def tearDown(self):
        self.sim.clear_faults()

    def test_truncate_and_drop_mid_response(self):
        q = INVENTORY.format(first=50, where=pools_in(self.pools), keyset="")
        self.sim.faults([{"endpoint": "axl", "op": "executeSQLQuery",
                          "action": "truncate"}])
        s, h, b = sql(self.sim, q)
        self.assertEqual((s, int(h["content-length"])), (200, len(b)))
        self.assertFalse(b.rstrip().endswith(b"</soapenv:Envelope>"))
        self.sim.faults([{"endpoint": "axl", "op": "executeSQLQuery",
                          "action": "drop_mid_response"}])
        inner = "<sql>" + q.replace("&", "&amp;").replace("<", "&lt;") + \
            "</sql>"
        data, _ = raw_exchange(self.sim, "executeSQLQuery", inner)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        self.assertTrue(0 < len(body) < length)


class TestQueryCannotRun(InventorySim):
    def tearDown(self):
        self.sim.config(sql_access="allowed", sql_dictionary="current")

    def test_sql_refused_for_the_account(self):
        q = "SELECT FIRST 1 name FROM device"
        self.sim.config(sql_access="http401")
        s, h, b = sql(self.sim, q)
        self.assertEqual(s, 401)
        self.assertIn("text/html", h["content-type"])
        s, _, _ = self.sim.axl("listPhone", "<searchCriteria><name>%</name>"
                               "</searchCriteria><returnedTags><name/>"
                               "</returnedTags><first>1</first>")
        self.assertEqual(s, 200, "listPhone is still allowed")
        self.sim.config(sql_access="fault")
        s, _, b = sql(self.sim, q)
        self.assertEqual(s, 500)
        fc, msg, code, req = fault(b)
        self.assertEqual((fc, code, req),
                         ("soapenv:Server", "5003", "executeSQLQuery"))
        self.assertIn("executeSQLQuery", msg)
        self.sim.config(sql_access="allowed")
        self.assertEqual(len(self.query(q)), 1)

    def test_old_data_dictionary(self):
        q = INVENTORY.format(first=5, where=pools_in(self.pools), keyset="")
        self.sim.config(sql_dictionary="old")
        self.assertEqual(self.refused(q), (
            "-217", "Column (lscvaliduntil) not found in any table in the "
            "query (or SLV is undefined)."))
        row = self.query("SELECT FIRST 1 * FROM device WHERE tkclass = 1")[0]
        self.assertIn("name", row)
        self.assertNotIn("lscissuername", row)
        self.assertNotIn("lscvaliduntil", row)
        self.sim.config(sql_dictionary=["typecertificateoperation"])
        self.assertEqual(self.refused(q), (
            "-206", "The specified table (typecertificateoperation) is not "
            "in the database."))
        self.sim.config(sql_dictionary="current")
        self.assertEqual(len(self.query(q)), 5)
        with self.assertRaises(SimError):
            self.sim.config(sql_dictionary=["nosuchtable"])

    def test_old_dictionary_from_the_command_line(self):
        with Sim(phones=5, pools=1, start=START, sql_dictionary="old") as sim:
            s, _, b = sql(sim, "SELECT d.name, d.lscvaliduntil FROM device d")
            self.assertEqual(fault(b)[2], "-217")
            s, _, b = sql(sim, "SELECT count(*) FROM device")
            self.assertEqual(rows(b), [{"count": "5"}])


class TestOneStream(InventorySim):
    def test_one_kept_alive_connection_reads_the_stream(self):
        self.query("SELECT FIRST 1 name FROM device")
        self.sim.reset_counts()
        got = self.paged(pools_in(self.pools), 100)
        self.assertEqual(len(got), len(self.sim.devices()))
        c = self.sim.counts()
        self.assertEqual(c["connections"], 0, "the connection was kept")
        self.assertEqual(c["axl"]["executeSQLQuery"], len(got) // 100 + 1)


if __name__ == "__main__":
    unittest.main()
