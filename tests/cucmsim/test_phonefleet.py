"""The phone web servers: scale, the certificate each phone presents (and
its chain), every fault as a client sees it, and the control interface's
ground truth.  Run from the repository root:
    /usr/bin/python3 -m unittest discover -s tests/cucmsim \
        -p test_phonefleet.py
"""

import concurrent.futures
import hashlib
import json
import os
import re
import resource
import select
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from cryptography import x509

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simclient import SIMULATOR, Sim, SimError  # noqa: E402
from sim.httpserver import Listener, Server, listen  # noqa: E402
from sim.phonefleet import JUNK  # noqa: E402

ENTERPRISE = "Acme Enterprise Issuing CA 1"
MIC_ONLY, BAD_MIC = "SEP0000000A0001", "SEP0000000A0002"
CAPF, ENT, ENT_ROOT = "SEP0000000C0001", "SEP0000000E0001", "SEP0000000E0002"
DUE, STALE, MIGRATE = "SEP0000000D0001", "SEP0000000D0002", "SEP0000000D0003"
TOGGLE = "SEP0000000F0000"
FAULTS = ("stall", "reset", "plain_http", "refused", "expired", "wrong_name",
          "long_chain", "big_cert", "garbage", "trickle", "self_signed")
FAULT_PHONE = {f: "SEP0000000F%04d" % (i + 1) for i, f in enumerate(FAULTS)}

SCENARIO = {
    "population": {"phones": 0, "pools": 1},
    "phones": [
        {"name": MIC_ONLY, "mic_only": True},
        {"name": BAD_MIC, "mic_only": True, "mic_invalid": True},
        {"name": CAPF, "lscvaliduntil": "+400d"},
        {"name": ENT, "lscvaliduntil": "+400d", "lscissuername": ENTERPRISE},
        {"name": ENT_ROOT, "lscvaliduntil": "+400d",
         "lscissuername": ENTERPRISE},
        {"name": DUE, "lscvaliduntil": "+10d"},
        {"name": STALE, "lscvaliduntil": "+10d"},
        {"name": MIGRATE, "lscvaliduntil": "+10d"},
        {"name": TOGGLE, "lscvaliduntil": "+400d"},
    ] + [{"name": n, "lscvaliduntil": "+400d"} for n in FAULT_PHONE.values()],
    "phone_faults": {"phones": {n: f for f, n in FAULT_PHONE.items()},
                     "keep_old_cert": [STALE], "send_root": [ENT_ROOT],
                     "trickle_ms": 1},
}


def client_context(cadata=None, hostname_check=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = hostname_check
    if cadata:
        ctx.load_verify_locations(cadata=cadata)
    else:
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def handshake(phone, ctx=None, timeout=10.0, hostname=None):
    """The leaf (DER) a phone presents to Python's ssl."""
    with socket.create_connection((phone["address"], phone["port"]),
                                  timeout=timeout) as raw:
        with (ctx or client_context()).wrap_socket(
                raw, server_hostname=hostname) as s:
            return s.getpeercert(binary_form=True)


def sha256(der):
    return hashlib.sha256(der).hexdigest()


def sent_chain(phone):
    """Every certificate the phone sends, as openssl s_client shows them."""
    r = subprocess.run(["openssl", "s_client", "-connect",
                        f"{phone['address']}:{phone['port']}", "-showcerts"],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60)
    pems = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE"
                      r"-----", r.stdout.decode(), re.S)
    return [ssl.PEM_cert_to_DER_cert(p) for p in pems]


def client_hello():
    """(SSLObject, incoming BIO, outgoing BIO, ClientHello bytes) for a
    client driven by hand over a raw socket."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_context().wrap_bio(inc, out)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return obj, inc, out, out.read()


def openssl_verify(cafile, leaf_der, untrusted=()):
    with tempfile.TemporaryDirectory() as d:
        leaf = os.path.join(d, "leaf.pem")
        with open(leaf, "w") as f:
            f.write(ssl.DER_cert_to_PEM_cert(leaf_der))
        argv = ["openssl", "verify", "-CAfile", cafile]
        if untrusted:
            chain = os.path.join(d, "chain.pem")
            with open(chain, "w") as f:
                f.write("".join(ssl.DER_cert_to_PEM_cert(c)
                                for c in untrusted))
            argv += ["-untrusted", chain]
        return subprocess.run(argv + [leaf], capture_output=True, text=True)


class TestWakeups(unittest.TestCase):
    def test_listeners_added_before_start_never_block(self):
        """The cause of the old hang: each Server.add wrote a byte to a
        socketpair nothing read before start(); ~278 filled it and the
        next add blocked the main thread in send(), deaf to SIGTERM."""
        srv = Server()
        socks = []

        def add_many():
            for _ in range(400):
                socks.append(listen("127.0.0.1", 0))
                srv.add(Listener(socks[-1], lambda req: None))
        t = threading.Thread(target=add_many, daemon=True)
        t.start()
        t.join(60)
        # (when blocked, stop() would block too: the thread is left behind)
        self.assertFalse(t.is_alive(), f"Server.add blocked after "
                         f"{len(socks)} listeners")
        srv.stop()
        for s in socks + [srv._wake_r, srv._wake_w]:
            s.close()
        self.assertEqual(len(socks), 400)


class TestScale(unittest.TestCase):
    def test_5000_phone_web_servers(self):
        scenario = {"population": {"fractions": {"soft": 0}}}
        t0 = time.monotonic()
        with Sim(phones=5000, pools=10, phone_web=5000, phone_web_port=0,
                 scenario=scenario) as sim:
            ready = time.monotonic() - t0
            self.assertEqual(sim.info["phone_web_count"], 5000)
            truth = sim.phone_web()
            self.assertEqual(len(truth), 5000)
            port = sim.info["phone_web_port"]
            self.assertEqual({p["port"] for p in truth}, {port})
            addrs = {p["address"] for p in truth}
            self.assertEqual(len(addrs), 5000)
            self.assertTrue(all(a.startswith("127.") and a != "127.0.0.1"
                                for a in addrs))
            t0 = time.monotonic()
            ctx = client_context()
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                got = list(pool.map(lambda p: sha256(handshake(p, ctx)),
                                    truth))
            spent = time.monotonic() - t0
            self.assertEqual(got, [p["certificate"]["sha256"] for p in truth])
            # the client is done once it has the server's Finished, the
            # server counts the handshake once the client's is in: wait
            # until every connection is closed on the server's side too
            counts = sim.phone_web_counts(open_at_most=0, timeout=30)
            self.assertEqual(counts["handshakes"], 5000)
            self.assertEqual(counts["connections"], 5000)
            with open(f"/proc/{sim.info['pid']}/status") as f:
                rss = [ln.split()[1] for ln in f if ln.startswith("VmRSS")]
            # timings are reported, never asserted (make bench measures)
            print(f"\n5000 phone web servers: ready {ready:.2f} s, 5000 "
                  f"handshakes {spent:.1f} s, simulator RSS "
                  f"{int(rss[0]) // 1024} MiB", file=sys.stderr)
            self.assertEqual(sim.stop(), 0)

    def test_soft_file_limit_is_raised_and_hard_limit_named(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 4000:
            self.skipTest(f"hard file limit {hard}")

        def run(limits):
            p = subprocess.Popen(
                [SIMULATOR, "--exit-with-parent", "--phones", "2000",
                 "--phone-web", "2000", "--phone-web-port", "0"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                preexec_fn=lambda: resource.setrlimit(
                    resource.RLIMIT_NOFILE, limits))
            ready = select.select([p.stdout], [], [], 60)[0]
            line = p.stdout.readline() if ready else "(no line in 60 s)"
            p.terminate()
            rc = p.wait(30)
            err = p.stderr.read()
            p.stdout.close()
            p.stderr.close()
            return line, rc, err
        line, rc, err = run((512, 4000))
        self.assertGreater(json.loads(line)["phone_web_count"], 1900, err)
        self.assertEqual(rc, 0)
        line, rc, err = run((512, 1500))
        self.assertEqual((line, rc), ("", 2))
        self.assertRegex(err, r"phone web servers need \d+ open files; the "
                         r"hard limit \(ulimit -Hn\) is 1500")


class FleetCase(unittest.TestCase):
    """One simulator: a phone of every kind and one per fault."""

    @classmethod
    def setUpClass(cls):
        # two days behind real time: the certificates a renewal makes
        # (not before the virtual now) are valid for the client's clock
        start = int(time.time()) // 3600 * 3600 - 2 * 86400
        cls.sim = Sim(scenario=SCENARIO, phone_web=100, phone_web_port=0,
                      start=start).start()
        cls.cas = cls.sim.phone_cas_pem()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def phone(self, name):
        return self.sim.phone_web_phone(name)

    def assert_presents(self, phone, der):
        cert = phone["certificate"]
        self.assertEqual(sha256(der), cert["sha256"])
        x = x509.load_der_x509_certificate(der)
        self.assertEqual(x.subject.rfc4514_string(), cert["subject"])
        self.assertEqual(x.issuer.rfc4514_string(), cert["issuer"])
        self.assertEqual("%x" % x.serial_number, cert["serial"])
        self.assertEqual(len(der), cert["der_bytes"])

    def ca_ctx(self, *keys):
        return client_context("".join(self.cas[k]["pem"] for k in keys))


class TestKinds(FleetCase):
    def test_every_phone_in_the_truth_has_its_own_address(self):
        truth = self.sim.phone_web()
        self.assertEqual(len(truth), len(SCENARIO["phones"]))
        self.assertEqual(len({p["address"] for p in truth}), len(truth))
        devices = {d["name"]: d for d in self.sim.devices()}
        for p in truth:
            self.assertEqual(p["address"], devices[p["name"]]["ip"])
            self.assertEqual(p["port"], self.sim.info["phone_web_port"])

    def test_mic(self):
        p = self.phone(MIC_ONLY)
        cert = p["certificate"]
        self.assertEqual(cert["kind"], "mic")
        self.assertEqual(cert["subject_cn"], f"CP-8845-{MIC_ONLY}")
        self.assertEqual(cert["issuer"], "O=Cisco,CN=Cisco Manufacturing CA "
                         "SHA2")
        self.assertEqual(p["cucm"], {"lscvaliduntil": 0,
                                     "lscissuername": None})
        self.assert_presents(p, handshake(p, self.ca_ctx("mic")))
        r = openssl_verify(self.cas["mic"]["path"], handshake(p))
        self.assertEqual(r.returncode, 0, r.stderr)
        # a bad MIC has expired
        p = self.phone(BAD_MIC)
        self.assertLess(p["certificate"]["not_after"], self.sim.now())
        with self.assertRaisesRegex(ssl.SSLCertVerificationError, "expired"):
            handshake(p, self.ca_ctx("mic"))

    def test_capf_lsc(self):
        p = self.phone(CAPF)
        cert = p["certificate"]
        self.assertEqual(cert["kind"], "capf_lsc")
        self.assertEqual(cert["issuer_cn"], self.sim.info["capf_issuer"])
        self.assertEqual(cert["issuer_cn"], p["cucm"]["lscissuername"])
        self.assertEqual(cert["not_after"], p["cucm"]["lscvaliduntil"])
        self.assertEqual(cert["not_after"] - cert["not_before"], 1825 * 86400)
        self.assertEqual(cert["subject_cn"], CAPF)
        self.assertEqual(len(cert["chain"]), 1)
        self.assert_presents(p, handshake(p, self.ca_ctx("capf")))
        with self.assertRaises(ssl.SSLCertVerificationError):
            handshake(p, self.ca_ctx("mic", "enterprise_root"))

    def test_enterprise_lsc_sends_its_issuing_ca(self):
        p = self.phone(ENT)
        cert = p["certificate"]
        self.assertEqual(cert["kind"], "enterprise_lsc")
        self.assertEqual(cert["issuer_cn"], ENTERPRISE)
        issuing = self.cas["enterprise_issuing"]
        self.assertEqual([c["sha256"] for c in cert["chain"]],
                         [cert["sha256"], issuing["sha256"]])
        chain = sent_chain(p)
        self.assertEqual([sha256(c) for c in chain],
                         [c["sha256"] for c in cert["chain"]])
        # the root alone verifies it: the phone sent the issuing CA
        self.assert_presents(p, handshake(p, self.ca_ctx("enterprise_root")))
        r = openssl_verify(self.cas["enterprise_root"]["path"], chain[0],
                           chain[1:])
        self.assertEqual(r.returncode, 0, r.stderr)
        # send_root: leaf, issuing CA and root
        p = self.phone(ENT_ROOT)
        self.assertTrue(p["send_root"])
        self.assertEqual([sha256(c) for c in sent_chain(p)],
                         [p["certificate"]["sha256"], issuing["sha256"],
                          self.cas["enterprise_root"]["sha256"]])

    def test_ca_pems(self):
        for key in ("mic", "capf", "enterprise_root", "enterprise_issuing"):
            ca = self.cas[key]
            x = x509.load_pem_x509_certificate(ca["pem"].encode())
            self.assertEqual(x.subject.rfc4514_string(), ca["subject"])
            self.assertEqual(sha256(ssl.PEM_cert_to_DER_cert(ca["pem"])),
                             ca["sha256"])
            with open(ca["path"]) as f:
                self.assertEqual(f.read(), ca["pem"])
        self.assertEqual(self.cas["mic"]["subject"],
                         "O=Cisco,CN=Cisco Manufacturing CA SHA2")
        capf = self.sim.info["capf_issuer"]
        self.assertEqual(self.cas["capf"]["subject"],
                         f"O=cucmsim cluster,CN={capf}")
        self.assertEqual(self.cas["enterprise_issuing"]["issuer"],
                         self.cas["enterprise_root"]["subject"])


class TestFaults(FleetCase):
    def fault_phone(self, fault):
        p = self.phone(FAULT_PHONE[fault])
        self.assertEqual(p["fault"], fault)
        return p

    def test_stall_costs_a_socket_until_the_client_closes(self):
        p = self.fault_phone("stall")
        self.assertFalse(p["presents"])
        with self.assertRaises(TimeoutError):
            handshake(p, timeout=0.5)
        # by hand, to hold the connection open
        _, _, _, hello = client_hello()
        with socket.create_connection((p["address"], p["port"])) as s:
            s.sendall(hello)
            counts = self.sim.phone_web_counts(stalled_at_least=1)
            self.assertEqual((counts["open"], counts["stalled"]), (1, 1))
        counts = self.sim.phone_web_counts(open_at_most=0)
        self.assertEqual((counts["open"], counts["stalled"]), (0, 0))
        self.assertEqual(counts["faults"]["stall"], 2)

    def test_reset(self):
        with self.assertRaises(ConnectionResetError):
            handshake(self.fault_phone("reset"))

    def test_plain_http(self):
        p = self.fault_phone("plain_http")
        with self.assertRaisesRegex(ssl.SSLError, "WRONG_VERSION_NUMBER"):
            handshake(p)
        _, _, _, hello = client_hello()
        with socket.create_connection((p["address"], p["port"])) as s:
            s.sendall(hello)
            self.assertEqual(s.recv(9), b"HTTP/1.1 ")

    def test_refused_and_back(self):
        p = self.fault_phone("refused")
        self.assertFalse(p["listening"])
        with self.assertRaises(ConnectionRefusedError):
            handshake(p)
        # switched at run time, both ways
        t = self.phone(TOGGLE)
        self.sim.phone_faults(phones={TOGGLE: "refused"})
        self.assertFalse(self.phone(TOGGLE)["listening"])
        with self.assertRaises(ConnectionRefusedError):
            handshake(t)
        self.sim.phone_faults(phones={TOGGLE: None})
        self.assert_presents(t, handshake(t))
        self.assertTrue(self.phone(TOGGLE)["listening"])

    def test_expired(self):
        p = self.fault_phone("expired")
        cert = p["certificate"]
        self.assertEqual(cert["kind"], "capf_lsc")
        self.assertLess(cert["not_after"], self.sim.now())
        self.assertGreater(p["cucm"]["lscvaliduntil"], self.sim.now())
        with self.assertRaisesRegex(ssl.SSLCertVerificationError, "expired"):
            handshake(p, self.ca_ctx("capf"))
        self.assert_presents(p, handshake(p))

    def test_wrong_name(self):
        p = self.fault_phone("wrong_name")
        self.assertEqual(p["certificate"]["subject_cn"], "SEPBADBADBADBAD")
        ctx = self.ca_ctx("capf")
        ctx.check_hostname = True
        with self.assertRaisesRegex(ssl.SSLCertVerificationError,
                                    "IP address mismatch"):
            handshake(p, ctx, hostname=p["address"])
        self.assert_presents(p, handshake(p, self.ca_ctx("capf")))
        # the right phone's name passes the same check
        q = self.phone(CAPF)
        handshake(q, ctx, hostname=q["address"])

    def test_long_chain(self):
        p = self.fault_phone("long_chain")
        cert = p["certificate"]
        self.assertEqual(len(cert["chain"]), 50)
        chain = sent_chain(p)
        self.assertEqual([sha256(c) for c in chain],
                         [c["sha256"] for c in cert["chain"]])
        root = self.sim.phone_cas_pem()["long_chain_root_50"]
        self.assertEqual(cert["chain"][-1]["sha256"], root["sha256"])
        self.assert_presents(p, handshake(p, client_context(root["pem"])))

    def test_big_cert(self):
        p = self.fault_phone("big_cert")
        self.assertGreaterEqual(p["certificate"]["der_bytes"], 100000)
        der = handshake(p, self.ca_ctx("capf"))
        self.assertGreaterEqual(len(der), 100000)
        self.assert_presents(p, der)

    def test_garbage_after_server_hello(self):
        p = self.fault_phone("garbage")
        with self.assertRaises(ssl.SSLError):
            handshake(p)
        _, _, _, hello = client_hello()
        with socket.create_connection((p["address"], p["port"]),
                                      timeout=10) as s:
            s.sendall(hello)
            got = b""
            while True:
                if len(got) >= 5:
                    end = 5 + int.from_bytes(got[3:5], "big")
                    if len(got) >= end + len(JUNK):
                        break
                chunk = s.recv(65536)
                self.assertTrue(chunk, got)
                got += chunk
        self.assertEqual(got[:3], b"\x16\x03\x03")     # a handshake record
        self.assertEqual(got[5], 2)                     # ServerHello
        self.assertEqual(got[end:], JUNK)

    def test_trickle(self):
        p = self.fault_phone("trickle")
        obj, inc, out, hello = client_hello()
        reads = 0
        with socket.create_connection((p["address"], p["port"]),
                                      timeout=10) as s:
            s.sendall(hello)
            while True:
                chunk = s.recv(65536)
                self.assertTrue(chunk)
                reads += 1
                inc.write(chunk)
                try:
                    obj.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    s.sendall(out.read())
            self.assert_presents(p, obj.getpeercert(binary_form=True))
        # one byte at a time: the flight (~800 bytes) comes in many pieces
        self.assertGreater(reads, 50)

    def test_self_signed(self):
        p = self.fault_phone("self_signed")
        cert = p["certificate"]
        self.assertEqual(cert["kind"], "self_signed")
        self.assertEqual(cert["subject"], cert["issuer"])
        der = handshake(p)
        self.assert_presents(p, der)
        ctx = client_context(ssl.DER_cert_to_PEM_cert(der))
        self.assert_presents(p, handshake(p, ctx))

    def test_control_errors(self):
        for body, words in (
                ({"phones": {CAPF: "melt"}}, "unknown phone fault 'melt'"),
                ({"phones": {"SEPFFFFFFFFFFFF": "stall"}},
                 "SEPFFFFFFFFFFFF: no phone web server"),
                ({"fractions": {"stall": 0.1}}, "at start only"),
                ({"trickle_ms": 0}, "trickle_ms must be between"),
                ({"bogus": 1}, "unknown phone web setting 'bogus'")):
            with self.assertRaisesRegex(SimError, words):
                self.sim.call("POST", "/phone_web/faults", body)
        self.assertEqual(self.sim.call("GET", "/phone_web/faults")["phones"],
                         {n: f for f, n in FAULT_PHONE.items()})


class TestRenewal(FleetCase):
    def renew(self, name):
        s, _, b = self.sim.axl(
            "updatePhone", f"<name>{name}</name><certificateOperation>"
            "Install/Upgrade</certificateOperation><authenticationMode>By "
            "Null String</authenticationMode>")
        self.assertEqual(s, 200, b)
        self.sim.axl("applyPhone", f"<name>{name}</name>")
        self.sim.advance(300)
        return self.sim.devices(name=name)[0]

    def test_renewal_changes_the_presented_certificate(self):
        before = self.phone(DUE)
        self.assert_presents(before, handshake(before))
        dev = self.renew(DUE)
        self.assertEqual(dev["certificate_status"], "Upgrade Success")
        after = self.phone(DUE)
        self.assertNotEqual(after["certificate"]["sha256"],
                            before["certificate"]["sha256"])
        self.assertEqual(after["certificate"]["not_after"],
                         dev["lscvaliduntil"])
        self.assertFalse(after["stale"])
        self.assert_presents(after, handshake(after, self.ca_ctx("capf")))

    def test_keep_old_cert_until_restart(self):
        before = self.phone(STALE)
        self.assertTrue(before["keep_old_cert"])
        self.assertFalse(before["stale"])
        dev = self.renew(STALE)
        mid = self.phone(STALE)
        self.assertTrue(mid["stale"])
        self.assertEqual(mid["cucm"]["lscvaliduntil"], dev["lscvaliduntil"])
        self.assertEqual(mid["certificate"]["sha256"],
                         before["certificate"]["sha256"])
        self.assert_presents(before, handshake(mid))
        self.sim.axl("restartPhone", f"<name>{STALE}</name>")
        after = self.phone(STALE)
        self.assertFalse(after["stale"])
        self.assertEqual(after["certificate"]["not_after"],
                         dev["lscvaliduntil"])
        self.assert_presents(after, handshake(after))

    def test_issuer_migration_to_an_enterprise_ca(self):
        self.sim.capf(issuer="Acme Enterprise Issuing CA 2")
        try:
            self.renew(MIGRATE)
        finally:
            self.sim.capf(issuer=self.sim.info["capf_issuer"])
        p = self.phone(MIGRATE)
        cert = p["certificate"]
        self.assertEqual(cert["kind"], "enterprise_lsc")
        self.assertEqual(cert["issuer_cn"], "Acme Enterprise Issuing CA 2")
        self.assertEqual(len(cert["chain"]), 2)
        self.assert_presents(p, handshake(p, self.ca_ctx("enterprise_root")))


class TestOptions(unittest.TestCase):
    def test_fractions_are_deterministic(self):
        got = []
        for _ in range(2):
            with Sim(phones=60, phone_web=40, phone_web_port=0, seed=5,
                     phone_fault_fraction="stall=0.25") as sim:
                got.append(sim.call("GET", "/phone_web/faults"))
        self.assertEqual(got[0], got[1])
        self.assertTrue(5 <= len(got[0]["phones"]) <= 20, got[0])
        self.assertEqual(set(got[0]["phones"].values()), {"stall"})

    def test_bad_phone_fault_option(self):
        for args, words in (
                (["--phone-fault", "SEP1"], "expected NAME=FAULT"),
                (["--phone-fault-fraction", "stall=x"], "expected FAULT=F"),
                (["--phone-fault", "SEPFFFFFFFFFFFF=stall"],
                 "SEPFFFFFFFFFFFF: no phone web server"),
                (["--phone-fault-fraction", "stall=0.7",
                  "--phone-fault-fraction", "reset=0.7"],
                 "add up to more than 1")):
            r = subprocess.run([SIMULATOR, "--phones", "5", "--phone-web",
                                "2", "--phone-web-port", "0"] + args,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertEqual(r.stdout, "")
            self.assertIn(words, r.stderr)


if __name__ == "__main__":
    unittest.main()
