"""The control interface: plain HTTP on its own loopback port, JSON in and
out.  Every call is listed in README.md ("Control interface")."""

import json
import urllib.parse

from .httpserver import Response


class ControlError(Exception):
    pass


def _json(status, obj):
    return Response(status, json.dumps(obj, ensure_ascii=False),
                    "application/json")


class Control:
    def __init__(self, sim):
        self.sim = sim
        self.routes = {
            ("GET", "/now"): self.now,
            ("POST", "/clock/advance"): self.advance,
            ("POST", "/clock/set"): self.clock_set,
            ("POST", "/phones/registration"): self.registration,
            ("GET", "/capf"): lambda q, b: sim.capf.public_settings(),
            ("POST", "/capf"): self.capf,
            ("GET", "/config"): lambda q, b: sim.public_config(),
            ("POST", "/config"): self.config,
            ("GET", "/faults"): lambda q, b: {"rules": sim.faults.rules()},
            ("POST", "/faults"): self.faults,
            ("POST", "/faults/clear"): self.faults_clear,
            ("GET", "/faults/held"): lambda q, b: {
                "held": sim.faults.wait_held(int(q.get("wait", 0)),
                                             float(q.get("timeout", 0)))},
            ("GET", "/faults/stalled"): lambda q, b: {
                "stalled": sim.server.stalled.wait(int(q.get("wait", 0)),
                                                   float(q.get("timeout", 0)))},
            ("POST", "/faults/release"): lambda q, b: {
                "released": sim.faults.release()},
            ("GET", "/truth/counts"): lambda q, b: sim.counts(),
            ("POST", "/counts/reset"): self.counts_reset,
            ("GET", "/truth/writes"): lambda q, b: sim.stats.writes(
                q.get("name")),
            ("GET", "/truth/devices"): lambda q, b: sim.devices(
                q.get("name"), q.get("pool")),
            ("GET", "/truth/rows"): self.rows,
            ("GET", "/truth/capf"): lambda q, b: {
                "history": sim.capf.history,
                "jobs": {n: sim.capf.job_view(n) for n in sim.capf.jobs}},
            ("POST", "/sessions/expire"): self.sessions_expire,
            ("GET", "/phone_cas"): lambda q, b: sim.phone_pki.paths,
            ("GET", "/truth/phone_cas"): lambda q, b: sim.phone_pki.describe(),
            ("GET", "/truth/phone_web"): lambda q, b: sim.phone_web_truth(
                q.get("name"), q.get("pool")),
            ("GET", "/truth/phone_web/counts"): self.phone_web_counts,
            ("POST", "/phone_web/counts/reset"): self.phone_web_counts_reset,
            ("GET", "/phone_web/faults"): lambda q, b: sim.phone_web.view(),
            ("POST", "/phone_web/faults"): lambda q, b:
                sim.phone_web.configure(b),
            ("POST", "/phone_web/faults/clear"): lambda q, b:
                sim.phone_web.clear(),
            ("GET", "/info"): lambda q, b: sim.info(),
        }

    def handle(self, req):
        fn = self.routes.get((req.method, req.path.rstrip("/") or "/"))
        if fn is None:
            return _json(404, {"error": f"no such call {req.method} "
                                        f"{req.path}"})
        query = dict(urllib.parse.parse_qsl(req.query))
        try:
            body = json.loads(req.body.decode("utf-8")) if req.body.strip() \
                else {}
            if not isinstance(body, dict):
                raise ControlError("the body must be a JSON object")
            return _json(200, fn(query, body))
        except (ControlError, ValueError, KeyError, TypeError) as e:
            return _json(400, {"error": f"{e.__class__.__name__}: {e}"})

    def now(self, q, b):
        return {"now": self.sim.clock.now()}

    def advance(self, q, b):
        seconds = int(b["seconds"])
        if seconds < 0:
            raise ControlError("seconds must be >= 0")
        return {"now": self.sim.advance_to(self.sim.clock.now() + seconds)}

    def clock_set(self, q, b):
        return {"now": self.sim.advance_to(int(b["now"]))}

    def registration(self, q, b):
        if "registered" not in b:
            raise ControlError("registered is required")
        names = b.get("names")
        if names is None and "pool" not in b:
            raise ControlError("names or pool is required")
        changed = self.sim.set_registered(names, b.get("pool"),
                                          bool(b["registered"]))
        return {"now": self.sim.clock.now(), "phones": changed}

    def capf(self, q, b):
        return self.sim.configure_capf(b)

    def config(self, q, b):
        return self.sim.configure(b)

    def faults(self, q, b):
        rules = b.get("rules")
        if not isinstance(rules, list):
            raise ControlError("rules must be a list")
        self.sim.faults.add(rules)
        return {"rules": self.sim.faults.rules()}

    def faults_clear(self, q, b):
        self.sim.faults.clear()
        self.sim.faults.release()
        return {"rules": []}

    def counts_reset(self, q, b):
        self.sim.stats.reset()
        return self.sim.counts()

    def rows(self, q, b):
        where = None
        if "column" in q:
            where = (q["column"], q.get("value"))
        return self.sim.store.rows(q["table"], where,
                                   int(q.get("limit", 1000)))

    def sessions_expire(self, q, b):
        self.sim.auth.expire_all()
        return {"expired": True}

    def phone_web_counts(self, q, b):
        return self.sim.phone_web.fleet.counts(
            int(q["open"]) if "open" in q else None,
            int(q["stalled"]) if "stalled" in q else None,
            float(q.get("timeout", 10)))

    def phone_web_counts_reset(self, q, b):
        self.sim.phone_web.fleet.reset_counts()
        return self.sim.phone_web.fleet.counts()
