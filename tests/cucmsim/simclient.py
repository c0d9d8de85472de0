"""Helpers for Python tests that run against cucmsim.

    from simclient import Sim
    with Sim(phones=500, pools=5, seed=7) as sim:
        sim.advance(3600)
        status, headers, body = sim.axl("getCCMVersion", "")

Sim(**options) starts tests/cucmsim/cucmsim as a subprocess (options become
command-line flags: phones=500 -> --phones 500, pickup_on_register=True ->
--pickup-on-register; scenario may be a dict, written to a temporary file),
reads its JSON line (timeout), exposes it as .info, and on exit stops it
with SIGTERM, waiting for it and killing it only if it hangs.
"""

import base64
import http.client
import json
import os
import selectors
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.parse

SIMULATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cucmsim")
SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"


class SimError(Exception):
    pass


class Sim:
    def __init__(self, start_timeout=60.0, **options):
        self.options = options
        self.start_timeout = start_timeout
        self.proc = None
        self.info = None
        self._scenario_file = None
        self._conns = {}

    # -- process -----------------------------------------------------------

    def _argv(self):
        # a test that dies half way must not leave its simulator running
        argv = [SIMULATOR, "--exit-with-parent"]
        for key, value in self.options.items():
            flag = "--" + key.replace("_", "-")
            if key == "scenario" and isinstance(value, dict):
                fd, path = tempfile.mkstemp(prefix="cucmsim-scenario-",
                                            suffix=".json")
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(value, f)
                self._scenario_file = path
                value = path
            if value is True:
                argv.append(flag)
            elif value is False or value is None:
                continue
            else:
                argv += [flag, str(value)]
        return argv

    def start(self):
        verbose = self.options.get("verbose")
        self.proc = subprocess.Popen(
            self._argv(), stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
            stderr=None if verbose else subprocess.DEVNULL)
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + self.start_timeout
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                self.stop()
                raise SimError("cucmsim did not print its JSON line in time")
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                rc = self.proc.wait()
                raise SimError(f"cucmsim exited ({rc}) before it was ready")
            line += chunk
        sel.close()
        self.info = json.loads(line)
        return self

    def stop(self, timeout=10.0):
        """SIGTERM, wait; SIGKILL only if it hangs.  Returns the exit code."""
        for c in self._conns.values():
            c.close()
        self._conns.clear()
        rc = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        elif self.proc is not None:
            rc = self.proc.returncode
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        if self._scenario_file:
            os.unlink(self._scenario_file)
            self._scenario_file = None
        return rc

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- control interface ---------------------------------------------------

    def call(self, method, path, body=None):
        u = urllib.parse.urlsplit(self.info["control_url"])
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, data,
                         {"Content-Type": "application/json"} if data else {})
            resp = conn.getresponse()
            out = json.loads(resp.read() or b"null")
            if resp.status != 200:
                raise SimError(f"{method} {path}: {resp.status} {out}")
            return out
        finally:
            conn.close()

    def now(self):
        return self.call("GET", "/now")["now"]

    def advance(self, seconds):
        return self.call("POST", "/clock/advance", {"seconds": seconds})["now"]

    def set_clock(self, now):
        return self.call("POST", "/clock/set", {"now": now})["now"]

    def set_registered(self, names, registered):
        return self.call("POST", "/phones/registration",
                         {"names": list(names), "registered": registered})

    def set_pool_registered(self, pool, registered):
        return self.call("POST", "/phones/registration",
                         {"pool": pool, "registered": registered})

    def capf(self, **kw):
        return self.call("POST", "/capf", kw)

    def config(self, **kw):
        return self.call("POST", "/config", kw)

    def faults(self, rules):
        return self.call("POST", "/faults", {"rules": list(rules)})

    def clear_faults(self):
        return self.call("POST", "/faults/clear", {})

    def held(self, wait=0, timeout=0.0):
        """Requests held by hold_before/hold_after rules; with wait, blocks
        (in the simulator) until at least that many are held."""
        return self.call("GET", f"/faults/held?wait={int(wait)}"
                         f"&timeout={float(timeout)}")["held"]

    def release(self):
        return self.call("POST", "/faults/release", {})["released"]

    def counts(self):
        return self.call("GET", "/truth/counts")

    def reset_counts(self):
        return self.call("POST", "/counts/reset", {})

    def writes(self, name=None):
        q = "?" + urllib.parse.urlencode({"name": name}) if name else ""
        return self.call("GET", "/truth/writes" + q)

    def devices(self, **filters):
        q = urllib.parse.urlencode({k: v for k, v in filters.items() if v})
        return self.call("GET", "/truth/devices" + ("?" + q if q else ""))

    def expire_sessions(self):
        return self.call("POST", "/sessions/expire", {})

    # -- phone web servers (README "Phone web servers") ----------------------

    def phone_web(self, name=None, pool=None):
        """Ground truth for every phone web server (name/pool: LIKE
        patterns): [{name, address, port, fault, stale, certificate, …}]."""
        q = urllib.parse.urlencode({k: v for k, v in
                                    (("name", name), ("pool", pool)) if v})
        return self.call("GET", "/truth/phone_web" + ("?" + q if q else ""))[
            "phones"]

    def phone_web_phone(self, name):
        """The ground truth of one phone web server."""
        found = [p for p in self.phone_web(name=name) if p["name"] == name]
        if not found:
            raise SimError(f"{name}: no phone web server")
        return found[0]

    def phone_cas_pem(self):
        """{key: {path, subject, issuer, sha256, pem}} for every phone CA."""
        return self.call("GET", "/truth/phone_cas")

    def phone_faults(self, phones=None, keep_old_cert=None, send_root=None,
                     **settings):
        """phones: {name: fault or None}; keep_old_cert, send_root: {name:
        bool}; settings: trickle_ms, chain_length, big_cert_bytes."""
        body = dict(settings)
        for key, value in (("phones", phones), ("keep_old_cert",
                                                keep_old_cert),
                           ("send_root", send_root)):
            if value is not None:
                body[key] = value
        return self.call("POST", "/phone_web/faults", body)

    def clear_phone_faults(self):
        return self.call("POST", "/phone_web/faults/clear", {})

    def phone_web_counts(self, open_at_most=None, stalled_at_least=None,
                         timeout=10.0):
        """The phone web servers' counters, once no more connections than
        open_at_most are open and at least stalled_at_least are stalled
        (when given; at most timeout seconds)."""
        q = {"timeout": float(timeout)}
        if open_at_most is not None:
            q["open"] = int(open_at_most)
        if stalled_at_least is not None:
            q["stalled"] = int(stalled_at_least)
        return self.call("GET", "/truth/phone_web/counts?"
                         + urllib.parse.urlencode(q))

    # -- SOAP helpers (for the simulator's own tests and quick checks) -------

    def ssl_context(self):
        ctx = ssl.create_default_context(cafile=self.info["ca_file"])
        return ctx

    def connection(self, key="default"):
        c = self._conns.get(key)
        if c is None:
            c = http.client.HTTPSConnection(self.info["host"],
                                            self.info["port"], timeout=60,
                                            context=self.ssl_context())
            self._conns[key] = c
        return c

    def post(self, path, body, headers, conn="default", auth=True):
        """(status, headers dict, body bytes); reconnects once if the kept
        connection was closed by the server."""
        h = dict(headers)
        if auth is True:
            auth = (self.info["username"], self.info["password"])
        if auth:
            h["Authorization"] = "Basic " + base64.b64encode(
                f"{auth[0]}:{auth[1]}".encode()).decode()
        h.setdefault("Content-Type", "text/xml;charset=UTF-8")
        data = body.encode("utf-8") if isinstance(body, str) else body
        for attempt in (1, 2):
            c = self.connection(conn)
            try:
                c.request("POST", path, data, h)
                r = c.getresponse()
                out = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if r.will_close:
                    c.close()
                    self._conns.pop(conn, None)
                return r.status, hdrs, out
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError):
                c.close()
                self._conns.pop(conn, None)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def axl(self, op, inner, version=None, sequence=None, soapaction=None,
            ns_version=None, **kw):
        version = version or self.info["version"]
        ns = ns_version or version
        seq = f' sequence="{sequence}"' if sequence is not None else ""
        body = (f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" '
                f'xmlns:ns="http://www.cisco.com/AXL/API/{ns}">'
                f"<soapenv:Header/><soapenv:Body><ns:{op}{seq}>{inner}"
                f"</ns:{op}></soapenv:Body></soapenv:Envelope>")
        sa = soapaction if soapaction is not None else \
            f'"CUCM:DB ver={version} {op}"'
        headers = {"SOAPAction": sa} if sa else {}
        return self.post("/axl/", body, headers, **kw)

    def ris(self, names=None, status="Any", max_devices=1000,
            select_by="Name", op="selectCmDevice", **kw):
        items = "".join(f"<soap:item><soap:Item>{n}</soap:Item></soap:item>"
                        for n in (names or []))
        body = (f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" '
                'xmlns:soap="http://schemas.cisco.com/ast/soap">'
                f"<soapenv:Header/><soapenv:Body><soap:{op}>"
                "<soap:StateInfo></soap:StateInfo><soap:CmSelectionCriteria>"
                f"<soap:MaxReturnedDevices>{max_devices}"
                "</soap:MaxReturnedDevices><soap:DeviceClass>Phone"
                "</soap:DeviceClass><soap:Model>255</soap:Model>"
                f"<soap:Status>{status}</soap:Status><soap:NodeName/>"
                f"<soap:SelectBy>{select_by}</soap:SelectBy>"
                f"<soap:SelectItems>{items}</soap:SelectItems>"
                "<soap:Protocol>Any</soap:Protocol><soap:DownloadStatus>Any"
                "</soap:DownloadStatus></soap:CmSelectionCriteria>"
                f"</soap:{op}></soapenv:Body></soapenv:Envelope>")
        return self.post(
            "/realtimeservice2/services/RISService70", body,
            {"SOAPAction": op}, **kw)
