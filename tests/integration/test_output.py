"""What every output of the program shares, through the real binary: each
JSON-producing command writes times as RFC 3339 UTC strings and escapes
text a terminal must not see the same way; text tables align non-ASCII
pool names by display width ("München Süd", CJK, combining marks).
"""

import csv
import io
import json
import re
import unicodedata
import unittest

from lsctest import SimTestCase, rfc3339

HOSTILE = "SEP0000000BAD01"
POOLS = ["M\u00fcnchen S\u00fcd", "\u6771\u4eac\u672c\u793e",
         "Cafe\u0301 Zu\u0308rich"]
# a description with a C1 control, DEL, a bidirectional override, U+2028
# and U+2029 (XML, so CUCM, carries no C0 control but tab and newline)
EVIL = "desk\t\x9b[31m\x85\x7f\u202e\u2028\u2029 end"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TIME_KEYS = re.compile(r"(^|_)(at|since|until|seen|offline|retry|deadline|"
                       r"started|finished|before|after|time)$")

SCENARIO = {
    "population": {"phones": 0, "pools": 3},
    "pools": POOLS,
    "phones": [
        {"name": HOSTILE, "pool": POOLS[0], "description": EVIL,
         "lscvaliduntil": "+10d"},
        {"name": "SEP0000000CJK02", "pool": POOLS[1],
         "lscvaliduntil": "+12d"},
        {"name": "SEP0000000CMB03", "pool": POOLS[2],
         "lscvaliduntil": "+14d"},
        {"name": "SEP0000000OFF04", "pool": POOLS[0],
         "lscvaliduntil": "+5d", "schedule": "never_registered"},
    ],
}


def walk(doc, path=""):
    """Every (path, key, value) of a JSON document."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield path, k, v
            yield from walk(v, f"{path}.{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from walk(v, f"{path}[{i}]")


def width(s):
    """Terminal columns, as wcwidth(3) counts them."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in s)


class Outputs(SimTestCase):
    sim_options = {"scenario": SCENARIO, "ris_rate": 0, "phone_web": 1,
                   "phone_web_port": 0}

    def check_json(self, cmd, text):
        """Each line of text a document (or the whole text one), with its
        times RFC 3339 and its text escaped."""
        # escaped, never raw: no control, no bidi override, no U+2028
        for c in text:
            self.assertFalse(ord(c) < 0x20 and c != "\n", (cmd, repr(c)))
            self.assertFalse(0x7f <= ord(c) < 0xa0, (cmd, repr(c)))
            self.assertNotIn(c, "\u202e\u2028\u2029", cmd)
        try:
            docs = [json.loads(text)]
        except json.JSONDecodeError:
            docs = [json.loads(line) for line in text.splitlines()]
        times = 0
        for doc in docs:
            for path, k, v in walk(doc):
                if TIME_KEYS.search(k) and v is not None and \
                        not isinstance(v, (dict, list, bool)):
                    self.assertRegex(str(v), RFC3339, (cmd, path, k))
                    times += 1
                if isinstance(v, str) and v.startswith("desk"):
                    self.assertEqual(v, EVIL, (cmd, path, k))
        return docs, times

    def test_every_json_output(self):
        env = self.env(pools=POOLS)
        port = str(self.sim.info["phone_web_port"])
        seen = {}
        r = env.run("plan", "--json")
        seen["plan"] = self.check_json("plan", r.out)
        r = env.run("run", "--json")
        seen["run"] = self.check_json("run", r.out)
        for cmd in (("status", "--json"),
                    ("probe", "--json", "--port", port, HOSTILE),
                    ("probe", "--json", "--port", port, "SEP\u202eNONE"),
                    ("phone", "--json", HOSTILE),
                    ("report", "left-behind", "--json"),
                    ("report", "summary", "--json"),
                    ("report", "forecast", "--json"),
                    ("report", "history", "--json"),
                    ("report", "phone", HOSTILE, "--json")):
            r = env.run(*cmd)
            self.assertTrue(r.out, (cmd, r))
            seen[cmd] = self.check_json(cmd, r.out)
        # the times are there to be checked, and the hostile text too
        self.assertGreater(seen[("status", "--json")][1], 0)
        self.assertGreater(seen[("probe", "--json", "--port", port,
                                 HOSTILE)][1], 0)
        self.assertGreater(seen[("phone", "--json", HOSTILE)][1], 0)
        self.assertGreater(seen[("report", "history", "--json")][1], 0)
        phone = seen[("phone", "--json", HOSTILE)][0][0]["phones"][0]
        self.assertEqual(phone["description"], EVIL)
        self.assertEqual(phone["pool"], POOLS[0])
        status = seen[("status", "--json")][0][0]
        self.assertEqual(status["schema_version"], 2)
        self.assertEqual(status["last_run"]["started"],
                         rfc3339(self.sim.now()))

    def test_csv_and_json_carry_the_same_fields(self):
        env = self.env(pools=POOLS)
        env.run("run")
        r = env.run("report", "left-behind", "--format", "csv")
        rows = list(csv.reader(io.StringIO(r.out)))
        doc = json.loads(env.run("report", "left-behind", "--json").out)
        self.assertGreater(len(doc["phones"]), 0, doc)
        self.assertEqual(rows[0], list(doc["phones"][0].keys()))
        for want in ("cert_operation", "cert_status", "queued_at",
                     "renewed_at", "last_run"):
            self.assertIn(want, rows[0])
        self.assertEqual(len(rows) - 1, len(doc["phones"]))
        for row, phone in zip(rows[1:], doc["phones"]):
            self.assertEqual(dict(zip(rows[0], row))["last_run"],
                             str(phone["last_run"]))

    def test_text_reports_align_pools_by_display_width(self):
        env = self.env(pools=POOLS)
        env.run("run")
        out = env.run("report", "summary").out.splitlines()
        # both tables end in a right-aligned number column: every row is
        # as wide on a terminal as its header
        for title in ("Phones by state",
                      "Renewals and LSC expiries per device pool"):
            head = out.index(title) + 1
            rows = out[head + 1:head + 1 + len(POOLS)]
            self.assertEqual(sorted(r.split("  ")[0] for r in rows),
                             ["sim"] * len(POOLS), out)
            for pool in POOLS:
                self.assertTrue(any(pool in r for r in rows), (pool, out))
            for r in rows:
                self.assertEqual(width(r), width(out[head]), (r, out[head]))

    def test_plan_aligns_pools_by_display_width(self):
        env = self.env(pools=POOLS)
        r = env.run("plan", "--all")
        rows = [l for l in r.out.splitlines() if l.startswith("SEP")]
        self.assertEqual(len(rows), 4, r)
        for pool in POOLS:
            self.assertTrue(any(pool in l for l in rows), (pool, r.out))
        # the STATE column starts at the same terminal column on every row
        head = r.out.splitlines()[0]
        col = width(head[:head.index("STATE")])
        for line in rows:
            m = re.search(r" (due|ok|left_behind|queued) ", line)
            self.assertIsNotNone(m, line)
            self.assertEqual(width(line[:m.start() + 1]), col, line)


if __name__ == "__main__":
    unittest.main()
