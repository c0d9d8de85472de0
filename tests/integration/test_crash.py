"""Crash safety: the real binary is killed with SIGKILL at two dozen exact
points of a campaign and rerun each time.

A kill point is a request held by the simulator (hold_before: CUCM has not
seen it yet; hold_after: CUCM applied it, the answer never arrives); the
test waits until the simulator holds it, kills lscrenew, lets the request
go on, and checks:
  - the store passes PRAGMA integrity_check;
  - no left-behind record is lost;
and, after the rerun,
  - no phone received two operations (ground truth);
and at the end the states equal those of an uninterrupted run on an
identical cluster.

KilledAtEveryCommit kills between every pair of store commits instead: the
run is SIGKILLed by strace's fault injection on its nth fdatasync, for
every n, then runs go on to the end.
"""

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import unittest

from lsctest import BIN, TOP, Env, Sim, sim_pools, updates_by_phone
from test_cluster_faults import due_online

START = 1798790400  # 2027-01-01 08:00 UTC
OPTIONS = {"phones": 400, "pools": 3, "seed": 11, "start": START,
           "due_fraction": 0.15, "offline_fraction": 0.2, "ris_rate": 0}
# the reads a run may make; the points used are those the reference run made
READS = ("listPhone", "executeSQLQuery", "selectCmDevice")
WRITES = ("updatePhone", "applyPhone")
KILLS = 24
PER_RUN = 3         # operations per run: spreads the writes over many runs
# the schema the binary migrates to, as jobs/store.h says
with open(os.path.join(TOP, "jobs", "store.h")) as _h:
    STORE_VERSION = int(re.search(r"#define STORE_SCHEMA_VERSION\s+(\d+)",
                                  _h.read()).group(1))


def env_vars(sim):
    e = dict(os.environ)
    e["LSCRENEW_NOW"] = str(sim.now())
    e["TZ"] = "UTC"
    e.pop("LSCRENEW_CONFIG", None)
    return e


class CrashSafety(unittest.TestCase):

    def setUp(self):
        if not os.access(BIN, os.X_OK):
            self.fail(f"{BIN} is not built: run 'make' first")

    def start(self):
        sim = Sim(**OPTIONS).start()
        self.addCleanup(sim.stop)
        env = Env(sim, cluster_extra="page_size = 40", campaigns={
            "nightly": {"device_pools": "HQ Phones, Branch East, Lab & Test",
                        "max_per_run": str(PER_RUN)}})
        self.addCleanup(env.close)
        return sim, env

    def settle(self, env):
        """Runs until a run sends nothing: the campaign's fixed point."""
        for _ in range(80):
            r = env.run("run", "--json")
            self.assertIn(r.rc, (0, 1, 2), r)
            if json.loads(r.out)["queued"] == 0:
                return
        self.fail("the campaign did not settle")

    def reference(self):
        """Final states, and the requests of one run, uninterrupted."""
        sim, env = self.start()
        sim.reset_counts()
        r = env.run("run")
        self.assertIn(r.rc, (1, 2), r)
        counts = dict(sim.counts()["axl"])
        counts.update(sim.counts()["ris"])
        self.settle(env)
        return env.states(), counts

    def left_behind(self, env):
        if not os.path.exists(os.path.join(env.state, "lscrenew.db")):
            return set()
        return env.phones_in("left_behind")

    def integrity(self, env):
        path = os.path.join(env.state, "lscrenew.db")
        if not os.path.exists(path):
            return "ok"
        with sqlite3.connect(path) as c:
            return c.execute("PRAGMA integrity_check").fetchone()[0]

    def kill_at(self, sim, env, op, action, nth):
        """Runs lscrenew until the simulator holds request nth of op, then
        SIGKILLs it.  Returns True when the point was reached."""
        sim.clear_faults()
        sim.faults([{"endpoint": "any", "op": op, "action": action,
                     "nth": nth}])
        proc = subprocess.Popen([BIN, "-c", env.config, "run"],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL, env=env_vars(sim))
        reached = False
        while proc.poll() is None:
            if sim.held(wait=1, timeout=2.0) >= 1:
                proc.send_signal(signal.SIGKILL)
                reached = True
                break
        proc.wait()
        sim.clear_faults()	# releases the held request
        return reached

    def test_killed_at_random_points(self):
        want, counts = self.reference()
        reads_made = tuple(op for op in READS if counts.get(op))
        sim, env = self.start()
        rnd = random.Random(20261127)
        holds = ("hold_before", "hold_after")
        # every kind of point at least once, the writes while phones are
        # still waiting for them, then random ones
        planned = [(op, a) for op in WRITES for a in holds]
        rnd.shuffle(planned)
        reads = [(op, a) for op in reads_made for a in holds]
        rnd.shuffle(reads)
        planned += reads
        reached = 0
        for i in range(KILLS):
            waiting = len(env.phones_in("due")) if i else PER_RUN
            if i < len(planned):
                op, action = planned[i]
            else:
                op = rnd.choice(reads_made + WRITES if waiting else
                                reads_made)
                action = rnd.choice(holds)
            most = min(PER_RUN, waiting) if op in WRITES else counts[op]
            nth = rnd.randint(1, max(1, most))
            before = self.left_behind(env)
            if self.kill_at(sim, env, op, action, nth):
                reached += 1
                if os.environ.get("LSCRENEW_TEST_VERBOSE"):
                    print(f"killed at {action} {op} #{nth}")
            where = f"killed at {action} {op} #{nth}"
            self.assertEqual(self.integrity(env), "ok", where)
            self.assertTrue(before <= self.left_behind(env),
                            f"left-behind records lost, {where}")
            r = env.run("run")
            self.assertIn(r.rc, (0, 1, 2), f"{where}: rerun {r}")
            self.assertEqual(self.integrity(env), "ok", where)
            twice = {n: k for n, k in updates_by_phone(sim).items() if k > 1}
            self.assertEqual(twice, {}, f"operations sent twice, {where}")
        self.assertGreaterEqual(reached, 20, "kill points reached")
        self.settle(env)
        self.assertEqual(env.states(), want)

if __name__ == "__main__":
    unittest.main()


# --- a kill at every store commit ------------------------------------------

SMALL = {"phones": 30, "pools": 2, "seed": 5, "start": START,
         "due_fraction": 0.4, "offline_fraction": 0.2, "ris_rate": 0}


def strace_kill(syscall, nth):
    """The argv prefix that SIGKILLs the process at its nth `syscall` (on
    entry: the call never happens), following children."""
    return ["strace", "-f", "-qq", "-o", os.devnull, "-e",
            f"trace={syscall}", "-e",
            f"inject={syscall}:signal=KILL:when={nth}"]


def run_killed(env, prefix, *args):
    """Runs lscrenew under prefix; True when it was killed."""
    proc = subprocess.run(prefix + [BIN, "-c", env.config] + list(args),
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL,
                          stdin=subprocess.DEVNULL, env=env.environ(),
                          timeout=300)
    return proc.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL)


class KilledAtEveryCommit(unittest.TestCase):
    """kill -9 at every store commit, not only at request boundaries: the
    run is killed on its nth fdatasync (SQLite syncs the WAL once per
    commit) for every n until a run goes through, each on a fresh
    cluster whose store a first run (three writes) filled; then runs go
    on to the end."""

    def setUp(self):
        if not os.access(BIN, os.X_OK):
            self.fail(f"{BIN} is not built: run 'make' first")

    def fresh(self):
        sim = Sim(**SMALL).start()
        self.addCleanup(sim.stop)
        env = Env(sim, cluster_extra="page_size = 10", campaigns={
            "nightly": {"device_pools": ", ".join(sim_pools(sim)),
                        "max_per_run": "3"}})
        self.addCleanup(env.close)
        return sim, env

    def integrity(self, env):
        with env.db() as c:
            return c.execute("PRAGMA integrity_check").fetchone()[0]

    def kill_each_commit(self, first_run):
        """Kills a run at each of its commits in turn; returns how many."""
        n = 0
        while True:
            n += 1
            self.assertLess(n, 80, "a run never got through")
            sim, env = self.fresh()
            want = due_online(sim, sim.now())
            before = {}
            if first_run:
                r = env.run("run")
                self.assertIn(r.rc, (1, 2), r)
                before = env.states()
            env.write_config({"nightly": {"device_pools": ", ".join(
                sim_pools(sim))}}, "page_size = 10")
            killed = run_killed(env, strace_kill("fdatasync", n), "run")
            where = f"killed at commit {n}, first run {first_run}"
            if before or os.path.exists(os.path.join(env.state,
                                                     "lscrenew.db")):
                self.assertEqual(self.integrity(env), "ok", where)
            if before:
                after = env.states()
                lost = {p for p, s in before.items() if s == "left_behind"
                        and after[p] not in ("left_behind", "queued",
                                             "pending")}
                self.assertEqual(lost, set(), f"left-behind lost, {where}")
            for _ in range(10):
                r = env.run("run", "--json")
                self.assertIn(r.rc, (0, 1, 2), f"{where}: {r}")
                if json.loads(r.out)["queued"] == 0:
                    break
            self.assertEqual(self.integrity(env), "ok", where)
            self.assertEqual(updates_by_phone(sim), {p: 1 for p in want},
                             f"each due registered phone written once, "
                             f"{where}")
            sim.stop()
            if not killed:
                break
        if os.environ.get("LSCRENEW_TEST_VERBOSE"):
            print(f"killed at each of {n - 1} commits")
        return n - 1

    def test_first_run_killed_at_every_commit(self):
        self.assertGreater(self.kill_each_commit(False), 5)

    def test_later_run_killed_at_every_commit(self):
        self.assertGreater(self.kill_each_commit(True), 3)

    def test_report_write_killed(self):
        """A report killed at each of its fsyncs (the file's, then its
        directory's): the target is the old file or the new one."""
        sim, env = self.fresh()
        self.assertIn(env.run("run").rc, (1, 2))
        target = os.path.join(env.dir, "report.csv")
        r = env.run("report", "left-behind", "--format", "csv", "-o", target)
        self.assertEqual(r.rc, 0, r)
        with open(target) as f:
            new = f.read()
        old = "the report of yesterday\n"
        n = 0
        while True:
            n += 1
            self.assertLess(n, 10, "a report never got through")
            with open(target, "w") as f:
                f.write(old)
            killed = run_killed(env, strace_kill("fsync", n), "report",
                                "left-behind", "--format", "csv", "-o",
                                target)
            with open(target) as f:
                self.assertIn(f.read(), (old, new), f"killed at fsync {n}")
            if not killed:
                break
        self.assertEqual(n, 3, "killed at the file's and the directory's "
                         "fsync")

    def test_migration_killed_at_every_commit(self):
        """An old store (schema 1) migrated by a run killed at each of its
        commits (a step of the migration is one): the store stays whole
        and its records stay; the next run finishes the migration."""
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "..", "fixtures", "store", "v1.sql")) as f:
            old = f.read()
        keep = ("SELECT state, reason, first_offline, attempts FROM phone "
                "WHERE name = 'SEP00000000AAAA'")
        want = ("left_behind", "offline since 2026-01-01", 1767225600, 4)
        n = 0
        while True:
            n += 1
            self.assertLess(n, 40, "a migration never got through")
            sim, env = self.fresh()
            with env.db() as c:
                c.executescript(old)
            killed = run_killed(env, strace_kill("fdatasync", n), "run")
            where = f"killed at commit {n}"
            self.assertEqual(self.integrity(env), "ok", where)
            with env.db() as c:
                self.assertEqual(c.execute(keep).fetchone(), want, where)
                # each step of the migration is one commit
                version = c.execute("PRAGMA user_version").fetchone()[0]
                self.assertIn(version, range(1, STORE_VERSION + 1), where)
            r = env.run("run")
            self.assertIn(r.rc, (1, 2), f"{where}: {r}")
            with env.db() as c:
                self.assertEqual(c.execute(keep).fetchone(), want, where)
                self.assertEqual(c.execute("PRAGMA user_version")
                                 .fetchone()[0], STORE_VERSION, where)
                self.assertEqual(c.execute("SELECT count(*) FROM event WHERE "
                                           "name = 'SEP00000000AAAA'")
                                 .fetchone()[0], 1, where)
            sim.stop()
            if not killed or version == STORE_VERSION:
                break   # killed after the migration: the tests above
        self.assertGreater(n, STORE_VERSION - 1, "killed at each step")
