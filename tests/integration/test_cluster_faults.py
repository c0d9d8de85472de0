"""The cluster misbehaving, and what it costs to ask it (issue: hardening
and economy, integration half).

Every fault the simulator can inject is driven through the real binary
(`run`, `plan`, `check`) with TLS verification on.  What is checked is what
a person sees: the exit status, the one-line message, the store, and the
simulator's own ground truth (writes applied, requests counted).  No test
sleeps to synchronise: the simulator's counters and rules say what
happened.

KnownBugs' tests (test_bug_*) fail until a bug outside axl/ (jobs/, cli/)
is fixed; each docstring says where, what happens and what should.
"""

import math
import os
import re
import unittest

from lsctest import (DAY, EXIT_ATTENTION, EXIT_DONE, EXIT_FAILED,
                     EXIT_NOTHING, EXIT_UNREACHABLE, Env, SimTestCase,
                     sim_pools, updates_by_phone)

START = 1798761600          # 2027-01-01 00:00 UTC: a deterministic population
CLOSED_WINDOW = "12:00-12:01"   # never open at START (runs use TZ=UTC)
RENEW_BEFORE = 30 * DAY

# The operations lscrenew may send at all: no per-phone read (getPhone,
# listRegistrationDynamic, ...) anywhere.
ALLOWED_OPS = {"getCCMVersion", "listPhone", "executeSQLQuery", "updatePhone",
               "applyPhone", "restartPhone", "resetPhone", "selectCmDevice"}


class FaultEnv(Env):
    """Env with the cluster keys of a test (page size, retry budget ...)."""

    CLUSTER = {"ris_rate": "60", "retry_budget": "10s", "page_size": "50"}

    def __init__(self, sim, cluster=None, **kw):
        self.cluster = dict(self.CLUSTER, **(cluster or {}))
        self.username = sim.info["username"]
        super().__init__(sim, **kw)

    def write_config(self, campaigns, cluster_extra="", global_extra=None):
        self.campaigns = campaigns
        if global_extra is not None:
            self.global_extra = global_extra   # kept when rewritten
        info = self.sim.info
        lines = ["[global]", f"state_dir = {self.state}", self.global_extra,
                 "",
                 "[cluster sim]", f"host = {info['host']}",
                 f"port = {info['port']}", f"ca_file = {info['ca_file']}",
                 f"username = {self.username}",
                 f"password_file = {self.pwfile}"]
        lines += [f"{k} = {v}" for k, v in self.cluster.items()]
        lines.append(cluster_extra)
        for name, keys in campaigns.items():
            lines += ["", f"[campaign {name}]", "cluster = sim"]
            keys = dict(keys)
            keys.setdefault("max_per_minute", "0")
            lines += [f"{k} = {v}" for k, v in keys.items()]
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(self.config, 0o600)

    def set_cluster(self, **keys):
        self.cluster.update({k: str(v) for k, v in keys.items()})
        self.write_config(self.campaigns)

    def set_account(self, username, password):
        self.username = username
        with open(self.pwfile, "w") as f:
            f.write(password + "\n")
        self.write_config(self.campaigns)

    def set_campaign(self, **keys):
        for c in self.campaigns.values():
            c.update(keys)
            for k in [k for k, v in c.items() if v is None]:
                del c[k]
        self.write_config(self.campaigns)

    def rows(self):
        """Every stored phone row, as a person's report would read it."""
        with self.db() as c:
            cur = c.execute("SELECT * FROM phone ORDER BY cluster, name")
            cols = [d[0] for d in cur.description]
            return {r[cols.index("name")]: dict(zip(cols, r)) for r in cur}

    def reason(self, name):
        with self.db() as c:
            return c.execute("SELECT reason FROM phone WHERE name = ?",
                             (name,)).fetchone()[0]


# --- what the binary said ---------------------------------------------------

def summary_calls(result):
    """The -v summary: {"listPhone": 3, ..., "retries": n, "bytes_in": n,
    "busy_ms": n, "waited_ms": n}."""
    lines = [l for l in result.err.splitlines() if " calls: " in l
             or l.startswith("calls: ")]
    assert len(lines) == 1, f"no single calls line in\n{result.err}"
    return {k: int(v) for k, v in
            re.findall(r"(\w+)=(\d+)", lines[0].split("calls:", 1)[1])}


def ops_only(calls):
    return {k: v for k, v in calls.items()
            if k not in ("retries", "bytes_in", "busy_ms", "waited_ms")
            and v}


def error_lines(result):
    """The lines a person reads about a failure (stderr errors/warnings and
    stdout's "run failed" / check's FAIL lines)."""
    out = [l for l in result.err.splitlines()
           if ": error: " in l or ": warning: " in l]
    out += [l for l in result.out.splitlines()
            if l.startswith("run failed:") or l.startswith("FAIL")]
    return out


def exchanges(result):
    """(request, response) bodies from the -vvv trace, in order."""
    out = []
    for line in result.err.splitlines():
        m = re.match(r"^(?:\S+: )?(request|response): (.*)$", line)
        if not m:
            continue
        if m.group(1) == "request":
            out.append([m.group(2), ""])
        elif out:
            out[-1][1] += m.group(2)
    return out


def page_of(request):
    """(op, start, first) of a paged read, or None: listPhone's start is its
    skip; the inventory's (executeSQLQuery) the name it reads after, None
    for its first page."""
    m = re.search(r"<ns:listPhone\b.*<skip>(\d+)</skip><first>(\d+)</first>",
                  request)
    if m:
        return ("listPhone", int(m.group(1)), int(m.group(2)))
    m = re.search(r"<ns:executeSQLQuery\b.*SELECT FIRST (\d+) d\.name",
                  request)
    if m:
        k = re.search(r"AND d\.name &gt; &apos;(.*?)&apos; ORDER BY", request)
        return ("executeSQLQuery",
                k.group(1).replace("&apos;&apos;", "'") if k else None,
                int(m.group(1)))
    return None


def names_in(response):
    """The phones a reply of the inventory delivered in full."""
    return re.findall(r"<row><n>([^<]*)</n>.*?</row>", response)


def inventory(ex):
    """[(after, first, names)] of every inventory page asked, in order."""
    return [(p[1], p[2], names_in(a)) for (q, a), p in
            ((x, page_of(x[0])) for x in ex)
            if p and p[0] == "executeSQLQuery"]


def suggestion(response):
    m = re.search(r"Suggestive Row Fetch: less than (\d+)", response)
    return int(m.group(1)) if m else None


# --- what the simulator knows ------------------------------------------------

def sim_calls(sim):
    c = sim.counts()
    out = {k: v for k, v in c["axl"].items() if v}
    out.update({k: v for k, v in c["ris"].items() if v})
    return out


def pool_sizes(sim):
    sizes = {}
    for d in sim.devices():
        sizes[d["pool"]] = sizes.get(d["pool"], 0) + 1
    return sizes


def live_pending(d, now):
    return (d["certificate_operation"] == "Install/Upgrade"
            and d["certificate_status"] == "Operation Pending"
            and (d["deadline"] or 0) > now)


def due(sim, now):
    """Phones a 30-day campaign acts on: an LSC that expires within the
    window (or has expired), and no live operation someone else queued."""
    return {d["name"]: d for d in sim.devices()
            if d["lscvaliduntil"] and d["lscvaliduntil"] - now <= RENEW_BEFORE
            and not live_pending(d, now)}


def due_online(sim, now):
    return {n for n, d in due(sim, now).items() if d["registered"]}


def ris_candidates(sim, now):
    """Phones whose registration matters: due ones and pending ones."""
    return set(due(sim, now)) | {d["name"] for d in sim.devices()
                                 if live_pending(d, now)}


def pages(n, page):
    """listPhone (or SQL) calls for a pool of n: a page shorter than asked
    ends the read, so a full last page costs one more (empty) call."""
    return n // page + 1


class FaultCase(SimTestCase):
    """Helpers: an environment, fault rules, and what to check."""
    sim_options = {"phones": 200, "pools": 3, "seed": 1, "start": START}

    def env(self, know=False, **kw):
        """A state directory and configuration.  know=True: a first night
        ran with the maintenance window closed, so the store knows every
        phone and the due ones wait as "due" (most fault tests start from
        there; test_first_run_write_failure does not)."""
        pools = sim_pools(self.sim)
        kw.setdefault("campaigns",
                      {"nightly": {"device_pools": ", ".join(pools)}})
        env = FaultEnv(self.sim, **kw)
        self.addCleanup(env.close)
        env.pools = pools
        # before any write: a phone queued is pending, no longer due
        self.now = self.sim.now()
        self.online = due_online(self.sim, self.now)
        self.candidates = ris_candidates(self.sim, self.now)
        if know:
            env.set_campaign(window=CLOSED_WINDOW)
            r = env.run("run")
            self.assertIn(r.rc, (EXIT_NOTHING, EXIT_DONE, EXIT_ATTENTION), r)
            self.assertEqual(self.sim.writes(), {}, "window closed: no write")
            env.set_campaign(window=None)
            self.sim.reset_counts()
        return env

    def faults(self, *rules):
        self.sim.faults(list(rules))

    def assertCountsAgree(self, result):
        """The -v summary's calls are the simulator's requests, op by op."""
        mine = ops_only(summary_calls(result))
        theirs = sim_calls(self.sim)
        self.assertEqual(mine, theirs, result)
        self.assertLessEqual(set(theirs), ALLOWED_OPS)
        return mine

    def assertOneLineError(self, result, *words):
        lines = error_lines(result)
        self.assertTrue(lines, result)
        hits = [l for l in lines if all(w in l for w in words)]
        self.assertTrue(hits, f"no error line with {words}:\n{result!r}")
        for l in lines:
            self.assertNotIn("<", l, "markup in a message")
            self.assertNotIn("doctype", l.lower())
            self.assertNotIn("java.lang", l)
        return hits[0]

    def assertRunSucceeded(self, result):
        self.assertIn(result.rc, (EXIT_DONE, EXIT_ATTENTION), result)
        self.assertNotIn("run failed", result.out, result)

    def assertStoreComplete(self, env):
        self.assertEqual(set(env.states()),
                         {d["name"] for d in self.sim.devices()})

    def assertNoWrites(self):
        self.assertEqual(self.sim.writes(), {})

    def assertQueuedOnce(self, names):
        """Ground truth: each of names got exactly one updatePhone and one
        applyPhone, nobody else got anything."""
        self.assertEqual(updates_by_phone(self.sim), {n: 1 for n in names})
        for name, writes in self.sim.writes().items():
            self.assertEqual([w["op"] for w in writes],
                             ["updatePhone", "applyPhone"], name)

    def readonly(self, env):
        env.set_account(self.sim.info["readonly_username"],
                        self.sim.info["readonly_password"])

    def assertStream(self, ex, dropped=()):
        """The inventory was read page after page, each asking for the
        names after the last one delivered, every phone exactly once; a
        page in dropped (0-based) was cut and asked again with fewer."""
        pages_ = inventory(ex)
        got = []
        for i, (after, first, names) in enumerate(pages_):
            self.assertEqual(after, got[-1] if got else None, f"page {i}")
            got += names
            if i + 1 == len(pages_):
                self.assertLess(len(names), first, "a short last page")
            elif i in dropped:
                self.assertLess(pages_[i + 1][1], first, "page shrunk")
            elif pages_[i + 1][0] == after and not names:
                pass            # refused (too large): asked again
            else:
                self.assertEqual(len(names), first, f"page {i} full")
        self.assertEqual(got, sorted(d["name"] for d in self.sim.devices()))
        return pages_

    def data_calls(self, ex):
        """Inventory requests in the trace, the count included."""
        return len(inventory(ex)) + sum(
            1 for q, _ in ex if "COUNT(*)" in q)


class ClusterFaults(FaultCase):

    # --- TLS, credentials, rights --------------------------------------------

    def test_wrong_ca(self):
        env = self.env()
        r = env.run("run")
        self.assertRunSucceeded(r)
        before, writes = env.rows(), self.sim.writes()
        self.sim.reset_counts()
        self.faults({"action": "wrong_ca", "count": -1})
        self.sim.advance(DAY)

        r = env.run("check")
        self.assertEqual(r.rc, EXIT_UNREACHABLE, r)
        line = self.assertOneLineError(r, "TLS", "127.0.0.1")
        self.assertIn("certificate verify failed", line)
        self.assertEqual(len(error_lines(r)), 1, r)

        r = env.run("run")
        self.assertEqual(r.rc, EXIT_UNREACHABLE, r)
        self.assertOneLineError(r, "TLS", "127.0.0.1")
        self.assertEqual(self.sim.writes(), writes, "nothing written")
        self.assertEqual(sim_calls(self.sim), {}, "no request got through")
        self.assertEqual(env.rows(), before, "the store's records intact")

    def test_wrong_password(self):
        env = self.env()
        real = self.sim.info["password"]
        wrong = "Wr0ng&Secret-pw 42"
        env.set_account(self.sim.info["username"], wrong)
        for cmd in (("check",), ("run", "-v"), ("plan", "-v")):
            r = env.run(*cmd)
            self.assertEqual(r.rc, EXIT_FAILED, r)
            line = self.assertOneLineError(r, "HTTP 401")
            self.assertIn("check username/password", line)
            self.assertIn("Standard AXL API Access role", line)
            for secret in (wrong, real, "Wr0ng"):
                self.assertNotIn(secret, r.out + r.err, cmd)
        self.assertNoWrites()

    def test_read_only_account_check(self):
        env = self.env()
        self.readonly(env)
        r = env.run("check")
        self.assertNotEqual(r.rc, EXIT_NOTHING, r)
        line = self.assertOneLineError(r, "read-only")
        self.assertIn("Standard AXL API Access role", line)
        self.assertIn("RisPort70 answers", r.out, "reads still work")
        self.assertNoWrites()

    def test_read_only_account_run(self):
        env = self.env(know=True)
        online = self.online
        self.assertGreater(len(online), 5)
        self.readonly(env)
        r = env.run("run", "-v")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertOneLineError(r, "updatePhone", "HTTP 401")
        self.assertNoWrites()
        # one refused write is enough to know: no hammering (the 401 to
        # the session cookie alone is tried once more with credentials,
        # as an expired session would be)
        self.assertLessEqual(sim_calls(self.sim).get("updatePhone"), 2)
        self.assertCountsAgree(r)
        # nothing lost: every due phone still due, the first with why
        states = env.states()
        self.assertEqual({n for n in online if states[n] != "due"}, set())
        first = sorted(online)[0]
        self.assertIn("not queued: updatePhone: HTTP 401", env.reason(first))
        self.assertStoreComplete(env)

        # the right account: each of them queued exactly once
        env.set_account(self.sim.info["username"], self.sim.info["password"])
        r = env.run("run")
        self.assertRunSucceeded(r)
        self.assertQueuedOnce(online)

    # --- write throttling ------------------------------------------------------

    def test_503_on_update_persists(self):
        env = self.env(know=True, cluster={"retry_budget": "3s"})
        online = self.online
        first = sorted(online)[0]
        self.faults({"endpoint": "axl", "op": "updatePhone",
                     "action": "http503", "count": -1})
        r = env.run("run", "-v")
        self.assertIn(r.rc, (EXIT_ATTENTION, EXIT_FAILED), r)
        self.assertOneLineError(r, first, "updatePhone",
                                "HTTP 503 (AXL write throttled)")
        calls = summary_calls(r)
        self.assertCountsAgree(r)
        # retried with backoff, within the budget, then given up
        self.assertGreater(calls["updatePhone"], 1)
        self.assertEqual(calls["retries"], calls["updatePhone"] - 1)
        self.assertLessEqual(calls["waited_ms"], 3000)
        self.assertEqual(self.sim.counts()["http_status"].get("503"),
                         calls["updatePhone"])
        self.assertNoWrites()
        # the phone stays due with the reason; the others wait, not lost
        self.assertEqual(env.states()[first], "due")
        self.assertRegex(env.reason(first), r"not queued: updatePhone: "
                         r"HTTP 503 \(AXL write throttled\)")
        self.assertEqual({n for n in online if env.states()[n] != "due"},
                         set())

        # the throttle lifts: every due phone queued on the next run, once
        self.sim.clear_faults()
        r = env.run("run")
        self.assertRunSucceeded(r)
        self.assertQueuedOnce(online)
        self.assertEqual(env.states()[first], "pending")

    def test_503_with_retry_after_recovers(self):
        env = self.env(know=True)
        online = self.online
        self.faults({"endpoint": "axl", "op": "updatePhone",
                     "action": "http503", "count": 2, "retry_after": 1})
        r = env.run("run", "-v")
        self.assertRunSucceeded(r)
        calls = self.assertCountsAgree(r)
        self.assertEqual(calls["updatePhone"], len(online) + 2)
        self.assertGreaterEqual(summary_calls(r)["retries"], 2)
        # Retry-After: 1 honoured: at least a second before each retry
        self.assertGreaterEqual(summary_calls(r)["waited_ms"], 2000)
        self.assertQueuedOnce(online)
        self.assertEqual(env.phones_in("due"), set())

    # --- read faults that are retried ----------------------------------------

    def test_max_memory_on_reads(self):
        env = self.env(know=True)
        # the count, then the second page: each asked once more
        # (a rule counts the requests the rules before it let through)
        self.faults({"endpoint": "axl", "op": "executeSQLQuery",
                     "action": "max_memory", "nth": 1},
                    {"endpoint": "axl", "op": "executeSQLQuery",
                     "action": "max_memory", "nth": 3})
        r = env.run("run", "-vvv")
        self.assertRunSucceeded(r)
        calls = self.assertCountsAgree(r)
        self.assertStream(exchanges(r))
        # a count, two pages, each fault asked once more
        self.assertEqual(calls["executeSQLQuery"], 3 + 2)
        self.assertEqual(summary_calls(r)["retries"], 2)
        self.assertStoreComplete(env)
        self.assertQueuedOnce(self.online)

    def test_too_large_injected(self):
        """The first page refused as too large: asked again from the same
        place below the suggestion, and no later page asks more."""
        env = self.env(know=True)
        total = len(self.sim.devices())
        # the count is the first executeSQLQuery, the first page the second
        self.faults({"endpoint": "axl", "op": "executeSQLQuery",
                     "action": "too_large", "nth": 2, "rows": [total, 30]})
        r = env.run("run", "-vvv")
        self.assertRunSucceeded(r)
        ex = exchanges(r)
        pages_ = inventory(ex)
        self.assertEqual(pages_[0][:2], (None, 50))
        self.assertEqual(pages_[1][0], None, "asked again from the start")
        self.assertLess(pages_[1][1], 30)
        self.assertTrue(all(f <= pages_[1][1] for _, f, _ in pages_[1:]))
        self.assertStream(ex)
        calls = self.assertCountsAgree(r)
        self.assertEqual(calls["executeSQLQuery"], self.data_calls(ex))
        self.assertNotIn("listPhone", calls)
        self.assertStoreComplete(env)
        self.assertQueuedOnce(self.online)

    def test_too_large_real_limit(self):
        """The simulator's own "Query request too large" once a reply is
        over max_response_bytes: the read re-pages below the suggestion it
        is given, and the run completes."""
        env = self.env(know=True)
        self.sim.config(max_response_bytes=12000)
        r = env.run("run", "-vvv")
        self.assertRunSucceeded(r)
        ex = exchanges(r)
        faults = 0
        for (q, a), (q2, _) in zip(ex, ex[1:]):
            s = suggestion(a)
            if s is None:
                continue
            faults += 1
            op, after, _ = page_of(q)
            op2, after2, first2 = page_of(q2)
            self.assertEqual((op2, after2), (op, after))
            self.assertLess(first2, s)
        self.assertGreaterEqual(faults, 1, "the limit fired")
        self.assertStream(ex)
        self.assertEqual(self.data_calls(ex),
                         sim_calls(self.sim)["executeSQLQuery"])
        self.assertCountsAgree(r)
        self.assertStoreComplete(env)
        self.assertQueuedOnce(self.online)

    def test_drop_mid_response_on_inventory(self):
        """A reply cut mid-way: the phones it delivered in full are not
        asked again; the read goes on after the last one, smaller."""
        env = self.env(know=True)
        self.faults({"endpoint": "axl", "op": "executeSQLQuery",
                     "action": "drop_mid_response", "nth": 3})
        r = env.run("run", "-vvv")
        self.assertRunSucceeded(r)
        ex = exchanges(r)
        pages_ = self.assertStream(ex, dropped=(1,))
        self.assertGreater(len(pages_[1][2]), 0, "part of it came")
        self.assertCountsAgree(r)
        self.assertStoreComplete(env)
        self.assertQueuedOnce(self.online)

    def test_reset_on_reads(self):
        env = self.env(know=True)
        # twice in a row on the inventory (a fresh connection is reset
        # too), once on RisPort70
        self.faults({"endpoint": "axl", "op": "executeSQLQuery",
                     "action": "reset", "nth": 2, "count": 2},
                    {"endpoint": "ris", "op": "selectCmDevice",
                     "action": "reset", "nth": 1})
        r = env.run("run", "-vvv")
        self.assertRunSucceeded(r)
        calls = self.assertCountsAgree(r)
        self.assertStream(exchanges(r))
        # a count, two pages, the first page twice more
        self.assertEqual(calls["executeSQLQuery"], 3 + 2)
        self.assertEqual(calls["selectCmDevice"],
                         math.ceil(len(self.candidates) / 1000) + 1)
        self.assertEqual(summary_calls(r)["retries"], 3)
        self.assertStoreComplete(env)
        self.assertQueuedOnce(self.online)

    # --- damaged replies ------------------------------------------------------

    def read_failure(self, rule, op, words):
        env = self.env(know=True)
        before = env.rows()
        self.faults(dict(rule, endpoint="axl", op=op))
        r = env.run("run", "-v")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertOneLineError(r, op, *words)
        self.assertNoWrites()
        self.assertCountsAgree(r)
        self.assertEqual(env.rows(), before, "nothing recorded is lost")
        return env, r

    def test_truncate_on_read(self):
        self.read_failure({"action": "truncate", "nth": 2},
                          "executeSQLQuery", ["truncated"])

    def test_invalid_xml_on_read(self):
        self.read_failure({"action": "invalid_xml"}, "executeSQLQuery", [])

    def test_http500_html_on_read(self):
        env, r = self.read_failure({"action": "http500", "nth": 2},
                                   "executeSQLQuery", ["HTTP 500"])
        self.assertNotIn("NullPointerException", r.out + r.err)

    def test_markup_in_values_loses_no_phone(self):
        """Child elements inside a value and unknown elements in every
        record: every phone is still read, none is taken for gone."""
        env = self.env(know=True)
        for op in ("listPhone", "executeSQLQuery"):
            self.faults({"endpoint": "axl", "op": op, "action": "markup",
                         "count": -1})
        r = env.run("run", "-v")
        self.assertRunSucceeded(r)
        self.assertEqual(env.phones_in("gone"), set())
        self.assertStoreComplete(env)
        self.assertQueuedOnce(self.online)
        self.assertCountsAgree(r)

    def test_stray_element_fails_the_read(self):
        """An element among the records that is not one: the page cannot
        be accounted for, so the read fails instead of shrinking."""
        env, r = self.read_failure({"action": "stray_element", "nth": 2},
                                   "executeSQLQuery",
                                   ["unexpected element notAPhone"])
        self.assertEqual(env.phones_in("gone"), set())

    def update_damaged(self, action):
        """updatePhone processed, its reply damaged: the outcome is
        unknown; the next run reads CUCM back and only tells the phone."""
        env = self.env(know=True)
        online = self.online
        first = sorted(online)[0]
        self.faults({"endpoint": "axl", "op": "updatePhone",
                     "action": action})
        r = env.run("run", "-v")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertOneLineError(r, first, "updatePhone")
        self.assertCountsAgree(r)
        # CUCM applied it; we cannot know: queued, outcome unknown
        self.assertEqual(updates_by_phone(self.sim), {first: 1})
        self.assertEqual(env.states()[first], "queued")
        self.assertIn("outcome unknown", env.reason(first))

        self.sim.clear_faults()
        r = env.run("run", "-v")
        self.assertRunSucceeded(r)
        self.assertQueuedOnce(online)       # no second updatePhone
        self.assertEqual(env.states()[first], "pending")

    def test_truncate_on_update(self):
        self.update_damaged("truncate")

    def test_invalid_xml_on_update(self):
        self.update_damaged("invalid_xml")

    # --- faults CUCM answers with ---------------------------------------------

    def test_soap_fault_on_update(self):
        env = self.env(know=True)
        online = sorted(self.online)
        gone, refused = online[0], online[1]
        self.faults({"endpoint": "axl", "op": "updatePhone",
                     "action": "soap_fault", "nth": 1,
                     "fault": {"faultcode": "soapenv:Server", "axlcode": 5003,
                               "faultstring": "Phone not found"}},
                    # the first rule answers the first request, so this
                    # one first sees (and answers) the second
                    {"endpoint": "axl", "op": "updatePhone",
                     "action": "soap_fault",
                     "fault": {"faultstring": "Could not update the device "
                               "(CAPF says no)"}})
        r = env.run("run", "-v")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        self.assertOneLineError(r, gone, "Phone not found")
        self.assertOneLineError(r, refused, "CAPF says no")
        self.assertCountsAgree(r)
        self.assertEqual(env.states()[gone], "gone")
        self.assertEqual(env.states()[refused], "needs_attention")
        self.assertIn("CAPF says no", env.reason(refused))
        # the run went on for the others: each queued once
        self.assertQueuedOnce(set(online[2:]))

        # the "not found" phone is listed again: queued once; the refused
        # one waits for a person
        self.sim.clear_faults()
        r = env.run("run")
        self.assertRunSucceeded(r)
        self.assertQueuedOnce(set(online) - {refused})
        self.assertEqual(env.states()[refused], "needs_attention")

    def test_5003_that_is_not_not_found(self):
        """axlcode 5003 also means "lower User Rank" or a refused value:
        the phone is refused, not taken for deleted (and so never written
        again every run)."""
        env = self.env(know=True)
        first = sorted(self.online)[0]
        self.faults({"endpoint": "axl", "op": "updatePhone",
                     "action": "soap_fault", "nth": 1,
                     "fault": {"faultcode": "soapenv:Client", "axlcode": 5003,
                               "faultstring": "You do not have the "
                               "privilege to update this Phone as you have "
                               "lower User Rank"}})
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        self.assertEqual(env.states()[first], "needs_attention")
        self.assertIn("User Rank", env.reason(first))
        self.sim.clear_faults()
        env.run("run")
        self.assertEqual(updates_by_phone(self.sim).get(first), None,
                         "never written again by itself")

    def test_same_refusal_in_a_row_stops_writing(self):
        """CUCM refusing every updatePhone (the campaign's settings or
        the account) stops the run's writes after three, instead of
        sending every due phone to needs_attention."""
        env = self.env(know=True)
        self.faults({"endpoint": "axl", "op": "updatePhone",
                     "action": "soap_fault", "count": -1,
                     "fault": {"faultcode": "soapenv:Client", "axlcode": 5003,
                               "faultstring": "Invalid value for keySize"}})
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertIn("refused updatePhone for 3 phones in a row", r.err)
        states = env.states()
        refused = {n for n in self.online if states[n] == "needs_attention"}
        self.assertEqual(len(refused), 3)
        held = {n for n in self.online if states[n] == "due"}
        self.assertEqual(held, set(self.online) - refused)
        for name in held:
            self.assertIn("writes held", env.reason(name))

    def test_database_error_on_update_is_retried_next_run(self):
        env = self.env(know=True)
        first = sorted(self.online)[0]
        self.faults({"endpoint": "axl", "op": "updatePhone",
                     "action": "soap_fault", "nth": 1,
                     "fault": {"faultcode": "soapenv:Client", "axlcode": -243,
                               "faultstring": "Could not position within a "
                               "table (informix.device)."}})
        env.run("run")
        self.assertEqual(env.states()[first], "due")
        self.assertIn("not queued", env.reason(first))
        self.sim.clear_faults()
        env.run("run")
        self.assertQueuedOnce(self.online)

    def test_rate_limit_on_selectcmdevice(self):
        env = self.env(know=True, cluster={"ris_retry_wait": "2s"})
        self.faults({"endpoint": "ris", "op": "*", "action": "rate_limit"})
        r = env.run("run", "-v")
        self.assertRunSucceeded(r)
        calls = self.assertCountsAgree(r)
        self.assertEqual(calls["selectCmDevice"], 2)
        self.assertGreaterEqual(summary_calls(r)["waited_ms"], 2000)
        self.assertQueuedOnce(self.online)

    def test_latency(self):
        env = self.env(know=True)
        self.faults({"endpoint": "any", "op": "*", "action": "latency",
                     "ms": 20, "count": -1})
        r = env.run("run", "-v")
        self.assertRunSucceeded(r)
        calls = self.assertCountsAgree(r)
        # every answer came 20 ms late: the summary's busy time holds them
        self.assertGreaterEqual(summary_calls(r)["busy_ms"],
                                20 * sum(calls.values()))
        self.assertQueuedOnce(self.online)

    def test_session_expiry_counted(self):
        # Every session cookie expires at once: each request is refused
        # (404) and sent again with credentials; both reach the cluster.
        env = self.env(know=True)
        self.sim.config(session_idle=0)
        r = env.run("run", "-v")
        self.assertRunSucceeded(r)
        self.assertCountsAgree(r)
        self.assertQueuedOnce(self.online)

    # --- economy ------------------------------------------------------------

    def test_economy(self):
        env = self.env()
        r = env.run("run", "-vvv")
        self.assertRunSucceeded(r)
        calls = self.assertCountsAgree(r)
        ex = exchanges(r)
        # the whole cluster in one stream: a count, a first page of
        # page_size phones, then pages sized by the bytes a row took
        pages_ = self.assertStream(ex)
        self.assertEqual(len(pages_), 2)
        self.assertEqual(calls["executeSQLQuery"], 3)
        self.assertNotIn("listPhone", calls)
        cand = self.candidates
        self.assertEqual(calls["selectCmDevice"], math.ceil(len(cand) / 1000))
        online = self.online
        self.assertEqual(calls["updatePhone"], len(online))
        self.assertEqual(calls["applyPhone"], len(online))
        self.assertEqual(calls["getCCMVersion"], 1)
        self.assertQueuedOnce(online)
        self.assertEqual(env.phones_in("due"), set())

    def test_second_run_writes_nothing_unchanged(self):
        """Over an unchanged cluster, a phone whose record would not change
        is not written: only the ones whose history grew (a run that found
        a left-behind phone offline again counts it); the pools are still
        recorded as read."""
        env = self.env(know=True)
        env.set_campaign(window=CLOSED_WINDOW)
        with env.db() as c:
            before = dict(c.execute("SELECT name, updated FROM phone"))
        r = env.run("run", "-v", now=self.now + 60)
        self.assertIn(r.rc, (EXIT_NOTHING, EXIT_DONE, EXIT_ATTENTION), r)
        with env.db() as c:
            after = dict(c.execute("SELECT name, updated FROM phone"))
            last = c.execute("SELECT MAX(id) FROM run").fetchone()[0]
            read = c.execute("SELECT COUNT(*) FROM listing WHERE run = ?",
                             (last,)).fetchone()[0]
        rewritten = {n for n in after if after[n] != before.get(n)}
        self.assertEqual(rewritten, env.phones_in("left_behind"))
        self.assertLess(len(rewritten), len(after) // 10)
        self.assertEqual(read, len(env.pools), "every pool read by the run")

    def test_economy_full_last_page(self):
        # a page size that holds every phone exactly: the page asks one
        # row more than CUCM counted, comes back short, and no empty page
        # follows (before, a full page cost one more, empty, call)
        total = len(self.sim.devices())
        env = self.env(cluster={"page_size": str(total)})
        r = env.run("plan", "-vvv")
        calls = self.assertCountsAgree(r)
        pages_ = self.assertStream(exchanges(r))
        self.assertEqual([len(n) for _, _, n in pages_], [total])
        self.assertIn(f"SELECT FIRST {total + 1} ", r.err)
        self.assertEqual(calls["executeSQLQuery"], 2)
        self.assertNoWrites()


class RisChunks(SimTestCase):
    """More than 1000 phones whose registration matters."""
    sim_options = {"phones": 2500, "pools": 3, "seed": 3, "start": START,
                   "due_fraction": 0.5}

    def test_registration_in_chunks_of_1000(self):
        env = FaultEnv(self.sim, cluster={"page_size": "500"})
        self.addCleanup(env.close)
        now = self.sim.now()
        cand = ris_candidates(self.sim, now)
        self.assertTrue(1000 < len(cand) < 2000, len(cand))
        r = env.run("plan", "-v")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        mine = ops_only(summary_calls(r))
        self.assertEqual(mine, sim_calls(self.sim))
        self.assertEqual(mine["selectCmDevice"], 2)
        self.assertNotIn("listPhone", mine)
        # a count, a first page of 500, the rest in one page
        self.assertEqual(mine["executeSQLQuery"], 3)
        self.assertEqual(self.sim.writes(), {})


class InventoryBytes(SimTestCase):
    """What a plan costs the cluster at 2,000 phones in 10 pools: the
    calls are exact, the inventory's pages stay under 165 bytes a phone
    (issue 12: 12 MB for 40,000 phones with RisPort70's answers), and no
    field a person sees is lost on the way."""
    sim_options = {"phones": 2000, "pools": 10, "seed": 1, "start": START}
    BYTES_A_PHONE = 165

    def test_bytes_and_fields(self):
        env = FaultEnv(self.sim, cluster={"page_size": "1000"})
        self.addCleanup(env.close)
        r = env.run("plan", "-vvv")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        mine = ops_only(summary_calls(r))
        self.assertEqual(mine, sim_calls(self.sim))
        # the count (with the type tables' names), a first page of 1000,
        # the other 1000 in one page asking one more
        self.assertEqual(mine["executeSQLQuery"], 3)
        self.assertEqual(mine["getCCMVersion"], 1)
        self.assertNotIn("listPhone", mine)
        ex = exchanges(r)
        count = [a for q, a in ex if "COUNT(*)" in q]
        self.assertEqual(len(count), 1)
        self.assertLess(len(count[0].encode()), 8192)
        inv = [a for q, a in ex if page_of(q) is not None]
        self.assertEqual(sum(len(names_in(a)) for a in inv), 2000)
        self.assertLessEqual(sum(len(a.encode()) for a in inv),
                             self.BYTES_A_PHONE * 2000)
        # what the store keeps of each phone is what CUCM holds
        env.set_campaign(window=CLOSED_WINDOW)
        r = env.run("run", now=self.sim.now())
        self.assertIn(r.rc, (EXIT_NOTHING, EXIT_DONE, EXIT_ATTENTION), r)
        self.assertEqual(self.sim.writes(), {})
        rows = env.rows()
        for d in self.sim.devices():
            row = rows[d["name"]]
            seen = d["schedule"]["type"] != "never_registered"
            self.assertEqual(
                (row["pool"], row["model"], row["description"],
                 row["cert_operation"], row["cert_status"],
                 row["lsc_valid_until"], row["lsc_issuer"], row["last_ip"]),
                (d["pool"], d["model"], d["description"],
                 d["certificate_operation"], d["certificate_status"],
                 d["lscvaliduntil"], d["lscissuername"],
                 d["ip"] if seen else None),
                d["name"])
            if not d["dual_node"]:
                self.assertEqual(row["last_node"], d["node"] if seen else
                                 None, d["name"])


class WriteFailures(FaultCase):
    """Write failures as a first run meets them, listings that fail half
    way, unconfirmed writes, retry budgets, and how the summary counts."""

    def test_first_run_write_failure(self):
        """A write refused on the very first run (the store has never
        seen the phone) is recorded, not a crash."""
        env = self.env()
        self.readonly(env)
        r = env.run("run")
        self.assertGreaterEqual(r.rc, 0, "killed by signal %d" % -r.rc)
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertNoWrites()

    def test_failed_listing_keeps_earlier_pools(self):
        """A listing that fails half way through a campaign marks no
        phone of its earlier pools gone: pools count as listed only once
        the whole campaign went through."""
        env = self.env(know=True)
        before = env.rows()
        # the second page of the inventory (after the count and the first)
        self.faults({"endpoint": "axl", "op": "executeSQLQuery",
                     "action": "truncate", "nth": 3})
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertOneLineError(r, "executeSQLQuery", "truncated")
        self.assertEqual(env.phones_in("gone"), set())
        self.assertEqual(env.rows(), before)

    def test_reset_update_requeued_next_run(self):
        """An updatePhone reset before CUCM saw it is unconfirmed; the
        next run sees no operation in CUCM, only the phone's last,
        finished status: a failed attempt, queued again, once, after the
        campaign's backoff."""
        env = self.env(know=True)
        online = self.online
        target = sorted(online)[1]
        self.faults({"endpoint": "axl", "op": "updatePhone",
                     "action": "reset", "nth": 2})
        r = env.run("run", "-v")
        # the connection died before any reply: not resent, outcome unknown
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        self.assertOneLineError(r, target, "updatePhone", "outcome unknown")
        self.assertCountsAgree(r)
        self.assertNotIn(target, updates_by_phone(self.sim), "not applied")
        self.assertEqual(env.states()[target], "queued")
        self.assertIn("outcome unknown", env.reason(target))

        self.sim.clear_faults()
        r = env.run("run")
        self.assertRunSucceeded(r)
        self.assertEqual(env.states()[target], "failed_retryable")
        self.assertIn("outcome unknown", env.reason(target))
        # past retry_base (1h)
        r = env.run("run", now=self.sim.now() + 2 * 3600)
        self.assertRunSucceeded(r)
        self.assertQueuedOnce(online)

    def test_retry_budget_zero_means_no_wait(self):
        """retry_budget = 0: one attempt, no waiting."""
        env = self.env(know=True, cluster={"retry_budget": "0",
                                           "retry_attempts": "2"})
        self.faults({"endpoint": "axl", "op": "updatePhone",
                     "action": "http503", "count": -1})
        r = env.run("run", "-v")
        self.assertOneLineError(r, "HTTP 503")
        s = summary_calls(r)
        self.assertEqual((s["updatePhone"], s["waited_ms"]), (1, 0), r)

    def test_summary_counts_failed_writes(self):
        """Every phone is counted once in the run's summary, including
        one whose write failed."""
        env = self.env(know=True)
        online = sorted(self.online)
        self.faults({"endpoint": "axl", "op": "updatePhone",
                     "action": "soap_fault", "nth": 1,
                     "fault": {"faultstring": "Could not update"}})
        r = env.run("run")
        m = re.search(r"run \d+: (\d+) phones, .* (\d+) need attention",
                      r.out)
        self.assertTrue(m, r)
        self.assertEqual(env.states()[online[0]], "needs_attention")
        self.assertEqual((int(m.group(1)), int(m.group(2))),
                         (len(env.states()), 1), r)


if __name__ == "__main__":
    unittest.main()
