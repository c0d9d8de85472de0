"""Who is registered where: phones' runtime facts and registration state.

Registration is a pure function of virtual time (schedule.Registration), so
nothing has to be replayed when the clock jumps.  refresh() brings the
registrationdynamic rows up to date after the clock moved or an override
was set (only phones whose state can change are looked at).  ris_entries()
is what RisPort70 reports for one phone: one item per node that knows it.
"""

import random
import threading
import uuid

from . import enums
from .population import CM_NODES
from .schedule import FAR_PAST, Registration

RIS_REGISTERED, RIS_UNREGISTERED = 1, 2
RISSTATUS_NAMES = {0: "Unknown", 1: "Registered", 2: "Unregistered"}
DUAL_NODE_AGE = 2 * 3600   # the stale node's entry is this much older


class PhoneRT:
    __slots__ = ("name", "pkid", "index", "ip", "node", "other_node", "dual",
                 "dn", "model", "tkmodel", "product", "protocol", "hardware",
                 "load", "reg", "mic_invalid", "rd_pkid", "cached",
                 "start_floor", "owner")


class Registry:
    def __init__(self, pop, store, start, seed):
        self.store = store
        self.retention = 2 * 86400
        self.phones = {}
        self._lock = threading.RLock()
        self._dynamic = set()
        rng = random.Random(f"registry:{seed}")
        for ph in pop.phones:
            rt = PhoneRT()
            rt.name, rt.pkid, rt.index = ph["name"], ph["pkid"], ph["index"]
            rt.ip, rt.node, rt.dn = ph["ip"], ph["node"], ph["dn"]
            i = CM_NODES.index(rt.node) if rt.node in CM_NODES else 0
            rt.other_node = CM_NODES[(i + 1) % len(CM_NODES)]
            rt.dual = ph["dual_node"]
            rt.model = ph["model"]
            rt.tkmodel, rt.product, rt.hardware, rt.load = \
                enums.MODELS[ph["model"]]
            rt.protocol = ph["protocol"]
            rt.mic_invalid = ph["mic_invalid"]
            rt.owner = ph["owner"]
            rt.reg = Registration(ph["schedule"])
            rt.rd_pkid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            rt.cached = None
            rt.start_floor = start - 30 * 86400
            self.phones[rt.name] = rt
            if not rt.reg.trivial():
                self._dynamic.add(rt.name)

    def get(self, name):
        return self.phones.get(name)

    # -- state -------------------------------------------------------------

    def state(self, rt, t):
        """(registered, since): since is when the current state began."""
        with self._lock:
            reg = rt.reg.state_at(t)
            last = rt.reg.last_change(t)
        return reg, (rt.start_floor if last == FAR_PAST else last)

    def ever_registered(self, rt, t):
        with self._lock:
            return rt.reg.state_at(t) or rt.reg.last_change(t) != FAR_PAST

    def set_registered(self, names, registered, t):
        """Overrides the schedule of those phones from t on."""
        with self._lock:
            for n in names:
                rt = self.phones[n]
                rt.reg.set_override(t, registered)
                self._dynamic.add(n)

    # -- registrationdynamic ----------------------------------------------

    def refresh(self, t, everything=False):
        """Updates registrationdynamic rows whose state changed."""
        rows = []
        with self._lock:
            names = self.phones.keys() if everything else list(self._dynamic)
            for n in names:
                rt = self.phones[n]
                if not self.ever_registered(rt, t):
                    continue
                reg, since = self.state(rt, t)
                key = (reg, since)
                if rt.cached == key:
                    continue
                rt.cached = key
                rows.append((rt.rd_pkid, rt.pkid, rt.ip, rt.node, since,
                             RIS_REGISTERED if reg else RIS_UNREGISTERED))
                if rt.reg.trivial():
                    self._dynamic.discard(n)
        if rows:
            self.store.upsert_regdyn(rows)
        return len(rows)

    # -- RisPort70 ----------------------------------------------------------

    def ris_entries(self, rt, t):
        """[(node, status, timestamp)] as RIS would report the phone."""
        if not self.ever_registered(rt, t):
            return []
        reg, since = self.state(rt, t)
        if not reg and t - since > self.retention:
            return []
        out = [(rt.node, "Registered" if reg else "UnRegistered", since)]
        if rt.dual:
            out.append((rt.other_node, "UnRegistered",
                        max(0, since - DUAL_NODE_AGE)))
        return out
