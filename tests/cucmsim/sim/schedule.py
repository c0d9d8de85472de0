"""Registration schedules: when a phone is registered, as a pure function of
virtual time, so any instant can be asked without replaying events.

Every schedule answers state_at(t), last_change(t) (the start of the state
that holds at t) and next_change(t) (the first change strictly after t, or
None).  Scenario specs (README "Schedules") are turned into these classes
by from_spec().
"""

import bisect

from .clock import parse_duration, parse_time

FAR_PAST = -(2 ** 40)


class Steps:
    """A state that changes at listed instants; `since` is when the initial
    state began (FAR_PAST when unknown)."""

    kind = "steps"

    def __init__(self, initial, steps=(), since=FAR_PAST, kind=None):
        self.initial = bool(initial)
        self.since = int(since)
        pairs = sorted((int(t), bool(s)) for t, s in steps)
        self.times = [t for t, _ in pairs]
        self.states = [s for _, s in pairs]
        if kind:
            self.kind = kind

    def state_at(self, t):
        i = bisect.bisect_right(self.times, t)
        return self.states[i - 1] if i else self.initial

    def last_change(self, t):
        i = bisect.bisect_right(self.times, t)
        return self.times[i - 1] if i else self.since

    def next_change(self, t):
        i = bisect.bisect_right(self.times, t)
        return self.times[i] if i < len(self.times) else None

    def trivial(self):
        return not self.times

    def to_json(self):
        return {"type": self.kind, "initial": self.initial, "since": self.since,
                "steps": [[t, s] for t, s in zip(self.times, self.states)]}


class Flapping:
    """Online for the first online_fraction of every period, from phase on
    (before phase: online since FAR_PAST)."""

    kind = "flapping"

    def __init__(self, period, online_fraction=0.5, phase=0):
        self.period = max(2, int(period))
        self.on_len = min(self.period - 1,
                          max(1, int(self.period * float(online_fraction))))
        self.phase = int(phase)

    def _base(self, t):
        return self.phase + ((t - self.phase) // self.period) * self.period

    def state_at(self, t):
        if t < self.phase:
            return True
        return t - self._base(t) < self.on_len

    def last_change(self, t):
        if t < self.phase:
            return FAR_PAST
        base = self._base(t)
        return base if t - base < self.on_len else base + self.on_len

    def next_change(self, t):
        if t < self.phase:
            return self.phase + self.on_len
        base = self._base(t)
        return base + self.on_len if t - base < self.on_len else base + self.period

    def trivial(self):
        return False

    def to_json(self):
        return {"type": "flapping", "period": self.period,
                "online_fraction": self.on_len / self.period, "phase": self.phase}


def always(since=FAR_PAST):
    return Steps(True, (), since, kind="always")


def from_spec(spec, start):
    """Builds a schedule from a scenario spec (dict, or a bare type string)."""
    if isinstance(spec, str):
        spec = {"type": spec}
    kind = spec.get("type", "always")
    t = lambda key, default: parse_time(spec.get(key, default), start)
    if kind == "always":
        return always(t("since", FAR_PAST))
    if kind in ("offline", "gone"):
        # offline since `since`, never back
        return Steps(False, (), t("since", start - 86400), kind=kind)
    if kind == "never_registered":
        return Steps(False, (), FAR_PAST, kind=kind)
    if kind == "away":
        frm, until = t("from", start), t("until", start + 86400)
        return Steps(True, [(frm, False), (until, True)],
                     t("since", FAR_PAST), kind="away")
    if kind == "flapping":
        return Flapping(parse_duration(spec.get("period", 3600)),
                        spec.get("online_fraction", 0.5),
                        t("phase", start))
    if kind == "steps":
        steps = [(parse_time(a, start), bool(b)) for a, b in spec.get("steps", [])]
        return Steps(spec.get("initial", True), steps, t("since", FAR_PAST))
    raise ValueError(f"unknown schedule type {kind!r}")


class Registration:
    """A phone's effective registration: its schedule, overridden by the last
    /phones/registration call until the schedule next changes."""

    __slots__ = ("schedule", "override")

    def __init__(self, schedule):
        self.schedule = schedule
        self.override = None    # (t_o, state, last_change_at_t_o)

    def _active(self, t):
        o = self.override
        if o is None or t < o[0]:
            return None
        nxt = self.schedule.next_change(o[0])
        return o if nxt is None or t < nxt else None

    def state_at(self, t):
        o = self._active(t)
        return o[1] if o else self.schedule.state_at(t)

    def last_change(self, t):
        o = self._active(t)
        return o[2] if o else self.schedule.last_change(t)

    def next_change(self, t):
        """The next instant after t where the effective state may change."""
        o = self._active(t)
        if o:
            return self.schedule.next_change(o[0])
        return self.schedule.next_change(t)

    def set_override(self, t, state):
        state = bool(state)
        cur = self.state_at(t)
        last = self.last_change(t) if cur == state else t
        self.override = (t, state, last)

    def trivial(self):
        return self.override is None and self.schedule.trivial()

    def online_throughout(self, a, b):
        """Registered at every instant of [a, b]."""
        if not self.state_at(a):
            return False
        t = a
        for _ in range(100000):
            t = self.next_change(t)
            if t is None or t > b:
                return True
            if not self.state_at(t):
                return False
        return False

    def first_offline(self, a, b):
        """The first instant in (a, b] at which it is not registered."""
        t = a
        for _ in range(100000):
            t = self.next_change(t)
            if t is None or t > b:
                return None
            if not self.state_at(t):
                return t
        return None

    def next_registration(self, t, limit):
        """The first instant in (t, limit] at which it goes from unregistered
        to registered, or None."""
        prev = self.state_at(t)
        for _ in range(100000):
            t = self.next_change(t)
            if t is None or t > limit:
                return None
            cur = self.state_at(t)
            if cur and not prev:
                return t
            prev = cur
        return None
