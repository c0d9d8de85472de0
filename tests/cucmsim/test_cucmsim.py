"""The simulator's own tests.

Run from the repository root:
    /usr/bin/python3 -m unittest discover -s tests/cucmsim -p 'test_*.py'
"""

import base64
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import unittest
import warnings

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simclient import SIMULATOR, Sim  # noqa: E402
from sim import enums  # noqa: E402
from sim.clock import format_uft, parse_uft  # noqa: E402
from sim.axlschema import SchemaCache  # noqa: E402
from sim.options import _schema_dir  # noqa: E402

START = 1767225600          # 2026-01-01T00:00:00Z
NS = {"soapenv": "http://schemas.xmlsoap.org/soap/envelope/",
      "ns1": "http://schemas.cisco.com/ast/soap"}
POOL_TAGS = ("<returnedTags><name/><description/><model/><devicePoolName/>"
             "<certificateOperation/><certificateStatus/><upgradeFinishTime/>"
             "</returnedTags>")


def xml(body):
    return etree.fromstring(body)


def fault(body):
    """(faultcode, faultstring, axlcode or None, request or None)."""
    root = xml(body)
    f = root.find(".//soapenv:Fault", NS)
    assert f is not None, body[:500]
    return (f.findtext("faultcode"), f.findtext("faultstring"),
            f.findtext("detail/axlError/axlcode"),
            f.findtext("detail/axlError/request"))


def rows(body):
    return [{c.tag: (c.text or "") for c in row}
            for row in xml(body).iter("row")]


def phones(body):
    return [{"uuid": p.get("uuid"), **{c.tag: (c.text or "") for c in p}}
            for p in xml(body).iter("phone")]


def list_phone(sim, criteria, tags=POOL_TAGS, skip=None, first=None, **kw):
    inner = "<searchCriteria>" + "".join(
        f"<{k}>{v}</{k}>" for k, v in criteria.items()) + "</searchCriteria>"
    inner += tags
    if skip is not None:
        inner += f"<skip>{skip}</skip>"
    if first is not None:
        inner += f"<first>{first}</first>"
    return sim.axl("listPhone", inner, **kw)


def sql(sim, query, **kw):
    return sim.axl("executeSQLQuery", f"<sql><![CDATA[{query}]]></sql>", **kw)


def ris_devices(body):
    """[(node, name, status, timestamp, ip)]"""
    out = []
    root = xml(body)
    for node in root.iterfind(".//ns1:CmNodes/ns1:item", NS):
        nname = node.findtext("ns1:Name", namespaces=NS)
        for d in node.iterfind("ns1:CmDevices/ns1:item", NS):
            out.append((nname, d.findtext("ns1:Name", namespaces=NS),
                        d.findtext("ns1:Status", namespaces=NS),
                        int(d.findtext("ns1:TimeStamp", namespaces=NS)),
                        d.findtext("ns1:IPAddress/ns1:item/ns1:IP",
                                   namespaces=NS)))
    return out


def update_capf(sim, name, op="Install/Upgrade", mode="By Null String",
                extra="", **kw):
    return sim.axl("updatePhone", f"<name>{name}</name>"
                   f"<certificateOperation>{op}</certificateOperation>"
                   f"<authenticationMode>{mode}</authenticationMode>{extra}",
                   **kw)


class SharedSim(unittest.TestCase):
    """One simulator for the read-mostly tests."""

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(phones=300, pools=5, seed=3, start=START).start()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()


# ---------------------------------------------------------------- basics

class TestStartup(SharedSim):
    def test_json_line(self):
        info = self.sim.info
        for key in ("axl_url", "ris_url", "control_url", "ca_file", "username",
                    "password", "host", "port", "now", "version", "pid",
                    "phone_cas"):
            self.assertIn(key, info)
        self.assertEqual(info["host"], "127.0.0.1")
        self.assertEqual(info["axl_url"],
                         f"https://127.0.0.1:{info['port']}/axl/")
        self.assertTrue(info["ris_url"].endswith(
            "/realtimeservice2/services/RISService70"))
        self.assertEqual(info["now"], START)
        self.assertEqual(info["version"], "14.0")
        self.assertEqual(info["pid"], self.sim.proc.pid)
        self.assertTrue(os.path.isfile(info["ca_file"]))
        for path in info["phone_cas"].values():
            self.assertTrue(os.path.isfile(path))

    def test_enum_tables_match_schema(self):
        cache = SchemaCache(_schema_dir(None))
        for v in ("12.5", "14.0", "15.0"):
            with cache._open(v, "AXLEnums.xsd") as f:
                doc = etree.parse(f)
            xs = "{http://www.w3.org/2001/XMLSchema}"
            def values(name):
                st = doc.find(f".//{xs}simpleType[@name='{name}']")
                return [e.get("value") for e in st.iter(f"{xs}enumeration")]
            self.assertEqual(values("XCertificateStatus"), enums.CERT_STATUSES)
            self.assertEqual(values("XCertificateOperation"),
                             enums.CERT_OPERATIONS)
            self.assertEqual(values("XAuthenticationMode"), enums.AUTH_MODES)
            models = values("XModel")
            for m in enums.MODELS:
                self.assertIn(m, models)

    def test_upgrade_finish_time_format(self):
        self.assertEqual(format_uft(START + 3600 * 13 + 60 * 7),
                         "2026:01:01:13:07")
        self.assertEqual(parse_uft("2026:01:01:13:07"), START + 47220)
        for bad in ("2026-01-01 13:07", "2026:13:01:00:00", "2026:02:30:00:00",
                    "2026:01:01:13:07:00", ""):
            with self.assertRaises(ValueError):
                parse_uft(bad)

    def test_listens_on_loopback_only_and_no_plain_http(self):
        s = socket.create_connection(("127.0.0.1", self.sim.info["port"]))
        s.sendall(b"POST /axl/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        data = s.recv(4096)
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 400"))
        self.assertIn(b"requires TLS", data)

    def test_tls12_minimum(self):
        ctx = ssl.create_default_context(cafile=self.sim.info["ca_file"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        with self.assertRaises((ssl.SSLError, OSError)):
            with socket.create_connection(("127.0.0.1",
                                           self.sim.info["port"])) as raw:
                with ctx.wrap_socket(raw, server_hostname="127.0.0.1"):
                    pass


class TestAuth(SharedSim):
    def test_401_wrong_and_missing(self):
        s, h, b = self.sim.axl("getCCMVersion", "", auth=("axladmin", "nope"),
                               conn="auth1")
        self.assertEqual(s, 401)
        self.assertIn("text/html", h["content-type"])
        self.assertIn("www-authenticate", h)
        s, h, b = self.sim.axl("getCCMVersion", "", auth=None, conn="auth2")
        self.assertEqual(s, 401)

    def test_cookie_reuse_and_404_after_expiry(self):
        s, h, b = self.sim.axl("getCCMVersion", "", conn="c")
        self.assertEqual(s, 200)
        cookie = h["set-cookie"]
        self.assertIn("Path=/", cookie)
        self.assertIn("Secure", cookie)
        self.assertIn("HttpOnly", cookie)
        sid = cookie.split(";")[0]
        self.assertTrue(sid.startswith("JSESSIONIDSSO="))
        s, h, b = self._with_cookie(sid)
        self.assertEqual(s, 200)
        self.assertNotIn("set-cookie", h)
        # a wrong password is refused even with a valid cookie
        s, _, _ = self._with_cookie(sid, auth=("axladmin", "bad"))
        self.assertEqual(s, 401)
        self.sim.expire_sessions()
        s, h, b = self._with_cookie(sid)
        self.assertEqual(s, 404)
        s, h, b = self._with_cookie("JSESSIONIDSSO=0000")
        self.assertEqual(s, 401)

    def _with_cookie(self, cookie, auth=None):
        body = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/'
                'soap/envelope/" xmlns:ns="http://www.cisco.com/AXL/API/14.0">'
                "<soapenv:Body><ns:getCCMVersion/></soapenv:Body>"
                "</soapenv:Envelope>")
        return self.sim.post("/axl/", body, {
            "SOAPAction": '"CUCM:DB ver=14.0 getCCMVersion"',
            "Cookie": cookie}, conn="cookie", auth=auth)

    def test_readonly_account_write_is_401(self):
        ro = (self.sim.info["readonly_username"],
              self.sim.info["readonly_password"])
        s, _, _ = list_phone(self.sim, {"name": "SEP%"}, first=1, auth=ro)
        self.assertEqual(s, 200)
        s, _, _ = self.sim.axl("applyPhone", "<name>SEPNOSUCH00000</name>",
                               auth=ro)
        self.assertEqual(s, 401)
        s, _, b = self.sim.axl("updatePhone", "<name>SEPNOSUCH00000</name>"
                               "<description>x</description>")
        self.assertEqual(s, 500)
        self.assertEqual(fault(b)[2], "5003")

    def test_keep_alive_one_connection(self):
        before = self.sim.counts()["connections"]
        for _ in range(5):
            s, _, _ = self.sim.axl("getCCMVersion", "", conn="ka")
            self.assertEqual(s, 200)
        self.assertEqual(self.sim.counts()["connections"] - before, 1)


class TestProtocol(SharedSim):
    def test_versions(self):
        for v in ("12.5", "14.0"):
            s, _, b = self.sim.axl("getCCMVersion", "", version=v)
            self.assertEqual(s, 200, b)
            self.assertIn(f"http://www.cisco.com/AXL/API/{v}".encode(), b)
        # 15.0: not accepted by a 14 release; 12.0: accepted, no schema here
        for v in ("15.0", "12.0", "9.1"):
            s, h, b = self.sim.axl("getCCMVersion", "", version=v)
            self.assertEqual(s, 599, v)
            self.assertIn(b"Incorrect axl version. Supported axl versions are "
                          b"12.5 and 14.0", b)

    def test_other_releases(self):
        for release, ok, bad, listed in (
                ("15.0", ("15.0", "14.0", "12.5"), "11.5",
                 b"12.5, 14.0 and 15.0"),
                ("12.5", ("12.5",), "14.0", b"versions are 12.5<")):
            with Sim(phones=5, pools=1, version=release) as sim:
                self.assertEqual(sim.info["version"], release)
                for v in ok:
                    s, _, b = sim.axl("getCCMVersion", "", version=v)
                    self.assertEqual(s, 200, (release, v))
                    self.assertIn(f"<version>{release}.1.".encode(), b)
                s, _, b = sim.axl("getCCMVersion", "", version=bad)
                self.assertEqual(s, 599, (release, bad))
                self.assertIn(listed, b)

    def test_version_error_as_fault_switch(self):
        self.sim.config(version_error="fault")
        try:
            s, _, b = self.sim.axl("getCCMVersion", "", version="15.0")
            self.assertEqual(s, 500)
            code, msg, axlcode, req = fault(b)
            self.assertEqual(code, "soapenv:Client")
            self.assertIn("Incorrect axl version", msg)
        finally:
            self.sim.config(version_error="http599")

    def test_soapaction_mismatch_and_missing(self):
        s, _, b = self.sim.axl("getCCMVersion", "", version="14.0",
                               ns_version="12.5")
        self.assertEqual(s, 500)
        code, msg, axlcode, req = fault(b)
        self.assertEqual(code, "soapenv:Client")
        self.assertIsNotNone(axlcode)
        self.assertEqual(req, "getCCMVersion")
        s, _, b = self.sim.axl("getCCMVersion", "",
                               soapaction='"CUCM:DB ver=14.0 listPhone"')
        self.assertEqual(s, 500)
        self.assertEqual(fault(b)[0], "soapenv:Client")
        s, _, b = self.sim.axl("getCCMVersion", "", soapaction="")
        self.assertEqual(s, 500)
        self.assertIn("SOAPAction", fault(b)[1])

    def test_unknown_operation(self):
        s, _, b = self.sim.axl("fooBar", "<x/>")
        self.assertEqual(s, 500)
        self.assertIn("Operation not found", fault(b)[1])
        s, _, b = self.sim.axl("addPhone", "<phone/>")
        self.assertEqual(s, 500)

    def test_xsd_invalid(self):
        s, _, b = self.sim.axl("listPhone", "<searchCriteria><foo>x</foo>"
                               "</searchCriteria><returnedTags><name/>"
                               "</returnedTags>")
        self.assertEqual(s, 500)
        code, msg, axlcode, req = fault(b)
        self.assertEqual(code, "soapenv:Client")
        self.assertIn("Element 'foo': This element is not expected", msg)
        self.assertIn("devicePoolName", msg)
        self.assertEqual(req, "listPhone")

    def test_enum_fault(self):
        name = self.sim.devices(pool="Branch East")[0]["name"]
        for field, value in (("keySize", "999"), ("keyOrder", "RSA First")):
            s, _, b = update_capf(self.sim, name,
                                  extra=f"<{field}>{value}</{field}>")
            self.assertEqual(s, 500)
            code, msg, axlcode, _ = fault(b)
            self.assertEqual(code, "soapenv:Client")
            self.assertIn(field, msg)
        s, _, b = update_capf(self.sim, name, op="Bogus Value")
        self.assertIn("certificateOperation", fault(b)[1])
        self.assertEqual(self.sim.writes(name)[name], [])

    def test_sequence_echo_and_response_shape(self):
        s, _, b = self.sim.axl("getCCMVersion", "")
        self.assertTrue(b.startswith(b"<?xml version='1.0' encoding='UTF-8'?>"
                                     b"<soapenv:Envelope xmlns:soapenv="))
        el = xml(b).find(".//{http://www.cisco.com/AXL/API/14.0}"
                         "getCCMVersionResponse")
        self.assertEqual(el.findtext("return/componentVersion/version"),
                         "14.0.1.13900-155")
        s, _, b = list_phone(self.sim, {"name": "%"}, first=1, sequence=1234)
        el = xml(b).find(".//{http://www.cisco.com/AXL/API/14.0}"
                         "listPhoneResponse")
        self.assertEqual(el.get("sequence"), "1234")
        # getCCMVersion's schema type has no sequence attribute
        s, _, b = self.sim.axl("getCCMVersion", "", sequence=1)
        self.assertIn("sequence", fault(b)[1])

    def test_get_axl_page(self):
        c = self.sim.connection("get")
        auth = base64.b64encode(f"{self.sim.info['username']}:"
                                f"{self.sim.info['password']}".encode())
        c.request("GET", "/axl/", headers={"Authorization": b"Basic " + auth})
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        self.assertIn(b"AXL Web Service", r.read())


class TestListPhone(SharedSim):
    def test_paging_ordered_by_name(self):
        s, _, b = list_phone(self.sim, {"name": "%"},
                             "<returnedTags><name/></returnedTags>")
        names = [p["name"] for p in phones(b)]
        self.assertEqual(len(names), 300)
        self.assertEqual(names, sorted(names))
        got = []
        for skip in range(0, 300, 70):
            s, _, b = list_phone(self.sim, {"name": "%"},
                                 "<returnedTags><name/></returnedTags>",
                                 skip=skip, first=70)
            got += [p["name"] for p in phones(b)]
        self.assertEqual(got, names)
        # skip without first is ignored
        s, _, b = list_phone(self.sim, {"name": "%"},
                             "<returnedTags><name/></returnedTags>", skip=250)
        self.assertEqual(len(phones(b)), 300)

    def test_returned_tags_only(self):
        s, _, b = list_phone(self.sim, {"devicePoolName": "Lab &amp; Test"},
                             "<returnedTags><name/><callingSearchSpaceName/>"
                             "<traceFlag/><certificateStatus/>"
                             "<upgradeFinishTime/></returnedTags>")
        self.assertEqual(s, 200)
        root = xml(b)
        ps = list(root.iter("phone"))
        self.assertTrue(ps)
        for p in ps:
            self.assertRegex(p.get("uuid"), r"^\{[0-9A-F-]{36}\}$")
            self.assertEqual([c.tag for c in p],
                             ["name", "callingSearchSpaceName", "traceFlag",
                              "certificateStatus", "upgradeFinishTime"])
        css = [p.find("callingSearchSpaceName") for p in ps]
        nil = [c for c in css if c.text is None]
        self.assertTrue(nil, "some phones have no CSS")
        for c in nil:
            self.assertEqual(c.get("uuid"), "")

    def test_search_criteria(self):
        pool = "Lab &amp; Test"
        s, _, b = list_phone(self.sim, {"devicePoolName": pool})
        ps = phones(b)
        self.assertTrue(all(p["devicePoolName"] == "Lab & Test" for p in ps))
        truth = self.sim.devices(pool="Lab & Test")
        self.assertEqual(len(ps), len(truth))
        s, _, b = list_phone(self.sim, {"name": "sep%",
                                        "devicePoolName": "lab%"})
        self.assertEqual(len(phones(b)), len([d for d in truth
                                              if d["name"].startswith("SEP")]))
        s, _, b = list_phone(self.sim, {"protocol": "SCCP"})
        sccp = phones(b)
        s, _, b = list_phone(self.sim, {"protocol": "SIP"})
        self.assertEqual(len(sccp) + len(phones(b)), 300)
        s, _, b = list_phone(self.sim, {"securityProfileName": "%Secure%"})
        self.assertEqual(s, 200)
        s, _, b = list_phone(self.sim, {"callingSearchSpaceName": "CSS_%"})
        self.assertLess(len(phones(b)), 300)
        s, _, b = list_phone(self.sim, {"description": "%&amp;%"})
        self.assertTrue(all("&" in p["description"] for p in phones(b)))

    def test_non_ascii_and_specials_round_trip(self):
        s, _, b = list_phone(self.sim, {"name": "%"},
                             "<returnedTags><name/><description/>"
                             "</returnedTags>")
        descs = [p["description"] for p in phones(b)]
        self.assertTrue(any(not d.isascii() for d in descs))
        self.assertTrue(any(c in d for d in descs for c in "&<>\"'"))

    def test_get_phone(self):
        d = self.sim.devices(pool="HQ Phones")[0]
        s, _, b = self.sim.axl("getPhone", f"<name>{d['name']}</name>")
        self.assertEqual(s, 200)
        p = xml(b).find(".//phone")
        self.assertEqual(p.get("uuid"), d["uuid"])
        self.assertEqual(p.findtext("certificateStatus"),
                         d["certificate_status"])
        s, _, b = self.sim.axl("getPhone", f"<uuid>{d['uuid']}</uuid>")
        self.assertEqual(s, 200)
        s, _, b = self.sim.axl("getPhone", "<name>SEP000000000000</name>")
        self.assertEqual(s, 500)
        code, msg, axlcode, req = fault(b)
        self.assertEqual((axlcode, msg, req), (
            "5007", "Item not valid: The specified Phone was not found",
            "getPhone"))

    def test_nil_style_by_version(self):
        tags = "<returnedTags><name/><callingSearchSpaceName/></returnedTags>"
        s, _, b14 = list_phone(self.sim, {"name": "%"}, tags)
        s, _, b12 = list_phone(self.sim, {"name": "%"}, tags, version="12.5")
        self.assertIn(b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><return>',
                      b14)
        self.assertIn(b'<callingSearchSpaceName uuid=""/>', b14)
        self.assertNotIn(b'xsi:nil', b14)
        self.assertIn(b'<callingSearchSpaceName xsi:nil="true" uuid="" '
                      b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>',
                      b12)


class TestSql(SharedSim):
    CLIENT_SQL = (
        "SELECT SKIP {skip} FIRST {first} d.name, d.lscvaliduntil, "
        "d.lscissuername, rd.lastknownipaddress, rd.lastknownucm, rd.lastseen "
        "FROM device d INNER JOIN devicepool dp ON d.fkdevicepool = dp.pkid "
        "LEFT OUTER JOIN registrationdynamic rd ON rd.fkdevice = d.pkid "
        "WHERE dp.name = '{pool}' AND d.tkclass = 1 ORDER BY d.name")

    def test_client_query_paged(self):
        pool = "Pool ''A''"
        truth = {d["name"]: d for d in self.sim.devices(pool="Pool 'A'")}
        self.assertTrue(truth)
        got = []
        for skip in range(0, len(truth) + 25, 25):
            s, _, b = sql(self.sim, self.CLIENT_SQL.format(
                skip=skip, first=25, pool=pool))
            self.assertEqual(s, 200, b)
            got += rows(b)
        self.assertEqual([r["name"] for r in got], sorted(truth))
        for r in got:
            self.assertEqual(list(r), ["name", "lscvaliduntil",
                                       "lscissuername", "lastknownipaddress",
                                       "lastknownucm", "lastseen"])
            t = truth[r["name"]]
            self.assertEqual(int(r["lscvaliduntil"]), t["lscvaliduntil"])
            self.assertEqual(r["lscissuername"], t["lscissuername"] or "")
        nulls = [r for r in got if r["lscissuername"] == ""]
        self.assertTrue(nulls, "MIC-only phones give NULL as empty element")
        s, _, b = sql(self.sim, "select name, lscissuername from device "
                      "where lscissuername is null")
        self.assertIn(b"<lscissuername/>", b)

    def test_first_limit_and_variants(self):
        s, _, b = sql(self.sim, "select first 3 name from device order by name")
        self.assertEqual(len(rows(b)), 3)
        s, _, b = sql(self.sim, "SELECT LIMIT 2 d.name FROM device d")
        self.assertEqual(len(rows(b)), 2)
        s, _, b = sql(self.sim, "select count(*) from device where tkclass=1")
        self.assertEqual(rows(b), [{"count": "300"}])
        s, _, b = sql(self.sim, 'select name from devicepool where name = '
                      '"HQ Phones"')
        self.assertEqual(rows(b), [{"name": "HQ Phones"}])
        s, _, b = sql(self.sim, "select skip 299 name from device "
                      "order by name;")
        self.assertEqual(len(rows(b)), 1)
        s, _, b = sql(self.sim, "SELECT t.name FROM device d JOIN "
                      "typecertificatestatus t ON d.tkcertificatestatus = "
                      "t.enum WHERE d.name LIKE 'sep%'")
        self.assertEqual(rows(b), [], "Informix LIKE is case-sensitive")

    def test_hostile_literal(self):
        for lit in ("x'; DROP TABLE device; --", "x'' OR ''1''=''1",
                    "a\\' OR 1=1 --", "}{ /* */ --"):
            quoted = "'" + lit.replace("'", "''") + "'"
            s, _, b = sql(self.sim, self.CLIENT_SQL.format(
                skip=0, first=10, pool=quoted[1:-1]))
            self.assertEqual(s, 200, b)
            self.assertEqual(rows(b), [])
        s, _, b = sql(self.sim, "select count(*) from device")
        self.assertEqual(rows(b), [{"count": "300"}])

    def test_read_only_and_errors(self):
        cases = {"update device set description = 'x'": "-79750",
                 "delete from device": "-79750",
                 "select name from device; delete from device": "-201",
                 "select name frm device": "-201",
                 "select name from nosuchtable": "-206",
                 "select nosuchcol from device": "-217",
                 "select * from sim_capf": "-206",
                 "select name from device where name = 'open": "-202"}
        for q, code in cases.items():
            s, _, b = sql(self.sim, q)
            self.assertEqual(s, 500, q)
            fc, msg, axlcode, req = fault(b)
            self.assertEqual((fc, axlcode, req),
                             ("soapenv:Client", code, "executeSQLQuery"), q)
        s, _, b = sql(self.sim, "select name frm device")
        self.assertEqual(fault(b)[1], "A syntax error has occurred.")

    def test_list_registration_dynamic(self):
        s, _, b = self.sim.axl(
            "listRegistrationDynamic", "<searchCriteria><device>SEP%</device>"
            "</searchCriteria><returnedTags><device/><lastKnownIpAddress/>"
            "<lastKnownUcm/><lastSeen/></returnedTags><first>5</first>")
        self.assertEqual(s, 200, b)
        items = list(xml(b).iter("registrationDynamic"))
        self.assertEqual(len(items), 5)
        self.assertTrue(items[0].findtext("lastKnownIpAddress").startswith(
            "127."))


class TestLimits(unittest.TestCase):
    def test_too_large_wording_and_suggestion(self):
        with Sim(phones=400, pools=2, start=START) as sim:
            sim.config(max_response_bytes=30000)
            tags = "<returnedTags><name/><description/></returnedTags>"
            s, _, b = list_phone(sim, {"name": "%"}, tags)
            self.assertEqual(s, 500)
            code, msg, axlcode, req = fault(b)
            self.assertEqual((code, axlcode, req),
                             ("soapenv:Server", "-1", "listPhone"))
            m = __import__("re").fullmatch(
                r"Query request too large\. Total rows matched: (\d+) rows\. "
                r"Suggestive Row Fetch: less than (\d+) rows", msg)
            self.assertIsNotNone(m, msg)
            self.assertEqual(int(m.group(1)), 400)
            suggest = int(m.group(2))
            s, _, b = list_phone(sim, {"name": "%"}, tags, skip=0,
                                 first=int(suggest * 0.8))
            self.assertEqual(s, 200)
            s, _, b = sql(sim, "select * from device")
            code, msg, axlcode, req = fault(b)
            self.assertIn("Total rows matched: 400 rows", msg)
            self.assertEqual(req, "executeSQLQuery")

    def test_write_throttle_503(self):
        with Sim(phones=20, pools=1, start=START) as sim:
            sim.config(write_queue=3, retry_after=2)
            name = sim.devices()[0]["name"]
            statuses = []
            for _ in range(5):
                s, h, b = sim.axl("applyPhone", f"<name>{name}</name>")
                statuses.append(s)
            self.assertEqual(statuses[:3], [200, 200, 200])
            self.assertEqual(statuses[3:], [503, 503])
            self.assertEqual(h.get("retry-after"), "2")
            self.assertEqual(len(sim.writes(name)[name]), 3)
            self.assertEqual(sim.counts()["http_status"]["503"], 2)
            # reads are not throttled
            s, _, _ = sim.axl("getPhone", f"<name>{name}</name>")
            self.assertEqual(s, 200)

    def test_max_memory_two_large_reads(self):
        with Sim(phones=3000, pools=1, start=START) as sim:
            sim.config(concurrent_large_bytes=100000)
            # the first large read is held after it was processed: it is
            # in flight until released
            sim.faults([{"endpoint": "axl", "op": "listPhone",
                         "action": "hold_after"}])
            tags = "<returnedTags><name/><description/></returnedTags>"
            result = {}

            def slow():
                result["first"] = list_phone(sim, {"name": "%"}, tags,
                                             conn="slow")[0]
            t = threading.Thread(target=slow)
            t.start()
            self.assertEqual(sim.held(wait=1, timeout=30), 1)
            self.assertEqual(sim.counts()["inflight_large"], 1)
            s, _, b = list_phone(sim, {"name": "%"}, tags, conn="fast")
            sim.release()
            t.join()
            self.assertEqual(result["first"], 200)
            self.assertEqual(s, 500)
            self.assertEqual(fault(b)[1], "Maximum AXL Memory Allocation "
                             "Consumed. Please retry once requests in "
                             "progress have completed")
            # a small read concurrently is fine
            s, _, _ = list_phone(sim, {"name": "%"}, tags, first=10)
            self.assertEqual(s, 200)


class TestRis(unittest.TestCase):
    SCENARIO = {
        "population": {"phones": 1500, "pools": 2},
        "phones": [
            {"name": "SEPDUAL0000001", "pool": "HQ Phones", "dual_node": True,
             "registered": True},
            {"name": "SEPOFFRECENT01", "pool": "HQ Phones",
             "schedule": {"type": "offline", "since": "-2h"}},
            {"name": "SEPOFFLONG0001", "pool": "HQ Phones",
             "schedule": {"type": "offline", "since": "-30d"}},
            {"name": "SEPNEVER000001", "pool": "HQ Phones",
             "schedule": "never_registered"}]}

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(scenario=cls.SCENARIO, start=START).start()
        cls.sim.config(ris_rate=0)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def test_cap_1000_and_total(self):
        s, _, b = self.sim.ris(["SEP*"], max_devices=5000)
        self.assertEqual(s, 200)
        devs = ris_devices(b)
        self.assertEqual(len(devs), 1000)
        total = int(xml(b).findtext(".//ns1:TotalDevicesFound",
                                    namespaces=NS))
        self.assertGreater(total, 1000)
        s, _, b = self.sim.ris(["SEP*"], max_devices=10)
        self.assertEqual(len(ris_devices(b)), 10)
        self.assertTrue(b.startswith(b"<?xml version='1.0' encoding='utf-8'?>"))
        self.assertIn(b"<ns1:selectCmDeviceResponse xmlns:ns1=", b)

    def test_explicit_names_and_status(self):
        names = [d["name"] for d in self.sim.devices(pool="HQ Phones")][:50]
        s, _, b = self.sim.ris(names)
        devs = ris_devices(b)
        self.assertTrue({d[1] for d in devs} <= set(names))
        truth = {d["name"]: d for d in self.sim.devices(pool="HQ Phones")}
        for node, name, status, ts, ip in devs:
            self.assertEqual(ip, truth[name]["ip"])
        s, _, b = self.sim.ris(names, status="Registered")
        self.assertTrue(all(d[2] == "Registered" for d in ris_devices(b)))
        s, _, b = self.sim.ris(names, status="UnRegistered")
        self.assertTrue(all(d[2] == "UnRegistered" for d in ris_devices(b)))

    def test_two_nodes_offline_recent_and_long(self):
        s, _, b = self.sim.ris(["SEPDUAL0000001", "SEPOFFRECENT01",
                                "SEPOFFLONG0001", "SEPNEVER000001"])
        devs = ris_devices(b)
        dual = [d for d in devs if d[1] == "SEPDUAL0000001"]
        self.assertEqual(len(dual), 2)
        reg = [d for d in dual if d[2] == "Registered"]
        unreg = [d for d in dual if d[2] == "UnRegistered"]
        self.assertEqual(len(reg), 1)
        self.assertEqual(len(unreg), 1)
        self.assertNotEqual(reg[0][0], unreg[0][0])
        self.assertLess(unreg[0][3], reg[0][3])
        recent = [d for d in devs if d[1] == "SEPOFFRECENT01"]
        self.assertEqual(len(recent), 1)
        self.assertEqual(recent[0][2], "UnRegistered")
        self.assertTrue(recent[0][4].startswith("127."))
        self.assertFalse([d for d in devs if d[1] in ("SEPOFFLONG0001",
                                                      "SEPNEVER000001")])

    def test_zero_matches_nil_nodes(self):
        s, _, b = self.sim.ris(["SEPNOSUCHPHONE"])
        self.assertEqual(s, 200)
        self.assertIn(b"<ns1:TotalDevicesFound>0</ns1:TotalDevicesFound>", b)
        self.assertIn(b'<ns1:CmNodes xmlns:xsi="http://www.w3.org/2001/'
                      b'XMLSchema-instance" xsi:nil="1"/>', b)

    def test_registration_override_reflected(self):
        name = "SEPDUAL0000001"
        self.sim.set_registered([name], False)
        s, _, b = self.sim.ris([name], status="Registered")
        self.assertEqual(ris_devices(b), [])
        s, _, b = sql(self.sim, "select rd.lastseen from registrationdynamic "
                      "rd join device d on d.pkid = rd.fkdevice where "
                      f"d.name = '{name}'")
        self.assertEqual(int(rows(b)[0]["lastseen"]), self.sim.now())
        self.sim.set_registered([name], True)
        s, _, b = self.sim.ris([name], status="Registered")
        self.assertEqual(len(ris_devices(b)), 1)

    def test_ext_and_wsdl(self):
        s, _, b = self.sim.ris(["SEPDUAL0000001"], op="selectCmDeviceExt")
        self.assertEqual(s, 200)
        self.assertEqual(len(ris_devices(b)), 2)


class TestRisRate(unittest.TestCase):
    def test_rate_limit_fault(self):
        with Sim(phones=10, pools=1, start=START, ris_rate=3) as sim:
            statuses = [sim.ris(["SEP*"])[0] for _ in range(3)]
            self.assertEqual(statuses, [200, 200, 200])
            s, _, b = sim.ris(["SEP*"])
            self.assertEqual(s, 500)
            code, msg, _, _ = fault(b)
            self.assertEqual(code, "ns1:Server.RateControl")
            self.assertTrue(msg.startswith("AxisFault: Exceeded allowed rate "
                                           "for Reatime information"))
            self.assertEqual(sim.counts()["ris"]["selectCmDevice"], 4)


CAPF_SCENARIO = {
    "population": {"phones": 50, "pools": 2},
    "phones": [
        {"name": "SEPCAPF0000001", "lscvaliduntil": "+20d",
         "registered": True},
        {"name": "SEPCAPF0000002", "lscvaliduntil": "+20d",
         "registered": True},
        {"name": "SEPCAPF0000003", "lscvaliduntil": "+20d",
         "registered": True},
        {"name": "SEPCAPFNOLSC01", "mic_only": True, "registered": True},
        {"name": "SEPCAPFOFF0001", "lscvaliduntil": "+5d",
         "schedule": {"type": "gone", "since": "-3d"}},
        {"name": "SEPCAPFAWAY001", "lscvaliduntil": "+5d",
         "schedule": {"type": "away", "from": "-1h", "until": "+2h"}},
    ]}


def capf_state(sim, name):
    s, _, b = sim.axl("getPhone", f"<name>{name}</name><returnedTags>"
                      "<certificateOperation/><certificateStatus/>"
                      "<upgradeFinishTime/></returnedTags>")
    p = xml(b).find(".//phone")
    return (p.findtext("certificateOperation"), p.findtext("certificateStatus"),
            p.findtext("upgradeFinishTime"))


def lsc(sim, name):
    s, _, b = sql(sim, "select lscvaliduntil, lscissuername from device "
                  f"where name = '{name}'")
    r = rows(b)[0]
    return int(r["lscvaliduntil"]), r["lscissuername"]


class TestCapf(unittest.TestCase):
    def setUp(self):
        self.sim = Sim(scenario=CAPF_SCENARIO, start=START).start()
        self.sim.config(write_queue=0)

    def tearDown(self):
        self.sim.stop()

    def uft(self, offset):
        return format_uft(self.sim.now() + offset)

    def test_success_after_apply_and_delay(self):
        sim, name = self.sim, "SEPCAPF0000001"
        s, _, b = update_capf(sim, name, extra=(
            "<keySize>2048</keySize><upgradeFinishTime>"
            f"{self.uft(86400)}</upgradeFinishTime>"))
        self.assertEqual(s, 200, b)
        self.assertRegex(xml(b).findtext(".//return"), r"^\{[0-9A-F-]{36}\}$")
        self.assertEqual(capf_state(sim, name),
                         ("Install/Upgrade", "Operation Pending",
                          self.uft(86400)))
        sim.advance(3600)           # not applied: nothing happens
        self.assertEqual(capf_state(sim, name)[1], "Operation Pending")
        s, _, _ = sim.axl("applyPhone", f"<name>{name}</name>")
        self.assertEqual(s, 200)
        t_apply = sim.now()
        sim.advance(299)
        self.assertEqual(capf_state(sim, name)[1], "Operation Pending")
        sim.advance(1)
        self.assertEqual(capf_state(sim, name),
                         ("No Pending Operation", "Upgrade Success", ""))
        until, issuer = lsc(sim, name)
        self.assertEqual(until, t_apply + 300 + 1825 * 86400)
        self.assertEqual(issuer, sim.info["capf_issuer"])
        w = sim.writes(name)[name]
        self.assertEqual([x["op"] for x in w], ["updatePhone", "applyPhone"])
        self.assertEqual(w[0]["values"]["certificateOperation"],
                         "Install/Upgrade")
        self.assertEqual(w[1]["time"], t_apply)

    def test_restart_and_reset_also_start_it(self):
        sim = self.sim
        for name, op in (("SEPCAPF0000002", "restartPhone"),
                         ("SEPCAPF0000003", "resetPhone")):
            update_capf(sim, name)
            s, _, _ = sim.axl(op, f"<name>{name}</name>")
            self.assertEqual(s, 200)
        sim.advance(300)
        for name in ("SEPCAPF0000002", "SEPCAPF0000003"):
            self.assertEqual(capf_state(sim, name)[1], "Upgrade Success")

    def test_failures(self):
        sim = self.sim
        sim.capf(outcomes={"SEPCAPF0000001":
                           "Upgrade Failed: CA Communication Failure"},
                 delay=60, validity_days=365, issuer="CAPF-0badc0de")
        update_capf(sim, "SEPCAPF0000001")
        update_capf(sim, "SEPCAPF0000002", mode="By Authentication String")
        update_capf(sim, "SEPCAPF0000003", mode="By Authentication String",
                    extra="<authenticationString>123456"
                    "</authenticationString>")
        update_capf(sim, "SEPCAPFNOLSC01",
                    mode="By Existing Certificate (precedence to LSC)")
        for n in ("SEPCAPF0000001", "SEPCAPF0000002", "SEPCAPF0000003",
                  "SEPCAPFNOLSC01"):
            sim.axl("applyPhone", f"<name>{n}</name>")
        before = lsc(sim, "SEPCAPF0000001")
        sim.advance(60)
        self.assertEqual(capf_state(sim, "SEPCAPF0000001")[1],
                         "Upgrade Failed: CA Communication Failure")
        self.assertEqual(lsc(sim, "SEPCAPF0000001"), before)
        self.assertEqual(capf_state(sim, "SEPCAPF0000002")[1],
                         "Upgrade Failed: Invalid Authentication String")
        self.assertEqual(capf_state(sim, "SEPCAPF0000003")[1],
                         "Upgrade Success")
        self.assertEqual(lsc(sim, "SEPCAPF0000003"),
                         (sim.now() + 365 * 86400, "CAPF-0badc0de"))
        self.assertEqual(capf_state(sim, "SEPCAPFNOLSC01")[1],
                         "Upgrade Failed: Invalid LSC")

    def test_rates(self):
        sim = self.sim
        sim.capf(rates={"Upgrade Failed: Key Generation Failed/Timeout": 1.0})
        update_capf(sim, "SEPCAPF0000001")
        sim.axl("applyPhone", "<name>SEPCAPF0000001</name>")
        sim.advance(300)
        self.assertEqual(capf_state(sim, "SEPCAPF0000001")[1],
                         "Upgrade Failed: Key Generation Failed/Timeout")

    def test_timeout_when_offline(self):
        sim, name = self.sim, "SEPCAPFOFF0001"
        update_capf(sim, name, extra=f"<upgradeFinishTime>{self.uft(7200)}"
                    "</upgradeFinishTime>")
        sim.axl("applyPhone", f"<name>{name}</name>")
        sim.advance(7199)
        self.assertEqual(capf_state(sim, name)[1], "Operation Pending")
        sim.advance(1)
        self.assertEqual(capf_state(sim, name),
                         ("No Pending Operation",
                          "Upgrade Failed: User Initiated Request Late/"
                          "Timedout", ""))

    def test_offline_mid_operation(self):
        sim, name = self.sim, "SEPCAPF0000001"
        update_capf(sim, name, extra=f"<upgradeFinishTime>{self.uft(3600)}"
                    "</upgradeFinishTime>")
        sim.axl("applyPhone", f"<name>{name}</name>")
        sim.advance(100)
        sim.set_registered([name], False)
        sim.advance(600)
        self.assertEqual(capf_state(sim, name)[1], "Operation Pending")
        sim.set_registered([name], True)     # back, but needs a new apply
        sim.advance(3600)
        self.assertEqual(capf_state(sim, name)[1], "Upgrade Failed: User "
                         "Initiated Request Late/Timedout")

    def test_pickup_switch(self):
        sim, name = self.sim, "SEPCAPFAWAY001"
        for pickup, expect in ((False, "Upgrade Failed: User Initiated "
                                "Request Late/Timedout"),
                               (True, "Upgrade Success")):
            sim.config(pickup_on_register=pickup)
            update_capf(sim, name, extra=f"<upgradeFinishTime>"
                        f"{self.uft(86400)}</upgradeFinishTime>")
            sim.axl("applyPhone", f"<name>{name}</name>")   # while away
            if pickup:
                sim.set_registered([name], False)
                sim.advance(3600)
                sim.set_registered([name], True)
            sim.advance(86400)
            self.assertEqual(capf_state(sim, name)[1], expect, pickup)

    def test_pickup_on_scheduled_registration(self):
        sim, name = self.sim, "SEPCAPFAWAY001"
        update_capf(sim, name, extra=f"<upgradeFinishTime>{self.uft(86400)}"
                    "</upgradeFinishTime>")
        sim.capf(pickup_on_register=True)      # switched on with a job waiting
        sim.advance(7200 + 299)       # back at +2h, then 300 s of CAPF
        self.assertEqual(capf_state(sim, name)[1], "Operation Pending")
        sim.advance(1)
        self.assertEqual(capf_state(sim, name)[1], "Upgrade Success")

    def test_operation_reset_switch(self):
        sim, name = self.sim, "SEPCAPF0000001"
        sim.capf(reset_operation=False)
        update_capf(sim, name)
        sim.axl("applyPhone", f"<name>{name}</name>")
        sim.advance(300)
        self.assertEqual(capf_state(sim, name)[:2],
                         ("Install/Upgrade", "Upgrade Success"))

    def test_update_rules(self):
        sim, name = self.sim, "SEPCAPF0000001"
        s, _, b = sim.axl("updatePhone", f"<name>{name}</name>"
                          "<authenticationMode>By Null String"
                          "</authenticationMode>")
        self.assertEqual(s, 500)
        self.assertIn("can be updated only if certificateOperation", fault(b)[1])
        s, _, b = update_capf(sim, name, extra="<upgradeFinishTime>2026-01-02 "
                              "10:00</upgradeFinishTime>")
        self.assertEqual(s, 500)
        self.assertIn("upgradeFinishTime", fault(b)[1])
        s, _, b = update_capf(sim, "SEPNOSUCH000000")
        self.assertEqual(fault(b)[2], "5003")
        s, _, b = sim.axl("applyPhone", "<name>SEPNOSUCH000000</name>")
        self.assertEqual(fault(b)[2], "5007")
        self.assertEqual(sim.writes(name)[name], [])
        s, _, b = sim.axl("updatePhone", f"<name>{name}</name>"
                          "<description>Zoë &amp; &lt;Co&gt;</description>")
        self.assertEqual(s, 200)
        s, _, b = sim.axl("getPhone", f"<name>{name}</name>")
        self.assertEqual(xml(b).findtext(".//description"), "Zoë & <Co>")

    def test_default_deadline_and_cancel(self):
        sim, name = self.sim, "SEPCAPF0000001"
        update_capf(sim, name)
        self.assertEqual(capf_state(sim, name)[2], self.uft(86400))
        sim.axl("updatePhone", f"<name>{name}</name><certificateOperation>"
                "No Pending Operation</certificateOperation>")
        self.assertEqual(capf_state(sim, name)[:1] + capf_state(sim, name)[2:],
                         ("No Pending Operation", ""))
        sim.advance(2 * 86400)
        self.assertEqual(capf_state(sim, name)[1], "Operation Pending")


def raw_exchange(sim, op="getCCMVersion", inner="", timeout=10):
    """One request on a fresh TLS connection; (bytes received, error)."""
    body = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
            'envelope/" xmlns:ns="http://www.cisco.com/AXL/API/14.0">'
            f"<soapenv:Body><ns:{op}>{inner}</ns:{op}></soapenv:Body>"
            "</soapenv:Envelope>").encode()
    auth = base64.b64encode(f"{sim.info['username']}:{sim.info['password']}"
                            .encode()).decode()
    head = (f"POST /axl/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic "
            f"{auth}\r\nSOAPAction: \"CUCM:DB ver=14.0 {op}\"\r\n"
            f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode()
    ctx = ssl.create_default_context(cafile=sim.info["ca_file"])
    data, err = b"", None
    with socket.create_connection(("127.0.0.1", sim.info["port"]),
                                  timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(head + body)
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except (OSError, ssl.SSLError) as e:
                err = e
    return data, err


class TestFaultInjection(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(phones=100, pools=2, start=START).start()
        cls.name = cls.sim.devices()[0]["name"]

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.clear_faults()

    def rule(self, action, **kw):
        r = {"endpoint": "axl", "op": "getCCMVersion", "action": action}
        r.update(kw)
        self.sim.faults([r])

    def test_latency(self):
        self.rule("latency", ms=300)
        t0 = time.monotonic()
        s, _, _ = self.sim.axl("getCCMVersion", "")
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)
        self.sim.axl("getCCMVersion", "")
        rules = self.sim.call("GET", "/faults")["rules"]
        self.assertEqual((rules[0]["seen"], rules[0]["fired"]), (2, 1))

    def _held_apply(self, action):
        """Sends applyPhone under a hold rule from a thread; returns the
        thread, the number of writes before, and the outcome list."""
        before = len(self.sim.writes(self.name)[self.name])
        self.sim.faults([{"endpoint": "axl", "op": "applyPhone",
                          "action": action}])
        out = []

        def send():
            out.append(self.sim.axl(
                "applyPhone", f"<name>{self.name}</name>", conn="held")[0])
        t = threading.Thread(target=send)
        t.start()
        self.assertEqual(self.sim.held(wait=1, timeout=30), 1)
        return t, before, out

    def test_hold_before_processing(self):
        t, before, out = self._held_apply("hold_before")
        self.assertEqual(len(self.sim.writes(self.name)[self.name]), before,
                         "held before processing: not applied yet")
        self.assertEqual(self.sim.release(), 1)
        t.join(30)
        self.assertEqual(out, [200])
        self.assertEqual(len(self.sim.writes(self.name)[self.name]),
                         before + 1)
        self.assertEqual(self.sim.held(), 0)

    def test_hold_after_processing(self):
        t, before, out = self._held_apply("hold_after")
        self.assertEqual(len(self.sim.writes(self.name)[self.name]),
                         before + 1, "held after processing: applied")
        self.assertEqual(out, [], "and not answered")
        self.sim.release()
        t.join(30)
        self.assertEqual(out, [200])

    def test_reset_before_processing(self):
        before = len(self.sim.writes(self.name)[self.name])
        self.sim.faults([{"endpoint": "axl", "op": "applyPhone",
                          "action": "reset"}])
        data, err = raw_exchange(self.sim, "applyPhone",
                                 f"<name>{self.name}</name>")
        self.assertEqual(data, b"")
        self.assertEqual(len(self.sim.writes(self.name)[self.name]), before)

    def test_drop_mid_response_after_processing(self):
        self.sim.faults([{"endpoint": "axl", "op": "applyPhone",
                          "action": "drop_mid_response"}])
        before = len(self.sim.writes(self.name)[self.name])
        data, err = raw_exchange(self.sim, "applyPhone",
                                 f"<name>{self.name}</name>")
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"))
        length = int([h for h in head.split(b"\r\n")
                      if h.lower().startswith(b"content-length")][0]
                     .split(b":")[1])
        self.assertLess(len(body), length)
        self.assertGreater(len(body), 0)
        self.assertEqual(len(self.sim.writes(self.name)[self.name]),
                         before + 1)

    def test_truncate(self):
        self.rule("truncate")
        s, h, b = self.sim.axl("getCCMVersion", "")
        self.assertEqual(s, 200)
        self.assertEqual(int(h["content-length"]), len(b))
        with self.assertRaises(etree.XMLSyntaxError):
            xml(b)

    def test_invalid_xml(self):
        self.rule("invalid_xml")
        s, h, b = self.sim.axl("getCCMVersion", "")
        self.assertEqual(s, 200)
        with self.assertRaises(etree.XMLSyntaxError):
            xml(b)

    def test_http500_html(self):
        self.rule("http500")
        s, h, b = self.sim.axl("getCCMVersion", "")
        self.assertEqual(s, 500)
        self.assertIn("text/html", h["content-type"])
        self.assertIn(b"HTTP Status 500", b)

    def test_http503_retry_after(self):
        self.rule("http503", retry_after=7)
        s, h, b = self.sim.axl("getCCMVersion", "")
        self.assertEqual((s, h.get("retry-after")), (503, "7"))

    def test_soap_fault(self):
        self.rule("soap_fault", fault={"faultcode": "soapenv:Server",
                                       "faultstring": "Boom", "axlcode": 42})
        s, _, b = self.sim.axl("getCCMVersion", "")
        self.assertEqual(s, 500)
        self.assertEqual(fault(b), ("soapenv:Server", "Boom", "42",
                                    "getCCMVersion"))

    def test_max_memory_and_too_large(self):
        self.rule("max_memory")
        s, _, b = self.sim.axl("getCCMVersion", "")
        self.assertIn("Maximum AXL Memory Allocation Consumed", fault(b)[1])
        self.rule("too_large", rows=[5000, 1200])
        s, _, b = self.sim.axl("getCCMVersion", "")
        self.assertEqual(fault(b)[1], "Query request too large. Total rows "
                         "matched: 5000 rows. Suggestive Row Fetch: less than "
                         "1200 rows")

    def test_rate_limit_ris(self):
        self.sim.faults([{"endpoint": "ris", "op": "*",
                          "action": "rate_limit"}])
        s, _, b = self.sim.ris(["SEP*"])
        self.assertEqual(s, 500)
        self.assertIn("Exceeded allowed rate for Reatime", fault(b)[1])
        s, _, b = self.sim.ris(["SEP*"])
        self.assertEqual(s, 200)

    def test_wrong_ca(self):
        self.sim.faults([{"action": "wrong_ca"}])
        with self.assertRaises(ssl.SSLCertVerificationError):
            raw_exchange(self.sim)
        data, err = raw_exchange(self.sim)
        self.assertTrue(data.startswith(b"HTTP/1.1 200"))

    def test_nth_and_count(self):
        self.rule("http503", nth=2, count=2)
        got = [self.sim.axl("getCCMVersion", "")[0] for _ in range(5)]
        self.assertEqual(got, [200, 503, 503, 200, 200])
        self.sim.clear_faults()
        self.rule("http500", count=-1, op="*")
        got = [self.sim.axl("getCCMVersion", "")[0] for _ in range(3)]
        self.assertEqual(got, [500, 500, 500])

    def test_counts(self):
        self.sim.reset_counts()
        self.sim.axl("getCCMVersion", "")
        list_phone(self.sim, {"name": "%"}, first=1)
        self.sim.ris(["SEP*"])
        c = self.sim.counts()
        self.assertEqual(c["axl"], {"getCCMVersion": 1, "listPhone": 1})
        self.assertEqual(c["ris"], {"selectCmDevice": 1})
        self.assertEqual(c["http_status"], {"200": 3})
        self.assertEqual(c["requests"], 3)
        self.assertGreater(c["bytes_sent"], 0)


class TestProcess(unittest.TestCase):
    def test_sigterm_clean_exit(self):
        sim = Sim(phones=10, pools=1, phone_web=2, phone_web_port=0).start()
        d = sim.info["dir"]
        self.assertTrue(os.path.isdir(d))
        sim.axl("getCCMVersion", "")
        rc = sim.stop()
        self.assertEqual(rc, 0)
        self.assertFalse(os.path.exists(d))

    def test_sigint_and_kept_dir(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.Popen([SIMULATOR, "--phones", "5", "--dir", d],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
            info = json.loads(p.stdout.readline())
            self.assertEqual(info["dir"], d)
            p.send_signal(signal.SIGINT)
            self.assertEqual(p.wait(10), 0)
            self.assertEqual(p.stdout.read(), b"")
            p.stdout.close()
            self.assertTrue(os.path.isfile(os.path.join(d, "cucm.sqlite")))

    def test_exits_with_its_parent(self):
        """A test process that dies half way leaves no simulator behind."""
        import select
        code = ("import json, os, subprocess, sys\n"
                f"p = subprocess.Popen([{SIMULATOR!r}, '--phones', '5', "
                "'--exit-with-parent'], stdout=subprocess.PIPE, "
                "stderr=subprocess.DEVNULL)\n"
                "print(json.loads(p.stdout.readline())['pid'], flush=True)\n"
                "os._exit(1)\n")
        parent = subprocess.run(["/usr/bin/python3", "-c", code],
                                capture_output=True, text=True, timeout=60)
        pid = int(parent.stdout)
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            return      # already gone
        try:
            ready = select.select([fd], [], [], 30)[0]
            self.assertEqual(ready, [fd], "the simulator outlived its "
                             "parent")
        finally:
            os.close(fd)

    def test_deterministic_population(self):
        out = []
        for _ in range(2):
            with Sim(phones=60, pools=4, seed=9, start=START) as sim:
                out.append([(d["name"], d["uuid"], d["description"],
                             d["lscvaliduntil"], d["registered"], d["pool"])
                            for d in sim.devices()])
        self.assertEqual(out[0], out[1])


class TestPhoneWeb(unittest.TestCase):
    def test_certificate_follows_renewal(self):
        scenario = {"population": {"phones": 0, "pools": 1},
                    "phones": [{"name": "SEPWEB00000001", "mic_only": True},
                               {"name": "SEPWEB00000002",
                                "lscvaliduntil": "+10d",
                                "lscissuername": "Acme Enterprise Issuing CA 1"}]}
        with Sim(scenario=scenario, start=START, phone_web=2,
                 phone_web_port=0) as sim:
            port = sim.info["phone_web_port"]
            devs = {d["name"]: d for d in sim.devices()}

            def peer_cert(name):
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                with socket.create_connection((devs[name]["ip"], port)) as r:
                    with ctx.wrap_socket(r) as s:
                        der = s.getpeercert(binary_form=True)
                return x509.load_der_x509_certificate(der)

            c = peer_cert("SEPWEB00000001")
            self.assertIn("Cisco Manufacturing CA", c.issuer.rfc4514_string())
            self.assertIn("CP-8845-SEPWEB00000001", c.subject.rfc4514_string())
            c = peer_cert("SEPWEB00000002")
            self.assertIn("Acme Enterprise Issuing CA 1",
                          c.issuer.rfc4514_string())
            self.assertEqual(int(c.not_valid_after.replace(
                tzinfo=__import__("datetime").timezone.utc).timestamp()),
                devs["SEPWEB00000002"]["lscvaliduntil"])
            update_capf(sim, "SEPWEB00000001")
            sim.axl("applyPhone", "<name>SEPWEB00000001</name>")
            sim.advance(300)
            c = peer_cert("SEPWEB00000001")
            cn = c.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
            self.assertEqual(cn, sim.info["capf_issuer"])
            for key in ("mic", "capf", "enterprise_root",
                        "enterprise_issuing"):
                self.assertIn(key, sim.info["phone_cas"])


class TestScale(unittest.TestCase):
    def test_40000_phones(self):
        t0 = time.monotonic()
        with Sim(phones=40000, pools=100, start=START) as sim:
            started = time.monotonic() - t0
            sim.axl("getCCMVersion", "")        # loads the schema
            pool = sim.info["pools"][7].replace("&", "&amp;") \
                .replace("<", "&lt;")
            t0 = time.monotonic()
            s, _, b = list_phone(sim, {"name": "%"}, skip=20000, first=1000)
            t_list = time.monotonic() - t0
            self.assertEqual(len(phones(b)), 1000)
            t0 = time.monotonic()
            s, _, b = sql(sim, TestSql.CLIENT_SQL.format(skip=0, first=1000,
                                                         pool="HQ Phones"))
            t_sql = time.monotonic() - t0
            self.assertEqual(s, 200)
            s, _, b = list_phone(sim, {"devicePoolName": pool}, first=1000)
            self.assertEqual(s, 200)
            # timings are reported, never asserted (make bench measures)
            print(f"\n40000 phones: start {started:.2f} s, listPhone page "
                  f"{t_list * 1000:.0f} ms, SQL page {t_sql * 1000:.0f} ms",
                  file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
