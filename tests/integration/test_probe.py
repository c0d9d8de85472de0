"""lscrenew probe against the simulator's phone web servers: the
certificate each phone presents (its MIC, or the LSC CUCM says it has),
compared with the store, verified against the right and the wrong CA, and
followed through a renewal; unreachable phones and unknown names.
"""

import json
import os
import re
import socket

from lsctest import (DAY, EXIT_FAILED, EXIT_UNREACHABLE, EXIT_USAGE,
                     SimTestCase)

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
            self.assertEqual(j["not_after"], t["lscvaliduntil"])
            self.assertEqual(j["days_left"],
                             (t["lscvaliduntil"] - self.sim.now()) // DAY)
            self.assertEqual(j["subject_cn"], name)
            self.assertRegex(j["sha256"], r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$")
            self.assertTrue(j["name_match"])
            self.assertIsNone(j["verified"])
            self.assertEqual(j["cucm"]["lsc_valid_until"], t["lscvaliduntil"])
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
        self.assertEqual(j["not_after"], old)
        self.assertTrue(j["cucm"]["agrees"])

        # CAPF does its work; the phone presents the new LSC before the
        # next run has read it back: they disagree, and say so
        self.sim.advance(3600)
        new = self.sim.devices(name=CAPF_DUE)[0]["lscvaliduntil"]
        self.assertGreater(new, old)
        j = self.probe_json(CAPF_DUE)
        self.assertEqual(j["not_after"], new)
        self.assertFalse(j["cucm"]["agrees"])
        self.assertEqual(j["cucm"]["lsc_valid_until"], old)
        r = self.probe(CAPF_DUE)
        self.assertIn("does not agree: the phone presents a newer LSC", r.out)

        # the next run confirms the renewal: both sides agree again
        r = self.e.run("run")
        self.assertIn(CAPF_DUE, self.e.phones_in("renewed"), r)
        j = self.probe_json(CAPF_DUE)
        self.assertEqual(j["not_after"], new)
        self.assertEqual(j["issuer_cn"], self.sim.info["capf_issuer"])
        self.assertEqual(j["cucm"]["lsc_valid_until"], new)
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
