"""A small threaded HTTP/1.1 server, plain or TLS, for every listener.

Why not http.server: each response must leave in one write (status line,
headers and body in one buffer, TCP_NODELAY set) or Nagle's algorithm and
delayed ACKs add ~40 ms per response; the fault actions need to reset a
connection, stall, trickle or stop half-way through a body; and the TLS
context must be chosen per accepted connection (wrong_ca).  One acceptor
thread watches all listening sockets; each connection gets its own thread
and is kept alive.  A connection that waits (a stall, the pause between two
trickled bytes) sleeps in poll() on its socket and on a pipe that stop()
closes: it ends when the client goes away or the server stops, without a
thread spinning.
"""

import email.utils
import select
import selectors
import socket
import ssl
import struct
import sys
import threading
import zlib

MAX_HEADER = 64 * 1024
MAX_BODY = 32 * 1024 * 1024
KEEPALIVE_SECONDS = 60


class BadRequest(Exception):
    pass


class Request:
    __slots__ = ("method", "target", "path", "query", "version", "headers",
                 "body", "peer", "local")

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)


class Response:
    """action (param): None; "reset" (TCP RST, nothing sent); "close"
    (close, nothing sent); "stall" (nothing sent until the client goes);
    "drop_mid" (status, headers and half the body, then close); "stall_mid"
    (status, headers and param bytes of the body, then nothing until the
    client goes); "trickle" (the body a byte every param seconds);
    "gzip_bomb" (a gzip body inflating to param bytes, then close);
    "huge_length" (Content-Length: param, the body, then close);
    "close_after" (the response, then close without Connection: close)."""

    __slots__ = ("status", "body", "headers", "close", "action", "param",
                 "on_sent")

    def __init__(self, status, body=b"", content_type="text/xml;charset=UTF-8",
                 headers=None, close=False, action=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.headers = list(headers or [])
        if content_type and self.body:
            self.headers.insert(0, ("Content-Type", content_type))
        self.close = close
        self.action = action
        self.param = None
        self.on_sent = None     # called once the response left (or failed)


class Listener:
    """app(request) -> Response.  tls: None, or a callable returning the
    SSLContext to wrap the next accepted connection with.  admit: None, or
    a callable; False resets the connection just accepted.  on_event(kind,
    value): "connection", "handshake", "reset", "response" (status,
    bytes)."""

    def __init__(self, sock, app, tls=None, on_event=None, name="",
                 admit=None):
        self.sock, self.app, self.tls = sock, app, tls
        self.on_event = on_event or (lambda kind, *a: None)
        self.name = name
        self.admit = admit


class Gauge:
    """A count others can wait on (the connections stalled right now)."""

    def __init__(self):
        self._n = 0
        self._cond = threading.Condition()

    def add(self, delta):
        with self._cond:
            self._n += delta
            self._cond.notify_all()

    @property
    def value(self):
        with self._cond:
            return self._n

    def wait(self, n, timeout):
        """The count, once it is n (or after timeout seconds)."""
        with self._cond:
            self._cond.wait_for(lambda: self._n == n, timeout)
            return self._n


class GzipBomb:
    """A gzip stream of prefix then blanks, size bytes inflated.  One
    compressed MiB of blanks, ended by a full flush so that it does not
    refer to what came before, is repeated: gigabytes cost a few MB and no
    compression time.  No trailer: a client that inflates it all sees a
    cut stream."""

    BLOCK = 1 << 20

    def __init__(self, prefix, size):
        z = zlib.compressobj(9, zlib.DEFLATED, 31)
        self.head = z.compress(prefix) + z.flush(zlib.Z_FULL_FLUSH)
        self.block = z.compress(b" " * self.BLOCK) + z.flush(zlib.Z_FULL_FLUSH)
        self.blocks = max(0, size - len(prefix)) // self.BLOCK
        self.length = len(self.head) + self.blocks * len(self.block)

    def chunks(self):
        yield self.head
        left = self.blocks
        while left:
            n = min(left, 64)
            yield self.block * n
            left -= n


def listen(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(128)
    s.setblocking(False)
    return s


class Server:
    def __init__(self, verbose=False):
        self.verbose = verbose
        self.stalled = Gauge()
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        # closed by stop(): readable (EOF) for every connection that waits
        self._stop_r, self._stop_w = socket.socketpair()
        # never block on a wake-up: before start() nothing drains them
        self._wake_w.setblocking(False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)
        self._listeners = []
        self._conns = set()
        self._lock = threading.Lock()
        self._stopping = False
        self._thread = None

    def log(self, msg):
        if self.verbose:
            print(f"cucmsim: {msg}", file=sys.stderr, flush=True)

    def add(self, listener):
        with self._lock:
            self._listeners.append(listener)
            self._sel.register(listener.sock, selectors.EVENT_READ, listener)
        try:
            self._wake_w.send(b"x")
        except BlockingIOError:
            pass                # a wake-up is already pending

    def start(self):
        self._thread = threading.Thread(target=self._accept_loop,
                                        name="acceptor", daemon=True)
        self._thread.start()

    def stop(self):
        self._stopping = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        self._stop_w.close()
        if self._thread:
            self._thread.join(5)
        with self._lock:
            for lst in self._listeners:
                lst.sock.close()
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass

    def _accept_loop(self):
        while not self._stopping:
            for key, _ in self._sel.select(1.0):
                if key.data is None:
                    try:
                        self._wake_r.recv(4096)
                    except OSError:
                        pass
                    continue
                lst = key.data
                try:
                    conn, peer = lst.sock.accept()
                except OSError:
                    continue
                threading.Thread(target=self._serve, args=(conn, peer, lst),
                                 daemon=True).start()
        self._sel.close()

    # -- one connection --------------------------------------------------

    def _serve(self, conn, peer, lst):
        conn.setblocking(True)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            if self._stopping:
                conn.close()
                return
            self._conns.add(conn)
        sock = conn
        lst.on_event("connection")
        try:
            if lst.admit is not None and not lst.admit():
                _reset(conn)
                lst.on_event("reset")
                return
            if lst.tls is not None:
                sock = self._handshake(conn, lst)
                if sock is None:
                    return
            self._requests(sock, peer, lst)
        except (OSError, ssl.SSLError, BadRequest) as e:
            self.log(f"{lst.name} {peer[0]}: {e.__class__.__name__}: {e}")
        finally:
            with self._lock:
                self._conns.discard(conn)
            try:
                sock.close()
            except OSError:
                pass

    def _handshake(self, conn, lst):
        conn.settimeout(10)
        first = conn.recv(1, socket.MSG_PEEK)
        if not first:
            return None
        if first[0] != 0x16:
            # plain HTTP on the TLS port: Tomcat's answer, then close
            body = (b"Bad Request\nThis combination of host and port "
                    b"requires TLS.\n")
            conn.sendall(b"HTTP/1.1 400 \r\nContent-Type: text/plain;"
                         b"charset=UTF-8\r\nContent-Length: %d\r\n"
                         b"Connection: close\r\n\r\n%s" % (len(body), body))
            return None
        ctx = lst.tls()
        sock = ctx.wrap_socket(conn, server_side=True)
        lst.on_event("handshake")
        return sock

    def _requests(self, sock, peer, lst):
        buf = bytearray()
        local = sock.getsockname()
        while not self._stopping:
            sock.settimeout(KEEPALIVE_SECONDS)
            req = self._read_request(sock, buf)
            if req is None:
                return
            req.peer, req.local = peer, local
            resp = lst.app(req)
            try:
                keep = self._send(sock, req, resp, lst)
            finally:
                if resp.on_sent is not None:
                    resp.on_sent()
            if not keep:
                return

    def _read_request(self, sock, buf):
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(buf) > MAX_HEADER:
                raise BadRequest("header too large")
            chunk = sock.recv(65536)
            if not chunk:
                if buf.strip():
                    raise BadRequest("connection closed mid-request")
                return None
            buf += chunk
        head = bytes(buf[:end]).decode("latin-1")
        del buf[:end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise BadRequest(f"bad request line {lines[0]!r}")
        req = Request()
        req.method, req.target, req.version = parts
        path, _, query = req.target.partition("?")
        req.path, req.query = path, query
        req.headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise BadRequest(f"bad header line {line!r}")
            key = name.strip().lower()
            value = value.strip()
            if key in req.headers and key == "cookie":
                value = req.headers[key] + "; " + value
            req.headers[key] = value
        if req.headers.get("expect", "").lower() == "100-continue":
            sock.sendall(b"HTTP/1.1 100 \r\n\r\n")
        if "chunked" in req.headers.get("transfer-encoding", "").lower():
            req.body = self._read_chunked(sock, buf)
        else:
            try:
                length = int(req.headers.get("content-length", "0"))
            except ValueError:
                raise BadRequest("bad Content-Length") from None
            if length < 0 or length > MAX_BODY:
                raise BadRequest("body too large")
            while len(buf) < length:
                chunk = sock.recv(max(65536, length - len(buf)))
                if not chunk:
                    raise BadRequest("connection closed mid-body")
                buf += chunk
            req.body = bytes(buf[:length])
            del buf[:length]
        return req

    def _read_chunked(self, sock, buf):
        body = bytearray()

        def need(n):
            while len(buf) < n:
                chunk = sock.recv(65536)
                if not chunk:
                    raise BadRequest("connection closed mid-chunk")
                buf.extend(chunk)

        while True:
            while b"\r\n" not in buf:
                need(len(buf) + 1)
            i = buf.index(b"\r\n")
            size = int(bytes(buf[:i]).split(b";")[0], 16)
            del buf[:i + 2]
            if size == 0:
                while b"\r\n\r\n" not in buf and not buf.startswith(b"\r\n"):
                    need(len(buf) + 1)
                if buf.startswith(b"\r\n"):
                    del buf[:2]
                else:
                    del buf[:buf.index(b"\r\n\r\n") + 4]
                return bytes(body)
            need(size + 2)
            body += buf[:size]
            del buf[:size + 2]
            if len(body) > MAX_BODY:
                raise BadRequest("body too large")

    def _gone(self, sock, timeout=None):
        """Waits up to timeout seconds (None: for ever) for the client to
        close the connection or the server to stop; True if either did.
        What the client sends meanwhile is read and dropped."""
        poll = select.poll()        # not select(): fds may pass 1024
        poll.register(sock, select.POLLIN)
        poll.register(self._stop_r, select.POLLIN)
        wait = None if timeout is None else int(timeout * 1000)
        while True:
            ready = [fd for fd, _ in poll.poll(wait)]
            if not ready:
                return False
            if self._stop_r.fileno() in ready or self._stopping:
                return True
            sock.setblocking(False)
            try:
                if not sock.recv(65536):
                    return True
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError,
                    BlockingIOError):
                pass
            except OSError:
                return True
            finally:
                sock.setblocking(True)

    def _stall(self, sock):
        self.stalled.add(1)
        try:
            self._gone(sock)
        finally:
            self.stalled.add(-1)

    def _send(self, sock, req, resp, lst):
        """Sends resp; False when the connection must close."""
        a = resp.action
        if a == "reset":
            # no TLS close_notify: linger 0 makes close() send a TCP RST
            _reset(sock)
            lst.on_event("reset")
            return False
        if a in ("close", "stall"):
            if a == "stall":
                self._stall(sock)
            return False
        conn_hdr = req.header("connection", "").lower()
        close = (resp.close or "close" in conn_hdr
                 or (req.version == "HTTP/1.0" and "keep-alive" not in conn_hdr))
        body = resp.body if req.method != "HEAD" else b""
        extra, length = [], len(body)
        if a == "gzip_bomb":
            bomb = GzipBomb(body[:body.find(b"<return>") + 8]
                            if b"<return>" in body else body, resp.param)
            extra.append(("Content-Encoding", "gzip"))
            length = bomb.length
        elif a == "huge_length":
            length = resp.param
        # Tomcat (CUCM's web container) sends no reason phrase
        lines = [f"HTTP/1.1 {resp.status} "]
        for k, v in resp.headers + extra:
            lines.append(f"{k}: {v}")
        lines.append(f"Content-Length: {length}")
        lines.append("Date: " + email.utils.formatdate(usegmt=True))
        if close:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        sent = len(head)
        if a in ("drop_mid", "stall_mid"):
            part = body[:len(body) // 2 if a == "drop_mid" else resp.param]
            sock.sendall(head + part)
            lst.on_event("response", resp.status, sent + len(part))
            if a == "stall_mid":
                self._stall(sock)
            return False
        if a == "trickle":
            sock.sendall(head)
            for i in range(len(body)):
                if self._gone(sock, resp.param):
                    return False
                sock.sendall(body[i:i + 1])
            lst.on_event("response", resp.status, sent + len(body))
            return not close
        if a == "gzip_bomb":
            sock.sendall(head)
            for chunk in bomb.chunks():
                sock.sendall(chunk)
                sent += len(chunk)
            lst.on_event("response", resp.status, sent)
            return False
        # counted before it leaves: a client that has read the answer and
        # asks /truth/counts at once finds it there
        lst.on_event("response", resp.status, sent + len(body))
        sock.sendall(head + body)
        return not close and a not in ("huge_length", "close_after")


def _reset(sock):
    """Makes close() send a TCP RST (no FIN, no TLS close_notify)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    except OSError:
        pass
