"""The whole loop once: a campaign over three device pools, then a second
run after some offline phones came back (issue: walking skeleton).

Ground truth comes from the simulator: which phones are due, which are
registered, and every write each phone received.
"""

import csv
import io
import unittest

from lsctest import (DAY, EXIT_ATTENTION, EXIT_DONE, SimTestCase,
                     updates_by_phone)


def pending_elsewhere(sim, now):
    """Phones with an operation someone else queued, deadline still live."""
    return {d["name"] for d in sim.devices()
            if d["certificate_operation"] == "Install/Upgrade"
            and d["certificate_status"] == "Operation Pending"
            and (d["deadline"] or 0) > now}


def due_phones(sim, now, renew_before=30 * DAY):
    """Phones a 30-day campaign must act on, from the simulator's rows:
    an LSC that expires within the window and no live operation pending."""
    due = {}
    for d in sim.devices():
        if not d["lscvaliduntil"]:
            continue
        if d["lscvaliduntil"] - now > renew_before:
            continue
        if (d["certificate_operation"] == "Install/Upgrade"
                and d["certificate_status"] == "Operation Pending"
                and (d["deadline"] or 0) > now):
            continue
        due[d["name"]] = d
    return due


class WalkingSkeleton(SimTestCase):

    def test_two_nights(self):
        env = self.env()
        now = self.sim.now()
        due = due_phones(self.sim, now)
        online = {n for n, d in due.items() if d["registered"]}
        offline = {n for n, d in due.items() if not d["registered"]}
        self.assertGreater(len(online), 5, "population has due phones")
        self.assertGreater(len(offline), 2, "population has offline ones")

        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        self.assertEqual(r.rc, EXIT_ATTENTION, "left-behind phones need a "
                         "person: exit 2\n%r" % r)

        # exactly the registered due phones got one operation each
        self.assertEqual(updates_by_phone(self.sim), {n: 1 for n in online})
        writes = self.sim.writes()
        for name in online:
            ops = [w["op"] for w in writes[name]]
            self.assertEqual(ops, ["updatePhone", "applyPhone"], name)
            v = writes[name][0]["values"]
            self.assertEqual(v["certificateOperation"], "Install/Upgrade")
        # the offline ones none, and they are recorded as left behind
        for name in offline:
            self.assertNotIn(name, writes)
        self.assertEqual(env.phones_in("left_behind"), offline)
        # pending: ours, and the ones queued outside lscrenew (untouched)
        self.assertEqual(env.phones_in("pending"),
                         online | pending_elsewhere(self.sim, now))

        # a day later: CAPF has done its work, three phones are back
        back = sorted(offline)[:3]
        self.sim.advance(DAY)
        self.sim.set_registered(back, True)
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)

        # the second run queued exactly the phones that came back
        expect = {n: 1 for n in online | set(back)}
        self.assertEqual(updates_by_phone(self.sim), expect)
        renewed = env.phones_in("renewed")
        self.assertTrue(online <= renewed | env.phones_in(
            "failed_retryable", "needs_attention"), "queued phones verified")
        self.assertEqual(env.phones_in("left_behind"),
                         offline - set(back))

        # the report lists exactly the phones still left behind
        r = env.run("report", "left-behind", "--format", "csv")
        self.assertEqual(r.rc, 0, r)
        rows = csv.DictReader(io.StringIO(r.out))
        listed = {row["name"] for row in rows
                  if row["state"] == "left_behind"}
        self.assertEqual(listed, offline - set(back))

    def test_second_run_right_away_changes_nothing(self):
        env = self.env()
        r1 = env.run("run")
        self.assertIn(r1.rc, (EXIT_DONE, EXIT_ATTENTION), r1)
        before_writes = self.sim.writes()
        before = env.states()
        r2 = env.run("run")
        self.assertIn(r2.rc, (0, EXIT_ATTENTION), r2)
        self.assertEqual(self.sim.writes(), before_writes,
                         "no write the second time")
        self.assertEqual(env.states(), before)


if __name__ == "__main__":
    unittest.main()
