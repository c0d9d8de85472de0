"""The simulator: builds every part from the options and wires them."""

import math
import os
import random
import shutil
import tempfile
import threading
import uuid

from . import population
from .auth import Authenticator
from .axl import AxlEndpoint
from .axlops import AxlFault
from .capf import CapfEngine
from .certs import PhonePKI, ServerPKI
from .clock import VirtualClock
from .control import Control, ControlError
from .faults import FaultEngine, too_large_message
from .httpserver import Listener, Response, Server, listen
from .axlschema import SchemaCache
from .phoneweb import PhoneWeb
from .registry import Registry
from .ris import RisEndpoint
from .soap import tomcat_page
from .sqlstore import DICTIONARIES, Store
from .stats import Stats
from . import enums

HOST = "127.0.0.1"
RIS_PATH = "/realtimeservice2/services/RISService70"
READONLY = ("axlread", "R3ad0nly&Sim")
DEFAULT_CONFIG = {"ris_rate": 15, "ris_max_devices": 1000, "write_queue": 50,
                  "max_response_bytes": 8 * 1024 * 1024, "session_idle": 1800,
                  "latency_axl_ms": 0, "latency_ris_ms": 0,
                  "version_error": "http599", "ris_retention": 2 * 86400,
                  "concurrent_large_bytes": 2 * 1024 * 1024,
                  "concurrent_total_bytes": 16 * 1024 * 1024,
                  "retry_after": None, "sql_max_length": 32000,
                  "sql_access": "allowed", "sql_dictionary": "current"}
CHOICES = {"version_error": ("http599", "fault"),
           "sql_access": ("allowed", "http401", "fault")}


class Simulator:
    def __init__(self, opts, scenario):
        self._own_dir = opts["dir"] is None
        self.dir = os.path.abspath(opts["dir"] or tempfile.mkdtemp(
            prefix="cucmsim-"))
        try:
            self._build(opts, scenario)
        except BaseException:
            if self._own_dir:
                shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def _build(self, opts, scenario):
        self.opts = opts
        self.lock = threading.RLock()
        self.release = opts["version"]
        self.start = opts["start"]
        self.seed = opts["seed"]
        self.hostname = "cucm-pub"
        self.clock = VirtualClock(self.start)
        os.makedirs(self.dir, exist_ok=True)
        self.config = dict(DEFAULT_CONFIG)
        self.config.update(ris_rate=opts["ris_rate"],
                           latency_axl_ms=opts["latency_axl"],
                           latency_ris_ms=opts["latency_ris"])
        config = dict(scenario.get("config", {}))
        if opts.get("sql_dictionary"):
            config["sql_dictionary"] = opts["sql_dictionary"]

        pop = population.generate(opts, scenario)
        self.pools = [n for _, n in pop.pools]
        self.phone_pki = PhonePKI(self.dir, self.start, pop.capf_issuer,
                                  population.ENTERPRISE_ROOT,
                                  population.ENTERPRISE_ISSUING,
                                  population.MIC_CA)
        for ph in pop.phones:
            if ph["lscissuername"]:
                ph["lscissuervaliduntil"] = \
                    self.phone_pki.issuer_valid_until(ph["lscissuername"])
        db = os.path.join(self.dir, "cucm.sqlite")
        if os.path.exists(db):
            os.unlink(db)
        self.store = Store(db)
        rng = random.Random(f"nodes:{self.seed}")
        nodes = {n: str(uuid.UUID(int=rng.getrandbits(128), version=4))
                 for n in population.NODES + ["EnterpriseWideData"]}
        self.store.load(pop, nodes)
        self.registry = Registry(pop, self.store, self.start, self.seed)
        self.registry.retention = self.config["ris_retention"]
        self.registry.refresh(self.start, everything=True)
        self.capf = CapfEngine(self.store, self.registry, self.phone_pki,
                               self.seed, pop.capf_issuer)
        self.capf.load(pop.phones)
        capf_cfg = dict(scenario.get("capf", {}))
        if opts["pickup_on_register"]:
            capf_cfg["pickup_on_register"] = True
        self.capf.configure(capf_cfg, self.start)
        self.capf.run_until(self.start)

        self.auth = Authenticator({opts["username"]: (opts["password"], False),
                                   READONLY[0]: (READONLY[1], True)},
                                  self.config["session_idle"])
        self.stats = Stats()
        self.faults = FaultEngine()
        self.schemas = SchemaCache(opts["schema_dir"])
        self.configure(config)
        self.faults.add(scenario.get("faults", []))
        self.server_pki = ServerPKI(self.dir)
        self.axl = AxlEndpoint(self)
        self.ris = RisEndpoint(self, opts["wsdl"])
        self.control = Control(self)
        self.server = Server(opts["verbose"])
        self._main_sock = listen(HOST, opts["port"])
        self._ctl_sock = listen(HOST, opts["control_port"])
        self.port = self._main_sock.getsockname()[1]
        self.control_port = self._ctl_sock.getsockname()[1]
        self.phone_web = PhoneWeb(self, opts["phone_web"],
                                  opts["phone_web_port"],
                                  opts["phone_faults"], opts["verbose"])

    # -- lifecycle -------------------------------------------------------------

    def start_serving(self):
        self.server.add(Listener(
            self._main_sock, self.route, self.tls_context, self.stats.on_event,
            "cucm", admit=lambda: not self.faults.connection("refuse")))
        self.server.add(Listener(self._ctl_sock, self.control.handle,
                                 name="control"))
        self.phone_web.start()
        self.server.start()

    def stop(self):
        self.phone_web.stop()
        self.server.stop()
        self.store.close()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def info(self):
        return {
            "axl_url": f"https://{HOST}:{self.port}/axl/",
            "ris_url": f"https://{HOST}:{self.port}{RIS_PATH}",
            "control_url": f"http://{HOST}:{self.control_port}/",
            "ca_file": self.server_pki.ca_file,
            "username": self.opts["username"],
            "password": self.opts["password"],
            "readonly_username": READONLY[0],
            "readonly_password": READONLY[1],
            "host": HOST, "port": self.port, "now": self.clock.now(),
            "version": self.release, "pid": os.getpid(),
            "phone_cas": dict(self.phone_pki.paths),
            "phone_web_port": (self.phone_web.port if self.phone_web.phones
                               else None),
            "phone_web_count": len(self.phone_web.phones),
            "phones": len(self.registry.phones), "pools": self.pools,
            "dir": self.dir, "capf_issuer": self.capf.settings["issuer"]}

    # -- request routing -----------------------------------------------------

    def tls_context(self):
        if self.faults.connection("wrong_ca"):
            return self.server_pki.wrong_context()
        return self.server_pki.context

    def route(self, req):
        if req.path in ("/axl", "/axl/"):
            if req.path == "/axl" and req.method == "POST":
                return Response(302, b"", None, [
                    ("Location", f"https://{HOST}:{self.port}/axl/")])
            return self.axl.handle(req)
        if req.path == RIS_PATH:
            return self.ris.handle(req)
        return Response(404, tomcat_page(
            404, "Not Found", "The requested resource is not available."),
            "text/html;charset=utf-8")

    def too_large(self, total, built, size):
        limit = self.config["max_response_bytes"]
        suggest = max(1, math.floor(limit * built / max(size, 1)))
        return AxlFault(too_large_message(total, suggest), -1,
                        "soapenv:Server")

    # -- state changes (control interface) -----------------------------------

    def advance_to(self, t):
        with self.lock:
            t = int(t)
            if t >= self.clock.now():
                self.capf.run_until(t)
            self.clock.set(t)
            self.registry.refresh(t)
            return t

    def set_registered(self, names, pool, registered):
        with self.lock:
            if names is None:
                rows = self.store.iter_phones([("devicePoolName", pool)])
                names = [r["name"] for r in rows]
            unknown = [n for n in names if self.registry.get(n) is None]
            if unknown:
                raise ControlError(f"unknown phones: {unknown[:5]}")
            now = self.clock.now()
            was = {n: self.registry.state(self.registry.get(n), now)[0]
                   for n in names}
            self.registry.set_registered(names, registered, now)
            for n in names:
                self.capf.on_registration(self.registry.get(n), was[n],
                                          registered, now)
            self.registry.refresh(now)
            return names

    def configure_capf(self, body):
        with self.lock:
            return self.capf.configure(body, self.clock.now())

    def configure(self, body):
        with self.lock:
            cfg = dict(self.config)
            for k, v in body.items():
                if k == "pickup_on_register":
                    self.capf.configure({k: v}, self.clock.now())
                    continue
                if k not in DEFAULT_CONFIG:
                    raise ControlError(f"unknown config key {k!r}")
                if k in CHOICES:
                    if v not in CHOICES[k]:
                        raise ControlError(f"{k}: one of {CHOICES[k]}")
                elif k == "sql_dictionary":
                    hidden = DICTIONARIES.get(v) if isinstance(v, str) else v
                    if not isinstance(hidden, (list, tuple)) or not all(
                            isinstance(h, str) for h in hidden):
                        raise ControlError("sql_dictionary: current, old or "
                                           "a list of table[.column] names")
                    try:
                        self.store.set_dictionary(hidden)
                    except ValueError as e:
                        raise ControlError(f"sql_dictionary: {e}") from None
                elif k == "retry_after":
                    v = None if v is None else int(v)
                elif k == "session_idle":
                    v = float(v)
                else:
                    v = int(v)
                    if v < 0:
                        raise ControlError(f"{k} must be >= 0")
                cfg[k] = v
            self.config = cfg
            self.auth.session_idle = cfg["session_idle"]
            self.registry.retention = cfg["ris_retention"]
            return self.public_config()

    def public_config(self):
        return dict(self.config,
                    pickup_on_register=self.capf.settings["pickup_on_register"])

    # -- ground truth ----------------------------------------------------------

    def counts(self):
        return self.stats.counts({
            "inflight_large": self.axl.inflight_large(),
            "stalled": self.server.stalled.value,
            "sessions": self.auth.session_count(),
            "schema_load_seconds": dict(self.schemas.load_seconds)})

    def phone_web_truth(self, name=None, pool=None):
        """What every phone web server presents (name/pool: LIKE)."""
        crit = [c for c in (("name", name), ("devicePoolName", pool)) if c[1]]
        names = None
        if crit:
            names = {r["name"] for r in self.store.iter_phones(crit)}
        return {"port": self.phone_web.port,
                "phones": self.phone_web.truth(names)}

    def devices(self, name=None, pool=None):
        crit = []
        if name:
            crit.append(("name", name))
        if pool:
            crit.append(("devicePoolName", pool))
        with self.lock:
            now = self.clock.now()
            out = []
            for r in self.store.iter_phones(crit):
                rt = self.registry.get(r["name"])
                reg, since = self.registry.state(rt, now)
                job = self.capf.jobs.get(rt.name)
                sched = rt.reg.schedule.to_json()
                if rt.reg.override:
                    sched["override"] = {"time": rt.reg.override[0],
                                         "registered": rt.reg.override[1]}
                out.append({
                    "name": r["name"], "uuid": "{" + r["pkid"].upper() + "}",
                    "pool": r["dp_name"], "model": r["model"],
                    "description": r["description"], "registered": reg,
                    "registered_since" if reg else "unregistered_since": since,
                    "ip": rt.ip, "node": rt.node, "dual_node": rt.dual,
                    "certificate_operation": enums.op_name(
                        r["tkcertificateoperation"]),
                    "certificate_status": enums.status_name(
                        r["tkcertificatestatus"]),
                    "upgrade_finish_time": r["upgradefinishtime"],
                    "deadline": job.deadline if job else None,
                    "in_progress": bool(job and job.armed_at is not None),
                    "authentication_mode": r["authenticationmode"],
                    "lscvaliduntil": r["lscvaliduntil"],
                    "lscissuername": r["lscissuername"],
                    "mic_only": not r["lscvaliduntil"],
                    "mic_invalid": rt.mic_invalid,
                    "schedule": sched,
                    "ris": [list(e) for e in
                            self.registry.ris_entries(rt, now)]})
            return out

