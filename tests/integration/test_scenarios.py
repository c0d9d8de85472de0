"""Campaigns over simulated weeks (the renewal engine issue).

Each scenario runs the real binary on the simulator's virtual clock and
checks the store and the left-behind report against the simulator's own
ground truth.
"""

import csv
import io
import unittest

from lsctest import (DAY, EXIT_ATTENTION, EXIT_DONE, EXIT_NOTHING,
                     SimTestCase, updates_by_phone)

START = 1798761600  # 2027-01-01 00:00 UTC: windows are checked in UTC
HOUR = 3600


def left_behind_report(env):
    r = env.run("report", "left-behind", "--format", "csv")
    assert r.rc == 0, r
    rows = list(csv.DictReader(io.StringIO(r.out)))
    return {row["name"]: row for row in rows}


class Scenarios(SimTestCase):
    sim_options = {"phones": 120, "pools": 2, "seed": 7, "start": START,
                   "offline_fraction": 0.0, "pending_fraction": 0.0,
                   "due_fraction": 0.2}

    def due_names(self, now=None):
        now = now or self.sim.now()
        return {d["name"] for d in self.sim.devices()
                if d["lscvaliduntil"] and d["lscvaliduntil"] - now <= 30 * DAY}

    def truth(self):
        return {d["name"]: d for d in self.sim.devices()}

    def test_offline_for_days_then_back(self):
        env = self.env()
        due = sorted(self.due_names())
        away = due[:4]
        self.sim.set_registered(away, False)
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        self.assertEqual(env.phones_in("left_behind"), set(away))
        report = left_behind_report(env)
        self.assertEqual({n for n, row in report.items()
                          if row["state"] == "left_behind"}, set(away))
        for name in away:
            self.assertIn("offline since", report[name]["reason"])

        # three days pass with nightly runs; still away
        for _ in range(3):
            self.sim.advance(DAY)
            env.run("run")
        self.assertEqual(env.phones_in("left_behind"), set(away))
        with env.db() as c:
            attempts = dict(c.execute(
                "SELECT name, attempts FROM phone WHERE state = "
                "'left_behind'"))
        self.assertEqual(set(attempts.values()), {4})
        self.assertEqual(set(updates_by_phone(self.sim)) & set(away), set())

        # back on day 4: queued, then renewed once CAPF has done its work
        self.sim.set_registered(away, True)
        self.sim.advance(DAY)
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        self.sim.advance(HOUR)
        env.run("run")
        truth = self.truth()
        renewed = env.phones_in("renewed")
        for name in due:
            self.assertIn(name, renewed, name)
            self.assertGreater(truth[name]["lscvaliduntil"], START + 300 * DAY)
        self.assertEqual(updates_by_phone(self.sim), {n: 1 for n in due})
        self.assertEqual(left_behind_report(env), {})

    def test_away_for_months_is_abandoned(self):
        env = self.env(campaigns={"nightly": {
            "device_pools": "HQ Phones, Branch East",
            "give_up_after": "30d"}})
        due = sorted(self.due_names())
        gone = due[:2]
        self.sim.set_registered(gone, False)
        env.run("run")
        self.assertEqual(env.phones_in("left_behind"), set(gone))
        for _ in range(5):
            self.sim.advance(7 * DAY)
            r = env.run("run")
        self.assertEqual(env.phones_in("abandoned"), set(gone))
        self.assertEqual(r.rc, EXIT_ATTENTION, "abandoned phones are "
                         "reported until reset")
        report = left_behind_report(env)
        self.assertEqual({n for n, row in report.items()
                          if row["state"] == "abandoned"}, set(gone))
        # an administrator resets one; it is tried again (still offline)
        r = env.run("reset", gone[0])
        self.assertEqual(r.rc, 0, r)
        env.run("run")
        self.assertEqual(env.phones_in("left_behind"), {gone[0]})
        self.assertEqual(env.phones_in("abandoned"), {gone[1]})

    def test_ca_failure_for_a_day_is_retried_after_backoff(self):
        env = self.env(campaigns={"nightly": {
            "device_pools": "HQ Phones, Branch East",
            "retry_base": "12h", "retry_jitter": "0"}})
        due = self.due_names()
        self.sim.capf(rates={"CA Communication Failure": 1.0})
        env.run("run")
        self.sim.advance(HOUR)
        r = env.run("run")
        self.assertEqual(env.phones_in("failed_retryable"), due)
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        report = left_behind_report(env)
        for name in due:
            self.assertIn("CA Communication Failure", report[name]["reason"])

        # the CA is back; before the backoff is over nothing is resent
        self.sim.capf(rates={})
        self.sim.advance(6 * HOUR)
        env.run("run")
        self.assertEqual(updates_by_phone(self.sim), {n: 1 for n in due})
        # after it, every phone is queued once more and renewed
        self.sim.advance(6 * HOUR)
        env.run("run")
        self.assertEqual(updates_by_phone(self.sim), {n: 2 for n in due})
        self.sim.advance(HOUR)
        env.run("run")
        self.assertEqual(env.phones_in("renewed"), due)
        self.assertEqual(left_behind_report(env), {})

    def test_ca_migration_reissues_every_old_lsc(self):
        truth = self.truth()
        old = {n for n, d in truth.items() if d["lscissuername"]}
        issuers = {truth[n]["lscissuername"] for n in old}
        self.assertGreaterEqual(len(issuers), 2, "CAPF and enterprise CAs")
        self.assertNotIn("Example Issuing CA 2", issuers)
        self.sim.capf(issuer="Example Issuing CA 2")
        env = self.env(campaigns={"migrate": {
            "device_pools": "HQ Phones, Branch East",
            "expected_issuer": "Example Issuing CA 2",
            "max_per_run": "0"}})
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        self.sim.advance(HOUR)
        env.run("run")
        truth = self.truth()
        self.assertEqual({n for n, d in truth.items()
                          if d["lscissuername"] == "Example Issuing CA 2"},
                         old)
        self.assertEqual(set(updates_by_phone(self.sim)), old)
        # nothing left to migrate: the next run does nothing
        self.sim.advance(DAY)
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_NOTHING, r)

    def test_maintenance_window_holds_operations(self):
        # the clock starts at 00:00; the window opens at 02:00
        env = self.env(campaigns={"nightly": {
            "device_pools": "HQ Phones, Branch East",
            "window": "02:00-04:00"}})
        due = self.due_names()
        r = env.run("run")
        self.assertEqual(updates_by_phone(self.sim), {})
        self.assertEqual(env.phones_in("due"), due)
        with env.db() as c:
            reasons = {r[0] for r in c.execute(
                "SELECT reason FROM phone WHERE state = 'due'")}
        for reason in reasons:
            self.assertIn("maintenance window 02:00-04:00", reason)
        self.sim.advance(2 * HOUR + 60)
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_DONE, r)
        self.assertEqual(updates_by_phone(self.sim), {n: 1 for n in due})

    def test_lowercase_name_pattern(self):
        """listPhone matches names whatever their case; the database read
        must agree, or every phone would pass for one of unknown
        validity."""
        env = self.env(campaigns={"seps": {
            "device_pools": "HQ Phones, Branch East",
            "name_pattern": "sep%"}})
        due = {n for n in self.due_names() if n.startswith("SEP")}
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        self.assertEqual(set(updates_by_phone(self.sim)), due)
        with env.db() as c:
            unknown = c.execute("SELECT COUNT(*) FROM phone WHERE reason "
                                "LIKE 'LSC validity unknown%'").fetchone()[0]
        self.assertEqual(unknown, 0)

    def test_run_limit_goes_to_the_most_urgent(self):
        env = self.env(campaigns={"nightly": {
            "device_pools": "HQ Phones, Branch East",
            "max_per_run": "3"}})
        truth = self.truth()
        due = sorted(self.due_names(), key=lambda n: (
            truth[n]["lscvaliduntil"], n))
        env.run("run")
        self.assertEqual(set(updates_by_phone(self.sim)), set(due[:3]))
        with env.db() as c:
            waiting = {r[0] for r in c.execute(
                "SELECT name FROM phone WHERE state = 'due' AND reason "
                "LIKE '%run limit of 3 operations reached%'")}
        self.assertEqual(waiting, set(due[3:]))

    def test_left_behind_history_is_not_a_daily_countdown(self):
        env = self.env()
        away = sorted(self.due_names())[0]
        self.sim.set_registered([away], False)
        for _ in range(4):
            env.run("run")
            self.sim.advance(DAY)
        with env.db() as c:
            events = c.execute("SELECT COUNT(*) FROM event WHERE name = ?",
                               (away,)).fetchone()[0]
        self.assertEqual(events, 1, "one event: it was left behind")

    def test_report_filters_ignore_case_as_the_configuration_does(self):
        env = self.env()
        self.sim.set_registered(sorted(self.due_names())[:2], False)
        env.run("run")
        a = left_behind_report(env)
        r = env.run("report", "left-behind", "--format", "csv",
                    "--campaign", "NIGHTLY")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual({row["name"] for row in
                          csv.DictReader(io.StringIO(r.out))}, set(a))
        self.assertEqual(len(a), 2)


if __name__ == "__main__":
    unittest.main()
