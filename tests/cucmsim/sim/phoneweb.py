"""Phone web servers: HTTPS on each phone's own 127.x.y.z address.

The certificate presented is the phone's current one: its LSC (from the CA
named by device.lscissuername, valid until device.lscvaliduntil) when it has
one, else its MIC from the Cisco manufacturing test CA.  Keys and SSL
contexts are made on the first handshake and remade when the LSC changes
(a renewal), so start-up does not pay for them.
"""

import os
import threading

from .certs import YEAR, server_context
from .enums import mic_prefix
from .httpserver import Listener, Response, listen
from .soap import esc


class PhoneWeb:
    def __init__(self, sim, count, port):
        self.sim = sim
        self.port = port
        self.dir = os.path.join(sim.dir, "phones")
        os.makedirs(self.dir, exist_ok=True)
        self._ctx = {}          # name -> (key, SSLContext)
        self._lock = threading.Lock()
        hw = sorted((rt for rt in sim.registry.phones.values() if rt.hardware),
                    key=lambda r: r.index)
        self.phones = hw[:count]

    def start(self, server):
        for rt in self.phones:
            sock = listen(rt.ip, self.port)
            # port 0: the first phone picks a free port, the others share it
            self.port = sock.getsockname()[1]
            server.add(Listener(sock, self._app(rt), self._tls(rt),
                                name=f"phone {rt.name}"))

    def _cert_key(self, rt):
        row = self.sim.store.device_row(rt.pkid)
        until, issuer = row["lscvaliduntil"], row["lscissuername"]
        if until and issuer:
            return ("lsc", issuer, until)
        return ("mic", rt.mic_invalid)

    def _tls(self, rt):
        def choose():
            key = self._cert_key(rt)
            with self._lock:
                cur = self._ctx.get(rt.name)
                if cur and cur[0] == key:
                    return cur[1]
                ctx = self._make(rt, key)
                self._ctx[rt.name] = (key, ctx)
                return ctx
        return choose

    def _make(self, rt, key):
        sim = self.sim
        start = sim.start
        if key[0] == "lsc":
            _, issuer, until = key
            ca = sim.phone_pki.issuer(issuer)
            validity = sim.capf.settings["validity_days"] * 86400
            cert, pkey = ca.issue(rt.name, until - validity, until,
                                  org="cucmsim", ou="LSC", ips=[rt.ip])
        else:
            ca = sim.phone_pki.mic
            nb = start - 3 * YEAR - rt.index % 1000 * 86400
            na = start - 30 * 86400 if key[1] else nb + 10 * YEAR
            cert, pkey = ca.issue(f"{mic_prefix(rt.model)}-{rt.name}", nb, na,
                                  org="Cisco Systems Inc.")
        n = len(os.listdir(self.dir))
        return server_context(cert, pkey, self.dir, f"{rt.name}-{n}")

    def _app(self, rt):
        def app(req):
            if req.method != "GET" or req.path not in ("/", "/index.html",
                                                       "/CGI/Java/Serviceability"):
                return Response(404, "<html><body>Not Found</body></html>",
                                "text/html")
            title = f"Cisco IP Phone {esc(rt.model)} ( {rt.name} )"
            return Response(200, f"<html><head><title>{title}</title></head>"
                            f"<body><h1>{title}</h1><p>Host Name: {rt.name}"
                            f"</p><p>Phone DN: {rt.dn}</p></body></html>",
                            "text/html")
        return app
