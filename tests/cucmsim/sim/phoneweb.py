"""Phone web servers: what each phone presents, its faults, ground truth.

The first N hardware phones get an HTTPS server on their own 127.x.y.z
address (the network side, one event loop, is phonefleet.Fleet).  The
certificate follows the phone's CUCM state, the device row: an LSC from
the CA named by lscissuername, valid until lscvaliduntil, when it has one,
else its MIC from the Cisco manufacturing test CA.  A phone with
keep_old_cert latches what it presents when it starts (simulator start,
restartPhone, resetPhone) and keeps it through a renewal.  Certificates are
made when first needed (a handshake or the ground truth) and their SSL
contexts on the first handshake, so start-up pays for neither.
"""

import calendar
import os
import random
import ssl
import threading

from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from .certs import YEAR, fingerprint, self_signed_leaf
from .enums import mic_prefix
from .phonefleet import Fleet, http_answer
from .soap import esc

# a fault changes how the phone answers; one per phone
FAULTS = ("stall", "reset", "plain_http", "refused", "expired", "wrong_name",
          "long_chain", "big_cert", "garbage", "trickle", "self_signed")
NO_CERTIFICATE = ("stall", "reset", "plain_http", "refused", "garbage")
CERT_FAULTS = ("expired", "wrong_name", "long_chain", "big_cert",
               "self_signed")
# knobs combine with a fault and with each other
KNOBS = ("keep_old_cert", "send_root")
SETTINGS = {"trickle_ms": (20, 1, 10000), "chain_length": (50, 2, 200),
            "big_cert_bytes": (100000, 1000, 1 << 20)}
WRONG_NAME = "SEPBADBADBADBAD"
WRONG_IP = "192.0.2.1"


class WebPhone:
    """A phone with a web server: its state and counters."""
    __slots__ = ("rt", "ip", "fault", "keep_old_cert", "send_root",
                 "latched", "presented", "sock", "connections",
                 "handshakes", "requests")

    def __init__(self, rt):
        self.rt, self.ip = rt, rt.ip
        self.fault = None
        self.keep_old_cert = self.send_root = False
        self.latched = None         # base key held while keep_old_cert
        self.presented = None       # the last Presented made
        self.sock = None
        self.connections = self.handshakes = self.requests = 0


class Presented:
    """A certificate chain as a phone sends it (leaf first) and its key;
    the SSL context is made on the first handshake."""
    __slots__ = ("key", "kind", "certs", "pkey", "ctx", "info")

    def __init__(self, key, kind, certs, pkey):
        self.key, self.kind, self.certs, self.pkey = key, kind, certs, pkey
        self.ctx = None
        chain = [_cert_info(c) for c in certs]
        self.info = {**chain[0], "kind": kind, "chain": chain}


def _cn(name):
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return attrs[0].value if attrs else None


def _cert_info(cert):
    der = cert.public_bytes(serialization.Encoding.DER)
    return {"subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "subject_cn": _cn(cert.subject), "issuer_cn": _cn(cert.issuer),
            "serial": "%x" % cert.serial_number,
            "not_before": calendar.timegm(cert.not_valid_before.timetuple()),
            "not_after": calendar.timegm(cert.not_valid_after.timetuple()),
            "sha256": fingerprint(cert), "der_bytes": len(der)}


def _mapping(body, key):
    """body[key] as a dict (a list of names means each one true)."""
    value = body.get(key) or {}
    if isinstance(value, list):
        value = dict.fromkeys(value, True)
    if not isinstance(value, dict):
        raise ValueError(f"{key} must be an object")
    return value


class PhoneWeb:
    def __init__(self, sim, count, port, spec, verbose=False):
        self.sim = sim
        self._lock = threading.RLock()
        # where a chain and key pass to load_cert_chain, which reads only
        # files: memory, never the disk (5,000 files cost seconds)
        self._pem_fd = os.memfd_create("cucmsim-phone-pem", os.MFD_CLOEXEC)
        self.settings = {k: v[0] for k, v in SETTINGS.items()}
        hw = sorted((rt for rt in sim.registry.phones.values() if rt.hardware),
                    key=lambda r: r.index)
        self.phones = [WebPhone(rt) for rt in hw[:count]]
        self.by_name = {ph.rt.name: ph for ph in self.phones}
        self.fleet = Fleet(self, verbose)
        self.configure(spec, initial=True)
        self.port = None
        if self.phones:
            self.port = self.fleet.bind(self.phones, port,
                                        lambda ph: ph.fault != "refused")

    def start(self):
        self.fleet.start(self.phones)

    def stop(self):
        self.fleet.stop()
        os.close(self._pem_fd)

    # -- faults and knobs -------------------------------------------------

    def configure(self, body, initial=False):
        """Applies {"phones": {name: fault|null}, "keep_old_cert": {name:
        bool} or [names], "send_root": likewise, "fractions": {fault or
        knob: f} (start only), and settings}; everything is checked before
        anything changes.  ValueError names what is wrong."""
        unknown = set(body) - {"phones", "fractions", *KNOBS, *SETTINGS}
        if unknown:
            raise ValueError("unknown phone web setting "
                             f"{sorted(unknown)[0]!r}")
        if "fractions" in body and not initial:
            raise ValueError("fractions are given at start only "
                             "(--phone-fault-fraction or the scenario)")
        changes = {}            # (phone, attribute) -> value
        if initial:
            changes = self._fractions(_mapping(body, "fractions"))
        for name, fault in _mapping(body, "phones").items():
            if fault is not None and fault not in FAULTS:
                raise ValueError(f"{name}: unknown phone fault {fault!r} "
                                 f"(one of {', '.join(FAULTS)})")
            changes[self._phone(name), "fault"] = fault
        for knob in KNOBS:
            for name, on in _mapping(body, knob).items():
                changes[self._phone(name), knob] = bool(on)
        settings = dict(self.settings)
        for k in SETTINGS:
            if k in body:
                v, lo, hi = int(body[k]), SETTINGS[k][1], SETTINGS[k][2]
                if not lo <= v <= hi:
                    raise ValueError(f"{k} must be between {lo} and {hi}")
                settings[k] = v
        listen = []
        with self._lock:
            self.settings = settings
            for (ph, attr), value in changes.items():
                if attr == "fault" and \
                        (value == "refused") != (ph.fault == "refused"):
                    listen.append((ph, value != "refused"))
                if attr == "keep_old_cert":
                    ph.latched = self._base_key(ph) if value else None
                setattr(ph, attr, value)
        if not initial:
            # outside the lock: the loop thread may be waiting for it
            for ph, on in listen:
                self.fleet.set_listening(ph, on)
        return self.view()

    def _phone(self, name):
        ph = self.by_name.get(name)
        if ph is None:
            raise ValueError(f"{name}: no phone web server (the first "
                             f"{len(self.phones)} hardware phones have one)")
        return ph

    def _fractions(self, fractions):
        """Faults spread over the phones by the seed: one uniform draw per
        phone partitioned among the faults in name order; each knob its own
        draw.  Explicit per-phone entries win."""
        faults = {}
        for k, f in fractions.items():
            if k not in FAULTS + KNOBS:
                raise ValueError(f"unknown phone fault {k!r} in fractions")
            faults[k] = float(f)
            if not 0.0 <= faults[k] <= 1.0:
                raise ValueError(f"fraction of {k} must be in [0, 1]")
        if sum(v for k, v in faults.items() if k in FAULTS) > 1.0 + 1e-9:
            raise ValueError("phone fault fractions add up to more than 1")
        seed, out = self.sim.seed, {}
        for ph in self.phones:
            name = ph.rt.name
            u = random.Random(f"phoneweb:{seed}:{name}").random()
            for fault in sorted(k for k in faults if k in FAULTS):
                if u < faults[fault]:
                    out[ph, "fault"] = fault
                    break
                u -= faults[fault]
            for knob in KNOBS:
                if knob in faults and random.Random(
                        f"phoneweb:{knob}:{seed}:{name}").random() \
                        < faults[knob]:
                    out[ph, knob] = True
        return out

    def clear(self):
        """No fault or knob on any phone, default settings."""
        with self._lock:
            body = {"phones": dict.fromkeys(self.by_name),
                    **{k: dict.fromkeys(self.by_name, False) for k in KNOBS},
                    **{k: v[0] for k, v in SETTINGS.items()}}
        return self.configure(body)

    def view(self):
        with self._lock:
            return {"phones": {ph.rt.name: ph.fault for ph in self.phones
                               if ph.fault},
                    **{k: [ph.rt.name for ph in self.phones
                           if getattr(ph, k)] for k in KNOBS},
                    **self.settings}

    def on_notify(self, rt, op, t):
        """restartPhone/resetPhone reached a registered phone: it starts
        again and presents what CUCM says it has."""
        ph = self.by_name.get(rt.name)
        if ph is None or op not in ("restartPhone", "resetPhone") or \
                not self.sim.registry.state(rt, t)[0]:
            return
        with self._lock:
            if ph.keep_old_cert:
                ph.latched = self._base_key(ph)

    # -- what a phone presents ---------------------------------------------

    def _base_key(self, ph):
        row = self.sim.store.device_row(ph.rt.pkid)
        until, issuer = row["lscvaliduntil"], row["lscissuername"]
        if until and issuer:
            return ("lsc", issuer, until)
        return ("mic", ph.rt.mic_invalid)

    def _key(self, ph):
        """(base key, fault variant, send_root): the certificate's identity;
        the base key is the latched one while keep_old_cert holds."""
        base = ph.latched if ph.keep_old_cert else self._base_key(ph)
        variant = ph.fault if ph.fault in CERT_FAULTS else None
        if variant == "long_chain":
            variant = (variant, self.settings["chain_length"])
        elif variant == "big_cert":
            variant = (variant, self.settings["big_cert_bytes"])
        return base, variant, ph.send_root

    def presented(self, ph):
        """The Presented for the phone's current state (made if needed)."""
        with self._lock:
            key = self._key(ph)
            if ph.presented is None or ph.presented.key != key:
                ph.presented = self._make(ph, key)
            return ph.presented

    def _make(self, ph, key):
        base, variant, send_root = key
        fault = variant[0] if isinstance(variant, tuple) else variant
        sim, rt = self.sim, ph.rt
        if fault == "self_signed":
            cert, pkey = self_signed_leaf(rt.name, sim.start - YEAR,
                                          sim.start + 10 * YEAR,
                                          org="Cisco Systems Inc.")
            return Presented(key, "self_signed", [cert], pkey)
        ips, org, ou, cn = [rt.ip], "cucmsim", "LSC", rt.name
        if fault == "long_chain":
            ca = sim.phone_pki.long_chain(variant[1])
            nb, na = sim.start - YEAR, sim.start + 4 * YEAR
            send_root = True        # the root makes up the length
        elif base[0] == "lsc":
            _, issuer, na = base
            ca = sim.phone_pki.issuer(issuer)
            nb = na - sim.capf.settings["validity_days"] * 86400
        else:
            ca = sim.phone_pki.mic
            nb = sim.start - 3 * YEAR - rt.index % 1000 * 86400
            na = sim.start - 30 * 86400 if base[1] else nb + 10 * YEAR
            ips, org, ou = [], "Cisco Systems Inc.", None
            cn = f"{mic_prefix(rt.model)}-{rt.name}"
        if fault == "expired":
            na = sim.clock.now() - 86400
            nb = min(nb, na - YEAR)
        elif fault == "wrong_name":
            cn = cn.replace(rt.name, WRONG_NAME)
            ips = [WRONG_IP] if ips else []
        padding = variant[1] if fault == "big_cert" else 0
        cert, pkey = ca.leaf(cn, nb, na, org=org, ou=ou, ips=ips,
                             padding=padding)
        chain = [c.cert for c in ca.chain]
        if send_root and ca.root.cert not in chain:
            chain.append(ca.root.cert)
        return Presented(key, ca.kind, [cert] + chain, pkey)

    # -- for the loop ------------------------------------------------------

    def fault(self, ph):
        return ph.fault

    def trickle_seconds(self):
        return self.settings["trickle_ms"] / 1000.0

    def context(self, ph):
        p = self.presented(ph)
        with self._lock:
            if p.ctx is None:
                pem = b"".join(c.public_bytes(serialization.Encoding.PEM)
                               for c in p.certs) + p.pkey.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.TraditionalOpenSSL,
                    serialization.NoEncryption())
                os.ftruncate(self._pem_fd, 0)
                os.pwrite(self._pem_fd, pem, 0)
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.minimum_version = ssl.TLSVersion.TLSv1_2
                ctx.num_tickets = 0
                ctx.load_cert_chain(f"/proc/self/fd/{self._pem_fd}")
                p.ctx = ctx
            return p.ctx

    def page(self, ph, head):
        """The phone's answer to an HTTP request head (bytes)."""
        line = head.split(b"\r\n", 1)[0].split(b" ")
        rt = ph.rt
        if len(line) != 3 or line[0] != b"GET" or line[1] not in (
                b"/", b"/index.html", b"/CGI/Java/Serviceability"):
            return http_answer(b"404 Not Found",
                               b"<html><body>Not Found</body></html>")
        title = f"Cisco IP Phone {esc(rt.model)} ( {rt.name} )"
        return http_answer(b"200 OK", (
            f"<html><head><title>{title}</title></head><body><h1>{title}"
            f"</h1><p>Host Name: {rt.name}</p><p>Phone DN: {rt.dn}</p>"
            "</body></html>").encode("utf-8"))

    # -- ground truth ------------------------------------------------------

    def truth(self, names=None):
        """One object per phone with a web server (README "Phone web
        servers"); names: only those."""
        out = []
        for ph in self.phones:
            if names is not None and ph.rt.name not in names:
                continue
            p = self.presented(ph)
            row = self.sim.store.device_row(ph.rt.pkid)
            with self._lock:
                out.append({
                    "name": ph.rt.name, "address": ph.ip, "port": self.port,
                    "fault": ph.fault, "keep_old_cert": ph.keep_old_cert,
                    "send_root": ph.send_root,
                    "stale": ph.keep_old_cert and
                    ph.latched != self._base_key(ph),
                    "listening": ph.sock is not None,
                    "presents": ph.fault not in NO_CERTIFICATE,
                    "certificate": p.info,
                    "cucm": {"lscvaliduntil": row["lscvaliduntil"],
                             "lscissuername": row["lscissuername"]},
                    "connections": ph.connections,
                    "handshakes": ph.handshakes, "requests": ph.requests})
        return out
