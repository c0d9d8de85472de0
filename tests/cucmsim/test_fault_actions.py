"""The fault actions of issue 14's fault matrix, each seen through a real
HTTP client (http.client over TLS): what arrives, what was applied.

Waits use short configured delays and the client's own give-up timeout;
nothing is asserted about time.

Run from the repository root:
    /usr/bin/python3 -m unittest discover -s tests/cucmsim -p 'test_*.py'
"""

import base64
import http.client
import os
import socket
import ssl
import sys
import threading
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lxml import etree  # noqa: E402

from simclient import SOAPENV, Sim, SimError  # noqa: E402
from test_cucmsim import (START, SharedSim, list_phone, phones,  # noqa: E402
                          rows, sql, xml)

GIVE_UP = 1.0       # the client's timeout where the server never answers


class FaultSim(SharedSim):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.name = cls.sim.devices()[0]["name"]

    def setUp(self):
        self.sim.clear_faults()
        self.assertEqual(self.sim.call("GET", "/faults/stalled?wait=0&"
                                       "timeout=30")["stalled"], 0)

    def rule(self, action, op="getCCMVersion", **kw):
        self.sim.faults([dict(endpoint="axl", op=op, action=action, **kw)])

    def conn(self, timeout=30):
        ctx = ssl.create_default_context(cafile=self.sim.info["ca_file"])
        c = http.client.HTTPSConnection(
            "127.0.0.1", self.sim.info["port"], timeout=timeout, context=ctx)
        self.addCleanup(c.close)
        return c

    def send(self, c, op="getCCMVersion", inner="", headers=None):
        """Sends one AXL request on c; the response is not read."""
        body = (f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" '
                'xmlns:ns="http://www.cisco.com/AXL/API/14.0"><soapenv:Body>'
                f"<ns:{op}>{inner}</ns:{op}></soapenv:Body>"
                "</soapenv:Envelope>")
        auth = base64.b64encode(f"{self.sim.info['username']}:"
                                f"{self.sim.info['password']}".encode())
        h = {"SOAPAction": f'"CUCM:DB ver=14.0 {op}"',
             "Content-Type": "text/xml", "Authorization": "Basic " +
             auth.decode()}
        h.update(headers or {})
        c.request("POST", "/axl/", body.encode(), h)

    def exchange(self, c, op="getCCMVersion", inner="", headers=None):
        self.send(c, op, inner, headers)
        r = c.getresponse()
        return r, r.read()

    def writes(self):
        return len(self.sim.writes(self.name)[self.name])

    def stalled(self, n):
        return self.sim.call("GET", f"/faults/stalled?wait={n}&timeout=30")[
            "stalled"]


class TestStalls(FaultSim):
    def stalled_apply(self, action):
        """Writes applied by an applyPhone that met action, once stalled;
        the client gets nothing until it gives up."""
        before = self.writes()
        self.rule(action, op="applyPhone")
        c = self.conn(GIVE_UP)
        self.send(c, "applyPhone", f"<name>{self.name}</name>")
        self.assertEqual(self.stalled(1), 1)
        applied = self.writes() - before
        with self.assertRaises(socket.timeout):
            c.getresponse()
        c.close()
        self.assertEqual(self.stalled(0), 0, "the stall ends with the client")
        return applied

    def test_stall_before_headers_applies_nothing(self):
        self.assertEqual(self.stalled_apply("stall_before"), 0)

    def test_stall_after_processing_applies_the_write(self):
        self.assertEqual(self.stalled_apply("stall_after"), 1)

    def test_stall_mid_body(self):
        self.rule("stall_mid", bytes=100)
        c = self.conn(GIVE_UP)
        self.send(c)
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        length = int(r.getheader("Content-Length"))
        self.assertGreater(length, 100)
        self.assertTrue(r.read(100).startswith(b"<?xml"))
        self.assertEqual(self.stalled(1), 1)
        with self.assertRaises(socket.timeout):
            r.read(1)
        c.close()
        self.assertEqual(self.stalled(0), 0)


class TestSlowAndOversized(FaultSim):
    def test_trickle_one_byte_per_record(self):
        c = self.conn()
        _, normal = self.exchange(c)
        self.rule("trickle", ms=1)
        self.send(c)
        r = c.getresponse()
        body, reads = b"", 0
        while r.length:
            body += r.read1(r.length)
            reads += 1
        self.assertEqual(r.read(), b"")
        self.assertEqual(body, normal)
        self.assertGreaterEqual(reads, len(normal) // 2,
                                "the body came a byte at a time")
        _, again = self.exchange(c)
        self.assertEqual(again, normal, "and the connection is kept")

    def test_gzip_bomb_only_when_gzip_is_accepted(self):
        self.rule("gzip_bomb", op="listPhone", bytes=64 << 20, count=-1)
        inner = ("<searchCriteria><name>%</name></searchCriteria>"
                 "<returnedTags><name/></returnedTags><first>5</first>")
        c = self.conn()
        r, body = self.exchange(c, "listPhone", inner,
                                {"Accept-Encoding": "gzip, deflate"})
        self.assertEqual(r.getheader("Content-Encoding"), "gzip")
        self.assertEqual(len(body), int(r.getheader("Content-Length")))
        self.assertLess(len(body), 1 << 20)
        z = zlib.decompressobj(31)
        out = z.decompress(body[:4096], 4096)
        self.assertTrue(out.startswith(b"<?xml"))
        self.assertIn(b"<return>", out)
        inflated = len(out) + len(z.decompress(z.unconsumed_tail
                                               + body[4096:]))
        self.assertGreaterEqual(inflated, 63 << 20)
        self.assertFalse(z.eof, "no gzip trailer: the stream never ends")
        c = self.conn()
        r, body = self.exchange(c, "listPhone", inner)
        self.assertIsNone(r.getheader("Content-Encoding"))
        self.assertEqual(len(phones(body)), 5)

    def test_gzip_bomb_default_is_gigabytes(self):
        self.rule("gzip_bomb")
        c = self.conn()
        self.send(c, headers={"Accept-Encoding": "gzip"})
        r = c.getresponse()
        self.assertGreater(int(r.getheader("Content-Length")), 4 << 20,
                           "4 GiB deflate to more than 4 MB")
        z, data, inflated = zlib.decompressobj(31), r.read(64 << 10), 0
        while data:
            inflated += len(z.decompress(data, 16 << 20))
            data = z.unconsumed_tail
        self.assertGreater(inflated, 60 << 20, "64 KB inflate to 60 MB")
        c.close()

    def test_huge_content_length(self):
        c = self.conn()
        _, normal = self.exchange(c)
        self.rule("huge_length")
        self.send(c)
        r = c.getresponse()
        self.assertEqual(r.getheader("Content-Length"), str(2 << 30))
        body = b""
        while True:
            chunk = r.read(65536)
            if not chunk:
                break
            body += chunk
        self.assertEqual(body, normal, "the real body, then the end")
        self.assertEqual(r.length, (2 << 30) - len(normal),
                         "while the client still waits for the rest")


class TestEndless(FaultSim):
    def test_list_phone_always_a_full_page(self):
        self.rule("endless", op="listPhone", count=-1)
        seen = []
        for skip in (0, 20, 5000, 10 ** 6):
            s, _, b = list_phone(self.sim, {"name": "%"}, skip=skip, first=20)
            self.assertEqual(s, 200)
            page = [p["name"] for p in phones(b)]
            self.assertEqual(len(page), 20)
            seen += page
        self.assertEqual(seen, sorted(set(seen)), "fresh names, increasing")
        self.assertNotIn(self.name, seen)

    def test_sql_always_a_full_page_whatever_the_keyset(self):
        self.rule("endless", op="executeSQLQuery", count=-1)
        q = ("SELECT FIRST 25 d.pkid, d.name, d.lscvaliduntil FROM device d "
             "WHERE d.tkclass = 1 AND d.name > {} ORDER BY d.name")
        last, seen = "''", []
        for _ in range(4):
            page = rows(sql(self.sim, q.format(last))[2])
            self.assertEqual(len(page), 25)
            seen += page
            last = "'" + page[-1]["name"] + "'"
        self.assertEqual(last, "'SEPF00000000063'")
        self.assertEqual(len({r["name"] for r in seen}), 100)
        self.assertEqual(len({r["pkid"] for r in seen}), 100)
        self.assertTrue(all(r["lscvaliduntil"].isdigit() for r in seen))
        s, _, b = sql(self.sim, "SELECT SKIP 100000 FIRST 7 name FROM device")
        self.assertEqual(len(rows(b)), 7)


class TestStorms(FaultSim):
    def test_503_storm_covers_every_write_and_no_read(self):
        writes = ["updatePhone", "applyPhone", "restartPhone", "resetPhone"]
        self.rule("http503", op=writes, count=-1, retry_after=5)
        before = self.sim.writes()
        c = self.conn()
        for _ in range(3):
            for op in writes:
                inner = f"<name>{self.name}</name>" + (
                    "<description>x</description>" if op == "updatePhone"
                    else "")
                r, _ = self.exchange(c, op, inner)
                self.assertEqual((r.status, r.getheader("Retry-After")),
                                 (503, "5"), op)
        r, body = self.exchange(c, "getPhone", f"<name>{self.name}</name>")
        self.assertEqual(r.status, 200)
        self.assertEqual(self.sim.writes(), before)
        rules = self.sim.call("GET", "/faults")["rules"]
        self.assertEqual(rules[0]["fired"], 12)


class TestConnections(FaultSim):
    def test_wrong_certificate_after_the_server_closed_a_kept_connection(self):
        self.sim.reset_counts()
        self.rule("close_after")
        self.sim.faults([{"action": "wrong_ca", "nth": 2}])
        c = self.conn()
        r, _ = self.exchange(c)
        self.assertEqual(r.status, 200)
        self.assertFalse(r.will_close, "no Connection: close was sent")
        with self.assertRaises((http.client.RemoteDisconnected,
                                ConnectionError, ssl.SSLEOFError)):
            self.exchange(c)        # the server closed it
        c.close()
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.exchange(c)
        c.close()
        r, _ = self.exchange(c)
        self.assertEqual(r.status, 200)
        counts = self.sim.counts()
        self.assertEqual((counts["connections"], counts["tls_handshakes"],
                          counts["axl"]), (3, 2, {"getCCMVersion": 2}),
                         "the wrong certificate's handshake failed")

    def lost_reply(self, refuse_with, error):
        before = self.writes()
        self.rule("close_unanswered", op="applyPhone", refuse=2,
                  refuse_with=refuse_with)
        c = self.conn()
        self.exchange(c)                # the connection is now kept alive
        with self.assertRaises(http.client.RemoteDisconnected):
            self.exchange(c, "applyPhone", f"<name>{self.name}</name>")
        self.assertEqual(self.writes(), before + 1, "the write landed")
        for _ in range(2):              # libcurl's silent resend, and more
            c.close()
            with self.assertRaises(error):
                self.exchange(c, "applyPhone", f"<name>{self.name}</name>")
        c.close()
        r, _ = self.exchange(c, "applyPhone", f"<name>{self.name}</name>")
        self.assertEqual(r.status, 200)
        self.assertEqual(self.writes(), before + 2)

    def test_reply_lost_then_reconnects_reset(self):
        self.lost_reply("reset", (ConnectionError, ssl.SSLError))

    def test_reply_lost_then_reconnects_meet_a_wrong_certificate(self):
        self.lost_reply("wrong_ca", ssl.SSLCertVerificationError)


class TestBadValues(FaultSim):
    def test_set_field_in_list_phone_and_sql(self):
        self.rule("set_field", op="listPhone", field="certificateStatus",
                  value="Upgrade Maybe", name=self.name)
        s, _, b = list_phone(self.sim, {"name": "%"}, first=10)
        got = {p["name"]: p["certificateStatus"] for p in phones(b)}
        self.assertEqual(got[self.name], "Upgrade Maybe")
        self.assertEqual(len([v for v in got.values()
                              if v == "Upgrade Maybe"]), 1)
        q = "SELECT FIRST 3 d.name, d.lscvaliduntil FROM device d ORDER BY 1"
        self.rule("set_field", op="executeSQLQuery", field="lscvaliduntil",
                  value="soon & later")
        self.assertEqual({r["lscvaliduntil"] for r in rows(sql(self.sim, q)[2])},
                         {"soon & later"})
        weird = "SEP\u0085\u202eTNEMTRAPED\t<&>"
        self.rule("set_field", op="executeSQLQuery", field="name",
                  value=weird)
        self.assertEqual([r["name"] for r in rows(sql(self.sim, q)[2])],
                         [weird] * 3)
        self.rule("set_field", op="executeSQLQuery", field="name",
                  value="SEP&#1;", raw=True)
        s, _, b = sql(self.sim, q)
        self.assertIn(b"<name>SEP&#1;</name>", b)
        with self.assertRaises(etree.XMLSyntaxError):
            xml(b)

    def test_bad_rules_are_refused(self):
        for bad in ({"action": "set_field", "field": "name"},
                    {"action": "set_field", "field": "<x>", "value": "1"},
                    {"action": "gzip_bomb", "bytes": -1},
                    {"action": "close_unanswered", "refuse_with": "nothing"},
                    {"action": "http503", "op": ["applyPhone", 3]}):
            with self.assertRaises(SimError):
                self.sim.faults([bad])


class TestStopWithStalls(unittest.TestCase):
    def test_sigterm_stops_promptly_with_a_stalled_connection(self):
        sim = Sim(phones=5, pools=1, start=START).start()
        try:
            sim.faults([{"action": "stall_before", "count": -1}])
            ctx = ssl.create_default_context(cafile=sim.info["ca_file"])
            c = http.client.HTTPSConnection("127.0.0.1", sim.info["port"],
                                            timeout=30, context=ctx)
            c.request("POST", "/axl/", b"x", {"SOAPAction": "x"})
            self.assertEqual(sim.call("GET", "/faults/stalled?wait=1&"
                                      "timeout=30")["stalled"], 1)
            got = []

            def client():
                try:
                    got.append(c.getresponse())
                except (http.client.HTTPException, OSError) as e:
                    got.append(e)
            t = threading.Thread(target=client)
            t.start()
        finally:
            rc = sim.stop()
        self.assertEqual(rc, 0, "stopped by SIGTERM, not killed")
        t.join(30)
        self.assertIsInstance(got[0], (http.client.RemoteDisconnected,
                                       ConnectionError))


if __name__ == "__main__":
    unittest.main()
