"""A small threaded HTTP/1.1 server, plain or TLS, for every listener.

Why not http.server: each response must leave in one write (status line,
headers and body in one buffer, TCP_NODELAY set) or Nagle's algorithm and
delayed ACKs add ~40 ms per response; the fault actions need to reset a
connection or stop half-way through a body; and the TLS context must be
chosen per accepted connection (wrong_ca).  One acceptor thread watches all
listening sockets; each connection gets its own thread and is kept alive.
"""

import email.utils
import selectors
import socket
import ssl
import struct
import sys
import threading

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
    """action: None, "reset" (close, nothing sent) or "drop_mid" (status,
    headers and half the body, then close)."""

    __slots__ = ("status", "body", "headers", "close", "action", "on_sent")

    def __init__(self, status, body=b"", content_type="text/xml;charset=UTF-8",
                 headers=None, close=False, action=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.headers = list(headers or [])
        if content_type and self.body:
            self.headers.insert(0, ("Content-Type", content_type))
        self.close = close
        self.action = action
        self.on_sent = None     # called once the response left (or failed)


class Listener:
    """app(request) -> Response.  tls: None, or a callable returning the
    SSLContext to wrap the next accepted connection with.  on_event(kind,
    value): "connection", "handshake", "response" (status, bytes)."""

    def __init__(self, sock, app, tls=None, on_event=None, name=""):
        self.sock, self.app, self.tls = sock, app, tls
        self.on_event = on_event or (lambda kind, *a: None)
        self.name = name


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
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
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

    def _send(self, sock, req, resp, lst):
        if resp.action == "reset":
            # no TLS close_notify: linger 0 makes close() send a TCP RST
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
            except OSError:
                pass
            lst.on_event("reset")
            return False
        conn_hdr = req.header("connection", "").lower()
        close = (resp.close or "close" in conn_hdr
                 or (req.version == "HTTP/1.0" and "keep-alive" not in conn_hdr))
        # Tomcat (CUCM's web container) sends no reason phrase
        lines = [f"HTTP/1.1 {resp.status} "]
        for k, v in resp.headers:
            lines.append(f"{k}: {v}")
        lines.append(f"Content-Length: {len(resp.body)}")
        lines.append("Date: " + email.utils.formatdate(usegmt=True))
        if close:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        body = resp.body if req.method != "HEAD" else b""
        if resp.action == "drop_mid":
            data = head + body[:len(body) // 2]
            sock.sendall(data)
            lst.on_event("response", resp.status, len(data))
            return False
        data = head + body
        sock.sendall(data)
        lst.on_event("response", resp.status, len(data))
        return not close

