"""lscrenew probe against phones that misbehave: each fault of the
simulator's phone web servers gives one clear line (or a description
that says what is wrong), never a crash, and a failing phone never stops
the others.  What a phone sends is bounded: a 50-certificate chain and a
100 KB certificate are refused, not read.
"""

import json
import time
import unittest

from lsctest import EXIT_UNREACHABLE, SimTestCase

FAULTS = ("reset", "plain_http", "refused", "expired", "wrong_name",
          "long_chain", "big_cert", "garbage", "self_signed", "trickle")


class ProbeFaults(SimTestCase):
    sim_options = {"phones": 12, "pools": 1, "seed": 3, "phone_web": 12,
                   "phone_web_port": 0}

    def test_every_fault(self):
        web = self.sim.phone_web()
        port = str(self.sim.info["phone_web_port"])
        phones = {f: p for f, p in zip(FAULTS, web)}
        healthy = web[len(FAULTS)]
        self.sim.phone_faults(phones={p["name"]: f for f, p in
                                      phones.items()}, trickle_ms=1)
        e = self.env()

        def probe(fault, *args):
            return e.run("probe", "--port", port, *args,
                         phones[fault]["address"])

        # failures: exit status, one line on stderr naming the address
        for fault, words, outcome in (
                ("reset", "Connection reset by peer", "tls_error"),
                ("plain_http", "wrong version number", "not_tls"),
                ("refused", "connect: Connection refused", "refused"),
                ("garbage", "TLS handshake:", "tls_error"),
                ("long_chain", "TLS handshake: 50 certificates were sent, "
                 "more than 10", "tls_error"),
                ("big_cert", "TLS handshake: the certificates sent exceed "
                 "32768 bytes", "tls_error")):
            r = probe(fault)
            where = f"{phones[fault]['address']}:{port}: "
            self.assertNotEqual(r.rc, 0, (fault, r))
            self.assertEqual(r.out, "", (fault, r))
            lines = r.err.splitlines()
            self.assertEqual(len(lines), 1, (fault, r))
            self.assertIn(where, lines[0], fault)
            self.assertIn(words, lines[0], fault)
            r = probe(fault, "--json")
            j = json.loads(r.out)
            self.assertIn(words, j["error"], fault)
            self.assertEqual(j["outcome"], outcome, fault)
            self.assertEqual(j["address"], phones[fault]["address"])
        self.assertEqual(probe("refused").rc, EXIT_UNREACHABLE)

        # described, with what is wrong said
        r = probe("expired", "--json")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(json.loads(r.out)["expired"])
        r = probe("wrong_name")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("SEPBADBADBADBAD", r.out)
        self.assertIn("is not among them: browsers warn", r.out)
        j = json.loads(probe("self_signed", "--json").out)
        self.assertEqual(j["kind"], "self-signed")
        j = json.loads(probe("trickle", "--json").out)
        self.assertEqual(j["subject_cn"], phones["trickle"]["name"])

        # one failing phone does not stop the others
        r = e.run("probe", "--port", port, phones["reset"]["address"],
                  healthy["address"])
        self.assertNotEqual(r.rc, 0, r)
        self.assertIn(f"{healthy['address']}:{port}\n", r.out)
        self.assertEqual(len(r.err.splitlines()), 1, r)


KINDS = {"mic": "mic", "capf_lsc": "lsc-capf", "enterprise_lsc": "lsc-ca",
         "self_signed": "self-signed"}


class ProbeMany(SimTestCase):
    """Many operands are probed at once: a phone that stalls holds one
    slot until its deadline while the others are described, and what each
    presents agrees with the simulator's ground truth."""
    sim_options = {"phones": 40, "pools": 2, "seed": 5, "phone_web": 40,
                   "phone_web_port": 0}

    def test_concurrent_audit(self):
        web = self.sim.phone_web()
        port = str(self.sim.info["phone_web_port"])
        stalled = web[0]
        self.sim.phone_faults(phones={stalled["name"]: "stall"})
        e = self.env()
        r = e.run("probe", "--json", "--port", port,
                  *[p["address"] for p in web])
        self.assertEqual(r.rc, EXIT_UNREACHABLE, r)
        lines = [json.loads(x) for x in r.out.splitlines()]
        self.assertEqual(sorted(j["address"] for j in lines),
                         sorted(p["address"] for p in web))
        # given first, it ends last: the others did not wait for it
        self.assertEqual(lines[-1]["address"], stalled["address"])
        self.assertIn("TLS handshake: timed out after 10 s",
                      lines[-1]["error"])
        self.assertEqual(lines[-1]["outcome"], "timeout")
        self.assertEqual(r.err.splitlines(), [
            f"lscrenew probe: {stalled['address']}:{port}: TLS handshake: "
            "timed out after 10 s"])
        truth = {p["address"]: p["certificate"] for p in web}
        for j in lines[:-1]:
            t = truth[j["address"]]
            self.assertIsNone(j["error"], j)
            self.assertEqual(j["kind"], KINDS[t["kind"]], j)
            self.assertEqual(j["subject_cn"], t["subject_cn"])
            self.assertEqual(j["issuer_cn"], t["issuer_cn"])
            self.assertEqual(j["serial"].lower().lstrip("0"),
                             t["serial"].lstrip("0"))
            self.assertEqual(j["sha256"].replace(":", "").lower(),
                             t["sha256"])
            self.assertEqual(j["not_after"], time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(t["not_after"])))
        # one connection each, nothing sent after a handshake
        counts = self.sim.phone_web_counts(open_at_most=0)
        self.assertEqual(counts["connections"], len(web))
        self.assertEqual(counts["handshakes"], len(web) - 1)
        self.assertEqual(counts["requests"], 0)
        self.assertEqual(counts["not_tls_clients"], 0)


if __name__ == "__main__":
    unittest.main()
