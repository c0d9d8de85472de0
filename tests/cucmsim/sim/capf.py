"""The CAPF engine: certificate operations on the virtual clock.

updatePhone with an operation makes a job (status Operation Pending, a
deadline).  The phone acts on it only after apply/restart/reset while
registered (or, with pickup_on_register, when it next registers): `delay`
virtual seconds later it succeeds (new LSC) or fails with one of the real
statuses, if it stayed registered throughout.  A job not in progress when
its deadline passes fails "User Initiated Request Late/Timedout".  Outcomes
are deterministic: forced per phone, then the phone's own facts (auth
string, LSC, MIC), then the configured rates rolled with an RNG seeded by
(seed, phone, attempt).  Callers hold the simulator's state lock.
"""

import heapq
import random
import re

from . import enums
from .clock import format_uft

REASONS = {r.split(": ", 1)[1] for r in enums.CERT_STATUSES if ": " in r}
LATE = "User Initiated Request Late/Timedout"
DEFAULTS = {"delay": 300, "validity_days": 1825, "issuer": None, "rates": {},
            "outcomes": {}, "reset_operation": True,
            "pickup_on_register": False, "default_deadline": 86400}


class Job:
    __slots__ = ("id", "name", "pkid", "op", "deadline", "armed_at",
                 "complete_at", "version")
    _ids = 0

    def __init__(self, name, pkid, op, deadline):
        Job._ids += 1
        self.id = Job._ids
        self.name, self.pkid, self.op = name, pkid, op
        self.deadline = deadline
        self.armed_at = self.complete_at = None
        self.version = 0


def _reason(outcome):
    """'Upgrade Failed: CA Communication Failure' or the bare reason ->
    reason; success -> None."""
    if outcome is None or outcome.endswith("Success"):
        return None
    reason = outcome.split(": ", 1)[1] if ": " in outcome else outcome
    if reason not in REASONS and reason not in ("Upgrade Failed",
                                                "Delete Failed",
                                                "Troubleshoot Failed"):
        raise ValueError(f"unknown CAPF outcome {outcome!r}")
    return reason


def result_status(op, outcome):
    """The certificate status an operation ends in."""
    prefix = enums.OP_RESULT_PREFIX[op]
    reason = _reason(outcome)
    if reason is None:
        return f"{prefix} Success"
    name = f"{prefix} Failed: {reason}"
    return name if name in enums.CERT_STATUSES else f"{prefix} Failed"


class CapfEngine:
    def __init__(self, store, registry, pki, seed, issuer):
        self.store, self.registry, self.pki = store, registry, pki
        self.seed = seed
        self.settings = dict(DEFAULTS, issuer=issuer, rates={}, outcomes={})
        self.jobs = {}
        self.attempts = {}
        self.history = []
        self._heap = []
        self._seq = 0

    # -- settings ------------------------------------------------------------

    def configure(self, body, now=None):
        """Changes settings; turning pickup_on_register on at `now` makes
        the phones with a job waiting pick it up when they next register."""
        was_pickup = self.settings["pickup_on_register"]
        s = dict(self.settings)
        for key, value in body.items():
            if key not in DEFAULTS:
                raise ValueError(f"unknown capf setting {key!r}")
            if key in ("delay", "validity_days", "default_deadline"):
                value = int(value)
                if value < 0 or (key == "validity_days" and value == 0):
                    raise ValueError(f"bad {key}")
            elif key == "rates":
                value = {str(k): float(v) for k, v in value.items()}
                for k in value:
                    _reason(k)
                if sum(value.values()) > 1.0 + 1e-9:
                    raise ValueError("rates add up to more than 1")
            elif key == "outcomes":
                merged = dict(s["outcomes"])
                for k, v in value.items():
                    if v is None:
                        merged.pop(k, None)
                    else:
                        _reason(v)
                        merged[k] = v
                value = merged
            elif key in ("reset_operation", "pickup_on_register"):
                value = bool(value)
            elif key == "issuer":
                value = str(value)
            s[key] = value
        self.settings = s
        if s["pickup_on_register"] and not was_pickup and now is not None:
            for job in self.jobs.values():
                if job.armed_at is None:
                    self._schedule_pickup(job, self.registry.get(job.name), now)
        return self.public_settings()

    def public_settings(self):
        return dict(self.settings)

    # -- events --------------------------------------------------------------

    def _push(self, t, kind, job):
        """Deadline events hold for the job's life; the others only until
        the job next changes (its version)."""
        self._seq += 1
        token = job.id if kind == "deadline" else job.version
        heapq.heappush(self._heap, (t, self._seq, kind, job.name, token))

    def _bump(self, job):
        job.version += 1

    def load(self, phones):
        """Jobs for the population's already-pending phones (not armed)."""
        for ph in phones:
            if ph["op"] != enums.OP_NONE and ph["status"] == enums.ST_PENDING:
                job = Job(ph["name"], ph["pkid"], ph["op"], ph["deadline"])
                self.jobs[job.name] = job
                if job.deadline is not None:
                    self._push(job.deadline, "deadline", job)

    def on_update(self, rt, op, deadline, t):
        """updatePhone set certificateOperation (op enum) at t."""
        old = self.jobs.pop(rt.name, None)
        if old:
            self._bump(old)
        if op == enums.OP_NONE:
            return
        job = Job(rt.name, rt.pkid, op, deadline)
        self.jobs[rt.name] = job
        self._push(deadline, "deadline", job)
        self._schedule_pickup(job, rt, t)

    def on_notify(self, rt, t):
        """apply/restart/reset at t: a registered phone starts (or restarts)
        its pending operation."""
        job = self.jobs.get(rt.name)
        if job and self.registry.state(rt, t)[0]:
            self._arm(job, t)

    def on_registration(self, rt, was, now_registered, t):
        """An override changed the phone's registration at t."""
        job = self.jobs.get(rt.name)
        if not job:
            return
        if not now_registered and job.armed_at is not None:
            if not self._disarm(job, t):
                self._schedule_pickup(job, rt, t)
        elif (now_registered and not was and job.armed_at is None
              and self.settings["pickup_on_register"] and t < job.deadline):
            self._arm(job, t)

    def _arm(self, job, t):
        self._bump(job)
        job.armed_at, job.complete_at = t, t + self.settings["delay"]
        self._push(job.complete_at, "complete", job)

    def _disarm(self, job, t):
        """Stops an operation in progress; past its deadline that is the
        end of it (True)."""
        self._bump(job)
        job.armed_at = job.complete_at = None
        if t >= job.deadline:
            self._finish(job, t, LATE)
            return True
        return False

    def _schedule_pickup(self, job, rt, t):
        if not self.settings["pickup_on_register"]:
            return
        p = rt.reg.next_registration(t, job.deadline)
        if p is not None:
            self._push(max(p, t), "pickup", job)

    def run_until(self, t_end):
        """Processes every event up to t_end, in time order."""
        while self._heap and self._heap[0][0] <= t_end:
            t, _, kind, name, token = heapq.heappop(self._heap)
            job = self.jobs.get(name)
            if job is None or token != (job.id if kind == "deadline"
                                        else job.version):
                continue
            rt = self.registry.get(name)
            if kind == "deadline":
                if job.armed_at is None:
                    self._finish(job, t, LATE)
            elif kind == "pickup":
                if job.armed_at is None and rt.reg.state_at(t) and \
                        t < job.deadline:
                    self._arm(job, t)
            elif kind == "complete":
                self._complete(job, rt, t)

    def _complete(self, job, rt, t):
        if not rt.reg.online_throughout(job.armed_at, t):
            off = rt.reg.first_offline(job.armed_at, t) or t
            if self._disarm(job, t):
                return
            if self.settings["pickup_on_register"]:
                p = rt.reg.next_registration(off, job.deadline)
                if p is not None:
                    self._push(max(p, t), "pickup", job)
            return
        self._finish(job, t, self._outcome(job, rt, t))

    def _outcome(self, job, rt, t):
        forced = self.settings["outcomes"].get(job.name)
        if forced:
            return forced
        row = self.store.device_row(job.pkid)
        capf = self.store.capf_row(job.pkid)
        mode = capf["authenticationmode"]
        if mode == "By Authentication String":
            if not re.fullmatch(r"\d{4,10}", row["authenticationstring"] or ""):
                return "Invalid Authentication String"
        elif mode == "By Existing Certificate (precedence to LSC)":
            if not row["lscvaliduntil"] or row["lscvaliduntil"] <= t:
                return "Invalid LSC"
        elif mode == "By Existing Certificate (precedence to MIC)":
            if rt.mic_invalid:
                return "Invalid MIC"
        attempt = self.attempts.get(job.name, 0)
        u = random.Random(f"{self.seed}:{job.name}:{attempt}").random()
        acc = 0.0
        for reason, p in sorted(self.settings["rates"].items()):
            acc += p
            if u < acc:
                return reason
        return None

    def _finish(self, job, t, outcome):
        status = result_status(job.op, outcome)
        cols = {"tkcertificatestatus": enums.status_enum(status)}
        if status == "Upgrade Success":
            issuer = self.settings["issuer"]
            cols.update(
                lscvaliduntil=t + self.settings["validity_days"] * 86400,
                lscissuername=issuer,
                lscissuervaliduntil=self.pki.issuer_valid_until(issuer))
        elif status == "Delete Success":
            cols.update(lscvaliduntil=0, lscissuername=None,
                        lscissuervaliduntil=0)
        if self.settings["reset_operation"]:
            cols.update(tkcertificateoperation=enums.OP_NONE,
                        upgradefinishtime="")
        self.store.update_device(job.pkid, **cols)
        self.attempts[job.name] = self.attempts.get(job.name, 0) + 1
        self._bump(job)
        del self.jobs[job.name]
        self.history.append({"name": job.name, "time": t,
                             "operation": enums.op_name(job.op),
                             "status": status})

    def job_view(self, name):
        job = self.jobs.get(name)
        if not job:
            return None
        return {"deadline": job.deadline, "armed_at": job.armed_at,
                "complete_at": job.complete_at,
                "deadline_text": format_uft(job.deadline)}
