"""The fault matrix of issue 14: each fault the simulator throws, through
the real binary over HTTPS, asserting the exit status, the one-line error
naming the thing, and that nothing already recorded in the store is lost
or written twice.

The machinery (environment, counts, error lines) is test_cluster_faults'.
Timeouts are made short with the cluster's `timeout` key; no test sleeps:
a stall ends when the client gives up, which the exit status shows.
"""

import os
import sqlite3
import unittest

from lsctest import (EXIT_ATTENTION, EXIT_DONE, EXIT_FAILED,
                     EXIT_UNREACHABLE)
from test_cluster_faults import (FaultCase, sim_calls, summary_calls,
                                 updates_by_phone)

READS = ["listPhone", "executeSQLQuery"]

# fault -> (rule, op the error names, words of the error line, exit)
# Each one hits the inventory read of a run that already knows every phone.
READ_MATRIX = {
    "stall before headers": (
        {"action": "stall_before"}, ["timed out"], EXIT_UNREACHABLE),
    "stall mid-body": (
        {"action": "stall_mid", "bytes": 300}, ["timed out"],
        EXIT_UNREACHABLE),
    "trickle one byte a second": (
        {"action": "trickle", "ms": 1000}, ["timed out"], EXIT_UNREACHABLE),
    "gzip bomb": (
        {"action": "gzip_bomb"}, ["reply larger than the 16777216-byte cap"],
        EXIT_FAILED),
    # refused on the header, before the body: nothing allocated
    "2 GB Content-Length": (
        {"action": "huge_length"}, ["reply larger than the 16777216-byte cap"],
        EXIT_FAILED),
    # the inventory's packed column x: pool|model|operation|status|
    # lscvaliduntil|lastseen|upgradefinishtime|IP|node
    "invalid date": (
        {"action": "set_field", "field": "x", "value": "0|0|0|0|soon|0|||",
         "count": -1}, ["lscvaliduntil \"soon\" is not a number"],
        EXIT_FAILED),
}


class ReadFaults(FaultCase):
    """A read the client cannot finish fails the run and loses nothing."""

    def matrix_cell(self, name, rule, words, rc):
        env = self.env(know=True, cluster={"timeout": "2s",
                                           "retry_attempts": "1",
                                           "retry_budget": "0"})
        before = env.rows()
        self.faults(dict(rule, endpoint="axl", op=READS))
        r = env.run("run", "-v")
        self.assertEqual(r.rc, rc, f"{name}: {r!r}")
        self.assertOneLineError(r, *words)
        self.assertNoWrites()
        self.assertEqual(env.rows(), before, f"{name}: nothing recorded is "
                         "lost")
        self.assertEqual(env.phones_in("gone"), set())

    def test_read_matrix(self):
        for name, (rule, words, rc) in READ_MATRIX.items():
            with self.subTest(fault=name):
                self.sim.clear_faults()
                self.matrix_cell(name, rule, words, rc)

    def test_endless_listing_is_bounded(self):
        """Full pages of fresh names for ever: the read stops past the
        population CUCM counted (1.6 times it), nothing is written, no
        phone recorded before changes and none is taken for gone; what
        was listed before the stop stays recorded, as after any error."""
        env = self.env(know=True, cluster={"page_size": "10"})
        before = env.rows()
        self.faults({"endpoint": "axl", "op": READS, "action": "endless",
                     "count": -1})
        r = env.run("run", "-v")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertOneLineError(r, "executeSQLQuery", "CUCM sent more than",
                                "although it counted 200")
        self.assertNoWrites()
        after = env.rows()
        self.assertEqual({k: after.get(k) for k in before}, before)
        self.assertLessEqual(len(after) - len(before), 320)
        self.assertEqual(env.phones_in("gone"), set())


class RunTimeout(FaultCase):
    """run_timeout bounds a request and its retries, not only the gaps
    between pages: the run stops with exit 3 and one line naming it, and
    what it recorded before stays."""

    def timed_env(self, run_timeout, **cluster):
        """The store filled by a run without a deadline; then one."""
        env = self.env(know=True, cluster=dict({"timeout": "10m"},
                                               **cluster))
        env.write_config(env.campaigns,
                         global_extra=f"run_timeout = {run_timeout}")
        return env

    def test_stalled_read_outlives_no_run(self):
        env = self.timed_env("5s")
        before = env.rows()
        self.faults({"endpoint": "axl", "op": READS,
                     "action": "stall_before"})
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertOneLineError(r, "timed out", "run_timeout reached")
        self.assertNoWrites()
        self.assertEqual(env.rows(), before)

    def test_503_storm_not_retried_past_the_deadline(self):
        """Backoff of up to an hour allowed, every write answered 503:
        the retries stop at the deadline, every due phone stays due."""
        env = self.timed_env("8s", retry_attempts="20", retry_budget="1h")
        self.faults({"endpoint": "axl", "action": "http503", "count": -1,
                     "op": ["updatePhone", "applyPhone"]})
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertOneLineError(r, "run_timeout reached")
        self.assertNoWrites()
        self.assertEqual(env.phones_in("due") & self.online, self.online)
        self.sim.clear_faults()
        self.assertIn(env.run("run").rc, (EXIT_DONE, EXIT_ATTENTION))
        self.assertQueuedOnce(self.online)

    def test_version_call_at_connect_ends_at_the_deadline(self):
        """getCCMVersion stalls at connect, the request timeout is longer
        than the run's: the run ends at run_timeout, naming it."""
        env = self.timed_env("2s", timeout="30s")
        before = env.rows()
        self.faults({"endpoint": "axl", "op": "getCCMVersion",
                     "action": "stall_before"})
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertOneLineError(r, "getCCMVersion", "timed out",
                                "run_timeout reached")
        self.assertNoWrites()
        self.assertEqual(env.rows(), before)

    def test_risport_pacing_ends_at_the_deadline(self):
        """RisPort70 paced at one call in ten minutes, its answers cut at
        5 devices so that the phones take many calls: the pause before the
        second call ends at run_timeout (the client's own count of its
        waits stays under it), the run stops with exit 3 naming it, nothing
        is written and every phone stays recorded, none taken for gone."""
        env = self.timed_env("3s", ris_rate="0.1")
        self.sim.config(ris_max_devices=5)
        before = env.rows()
        r = env.run("run", "-v", timeout=120)
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertOneLineError(r, "selectCmDevice", "run_timeout reached")
        self.assertEqual(sim_calls(self.sim).get("selectCmDevice"), 1)
        self.assertLessEqual(summary_calls(r)["waited_ms"], 3000)
        self.assertNoWrites()
        self.assertEqual(set(env.rows()), set(before))
        self.assertEqual(env.phones_in("gone"), set())
        self.assertEqual(env.phones_in("due") & self.online, self.online)

    def test_write_pacing_ends_at_the_deadline(self):
        """max_per_minute = 1: the pause before the second write ends at
        run_timeout (3 s, not the minute), which fails that write, not
        sent; one phone queued once, the others still due."""
        env = self.timed_env("3s")
        env.set_campaign(max_per_minute="1")
        r = env.run("run", timeout=50)
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertOneLineError(r, "updatePhone", "run_timeout reached")
        queued = set(updates_by_phone(self.sim))
        self.assertEqual(len(queued), 1, queued)
        self.assertQueuedOnce(queued)
        self.assertEqual(env.phones_in("due") & self.online,
                         self.online - queued)


class WriteFaults(FaultCase):

    def test_503_storm_over_a_whole_run(self):
        """Every write answered 503: retried within the budget, then the
        run's writes are held; every due phone stays due, nothing sent."""
        env = self.env(know=True, cluster={"retry_budget": "1s"})
        self.faults({"endpoint": "axl", "action": "http503", "count": -1,
                     "op": ["updatePhone", "applyPhone", "restartPhone",
                            "resetPhone"]})
        r = env.run("run", "-v")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        self.assertOneLineError(r, "updatePhone", "HTTP 503")
        self.assertNoWrites()
        self.assertEqual(env.phones_in("due") & self.online, self.online)
        self.sim.clear_faults()
        self.assertIn(env.run("run").rc, (EXIT_DONE, EXIT_ATTENTION))
        self.assertQueuedOnce(self.online)

    def lost_reply(self, refuse_with, causes):
        """The kept-alive connection closes with the update unanswered
        (CUCM applied it) and libcurl's reconnect fails: the outcome is
        unknown, the phone queued, and the next run only tells it.  The
        line names libcurl's cause, one of causes (a reset reconnect reads
        as either, depending on when the reset arrives)."""
        env = self.env(know=True)
        self.faults({"endpoint": "axl", "op": "updatePhone", "nth": 2,
                     "action": "close_unanswered", "refuse": 3,
                     "refuse_with": refuse_with})
        r = env.run("run", "-v")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        second = sorted(updates_by_phone(self.sim))[1]
        line = self.assertOneLineError(r, second, "updatePhone")
        self.assertTrue(any(c in line for c in causes), line)
        self.assertEqual(env.states()[second], "queued")
        self.assertIn("outcome unknown", env.reason(second))
        self.sim.clear_faults()
        r = env.run("run", "-v")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        self.assertEqual(env.states()[second], "pending")
        self.assertQueuedOnce(self.online)
        return line

    def test_reply_lost_reconnect_reset(self):
        self.lost_reply("reset", ["Connection reset by peer",
                                  "Couldn't connect", "Failed to connect"])

    def test_reply_lost_reconnect_wrong_certificate(self):
        self.lost_reply("wrong_ca", ["certificate verify failed"])


class StoreFaults(FaultCase):
    """The store damaged or held by someone else: a one-line error naming
    the file, and what is in it stays."""

    def known(self):
        env = self.env(know=True)
        self.db_path = os.path.join(env.state, "lscrenew.db")
        return env

    def test_corrupted_database(self):
        env = self.known()
        with open(self.db_path, "r+b") as f:
            f.seek(100)
            f.write(b"\xff" * 4000)
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertEqual(r.err.strip(), f"lscrenew: {self.db_path}: "
                         "database disk image is malformed")
        self.assertNoWrites()

    def test_database_locked_by_another_process(self):
        env = self.known()
        before = env.rows()
        holder = sqlite3.connect(self.db_path, timeout=0)
        self.addCleanup(holder.close)
        holder.execute("BEGIN EXCLUSIVE")
        r = env.run("run")
        holder.rollback()
        self.assertEqual(r.rc, EXIT_FAILED, r)
        self.assertEqual(r.err.strip(), f"lscrenew: {self.db_path}: "
                         "recording the run: database is locked")
        self.assertNoWrites()
        self.assertEqual(env.rows(), before)

    def test_database_locked_mid_run(self):
        """Another process takes the store while a write is in flight (CUCM
        applied it, the answer waits): the run stops with one line naming
        the file; nothing recorded is lost, and the next run sends no
        update twice."""
        env = self.known()
        before = env.rows()
        self.faults({"endpoint": "axl", "op": "updatePhone",
                     "action": "hold_after", "nth": 2})
        proc = env.start("run")
        self.addCleanup(proc.kill)
        self.assertEqual(self.sim.held(wait=1, timeout=60), 1)
        holder = sqlite3.connect(self.db_path, timeout=0)
        self.addCleanup(holder.close)
        holder.execute("BEGIN EXCLUSIVE")
        self.sim.release()
        out, err = proc.communicate(timeout=120)
        holder.rollback()
        self.assertEqual(proc.returncode, EXIT_FAILED, err)
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertRegex(lines[0], f"^lscrenew: .*{self.db_path}: .*"
                         "database is locked")
        self.assertLessEqual(set(before), set(env.rows()))
        with env.db() as c:
            self.assertEqual(c.execute("PRAGMA integrity_check")
                             .fetchone()[0], "ok")
        self.sim.clear_faults()
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        self.assertEqual(updates_by_phone(self.sim),
                         {n: 1 for n in self.online})

    def test_invalid_phase_and_state_rows(self):
        """A phase or state value the store should not hold, said with the
        phone and the value.  An unknown phase is an operation sent and the
        phone told: with CUCM showing a failed one it counts as an attempt
        and backs off; an unknown state is judged from what CUCM shows.
        Nothing is written twice."""
        env = self.known()
        finished = {d["name"] for d in self.sim.devices()
                    if d["certificate_status"].startswith("Upgrade Failed")}
        first = sorted(self.online & finished)[0]
        second = sorted(self.online - {first})[0]
        with env.db() as c:
            c.execute("UPDATE phone SET op_phase = 99 WHERE name = ?",
                      (first,))
            c.execute("UPDATE phone SET state = 'bogus' WHERE name = ?",
                      (second,))
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        self.assertIn(f"{first}: in the store, op_phase \"99\" is not a "
                      "phase: taken as sent and the phone told", r.err)
        self.assertIn(f"{second}: in the store, state \"bogus\" is not a "
                      "state: taken as ok", r.err)
        self.assertEqual(env.states()[first], "failed_retryable")
        self.assertIn("CAPF: Upgrade Failed", env.reason(first))
        self.assertQueuedOnce(self.online - {first})
        self.assertStoreComplete(env)
        r = env.run("run")
        self.assertNotIn("in the store", r.err)
        self.assertQueuedOnce(self.online - {first})

    def damaged_after_a_write(self, notify):
        """Every due phone queued and told; then the first one's phase
        damaged and a run: each phone got one update and one notify."""
        env = self.known()
        env.set_campaign(notify=notify)
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        first = sorted(self.online)[0]
        with env.db() as c:
            c.execute("UPDATE phone SET op_phase = 'x', state = 'due' "
                      "WHERE name = ?", (first,))
        r = env.run("run")
        op = {"apply": "applyPhone", "restart": "restartPhone"}[notify]
        self.assertEqual({n: [w["op"] for w in ws]
                          for n, ws in self.sim.writes().items()},
                         {n: ["updatePhone", op] for n in self.online})
        self.assertIn(f"{first}: in the store, op_phase \"x\" is not a "
                      "phase: taken as sent and the phone told", r.err)
        self.assertEqual(env.states()[first], "pending")

    def test_invalid_phase_of_a_sent_write(self):
        """A phone whose update landed and whose phone was told (CUCM
        shows the operation pending), its phase then damaged: read back,
        neither updated nor told twice: an applyPhone is not sent again."""
        self.damaged_after_a_write("apply")

    def test_invalid_phase_of_a_restarted_phone(self):
        """As above with notify = restart: no second restart in the middle
        of CAPF."""
        self.damaged_after_a_write("restart")

if __name__ == "__main__":
    unittest.main()
