"""lscrenew probe against the simulator's phone web servers: the
certificate each phone presents (its MIC, or the LSC CUCM says it has),
compared with the store, verified against the right and the wrong CA, and
followed through a renewal; unreachable phones and unknown names.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import unittest

from lsctest import (BIN, DAY, EXIT_FAILED, EXIT_UNREACHABLE, EXIT_USAGE,
                     SimTestCase, rfc3339, serve_self_signed)

CAPF_DUE = "SEP00000000C001"      # CAPF LSC due in 20 days: renewed by a run
ENTERPRISE = "SEP00000000E002"    # enterprise LSC, leaf + issuing CA sent
MIC_ONLY = "SEP00000000A003"      # no LSC: presents its MIC
CAPF_OK = "SEP00000000C004"       # CAPF LSC, not due
BAD_MIC = "SEP00000000B005"       # no LSC, expired MIC
NEVER = "SEP00000000D006"         # never registered: no known address

SCENARIO = {
    "population": {"phones": 0, "pools": 1},
    "phones": [
        {"name": CAPF_DUE, "lscvaliduntil": "+20d",
         "lscissuername": "CAPF-7cceb445"},
        {"name": ENTERPRISE, "lscvaliduntil": "+400d",
         "lscissuername": "Acme Enterprise Issuing CA 1"},
        {"name": MIC_ONLY, "mic_only": True},
        {"name": CAPF_OK, "lscvaliduntil": "+900d",
         "lscissuername": "CAPF-7cceb445"},
        {"name": BAD_MIC, "mic_only": True, "mic_invalid": True},
        {"name": NEVER, "lscvaliduntil": "+600d",
         "lscissuername": "CAPF-7cceb445",
         "schedule": "never_registered"},
    ],
}


def utc(epoch):
    import datetime
    return datetime.datetime.fromtimestamp(
        epoch, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def closed_port(ip):
    s = socket.socket()
    s.bind((ip, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Probe(SimTestCase):
    sim_options = {"scenario": SCENARIO, "phone_web": 5,
                   "phone_web_port": 0}

    def setUp(self):
        super().setUp()
        self.port = str(self.sim.info["phone_web_port"])
        self.cas = self.sim.info["phone_cas"]
        self.truth = {d["name"]: d for d in self.sim.devices()}
        self.e = self.env()

    def probe(self, *args):
        return self.e.run("probe", "--port", self.port, *args)

    def probe_json(self, *args):
        r = self.probe("--json", *args)
        self.assertEqual(r.rc, 0, r)
        lines = r.out.splitlines()
        self.assertEqual(len(lines), 1, r)
        return json.loads(lines[0])

    def test_lsc_agrees_with_cucm(self):
        r = self.e.run("run")
        self.assertIn(r.rc, (0, 1, 2), r)
        for name, kind in ((ENTERPRISE, "lsc-ca"), (CAPF_OK, "lsc-capf")):
            t = self.truth[name]
            j = self.probe_json(name)
            self.assertEqual(j["name"], name)
            self.assertEqual(j["address"], t["ip"])
            self.assertEqual(j["kind"], kind)
            self.assertEqual(j["issuer_cn"], t["lscissuername"])
            self.assertEqual(j["not_after"], rfc3339(t["lscvaliduntil"]))
            self.assertEqual(j["days_left"],
                             (t["lscvaliduntil"] - self.sim.now()) // DAY)
            self.assertEqual(j["subject_cn"], name)
            self.assertRegex(j["sha256"], r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$")
            self.assertTrue(j["name_match"])
            self.assertIsNone(j["verified"])
            self.assertEqual(j["cucm"]["lsc_valid_until"],
                             rfc3339(t["lscvaliduntil"]))
            self.assertTrue(j["cucm"]["agrees"], j)
            self.assertTrue(j["cucm"]["issuer_agrees"], j)
        j = self.probe_json(ENTERPRISE)
        self.assertEqual(j["chain_length"], 2)
        self.assertIn("Acme Enterprise Root CA", j["browsers_must_trust"])

        # the same in words
        t = self.truth[CAPF_OK]
        r = self.probe(CAPF_OK)
        self.assertEqual(r.rc, 0, r)
        self.assertIn(f"{CAPF_OK} at {t['ip']}:{self.port}\n", r.out)
        self.assertIn("LSC issued by CAPF", r.out)
        self.assertRegex(r.out, rf"not after +{utc(t['lscvaliduntil'])} "
                         r"\(900 days left\)")
        self.assertRegex(r.out, r"LSC valid until in CUCM +"
                         rf"{utc(t['lscvaliduntil'])} \(agrees\)")
        self.assertRegex(r.out, r"browsers must trust +CN=CAPF-7cceb445")
        self.assertEqual(r.err, "")

    def test_renewal_seen_from_the_phone(self):
        old = self.truth[CAPF_DUE]["lscvaliduntil"]
        r = self.e.run("run")
        self.assertIn(CAPF_DUE, self.e.phones_in("queued", "pending"), r)
        j = self.probe_json(CAPF_DUE)
        self.assertEqual(j["not_after"], rfc3339(old))
        self.assertTrue(j["cucm"]["agrees"])

        # CAPF does its work; the phone presents the new LSC before the
        # next run has read it back: they disagree, and say so
        self.sim.advance(3600)
        new = self.sim.devices(name=CAPF_DUE)[0]["lscvaliduntil"]
        self.assertGreater(new, old)
        j = self.probe_json(CAPF_DUE)
        self.assertEqual(j["not_after"], rfc3339(new))
        self.assertFalse(j["cucm"]["agrees"])
        self.assertEqual(j["cucm"]["lsc_valid_until"], rfc3339(old))
        r = self.probe(CAPF_DUE)
        self.assertIn("does not agree: the phone presents a newer LSC", r.out)

        # the next run confirms the renewal: both sides agree again
        r = self.e.run("run")
        self.assertIn(CAPF_DUE, self.e.phones_in("renewed"), r)
        j = self.probe_json(CAPF_DUE)
        self.assertEqual(j["not_after"], rfc3339(new))
        self.assertEqual(j["issuer_cn"], self.sim.info["capf_issuer"])
        self.assertEqual(j["cucm"]["lsc_valid_until"], rfc3339(new))
        self.assertTrue(j["cucm"]["agrees"])
        self.assertGreater(j["days_left"], 1000)

    def test_mic_only_phone(self):
        self.e.run("run")
        j = self.probe_json(MIC_ONLY)
        self.assertEqual(j["kind"], "mic")
        self.assertEqual(j["issuer_cn"], "Cisco Manufacturing CA SHA2")
        self.assertEqual(j["subject_cn"], f"CP-8845-{MIC_ONLY}")
        self.assertIsNone(j["cucm"]["lsc_valid_until"])
        self.assertTrue(j["cucm"]["agrees"])
        r = self.probe(MIC_ONLY)
        self.assertIn("MIC (manufacturer installed", r.out)
        self.assertRegex(r.out, r"browsers must trust +CN=Cisco "
                         r"Manufacturing CA SHA2")
        self.assertRegex(r.out, r"LSC valid until in CUCM +none \(agrees\)")
        # an expired MIC, by address
        j = self.probe_json(self.truth[BAD_MIC]["ip"])
        self.assertEqual(j["kind"], "mic")
        self.assertTrue(j["expired"])
        self.assertLess(j["days_left"], 0)
        self.assertIsNone(j["name"])
        self.assertIsNone(j["cucm"])

    def test_ca_file(self):
        ip = self.truth[ENTERPRISE]["ip"]
        for ca in ("enterprise_root", "enterprise_issuing"):
            j = self.probe_json("--ca-file", self.cas[ca], ip)
            self.assertTrue(j["verified"], j)
            self.assertIsNone(j["verify_error"])
        r = self.probe("--ca-file", self.cas["enterprise_root"], ip)
        self.assertRegex(r.out, r"--ca-file +verified\n")
        j = self.probe_json("--ca-file", self.cas["capf"], ip)
        self.assertFalse(j["verified"])
        self.assertEqual(j["verify_error"],
                         "unable to get local issuer certificate")
        r = self.probe("--ca-file", self.cas["capf"], ip)
        self.assertEqual(r.rc, 0, r)
        self.assertRegex(r.out, r"--ca-file +not verified: unable to get "
                         r"local issuer certificate\n")

        ip = self.truth[CAPF_OK]["ip"]
        self.assertTrue(self.probe_json("--ca-file", self.cas["capf"],
                                        ip)["verified"])
        self.assertFalse(self.probe_json("--ca-file", self.cas["mic"],
                                         ip)["verified"])
        ip = self.truth[MIC_ONLY]["ip"]
        self.assertTrue(self.probe_json("--ca-file", self.cas["mic"],
                                        ip)["verified"])

        r = self.probe("--ca-file", "/nonexistent.pem", ip)
        self.assertEqual(r.rc, EXIT_USAGE, r)
        self.assertIn("/nonexistent.pem", r.err)

    def test_unreachable(self):
        self.e.run("run")
        ip = self.truth[CAPF_OK]["ip"]
        port = closed_port(ip)
        r = self.e.run("probe", "--port", str(port), ip)
        self.assertEqual(r.rc, EXIT_UNREACHABLE, r)
        self.assertEqual(r.out, "")
        lines = r.err.splitlines()
        self.assertEqual(len(lines), 1, r)
        self.assertIn(f"{ip}:{port}: connect: Connection refused", lines[0])
        # by name: the name, then the address
        r = self.e.run("probe", "--port", str(port), CAPF_OK)
        self.assertEqual(r.rc, EXIT_UNREACHABLE, r)
        self.assertEqual(len(r.err.splitlines()), 1, r)
        self.assertIn(f"{CAPF_OK}: {ip}:{port}: connect:", r.err)
        # with --json the failure is an object too
        r = self.e.run("probe", "--json", "--port", str(port), ip)
        self.assertEqual(r.rc, EXIT_UNREACHABLE, r)
        j = json.loads(r.out)
        self.assertIn("Connection refused", j["error"])
        self.assertEqual(j["port"], port)
        # a phone with no web server at its address (not among the five)
        r = self.probe("127.1.2.250")
        self.assertEqual(r.rc, EXIT_UNREACHABLE, r)
        self.assertIn(f"127.1.2.250:{self.port}:", r.err)

    def test_names_the_store_cannot_place(self):
        # no run yet: no store at all
        r = self.probe(CAPF_OK)
        self.assertEqual(r.rc, EXIT_USAGE, r)
        self.assertIn(f"{CAPF_OK}: not a phone in the state store; run "
                      "lscrenew run first", r.err)
        self.e.run("run")
        r = self.probe("SEPFFFFFFFFFFFF")
        self.assertEqual(r.rc, EXIT_USAGE, r)
        self.assertEqual(len(r.err.splitlines()), 1, r)
        self.assertIn("SEPFFFFFFFFFFFF: not a phone in the state store",
                      r.err)
        with self.e.db() as c:
            ip = c.execute("SELECT last_ip FROM phone WHERE name = ?",
                           (NEVER,)).fetchone()[0]
        self.assertIsNone(ip)
        r = self.probe(NEVER)
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertIn(f"{NEVER}: no known address; run lscrenew run first",
                      r.err)
        # every operand is probed; the first failure sets the status
        r = self.probe("SEPFFFFFFFFFFFF", CAPF_OK)
        self.assertEqual(r.rc, EXIT_USAGE, r)
        self.assertIn(f"{CAPF_OK} at ", r.out)

    def test_usage(self):
        for args in ((), ("--port", "0", "127.0.0.1"),
                     ("--port", "x", "127.0.0.1"), ("--pool", "X", "a.b")):
            r = self.e.run("probe", *args)
            self.assertEqual(r.rc, EXIT_USAGE, (args, r))
        r = self.e.run("help", "probe")
        self.assertEqual(r.rc, 0, r)
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "..", "..", "cli", "lscrenew.1")) as f:
            man = f.read()
        self.assertIn(".Cm probe", man)
        for opt in set(re.findall(r"--([a-z][a-z-]+)", r.out)):
            self.assertIn(f"Fl Fl {opt}", man, opt)


class SlowResolver(unittest.TestCase):
    """A phone's host name whose name server never answers: the probe
    gives up after its timeout, as it does for a connect or a handshake,
    instead of waiting as long as the resolver would."""

    def test_resolution_is_bounded(self):
        if os.geteuid() != 0 or shutil.which("unshare") is None:
            self.skipTest("needs root and unshare(1) for a private "
                          "/etc/resolv.conf")
        ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(ns.close)
        ns.bind(("127.53.53.53", 53))       # reads, never answers
        d = tempfile.mkdtemp(prefix="lscrenew-resolv-")
        self.addCleanup(shutil.rmtree, d, True)
        resolv = os.path.join(d, "resolv.conf")
        with open(resolv, "w") as f:
            # unbounded, the resolver alone would wait 60 s
            f.write("nameserver 127.53.53.53\noptions timeout:30 "
                    "attempts:2\n")
        cmd = ["unshare", "-m", "sh", "-c",
               'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolv,
               BIN, "probe", "--port", "443", "phone.blackhole.test"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=40,
                           stdin=subprocess.DEVNULL)
        if p.returncode != EXIT_UNREACHABLE and "mount" in p.stderr:
            self.skipTest(f"no private mount namespace: {p.stderr}")
        self.assertEqual(p.returncode, EXIT_UNREACHABLE, p)
        self.assertEqual(p.stderr, "lscrenew probe: phone.blackhole.test:"
                         "443: resolving: timed out after 10 s\n")
        self.assertEqual(p.stdout, "")
        # the resolver was asked, and got no answer
        ns.setblocking(False)
        self.assertIn(b"blackhole", ns.recv(512))


# What must never reach a terminal as it is (lscrenew(1), SECURITY
# CONSIDERATIONS): C0 but the newline, DEL, C1, bidirectional controls.
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067" \
    "\u2068\u2069"


def unsafe(text):
    return [c for c in text if (ord(c) < 0x20 and c != "\n") or
            0x7f <= ord(c) < 0xa0 or c in BIDI]


class HostileCertificate(unittest.TestCase):
    """A phone whose certificate names hold escapes, C1 controls and
    bidirectional overrides: the probe shows them, harmless."""

    def setUp(self):
        from cryptography.x509.oid import NameOID
        self.port = serve_self_signed(self, "127.0.0.1", [
            (NameOID.COMMON_NAME, "SEP\u202egpj.exe\x1b[31m\x9b2J"),
            (NameOID.ORGANIZATION_NAME, "Acme\u2066\u200f\x85Corp")])

    def probe(self, *args):
        e = dict(os.environ)
        e.pop("LSCRENEW_CONFIG", None)
        return subprocess.run([BIN, "probe", "--port", str(self.port)] +
                              list(args) + ["127.0.0.1"],
                              capture_output=True, text=True, env=e,
                              timeout=60, stdin=subprocess.DEVNULL)

    def test_names_reach_the_terminal_harmless(self):
        p = self.probe()
        self.assertEqual(p.returncode, 0, p)
        self.assertEqual(unsafe(p.stdout), [], p.stdout)
        self.assertIn("subject                  CN=SEP?gpj.exe\\1B[31m?2J, "
                      "O=Acme???Corp\n", p.stdout)
        self.assertIn("self-signed", p.stdout)
        p = self.probe("--json")
        self.assertEqual(p.returncode, 0, p)
        self.assertEqual(unsafe(p.stdout), [], p.stdout)
        j = json.loads(p.stdout)
        for key in ("subject", "issuer", "subject_cn", "browsers_must_trust"):
            self.assertEqual(unsafe(j[key]), [], (key, j[key]))
        self.assertEqual(j["subject_cn"], "SEP?gpj.exe?[31m?2J")
