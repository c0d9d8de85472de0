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
from test_cluster_faults import FaultCase, updates_by_phone

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
    # the body is read in full, then the connection closes short of the
    # length announced: a network failure, no allocation of 2 GB
    "2 GB Content-Length": (
        {"action": "huge_length"}, ["transfer closed with"],
        EXIT_UNREACHABLE),
    # the inventory's columns: v = lscvaliduntil, s = certificate status
    "invalid date": (
        {"action": "set_field", "field": "v", "value": "soon",
         "count": -1}, ["soon"], EXIT_FAILED),
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

    def lost_reply(self, refuse_with, words):
        """The kept-alive connection closes with the update unanswered
        (CUCM applied it) and libcurl's reconnect fails: the outcome is
        unknown, the phone queued, and the next run only tells it."""
        env = self.env(know=True)
        self.faults({"endpoint": "axl", "op": "updatePhone", "nth": 2,
                     "action": "close_unanswered", "refuse": 3,
                     "refuse_with": refuse_with})
        r = env.run("run", "-v")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        second = sorted(updates_by_phone(self.sim))[1]
        line = self.assertOneLineError(r, second, "updatePhone", *words)
        self.assertEqual(env.states()[second], "queued")
        self.assertIn("outcome unknown", env.reason(second))
        self.sim.clear_faults()
        r = env.run("run", "-v")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        self.assertEqual(env.states()[second], "pending")
        self.assertQueuedOnce(self.online)
        return line

    def test_reply_lost_reconnect_reset(self):
        self.lost_reply("reset", ["Connection reset by peer"])

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

    def test_invalid_phase_and_state_rows(self):
        """A phase or state value the store should not hold: the phone is
        judged from what CUCM shows, written once, never twice."""
        env = self.known()
        first, second = sorted(self.online)[:2]
        with env.db() as c:
            c.execute("UPDATE phone SET op_phase = 99 WHERE name = ?",
                      (first,))
            c.execute("UPDATE phone SET state = 'bogus' WHERE name = ?",
                      (second,))
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        self.assertQueuedOnce(self.online)
        self.assertStoreComplete(env)
        env.run("run")
        self.assertQueuedOnce(self.online)


if __name__ == "__main__":
    unittest.main()
