"""lscrenew report trust against the simulator's phone web servers: the
phones are probed through the real binary, the report says which root each
chain needs and answers per pool, the --pem bundle (with the roots it
names) lets "openssl verify" validate every leaf the phones presented, the
page with the trust section opens in headless Chromium, and a phone with a
hostile certificate reaches every format harmless.
"""

import csv
import io
import json
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import unittest

from lsctest import SimTestCase, serve_self_signed
from test_html_chromium import TreeBuilder, chromium_args

CAPF = ["SEP00000000C%03d" % i for i in range(1, 4)]
ENT = ["SEP00000000E001", "SEP00000000E002"]
ENT_ROOT = "SEP00000000E003"        # sends the issuing CA and the root
MIC = ["SEP00000000A001", "SEP00000000A002"]
REFUSED = "SEP00000000F001"
ENTERPRISE = "Acme Enterprise Issuing CA 1"

SCENARIO = {
    "population": {"phones": 0, "pools": 2},
    "pools": ["Trust HQ", "Trust Branch"],
    "phones": [{"name": n, "lscvaliduntil": "+400d", "pool": "Trust HQ"}
               for n in CAPF] +
    [{"name": n, "mic_only": True, "pool": "Trust HQ"} for n in MIC] +
    [{"name": n, "lscvaliduntil": "+400d", "lscissuername": ENTERPRISE,
      "pool": "Trust Branch"} for n in ENT + [ENT_ROOT]] +
    [{"name": REFUSED, "lscvaliduntil": "+400d", "pool": "Trust Branch"}],
    "phone_faults": {"phones": {REFUSED: "refused"},
                     "send_root": [ENT_ROOT]},
}
PRESENTING = CAPF + MIC + ENT + [ENT_ROOT]
HOSTILE_CN = '<script>alert(1)</script>"=HYPERLINK("x"),\''


def pems(text):
    return re.findall(r"-----BEGIN CERTIFICATE-----\n.*?"
                      r"-----END CERTIFICATE-----\n", text, re.S)


def der_sha256(pem):
    import hashlib
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


class TrustReport(SimTestCase):
    sim_options = {"scenario": SCENARIO, "phone_web": len(SCENARIO["phones"]),
                   "phone_web_port": 0}

    def setUp(self):
        super().setUp()
        self.port = str(self.sim.info["phone_web_port"])
        self.cas = self.sim.phone_cas_pem()
        self.e = self.env()
        r = self.e.run("run")
        self.assertIn(r.rc, (0, 1), r)
        # the audit of the whole campaign, as an administrator runs it
        r = self.e.run("probe", "--port", self.port, "--campaign", "nightly")
        self.assertNotEqual(r.rc, 64, r)
        self.tmp = tempfile.mkdtemp(prefix="lscrenew-trust-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def report(self, *args):
        r = self.e.run("report", "trust", *args)
        self.assertEqual(r.rc, 0, r)
        return r.out

    def test_chains_roots_and_answer(self):
        doc = json.loads(self.report("--json"))
        self.assertEqual(doc["report"], "trust")
        chains = {(c["kind"], c["cas_sent"]): c for c in doc["chains"]}
        capf = [c for c in doc["chains"] if c["kind"] == "capf_lsc"]
        self.assertEqual(len(capf), 1, doc["chains"])
        self.assertEqual(capf[0]["phones"], len(CAPF))
        self.assertFalse(capf[0]["root"]["sent"])
        self.assertIn(self.sim.info["capf_issuer"],
                      capf[0]["root"]["subject"])
        mic = [c for c in doc["chains"] if c["kind"] == "mic"]
        self.assertEqual(sum(c["phones"] for c in mic), len(MIC))
        self.assertIn("Cisco Manufacturing CA", mic[0]["root"]["subject"])
        ent = [c for c in doc["chains"] if c["kind"] == "enterprise_lsc"]
        self.assertEqual(sum(c["phones"] for c in ent), len(ENT) + 1)
        for c in ent:
            self.assertTrue(c["root"]["sent"], c)
            self.assertEqual(c["root"]["sha256"].replace(":", "").lower(),
                             self.cas["enterprise_root"]["sha256"])
        self.assertEqual(len(chains), len(doc["chains"]))
        answers = {a["pool"]: a["answer"] for a in doc["answers"]}
        self.assertEqual(set(answers), {"Trust HQ", "Trust Branch"})
        hq, branch = answers["Trust HQ"], answers["Trust Branch"]
        self.assertIn("To open every phone page of pool Trust HQ", hq)
        self.assertIn("for %d phones" % len(CAPF), hq)
        self.assertIn("Warning: %d phones present their MIC" % len(MIC), hq)
        self.assertIn("Cisco's CUCM security guide recommends LSCs", hq)
        self.assertNotIn("Warning", branch)
        self.assertIn("for %d phones" % (len(ENT) + 1), branch)
        self.assertIn("1 phone presented no certificate", branch)
        # the text says the same; CSV counts per pool and model
        text = self.report()
        self.assertIn("Which CA must a browser trust?", text)
        rows = list(csv.DictReader(io.StringIO(self.report("-f", "csv"))))
        self.assertEqual(sum(int(r["phones"]) for r in rows),
                         len(SCENARIO["phones"]))
        refused = [r for r in rows if r["presents"] == "refused"]
        self.assertEqual([r["pool"] for r in refused], ["Trust Branch"])
        prom = self.report("-f", "prom")
        self.assertIn('lscrenew_trust_phones{cluster="sim",pool="Trust HQ"',
                      prom)

    def leaf(self, name):
        """The leaf a phone presents, fetched with openssl s_client."""
        p = self.sim.phone_web_phone(name)
        r = subprocess.run(["openssl", "s_client", "-connect",
                            "%s:%d" % (p["address"], p["port"])],
                           input="", capture_output=True, text=True,
                           timeout=60)
        found = pems(r.stdout)
        self.assertTrue(found, r.stderr)
        path = os.path.join(self.tmp, name + ".pem")
        with open(path, "w") as f:
            f.write(found[0])
        return path

    def verify(self, bundle, leaf):
        return subprocess.run(["openssl", "verify", "-attime",
                               str(self.sim.now()), "-CAfile", bundle, leaf],
                              capture_output=True, text=True, timeout=60)

    def test_pem_bundle_verifies_every_leaf(self):
        bundle = os.path.join(self.tmp, "phones-ca.pem")
        self.report("--pem", bundle)
        self.assertEqual(os.stat(bundle).st_mode & 0o777, 0o644)
        with open(bundle) as f:
            text = f.read()
        got = [der_sha256(p) for p in pems(text)]
        # deduplicated, root first: the phones sent these two
        self.assertEqual(got, [self.cas["enterprise_root"]["sha256"],
                               self.cas["enterprise_issuing"]["sha256"]])
        self.assertIn("# root, phones chaining to it: %d\n" %
                      (len(ENT) + 1), text)
        # the roots no phone sent are named, with where to fetch them
        named = re.findall(r"^# not sent: (.*)$", text, re.M)
        self.assertEqual(len(named), 2, text)
        self.assertTrue(any(self.sim.info["capf_issuer"] in n
                            for n in named), named)
        self.assertTrue(any("Cisco Manufacturing CA" in n for n in named))
        # the bundle alone verifies the enterprise leaves...
        for name in ENT + [ENT_ROOT]:
            r = self.verify(bundle, self.leaf(name))
            self.assertEqual(r.returncode, 0, (name, r.stdout, r.stderr))
        r = self.verify(bundle, self.leaf(CAPF[0]))
        self.assertNotEqual(r.returncode, 0)
        # ... and with the roots it names added, every presented leaf
        full = os.path.join(self.tmp, "full.pem")
        with open(full, "w") as f:
            f.write(text + self.cas["capf"]["pem"] + self.cas["mic"]["pem"])
        for name in PRESENTING:
            r = self.verify(full, self.leaf(name))
            self.assertEqual(r.returncode, 0, (name, r.stdout, r.stderr))

    def test_phone_side_in_the_other_reports(self):
        r = self.e.run("report", "left-behind", "--json")
        self.assertEqual(r.rc, 0, r)
        r = self.e.run("report", "summary", "--json")
        self.assertEqual(r.rc, 0, r)
        total = json.loads(r.out)["total"]
        self.assertEqual(total["probed"], len(SCENARIO["phones"]))
        self.assertEqual(total["phone_no_certificate"], 1)
        self.assertEqual(total["phone_agrees"] + total["phone_differs"],
                         len(PRESENTING))
        r = self.e.run("report", "metrics")
        self.assertIn('lscrenew_phones_probed{cluster="sim",pool="Trust '
                      'Branch",result="no_certificate"} 1', r.out)

    def test_page_in_chromium(self):
        if shutil.which("chromium") is None:
            self.fail("chromium not found: install the Debian package "
                      "chromium")
        page = os.path.join(self.tmp, "report.html")
        r = self.e.run("report", "summary", "-f", "html", "-o", page)
        self.assertEqual(r.rc, 0, r)
        r = subprocess.run(chromium_args(os.path.join(self.tmp, "prof")) +
                           ["--dump-dom", "file://" + page],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        tb = TreeBuilder()
        tb.feed(r.stdout)
        tb.close()
        sec = tb.root.find(tag="section", id="trust-section")
        self.assertEqual(len(sec), 1)
        rows = sec[0].find(tag="tr", cls="trust-row")
        doc = json.loads(self.report("--json"))
        self.assertEqual(len(rows), len(doc["chains"]))
        answers = [p.all_text() for p in sec[0].find(tag="p",
                                                      cls="trust-answer")]
        self.assertEqual(len(answers), 2)
        self.assertTrue(any("Cisco Manufacturing CA" in a for a in answers))


class HostileSubject(SimTestCase):
    """A phone answering with a certificate named to break each format:
    the simulator's phone has no web server; ours listens at its
    address."""
    sim_options = {"scenario": {"population": {"phones": 0, "pools": 1},
                                "phones": [{"name": CAPF[0],
                                            "lscvaliduntil": "+400d"}]}}

    def serve_hostile(self, address):
        from cryptography.x509.oid import NameOID
        return serve_self_signed(self, address,
                                 [(NameOID.COMMON_NAME, HOSTILE_CN)])

    def test_every_format_harmless(self):
        e = self.env()
        r = e.run("run")
        self.assertIn(r.rc, (0, 1), r)
        with e.db() as c:
            (address,), = c.execute("SELECT last_ip FROM phone")
        port = self.serve_hostile(address)
        r = e.run("probe", "--port", str(port), CAPF[0])
        self.assertNotEqual(r.rc, 64, r)
        r = e.run("report", "trust", "--json")
        self.assertEqual(r.rc, 0, r)
        doc = json.loads(r.out)
        self.assertEqual([c["kind"] for c in doc["chains"]], ["self_signed"])
        # the probe keeps the name as a DN string (RFC 4514 escapes)
        issuer = doc["chains"][0]["issuer"]
        self.assertIn("<script", issuer)
        self.assertIn('"=HYPERLINK(', issuer)
        r = e.run("report", "trust", "-f", "csv")
        rows = list(csv.DictReader(io.StringIO(r.out)))
        self.assertEqual([row["issuer"] for row in rows], [issuer])
        r = e.run("report", "summary", "-f", "html")
        self.assertEqual(r.rc, 0, r)
        self.assertNotIn("<script", r.out)
        self.assertIn("&lt;script", r.out)
        self.assertIn("&quot;=HYPERLINK(", r.out)
        r = e.run("report", "trust")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("1 phone's own self-signed certificate", r.out)
        d = tempfile.mkdtemp(prefix="lscrenew-hostile-pem-")
        self.addCleanup(shutil.rmtree, d, True)
        r = e.run("report", "trust", "--pem", os.path.join(d, "b.pem"))
        self.assertEqual(r.rc, 0, r)
        with open(os.path.join(d, "b.pem")) as f:
            for line in f:
                self.assertTrue(line.startswith("#") or line == "\n" or
                                line.startswith("-----") or
                                re.match(r"^[A-Za-z0-9+/=]+$", line), line)


class PemErrors(SimTestCase):
    """--pem: where it belongs, and a file it cannot write."""
    sim_options = {"phones": 3, "pools": 1, "seed": 1}

    def test_errors(self):
        e = self.env()
        r = e.run("report", "trust")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("No phone probed yet", r.out)
        r = e.run("report", "summary", "--pem", "/tmp/x.pem")
        self.assertEqual(r.rc, 64, r)
        self.assertEqual(r.err, "lscrenew report summary: --pem is for "
                         "report trust\n")
        r = e.run("report", "trust", "--pem", "/nonexistent/dir/b.pem")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("/nonexistent/dir/b.pem: creating a temporary file",
                      r.err)
        self.assertEqual(r.out, "")


if __name__ == "__main__":
    unittest.main()
