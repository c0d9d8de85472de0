"""confirm_on_phone: a renewal CUCM reports counts only once the phone
presents the new LSC.  The real binary against the simulator's phone web
servers: the good phones confirmed, one that keeps its old LSC told again
(apply, then restart) and confirmed once restarted, one that never
changes ending in needs-attention, one that cannot be reached left for the
next run; and without the key, no phone is probed."""

import csv
import io
import signal

from lsctest import DAY, EXIT_ATTENTION, EXIT_DONE, EXIT_NOTHING, SimTestCase

START = 1798761600  # 2027-01-01 00:00 UTC
HOUR = 3600


class ConfirmOnPhone(SimTestCase):
    sim_options = {"phones": 40, "pools": 1, "seed": 7, "start": START,
                   "offline_fraction": 0.0, "pending_fraction": 0.0,
                   "due_fraction": 0.4, "phone_web": 40,
                   "phone_web_port": 0}

    def setUp(self):
        super().setUp()
        web = {w["name"] for w in self.sim.phone_web()}
        self.due = sorted(
            d["name"] for d in self.sim.devices()
            if d["name"] in web and d["lscvaliduntil"] and
            d["lscvaliduntil"] - self.sim.now() <= 30 * DAY)
        self.assertGreaterEqual(len(self.due), 5, self.due)
        self.stale, self.never, self.away = self.due[:3]
        self.good = set(self.due[3:])

    def env_with(self, confirm):
        return self.env(global_extra="probe_port = %d\nprobe_concurrency = 4"
                        % self.sim.info["phone_web_port"],
                        campaigns={"nightly": {
                            "device_pools": self.sim.devices()[0]["pool"],
                            "confirm_on_phone": confirm,
                            "give_up_attempts": "3", "retry_base": "1m",
                            "retry_jitter": "0"}})

    def notifies(self, name):
        return [w["op"] for w in self.sim.writes(name).get(name, [])
                if w["op"] != "updatePhone"]

    def reasons(self, env):
        with env.db() as c:
            return dict(c.execute("SELECT name, reason FROM phone"))

    def probes(self, env, name):
        with env.db() as c:
            return c.execute("SELECT outcome, class FROM probe WHERE phone = "
                             "? ORDER BY id", (name,)).fetchall()

    def test_confirmed_retried_and_given_up(self):
        env = self.env_with("yes")
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION), r)
        self.assertTrue(set(self.due) <= env.phones_in("pending"))
        self.assertEqual(self.probes(env, self.due[0]), [])
        # stale keeps its old LSC through the renewal until restarted;
        # never presents an expired certificate whatever it is told; away
        # refuses connections
        self.sim.phone_faults(keep_old_cert={self.stale: True},
                              phones={self.never: "expired",
                                      self.away: "refused"})
        self.sim.advance(HOUR)
        before = {n: self.notifies(n) for n in self.due}

        r = env.run("run", "-v")
        self.assertEqual(r.rc, EXIT_DONE, r)
        self.assertIn(f"{self.stale}: pending -> pending: CUCM says Upgrade "
                      "Success but the phone still presents its old LSC",
                      r.err)
        renewed = env.phones_in("renewed")
        self.assertEqual(renewed & set(self.due), self.good)
        for name in self.good:
            self.assertEqual(self.probes(env, name), [("presented",
                                                       "agrees")])
        reasons = self.reasons(env)
        for name in (self.stale, self.never):
            self.assertIn(name, env.phones_in("pending"))
            self.assertIn("CUCM says Upgrade Success but the phone still "
                          "presents its old LSC (expires ", reasons[name])
            self.assertEqual(self.notifies(name)[len(before[name]):],
                             ["applyPhone", "restartPhone"], name)
            self.assertEqual(self.probes(env, name)[-1][0], "presented")
        # unreachable: not confirmed, not told, not counted
        self.assertIn(self.away, env.phones_in("pending"))
        self.assertIn("not confirmed on the phone yet", reasons[self.away])
        self.assertIn("refused", reasons[self.away])
        self.assertEqual(self.notifies(self.away), before[self.away])
        self.assertEqual(self.probes(env, self.away)[-1][0], "refused")
        for name in self.good:
            self.assertEqual(self.notifies(name), before[name])

        # restarted, stale presents the new LSC: the next run confirms it;
        # never is told again; away, reachable again, is confirmed
        self.assertFalse(self.sim.phone_web_phone(self.stale)["stale"])
        self.sim.phone_faults(phones={self.away: None})
        self.sim.advance(2 * 60)
        env.run("run")
        renewed = env.phones_in("renewed")
        self.assertIn(self.stale, renewed)
        self.assertIn(self.away, renewed)
        self.assertEqual(self.notifies(self.away), before[self.away])
        self.assertEqual(self.notifies(self.never)[len(before[self.never]):],
                         ["applyPhone", "restartPhone"] * 2)
        with env.db() as c:
            failures = c.execute("SELECT failures FROM phone WHERE name = ?",
                                 (self.never,)).fetchone()[0]
        self.assertEqual(failures, 2)

        # the third time: needs attention, with the reason, not told again
        self.sim.advance(5 * 60)
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_ATTENTION, r)
        self.assertEqual(env.phones_in("needs_attention") & set(self.due),
                         {self.never})
        self.assertEqual(len(self.notifies(self.never)),
                         len(before[self.never]) + 4)
        r = env.run("status")
        self.assertRegex(r.out, r"needs_attention +1\n")
        r = env.run("phone", self.never)
        self.assertIn("still presents its old LSC", r.out)
        r = env.run("report", "left-behind", "--format", "csv")
        rows = {row["name"]: row for row in csv.DictReader(io.StringIO(r.out))}
        self.assertEqual(rows[self.never]["state"], "needs_attention")
        self.assertIn("CUCM says Upgrade Success but the phone still "
                      "presents its old LSC", rows[self.never]["reason"])
        self.assertEqual(self.sim.devices(name=self.never)[0]
                         ["certificate_status"], "Upgrade Success")

    def test_killed_while_restarting(self):
        # telling a phone again is on disk, counted, before its restart
        # leaves: a run killed while CUCM holds the answer is not followed
        # by a second restart, nor is the attempt forgotten
        env = self.env_with("yes")
        env.run("run")
        self.sim.phone_faults(phones={self.never: "expired"})
        self.sim.advance(HOUR)
        before = self.notifies(self.never)
        self.sim.faults([{"endpoint": "any", "op": "restartPhone",
                          "action": "hold_after", "nth": 1}])
        proc = env.start("run")
        try:
            self.assertEqual(self.sim.held(wait=1, timeout=60.0), 1)
        finally:
            proc.kill()
            proc.communicate()
            self.sim.clear_faults()
        self.assertEqual(proc.returncode, -signal.SIGKILL)
        r = env.run("run")
        self.assertEqual(r.rc, EXIT_NOTHING, r)
        self.assertEqual(self.notifies(self.never)[len(before):],
                         ["applyPhone", "restartPhone"])
        self.assertIn("told again after", self.reasons(env)[self.never])
        with env.db() as c:
            self.assertEqual(c.execute("SELECT failures FROM phone WHERE "
                                       "name = ?", (self.never,))
                             .fetchone()[0], 1)

    def test_plan_probes_nothing(self):
        env = self.env_with("yes")
        env.run("run")
        self.sim.advance(HOUR)
        r = env.run("plan")
        self.assertIn(r.rc, (0, 1, 2), r)
        self.assertIn("to be confirmed on the phone", r.out)
        self.assertEqual(self.sim.phone_web_counts()["handshakes"], 0)

    def test_off_probes_nothing(self):
        env = self.env_with("no")
        env.run("run")
        self.sim.advance(HOUR)
        self.sim.phone_faults(keep_old_cert={self.stale: True})
        r = env.run("run")
        self.assertIn(r.rc, (EXIT_DONE, EXIT_ATTENTION, 0), r)
        # counted renewed on CUCM's word alone, no phone touched
        self.assertTrue(set(self.due) <= env.phones_in("renewed"))
        self.assertEqual(self.sim.phone_web_counts()["handshakes"], 0)
        with env.db() as c:
            self.assertEqual(c.execute("SELECT count(*) FROM probe")
                             .fetchone()[0], 0)

    def test_probe_takes_probe_port(self):
        # lscrenew probe NAME without --port: the configuration's port
        env = self.env_with("no")
        env.run("run")
        r = env.run("probe", self.stale)
        self.assertEqual(r.rc, 0, r)
        self.assertIn(":%d" % self.sim.info["phone_web_port"], r.out)
