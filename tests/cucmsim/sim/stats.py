"""Ground truth for tests: request counts and every write each phone got."""

import collections
import threading


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()
        self._writes = collections.defaultdict(list)

    def reset(self):
        with self._lock:
            self.axl = collections.Counter()
            self.ris = collections.Counter()
            self.http_status = collections.Counter()
            self.events = collections.Counter()
            self.bytes_sent = 0
            self.requests = 0

    def request(self, endpoint, op):
        with self._lock:
            self.requests += 1
            if endpoint == "axl":
                self.axl[op or "?"] += 1
            elif endpoint == "ris":
                self.ris[op or "?"] += 1

    def on_event(self, kind, status=None, nbytes=0):
        """httpserver.Listener hook for the AXL/RIS port."""
        with self._lock:
            if kind == "response":
                self.http_status[str(status)] += 1
                self.bytes_sent += nbytes
            else:
                self.events[kind] += 1

    def counts(self, extra=None):
        with self._lock:
            out = {"axl": dict(self.axl), "ris": dict(self.ris),
                   "http_status": dict(self.http_status),
                   "bytes_sent": self.bytes_sent, "requests": self.requests,
                   "connections": self.events["connection"],
                   "tls_handshakes": self.events["handshake"],
                   "resets": self.events["reset"]}
        if extra:
            out.update(extra)
        return out

    def write(self, name, op, when, values):
        with self._lock:
            self._writes[name].append({"op": op, "time": when,
                                       "values": dict(values)})

    def writes(self, name=None):
        with self._lock:
            if name is not None:
                return {name: list(self._writes.get(name, []))}
            return {k: list(v) for k, v in self._writes.items()}
