"""The phone web servers' network side: every phone in one thread.

One epoll selector holds each phone's listening socket (its own 127.x.y.z,
all on one port) and every accepted connection.  TLS runs on memory BIOs
(ssl.SSLObject), so a connection is a small state machine, never a thread:
a phone that stalls costs one socket until the client closes.  What a phone
presents and which fault it has is phoneweb.PhoneWeb's business; the loop
asks it when a connection's first bytes arrive.

Connection states: hello (nothing read yet), tls (handshake), app (reading
the HTTP request), sink (answer sent or junk sent: read and drop until the
client closes), stall (the same, without an idle limit).
"""

import errno
import heapq
import resource
import selectors
import socket
import ssl
import struct
import sys
import threading
import time

IDLE_SECONDS = 30           # a silent connection (other than a stall) ends
MAX_REQUEST = 16 * 1024     # HTTP request head after the handshake
JUNK = b"\xde\xad\xbe\xef" * 64
FD_MARGIN = 1024            # files beyond the listening sockets
_BAD_REQUEST = (b"<html><head><title>400 Bad Request</title></head><body>"
                b"<h1>Bad Request</h1></body></html>")


def http_answer(status, body):
    """A complete HTTP/1.1 answer that closes the connection."""
    return (b"HTTP/1.1 %s\r\nContent-Type: text/html\r\nContent-Length: %d"
            b"\r\nConnection: close\r\n\r\n%s" % (status, len(body), body))


def raise_fd_limit(listeners):
    """Soft RLIMIT_NOFILE up to the hard limit when the listening sockets
    need more than the soft one allows; ValueError when even the hard
    limit is too low."""
    need = listeners + FD_MARGIN
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            raise ValueError(f"{listeners} phone web servers need {need} open "
                             f"files; the hard limit (ulimit -Hn) is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Conn:
    __slots__ = ("sock", "phone", "state", "tls", "inc", "outb", "out",
                 "req", "last", "trickle", "armed", "closing", "fault")

    def __init__(self, sock, phone):
        self.sock, self.phone = sock, phone
        self.state = "hello"
        self.tls = self.inc = self.outb = None
        self.out = bytearray()
        self.req = bytearray()
        self.last = time.monotonic()
        self.trickle = 0        # seconds between bytes, 0: no trickle
        self.armed = False      # a trickle timer is pending
        self.closing = False    # close once out is empty
        self.fault = None


class Fleet:
    """web: phoneweb.PhoneWeb (fault(phone), context(phone), page(phone,
    head), trickle_seconds()).  Phones: objects with .ip, .sock and the
    counters connections, handshakes, requests."""

    def __init__(self, web, verbose=False):
        self.web = web
        self.verbose = verbose
        self.port = None
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        for s in (self._wake_r, self._wake_w):
            s.setblocking(False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)
        self._calls = []
        self._timers = []       # (when, seq, kind, conn or phone)
        self._seq = 0
        self._conns = set()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._counts = {"connections": 0, "handshakes": 0, "requests": 0,
                        "not_tls_clients": 0, "faults": {}}
        self._running = False
        self._thread = None

    def log(self, msg):
        if self.verbose:
            print(f"cucmsim: phone web: {msg}", file=sys.stderr, flush=True)

    # -- set-up and control (any thread) ---------------------------------

    def bind(self, phones, port, listening):
        """Listening sockets for the phones that listen; port 0: the first
        bind picks a free port and the others share it (tried again with
        another port when one address already has it).  Returns the port."""
        raise_fd_limit(len(phones))
        for attempt in range(20):
            bound, chosen = [], port
            try:
                for ph in phones:
                    if listening(ph):
                        ph.sock = self._listen(ph.ip, chosen)
                        bound.append(ph)
                        chosen = chosen or ph.sock.getsockname()[1]
                self.port = chosen
                return chosen
            except OSError as e:
                for ph in bound:
                    ph.sock.close()
                    ph.sock = None
                if port != 0 or e.errno != errno.EADDRINUSE or not bound \
                        or attempt == 19:
                    raise
        raise AssertionError("unreachable")

    def _listen(self, ip, port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((ip, port))
            s.listen(128)
            s.setblocking(False)
        except OSError as e:
            s.close()
            raise OSError(e.errno, f"phone web server {ip}:{port}: "
                          f"{e.strerror}") from None
        return s

    def start(self, phones):
        for ph in phones:
            if ph.sock is not None:
                self._sel.register(ph.sock, selectors.EVENT_READ, ph)
        self._running = True
        self._thread = threading.Thread(target=self._loop, name="phone-web",
                                        daemon=True)
        self._thread.start()

    def stop(self):
        self._running = False
        self._wake()
        if self._thread:
            self._thread.join(5)
        for key in list(self._sel.get_map().values()):
            key.fileobj.close()
        self._sel.close()
        self._wake_w.close()

    def _wake(self):
        try:
            self._wake_w.send(b"x")
        except BlockingIOError:
            pass                # a wake-up is already pending

    def call(self, fn):
        """Runs fn() in the loop thread and returns its result (directly
        when the loop does not run)."""
        if not self._running:
            return fn()
        done = threading.Event()
        box = []

        def run():
            try:
                box.append((True, fn()))
            except Exception as e:      # handed back to the caller
                box.append((False, e))
            done.set()
        with self._lock:
            self._calls.append(run)
        self._wake()
        if not done.wait(60):
            raise RuntimeError("the phone web loop does not answer")
        ok, value = box[0]
        if not ok:
            raise value
        return value

    def set_listening(self, ph, on):
        """Opens or closes a phone's listening socket (refused fault)."""
        def change():
            if on and ph.sock is None:
                ph.sock = self._listen(ph.ip, self.port)
                if self._running:
                    self._sel.register(ph.sock, selectors.EVENT_READ, ph)
            elif not on and ph.sock is not None:
                if self._running:
                    self._sel.unregister(ph.sock)
                ph.sock.close()
                ph.sock = None
        self.call(change)

    def counts(self, open_at_most=None, stalled_at_least=None, timeout=0.0):
        """Counters; first waits (at most timeout seconds) until no more
        connections than open_at_most are open and at least
        stalled_at_least are stalled, when given."""
        def stalled():
            return sum(1 for c in self._conns if c.state == "stall")
        with self._changed:
            self._changed.wait_for(lambda: (
                open_at_most is None or len(self._conns) <= open_at_most) and (
                stalled_at_least is None or stalled() >= stalled_at_least),
                timeout)
            out = dict(self._counts, faults=dict(self._counts["faults"]))
            out["open"] = len(self._conns)
            out["stalled"] = stalled()
            return out

    def reset_counts(self):
        with self._lock:
            for k in self._counts:
                self._counts[k] = {} if k == "faults" else 0

    def _count(self, key, fault=None):
        with self._lock:
            if fault:
                f = self._counts["faults"]
                f[fault] = f.get(fault, 0) + 1
            else:
                self._counts[key] += 1

    # -- the loop ---------------------------------------------------------

    def _loop(self):
        while self._running:
            timeout = 1.0
            if self._timers:
                timeout = max(0.0, min(1.0, self._timers[0][0]
                                       - time.monotonic()))
            for key, events in self._sel.select(timeout):
                try:
                    self._dispatch(key, events)
                except Exception as e:      # one connection, not the loop
                    self.log(f"{e.__class__.__name__}: {e}")
                    if isinstance(key.data, Conn):
                        self._close(key.data)
            self._run_timers()
        for c in list(self._conns):
            self._close(c)

    def _dispatch(self, key, events):
        data = key.data
        if data is None:
            self._wake_r.recv(4096)
            with self._lock:
                calls, self._calls = self._calls, []
            for fn in calls:
                fn()
        elif isinstance(data, Conn):
            if events & selectors.EVENT_WRITE:
                self._send(data)
            if events & selectors.EVENT_READ and data.state != "closed":
                self._readable(data)
        else:
            self._accept(data)

    def _accept(self, ph):
        while True:
            try:
                sock, _ = ph.sock.accept()
            except BlockingIOError:
                return
            except OSError as e:
                # out of files: stop listening a moment rather than spin
                self.log(f"{ph.ip}: accept: {e}")
                if e.errno in (errno.EMFILE, errno.ENFILE):
                    self._sel.unregister(ph.sock)
                    self._timer(time.monotonic() + 0.1, "listen", ph)
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c = Conn(sock, ph)
            with self._lock:
                self._conns.add(c)
                self._counts["connections"] += 1
            ph.connections += 1
            self._sel.register(sock, selectors.EVENT_READ, c)
            self._timer(c.last + IDLE_SECONDS, "idle", c)

    def _timer(self, when, kind, what):
        self._seq += 1
        heapq.heappush(self._timers, (when, self._seq, kind, what))

    def _run_timers(self):
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, kind, what = heapq.heappop(self._timers)
            try:
                self._fire(kind, what, now)
            except Exception as e:          # that connection, not the loop
                self.log(f"{e.__class__.__name__}: {e}")
                if isinstance(what, Conn):
                    self._close(what)

    def _fire(self, kind, what, now):
        if kind == "listen":
            if what.sock is not None and self._running:
                self._sel.register(what.sock, selectors.EVENT_READ, what)
        elif what.state == "closed":
            pass
        elif kind == "tick":
            what.armed = False
            self._send(what)
        elif what.state == "stall":
            pass                    # no idle limit: the client decides
        elif now - what.last >= IDLE_SECONDS:
            self._close(what)
        else:
            self._timer(what.last + IDLE_SECONDS, "idle", what)

    # -- one connection ---------------------------------------------------

    def _readable(self, c):
        try:
            data = c.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            self._close(c)
            return
        if not data:
            self._close(c)              # the client closed
            return
        c.last = time.monotonic()
        if c.state in ("sink", "stall"):
            return
        if c.state == "hello":
            self._first_bytes(c, data)
        elif c.state == "tls":
            c.inc.write(data)
            self._handshake(c)
        elif c.state == "app":
            c.inc.write(data)
            self._read_request(c)

    def _first_bytes(self, c, data):
        if data[0] != 0x16:
            # not a TLS record: a plain HTTP client on the TLS port
            self._count("not_tls_clients")
            self._answer(c, http_answer(b"400 Bad Request", _BAD_REQUEST))
            return
        c.fault = fault = self.web.fault(c.phone)
        if fault:
            self._count(None, fault)
        if fault == "stall":
            with self._changed:         # never answers; ends when it closes
                c.state = "stall"
                self._changed.notify_all()
        elif fault == "reset":
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                              struct.pack("ii", 1, 0))
            self._close(c)              # close with linger 0: a TCP RST
        elif fault == "plain_http":
            self._answer(c, http_answer(b"400 Bad Request", _BAD_REQUEST))
        else:
            if fault == "trickle":
                c.trickle = self.web.trickle_seconds()
            c.inc, c.outb = ssl.MemoryBIO(), ssl.MemoryBIO()
            c.tls = self.web.context(c.phone).wrap_bio(c.inc, c.outb,
                                                       server_side=True)
            c.state = "tls"
            c.inc.write(data)
            self._handshake(c)

    def _handshake(self, c):
        try:
            c.tls.do_handshake()
        except ssl.SSLWantReadError:
            if c.fault == "garbage":
                self._garbage(c)
            else:
                self._flush(c)
            return
        except (ssl.SSLError, OSError) as e:
            self.log(f"{c.phone.ip}: handshake: {e}")
            self._flush(c)              # the alert, if any
            c.state = "sink"
            c.closing = True
            self._send(c)
            return
        c.state = "app"
        c.phone.handshakes += 1
        self._count("handshakes")
        self._flush(c)
        self._read_request(c)

    def _garbage(self, c):
        """The first handshake record (ServerHello) as it is, then junk."""
        out = c.outb.read()
        if len(out) < 5:
            return                      # the ClientHello is not complete
        end = 5 + int.from_bytes(out[3:5], "big")
        c.out += out[:end] + JUNK
        c.state = "sink"
        self._send(c)

    def _read_request(self, c):
        while True:
            try:
                chunk = c.tls.read(65536)
            except ssl.SSLWantReadError:
                return
            except (ssl.SSLError, OSError):
                self._close(c)
                return
            if not chunk:
                self._close(c)
                return
            c.req += chunk
            end = c.req.find(b"\r\n\r\n")
            if end >= 0 or len(c.req) > MAX_REQUEST:
                break
        c.phone.requests += 1
        self._count("requests")
        page = self.web.page(c.phone, bytes(c.req[:max(end, 0)]))
        c.tls.write(page)
        try:
            c.tls.unwrap()              # close_notify
        except (ssl.SSLWantReadError, ssl.SSLError):
            pass
        self._flush(c)
        c.state = "sink"
        c.closing = True
        self._send(c)

    def _answer(self, c, data):
        c.out += data
        c.state = "sink"
        c.closing = True
        self._send(c)

    def _flush(self, c):
        out = c.outb.read()
        if out:
            c.out += out
            self._send(c)

    def _send(self, c):
        """Sends what is queued (one byte per tick when trickling); once it
        is all out and the connection is closing, shuts the sending side
        and drains until the client closes."""
        if c.state == "closed":
            return
        if c.out and not (c.trickle and c.armed):
            n = 1 if c.trickle else len(c.out)
            try:
                sent = c.sock.send(c.out[:n])
            except BlockingIOError:
                sent = 0
            except OSError:
                self._close(c)
                return
            del c.out[:sent]
            c.last = time.monotonic()
            if c.trickle and c.out:
                c.armed = True
                self._timer(c.last + c.trickle, "tick", c)
        want = selectors.EVENT_READ
        if c.out and not c.trickle:
            want |= selectors.EVENT_WRITE
        self._sel.modify(c.sock, want, c)
        if not c.out and c.closing:
            c.closing = False
            try:
                c.sock.shutdown(socket.SHUT_WR)
            except OSError:
                self._close(c)

    def _close(self, c):
        if c.state == "closed":
            return
        c.state = "closed"
        try:
            self._sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()
        # a timer may still hold the connection: keep only its shell
        c.tls = c.inc = c.outb = None
        c.out = c.req = b""
        with self._changed:
            self._conns.discard(c)
            self._changed.notify_all()
