"""lscrenew probe --campaign / --pool / --all: every registered phone of
the selection probed at the address RisPort70 gives, what each presents
compared with CUCM's record and classified, phone by phone against the
simulator's ground truth, and recorded in the state store."""

import fcntl
import json
import os
import shlex
import shutil
import subprocess
import unittest

from lsctest import (BIN, DAY, EXIT_ATTENTION, EXIT_CONFIG, EXIT_LOCKED,
                     EXIT_USAGE, SimTestCase, sim_pools)

KINDS = {"mic": "mic", "capf_lsc": "lsc-capf", "enterprise_lsc": "lsc-ca",
         "self_signed": "self-signed"}
ACME = "Acme Enterprise Issuing CA 1"
RENEW_BEFORE = {"nightly": 60 * DAY, "lobby": 30 * DAY}


def expected_class(web, campaign, now):
    """The class the simulator's ground truth calls for."""
    if not web["presents"]:
        return "unreachable"
    cert, cucm = web["certificate"], web["cucm"]
    lsc = cert["kind"] in ("capf_lsc", "enterprise_lsc")
    recorded = cucm["lscvaliduntil"] or 0
    if recorded and not lsc:
        return "mic_not_lsc" if cert["kind"] == "mic" else "other_lsc"
    if lsc and (not recorded or abs(cert["not_after"] - recorded) > 60 or
                cert["issuer_cn"].lower() !=
                (cucm["lscissuername"] or "").lower()):
        return "other_lsc"
    if cert["not_after"] - now <= RENEW_BEFORE[campaign]:
        return "expiring"
    if lsc and campaign == "lobby" and cert["issuer_cn"] != ACME:
        return "issuer_differs"
    return "agrees"


class ProbeAudit(SimTestCase):
    sim_options = {"phones": 60, "pools": 3, "seed": 7, "phone_web": 60,
                   "phone_web_port": 0}

    def setUp(self):
        super().setUp()
        self.port = str(self.sim.info["phone_web_port"])
        self.pools = sim_pools(self.sim)
        self.campaign_of = {p: "nightly" for p in self.pools[:2]}
        self.campaign_of[self.pools[2]] = "lobby"
        self.e = self.env(campaigns={
            "nightly": {"device_pools": ", ".join(self.pools[:2]),
                        "renew_before": "60d"},
            "lobby": {"device_pools": self.pools[2],
                      "expected_issuer": ACME}},
            global_extra="probe_concurrency = 8\nprobe_rate = 200")
        self.devices = {d["name"]: d for d in self.sim.devices()}

    def probe(self, *args):
        return self.e.run("probe", "--port", self.port, *args)

    def registered(self, pools):
        return {n for n, d in self.devices.items()
                if d["registered"] and d["pool"] in pools}

    def check_against_truth(self, lines):
        now = self.sim.now()
        web = {w["name"]: w for w in self.sim.phone_web()}
        classes = set()
        for j in lines:
            if j["name"] not in web:    # a soft client: no web server
                self.assertEqual(j["class"], "unreachable", j)
                continue
            w = web[j["name"]]
            pool = self.devices[j["name"]]["pool"]
            want = expected_class(w, self.campaign_of[pool], now)
            self.assertEqual(j["class"], want, j)
            self.assertEqual(j["address"], w["address"])
            classes.add(want)
            if want == "unreachable":
                self.assertIsNotNone(j["error"])
                continue
            t = w["certificate"]
            self.assertEqual(j["kind"], KINDS[t["kind"]], j)
            self.assertEqual(j["issuer_cn"], t["issuer_cn"])
            self.assertEqual(j["serial"].lower().lstrip("0"),
                             t["serial"].lstrip("0"))
            self.assertEqual(j["sha256"].replace(":", "").lower(),
                             t["sha256"])
        return classes

    def test_campaign_agrees_with_truth(self):
        r = self.e.run("run")
        self.assertIn(r.rc, (0, 1, 2), r)
        web = {w["name"] for w in self.sim.phone_web()}
        refused = sorted(self.registered(self.pools[:2]) & web)[0]
        self.sim.phone_faults(phones={refused: "refused"})

        r = self.probe("--json", "--campaign", "nightly")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        self.assertEqual(r.err, "")
        lines = [json.loads(x) for x in r.out.splitlines()]
        names = [j["name"] for j in lines]
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(set(names), self.registered(self.pools[:2]))
        classes = self.check_against_truth(lines)
        self.assertTrue({"agrees", "expiring", "unreachable"} <= classes,
                        classes)

        # recorded, one row each, the CAs the phones sent kept once
        with self.e.db() as c:
            rows = {r[0]: r[1:] for r in c.execute(
                "SELECT phone, outcome, kind, class, serial, chain, sha256"
                " FROM probe WHERE cluster = 'sim'")}
            cas = {r[0]: r[1] for r in c.execute(
                "SELECT sha256, subject FROM probe_ca")}
        self.assertEqual(set(rows), set(names))
        for j in lines:
            outcome, kind, cls, serial, chain, sha = rows[j["name"]]
            self.assertEqual(cls, j["class"])
            if j["name"] == refused:
                self.assertEqual((outcome, kind), ("refused", None))
            if cls == "unreachable":
                self.assertNotEqual(outcome, "presented")
                self.assertIsNone(kind)
                continue
            self.assertEqual(outcome, "presented")
            self.assertEqual(KINDS[kind], j["kind"])
            self.assertEqual(sha, j["sha256"].replace(":", "").lower())
            sent = [x["sha256"] for x in j["chain"][1:]]
            self.assertEqual((chain or "").split(), sent)
            for s in sent:
                self.assertIn(s, cas)
        self.assertIn(ACME, " ".join(cas.values()))

        # lscrenew phone shows both sides
        pick = [j for j in lines if j["class"] == "expiring"][0]
        r = self.e.run("phone", pick["name"])
        self.assertEqual(r.rc, 0, r)
        flat = " ".join(r.out.split())     # long rows wrap
        kind = {v: k for k, v in KINDS.items()}[pick["kind"]]
        self.assertIn(f"presents {kind} valid until "
                      f"{pick['not_after'][:10]}, issued by ", flat)
        self.assertIn(f"phone and CUCM expiring: {pick['class_reason']}",
                      flat)
        j = json.loads(self.e.run("phone", "--json", pick["name"]).out)
        probe = j["phones"][0]["probe"]
        self.assertEqual((probe["class"], probe["class_reason"]),
                         (pick["class"], pick["class_reason"]))
        self.assertEqual(probe["serial"], pick["serial"])
        self.assertEqual(probe["not_after"], pick["not_after"])
        off = [n for n, d in self.devices.items() if not d["registered"]
               and d["pool"] in self.pools[:2]][0]
        r = self.e.run("phone", off)
        self.assertRegex(r.out, r"probed +never")
        j = json.loads(self.e.run("phone", "--json", off).out)
        self.assertIsNone(j["phones"][0]["probe"])

        # in words: one line a phone, then what it came to
        r = self.probe("--campaign", "nightly")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        out = r.out.splitlines()
        self.assertEqual(len(out), len(names) + 1, r)
        cls = [j["class"] for j in lines]
        off = sum(1 for n, d in self.devices.items() if not d["registered"]
                  and d["pool"] in self.pools[:2])
        agree, unreachable = cls.count("agrees"), cls.count("unreachable")
        self.assertEqual(out[-1], f"probed {len(names)} phones: {agree} "
                         f"agree with CUCM, {len(cls) - agree - unreachable}"
                         f" do not, {unreachable} unreachable; {off} not "
                         "registered (not probed)")
        line = [x for x in out if x.startswith(refused + " ")][0]
        self.assertIn("refused, unreachable: ", line)
        self.assertIn("connect: Connection refused", line)
        self.assertEqual(r.err, "")

    def test_pools_and_all(self):
        self.e.run("run")
        r = self.probe("--json", "--pool", self.pools[0], "--pool",
                       self.pools[2])
        lines = [json.loads(x) for x in r.out.splitlines()]
        self.assertEqual({j["name"] for j in lines},
                         self.registered([self.pools[0], self.pools[2]]))
        classes = self.check_against_truth(lines)
        self.assertIn("issuer_differs", classes)

        # a selection overlapping an operand and itself: each phone once
        # from the selection, the operand as asked
        one = sorted(self.registered([self.pools[1]]))[-1]
        r = self.probe("--json", "--all", "--campaign", "lobby", one)
        lines = [json.loads(x) for x in r.out.splitlines()]
        selected = [j["name"] for j in lines]
        self.assertEqual(selected.count(one), 2)
        selected.remove(one)
        self.assertEqual(len(selected), len(set(selected)))
        self.assertEqual(set(selected), self.registered(self.pools))
        self.check_against_truth(lines)

    def test_recording_takes_the_run_lock(self):
        # a run holds write transactions open longer than SQLite waits:
        # the probe says who holds the lock instead of failing halfway
        self.e.run("run")
        web = {w["name"]: w for w in self.sim.phone_web()}
        name = sorted(self.registered(self.pools[:1]) & set(web))[0]
        with self.e.db() as c:
            before = c.execute("SELECT count(*) FROM probe").fetchone()[0]
        with open(os.path.join(self.e.state, "lock"), "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            f.write("4242 1798761600\n")
            f.flush()
            for args in ([name], ["--campaign", "nightly"]):
                r = self.probe(*args)
                self.assertEqual(r.rc, EXIT_LOCKED, r)
                self.assertIn("in use by pid 4242 since", r.err)
                self.assertIn("probe records what it finds under the same "
                              "lock", r.err)
                self.assertEqual(r.out, "")
            # an address records nothing: it needs no lock
            r = self.probe(web[name]["address"])
            self.assertEqual(r.rc, 0, r)
        with self.e.db() as c:
            self.assertEqual(c.execute("SELECT count(*) FROM probe")
                             .fetchone()[0], before)
        r = self.probe(name)
        self.assertEqual(r.rc, 0, r)
        with self.e.db() as c:
            self.assertEqual(c.execute("SELECT count(*) FROM probe")
                             .fetchone()[0], before + 1)

    def test_progress_on_a_terminal(self):
        """A progress line on a terminal (stderr), cleared before each
        phone's line; none when stderr is not one (the other tests)."""
        if shutil.which("script") is None:
            self.skipTest("script(1) from util-linux is not installed")
        self.e.run("run")
        cmd = " ".join(shlex.quote(x) for x in (
            BIN, "-c", self.e.config, "probe", "--port", self.port,
            "--pool", self.pools[0]))
        env = dict(os.environ, LSCRENEW_NOW=str(self.sim.now()), TZ="UTC")
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"],
                           capture_output=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=600)
        out = p.stdout.decode().replace("\r\n", "\n")
        n = len(self.registered([self.pools[0]]))
        self.assertIn(f"\rprobed 1 of {n} phones (", out)
        self.assertIn(f"\rprobed {n} of {n} phones (", out)
        # what the terminal shows: each line as the last \r left it
        shown = [x.rsplit("\r", 1)[-1].replace("\x1b[K", "")
                 for x in out.rstrip("\n").split("\n")]
        self.assertEqual(len(shown), n + 1, out)
        self.assertTrue(shown[-1].startswith(f"probed {n} phones: "), out)
        for line in shown[:-1]:
            self.assertRegex(line, r"^\S+ \S+: \S+, \S+: ", out)

    def test_bad_selection_and_keys(self):
        r = self.probe("--all")
        self.assertNotEqual(r.rc, 0)
        self.assertEqual(r.err, "lscrenew probe: --all: no phone in the "
                         "state store; run lscrenew run first\n")
        self.e.run("run")
        r = self.probe("--pool", "No Such Pool")
        self.assertEqual(r.rc, EXIT_USAGE, r)
        self.assertEqual(r.err, "lscrenew probe: --pool No Such Pool: no "
                         "phone of this device pool in the state store\n")
        r = self.probe("--campaign", "weekly")
        self.assertEqual(r.rc, EXIT_USAGE, r)
        self.assertIn('no campaign named "weekly"', r.err)
        r = self.probe()
        self.assertEqual(r.rc, EXIT_USAGE, r)
        self.assertIn("select them with --campaign, --pool or --all",
                      r.err.splitlines()[0])
        r = self.probe("--all", "--pool")
        self.assertEqual(r.rc, EXIT_USAGE, r)
        self.assertIn("--pool", r.err.splitlines()[0])
        pool = {"device_pools": self.pools[0]}
        for campaign, extra, want in (
                (pool, "probe_concurrency = 0",
                 "[global] probe_concurrency = 0: out of range; expected "
                 "an integer from 1 to 1024"),
                (pool, "probe_rate = fast",
                 "[global] probe_rate = fast: not an integer; expected an "
                 "integer from 1 to 1000"),
                (dict(pool, probe_rate="1001"), "",
                 "[campaign nightly] probe_rate = 1001: out of range; "
                 "expected an integer from 0 to 1000")):
            self.e.write_config({"nightly": campaign}, global_extra=extra)
            r = self.probe("--all")
            self.assertEqual(r.rc, EXIT_CONFIG, r)
            lines = r.err.splitlines()
            self.assertEqual(len(lines), 1, r)
            self.assertIn(want, lines[0])

if __name__ == "__main__":
    unittest.main()
