"""Shared helpers for the integration scenarios.

Every scenario drives the real lscrenew binary (LSCRENEW_BIN, default
build/lscrenew) against the CUCM simulator over HTTPS with certificate
verification on, with a real SQLite store in a temporary state directory.
The binary's notion of "now" follows the simulator's virtual clock through
LSCRENEW_NOW, so weeks pass in seconds.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "cucmsim"))

from simclient import Sim  # noqa: E402

BIN = os.environ.get("LSCRENEW_BIN", os.path.join(TOP, "build", "lscrenew"))

# Exit statuses (lscrenew(1) EXIT STATUS).
EXIT_NOTHING = 0
EXIT_DONE = 1
EXIT_ATTENTION = 2
EXIT_FAILED = 3
EXIT_USAGE = 64
EXIT_UNREACHABLE = 69
EXIT_LOCKED = 75
EXIT_CONFIG = 78

DAY = 86400


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return f"<rc={self.rc}\nstdout:\n{self.out}\nstderr:\n{self.err}>"


class Env:
    """A state directory, a configuration and a simulator, for one test."""

    def __init__(self, sim, campaigns=None, cluster_extra="", global_extra="",
                 pools=None):
        self.sim = sim
        self.dir = tempfile.mkdtemp(prefix="lscrenew-it-")
        os.chmod(self.dir, 0o700)
        self.state = os.path.join(self.dir, "state")
        os.mkdir(self.state, 0o700)
        self.pwfile = os.path.join(self.dir, "axl.password")
        with open(self.pwfile, "w") as f:
            f.write(sim.info["password"] + "\n")
        os.chmod(self.pwfile, 0o600)
        self.config = os.path.join(self.dir, "lscrenew.conf")
        if campaigns is None:
            pools = pools or sim_pools(sim)
            campaigns = {"nightly": {"device_pools": ", ".join(pools)}}
        self.write_config(campaigns, cluster_extra, global_extra)

    def write_config(self, campaigns, cluster_extra="", global_extra=""):
        info = self.sim.info
        lines = [
            "[global]",
            f"state_dir = {self.state}",
            global_extra,
            "",
            "[cluster sim]",
            f"host = {info['host']}",
            f"port = {info['port']}",
            f"ca_file = {info['ca_file']}",
            f"username = {info['username']}",
            f"password_file = {self.pwfile}",
            "ris_rate = 60",
            "retry_budget = 10s",
            cluster_extra,
        ]
        for name, keys in campaigns.items():
            lines += ["", f"[campaign {name}]", "cluster = sim"]
            keys = dict(keys)
            keys.setdefault("max_per_minute", "0")
            for k, v in keys.items():
                lines.append(f"{k} = {v}")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(self.config, 0o600)

    def environ(self, now=None, env=None):
        """The environment a run of lscrenew gets."""
        e = dict(os.environ)
        e["LSCRENEW_NOW"] = str(now if now is not None else self.sim.now())
        e.pop("LSCRENEW_CONFIG", None)
        e["TZ"] = "UTC"
        if env:
            e.update(env)
        return e

    def run(self, *args, now=None, env=None, timeout=600):
        proc = subprocess.run([BIN, "-c", self.config] + list(args),
                              capture_output=True, text=True,
                              env=self.environ(now, env),
                              timeout=timeout, stdin=subprocess.DEVNULL)
        return Result(proc)

    def start(self, *args):
        """lscrenew started, not waited for (output in pipes)."""
        return subprocess.Popen([BIN, "-c", self.config] + list(args),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL,
                                env=self.environ())

    def db(self):
        return sqlite3.connect(os.path.join(self.state, "lscrenew.db"))

    def states(self):
        with self.db() as c:
            return dict(c.execute("SELECT name, state FROM phone"))

    def phones_in(self, *states):
        marks = ",".join("?" * len(states))
        with self.db() as c:
            return {r[0] for r in c.execute(
                f"SELECT name FROM phone WHERE state IN ({marks})", states)}

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def rfc3339(epoch):
    """A time as every JSON output of lscrenew writes it."""
    import datetime
    return datetime.datetime.fromtimestamp(
        epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sim_pools(sim):
    pools = []
    for d in sim.devices():
        if d["pool"] not in pools:
            pools.append(d["pool"])
    return pools


def updates_by_phone(sim):
    """Ground truth: updatePhone operations each phone received."""
    out = {}
    for name, writes in sim.writes().items():
        n = sum(1 for w in writes if w["op"] == "updatePhone")
        if n:
            out[name] = n
    return out


def serve_self_signed(test, address, names):
    """A TLS server at address (a free port, returned) presenting a fresh
    self-signed certificate whose subject is names [(NameOID, value)]: a
    phone that answers anything.  It completes each handshake and closes;
    it stops at the test's cleanup."""
    import datetime
    import socket
    import ssl
    import threading
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    d = tempfile.mkdtemp(prefix="lscrenew-cert-")
    test.addCleanup(shutil.rmtree, d, True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(oid, v) for oid, v in names])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name)
            .issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    pem = os.path.join(d, "phone.pem")
    with open(pem, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pem)
    lsock = socket.socket()
    lsock.bind((address, 0))
    lsock.listen(4)

    def serve():
        while True:
            try:
                conn, _ = lsock.accept()
            except OSError:
                return
            try:
                ctx.wrap_socket(conn, server_side=True).close()
            except (OSError, ssl.SSLError):
                conn.close()

    th = threading.Thread(target=serve, daemon=True)
    th.start()

    def stop():
        lsock.shutdown(socket.SHUT_RDWR)
        lsock.close()
        th.join()
    test.addCleanup(stop)
    return lsock.getsockname()[1]


class SimTestCase(unittest.TestCase):
    """Starts one simulator per test (deterministic population)."""

    sim_options = {"phones": 200, "pools": 3, "seed": 1}

    def setUp(self):
        if not os.access(BIN, os.X_OK):
            self.fail(f"{BIN} is not built: run 'make' first")
        self.sim = Sim(**self.sim_options).start()
        self.addCleanup(self.sim.stop)

    def env(self, **kw):
        env = Env(self.sim, **kw)
        self.addCleanup(env.close)
        return env


def dump(obj):
    return json.dumps(obj, indent=1, sort_keys=True)
