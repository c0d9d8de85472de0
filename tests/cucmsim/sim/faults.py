"""Fault injection: rules from POST /faults and the responses they make.

A rule matches requests by endpoint ("axl", "ris", "any") and operation
("*", a name, or a list of names); it fires on its nth match and then for
`count` matches (-1: forever).  Latency rules add up; of the other rules
that fire on a request, the first added wins.  README.md ("Fault rules")
has the table; in short:

- before processing, nothing applied: reset, http500, http503, soap_fault,
  max_memory, too_large, rate_limit; stall_before (nothing ever sent: the
  connection ends when the client goes or the simulator stops).
- while processing: endless (listPhone and executeSQLQuery answer a full
  page of fresh rows whatever skip or keyset asked for).
- after processing, a write IS applied and the answer is damaged:
  truncate, invalid_xml, drop_mid_response; markup and stray_element
  (replies a client must read in full / cannot account for); set_field
  (`field` of the records, or of the one named `name`, holds `value`: bad
  data); stall_after, stall_mid (`bytes` of the body, then nothing),
  trickle (a byte every `ms`), gzip_bomb (if gzip is accepted: `bytes`
  inflated), huge_length (Content-Length `bytes`, the real body, close),
  close_after (answer, then close), close_unanswered (close with nothing
  sent, then refuse the next `refuse` connections with `refuse_with`).
- holds, for tests that kill the client at an exact point: hold_before,
  hold_after, until POST /faults/release; GET /faults/held waits for them.
- connection rules count connections, not requests: refuse (TCP RST after
  accept), wrong_ca (a certificate from another CA at the handshake).
"""

import re
import threading
import time

from . import soap
from .httpserver import Response

PRE = {"reset", "http500", "http503", "soap_fault", "max_memory",
       "too_large", "rate_limit", "stall_before"}
POST = {"truncate", "invalid_xml", "drop_mid_response", "markup",
        "stray_element", "set_field", "stall_after", "stall_mid", "trickle",
        "gzip_bomb", "huge_length", "close_after", "close_unanswered"}
HOLD = {"hold_before", "hold_after"}
CONNECTION = {"wrong_ca", "refuse"}
ACTIONS = PRE | POST | HOLD | CONNECTION | {"latency", "endless"}
HOLD_LIMIT_S = 120
GZIP_BOMB_BYTES = 4 << 30
HUGE_LENGTH = 2 << 30
MAX_MEMORY = ("Maximum AXL Memory Allocation Consumed. Please retry once "
              "requests in progress have completed")


def too_large_message(total, suggest):
    return (f"Query request too large. Total rows matched: {total} rows. "
            f"Suggestive Row Fetch: less than {suggest} rows")


def throttle_response(retry_after=None):
    """AXL's write throttle: HTTP 503 with a short body (body UNCONFIRMED)."""
    headers = [("Retry-After", str(retry_after))] if retry_after is not None \
        else []
    return Response(503, soap.tomcat_page(
        503, "AXL write request rejected: too many requests in progress",
        "The server is currently unable to handle the request due to a "
        "temporary overload or scheduled maintenance, which will likely be "
        "alleviated after some delay."), "text/html;charset=utf-8", headers)


def rate_fault(rate, hostname):
    return Response(500, soap.ris_fault(
        "Server.RateControl",
        "AxisFault: Exceeded allowed rate for Reatime information. Current "
        f"allowed rate for realtime information is {rate} requests per "
        "minute.", hostname))


class Rule:
    def __init__(self, spec):
        self.endpoint = spec.get("endpoint", "any")
        self.op = spec.get("op", "*")
        self.action = spec.get("action")
        self.nth = int(spec.get("nth", 1))
        self.count = int(spec.get("count", 1))
        self.ms = int(spec.get("ms", 0))
        self.retry_after = spec.get("retry_after")
        self.fault = dict(spec.get("fault") or {})
        self.rows = spec.get("rows")
        self.bytes = spec.get("bytes")
        self.field = spec.get("field")
        self.value = spec.get("value")
        self.name = spec.get("name")
        self.raw = bool(spec.get("raw", False))
        self.refuse = int(spec.get("refuse", 1))
        self.refuse_with = spec.get("refuse_with", "reset")
        self.seen = 0
        self.fired = 0
        self.serial = 0         # endless: names handed out so far
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}")
        if self.endpoint not in ("axl", "ris", "any"):
            raise ValueError(f"unknown endpoint {self.endpoint!r}")
        if not (isinstance(self.op, str) or isinstance(self.op, list) and
                all(isinstance(o, str) for o in self.op)):
            raise ValueError("op: a name, \"*\" or a list of names")
        if self.nth < 1 or self.count == 0 or self.count < -1:
            raise ValueError("nth must be >= 1, count >= 1 or -1")
        if self.bytes is not None and (not isinstance(self.bytes, int)
                                       or self.bytes < 0):
            raise ValueError("bytes must be an integer >= 0")
        if self.action == "set_field" and not (
                isinstance(self.field, str) and isinstance(self.value, str)
                and re.fullmatch(r"[A-Za-z_][\w.-]*", self.field)):
            raise ValueError("set_field needs field (an element name) and "
                             "value (a string)")
        if self.refuse < 0 or self.refuse_with not in ("reset", "wrong_ca"):
            raise ValueError("refuse >= 0, refuse_with reset or wrong_ca")

    def matches(self, endpoint, op):
        return self.endpoint in ("any", endpoint) and (
            self.op == "*" or op == self.op
            or isinstance(self.op, list) and op in self.op)

    def _fire(self):
        """Counts a match; True when this match is one it acts on."""
        self.seen += 1
        if self.seen >= self.nth and (self.count == -1
                                      or self.fired < self.count):
            self.fired += 1
            return True
        return False

    def to_json(self):
        out = {"endpoint": self.endpoint, "op": self.op,
               "action": self.action, "nth": self.nth, "count": self.count,
               "ms": self.ms, "retry_after": self.retry_after,
               "fault": self.fault, "seen": self.seen, "fired": self.fired}
        for k in ("rows", "bytes", "field", "value", "name"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        if self.action == "close_unanswered":
            out.update(refuse=self.refuse, refuse_with=self.refuse_with)
        return out


class FaultEngine:
    def __init__(self):
        self._rules = []
        self._lock = threading.Lock()
        self._hold = threading.Condition()
        self._held = 0
        self._generation = 0

    def hold(self):
        """Blocks the calling request until release() (bounded, so a test
        that forgets to release cannot hang the simulator)."""
        with self._hold:
            gen = self._generation
            self._held += 1
            self._hold.notify_all()
            self._hold.wait_for(lambda: self._generation != gen,
                                HOLD_LIMIT_S)
            self._held -= 1
            self._hold.notify_all()

    def wait_held(self, n, timeout):
        """The number of requests held, once at least n are (or timeout)."""
        with self._hold:
            self._hold.wait_for(lambda: self._held >= n, timeout)
            return self._held

    def release(self):
        with self._hold:
            n = self._held
            self._generation += 1
            self._hold.notify_all()
            return n

    def add(self, specs):
        rules = [Rule(s) for s in specs]
        with self._lock:
            self._rules.extend(rules)

    def clear(self):
        with self._lock:
            self._rules = []

    def rules(self):
        with self._lock:
            return [r.to_json() for r in self._rules]

    def match(self, endpoint, op):
        """(latency_ms, rule or None) for one request."""
        latency, chosen = 0, None
        with self._lock:
            for r in self._rules:
                if r.action in CONNECTION or not r.matches(endpoint, op):
                    continue
                if r.action == "latency":
                    if r._fire():
                        latency += r.ms
                elif chosen is None and r._fire():
                    chosen = r
        return latency, chosen

    def connection(self, action):
        """True when the connection being made meets a connection rule:
        "refuse" at accept, "wrong_ca" at the TLS handshake."""
        with self._lock:
            for r in self._rules:
                if r.action == action and r._fire():
                    return True
        return False

    def fresh_names(self, rule, n):
        """n (name, pkid) pairs the endless rule never handed out before,
        in increasing order (SEPF00000000000, SEPF00000000001, ...)."""
        with self._lock:
            start = rule.serial
            rule.serial += n
        return [("SEP%012X" % (0xF00000000000 + k),
                 "f0000000-0000-4000-8000-%012x" % k)
                for k in range(start, start + n)]

    def run(self, sim, endpoint, op, req, process, latency_ms):
        """The response to one request: process(rule) -> Response (rule is
        the one that fired, or None) under the rules that match it."""
        latency, rule = self.match(endpoint, op)
        latency += latency_ms
        action = rule.action if rule is not None else None
        if action in PRE:
            if latency:
                time.sleep(latency / 1000)
            return pre_response(rule, endpoint, op, sim.hostname,
                                sim.config["ris_rate"])
        if action == "hold_before":
            self.hold()
        resp = process(rule)
        if latency:
            time.sleep(latency / 1000)
        if action == "hold_after":
            self.hold()
        if action == "close_unanswered" and rule.refuse:
            self.add([{"action": "refuse" if rule.refuse_with == "reset"
                       else "wrong_ca", "count": rule.refuse}])
        if action in POST:
            resp = post_response(rule, resp, req)
        return resp


def pre_response(rule, endpoint, op, hostname, ris_rate):
    """The response of a PRE action (request not processed)."""
    a = rule.action
    if a in ("reset", "stall_before"):
        return Response(0, action="reset" if a == "reset" else "stall")
    if a == "http500":
        return Response(500, soap.tomcat_page(
            500, "Request processing failed",
            "The server encountered an unexpected condition that prevented "
            "it from fulfilling the request.",
            "java.lang.NullPointerException\n\tat com.cisco.axl.servletRouters"
            ".AXLAlpha.doPost(AXLAlpha.java:412)"),
            "text/html;charset=utf-8")
    if a == "http503":
        return throttle_response(rule.retry_after)
    if a == "rate_limit":
        if endpoint == "ris":
            return rate_fault(ris_rate, hostname)
        return throttle_response(rule.retry_after)
    if a == "soap_fault":
        f = rule.fault
        code = f.get("faultcode", "soapenv:Server")
        msg = f.get("faultstring", "Injected fault")
        if endpoint == "ris" and "axlcode" not in f:
            return Response(500, soap.plain_fault(code, msg, soap.RIS_PROLOG))
        return Response(500, soap.axl_fault(code, msg, f.get("axlcode", -1),
                                            f.get("request", op)))
    if a == "max_memory":
        return Response(500, soap.axl_fault("soapenv:Server", MAX_MEMORY, -1,
                                            op))
    if a == "too_large":
        total, suggest = rule.rows or (2816, 844)
        return Response(500, soap.axl_fault(
            "soapenv:Server", too_large_message(total, suggest), -1, op))
    raise ValueError(a)


def _set_field(rule, body):
    """body with rule.field of each record (or of the one named rule.name)
    holding rule.value: escaped, or as given when raw."""
    field = rule.field.encode()
    value = (rule.value if rule.raw else soap.esc(rule.value)).encode("utf-8")
    name = None if rule.name is None else \
        b"<name>" + soap.esc(rule.name).encode("utf-8") + b"</name>"
    elem = re.compile(rb"<%s(\s[^>]*?)?(?:/>|>.*?</%s>)" % (field, field),
                      re.S)

    def record(m):
        rec = m.group(0)
        if name is not None and name not in rec:
            return rec
        return elem.sub(lambda e: b"<%s%s>%s</%s>" % (
            field, e.group(1) or b"", value, field), rec)
    return re.sub(rb"<(phone|row|registrationDynamic)\b[^>]*>.*?</\1>",
                  record, body, flags=re.S)


def _accepts_gzip(req):
    for part in req.header("accept-encoding", "").lower().split(","):
        coding, _, q = part.strip().partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*") and \
                q.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00"):
            return True
    return False


def post_response(rule, resp, req):
    """Damages a processed response (see the module's docstring)."""
    a = rule.action
    if a == "truncate":
        resp.body = resp.body[:max(1, len(resp.body) // 2)]
    elif a == "invalid_xml":
        resp.body = (b"<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope "
                     b"xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/"
                     b"\"><soapenv:Body><ns:Response><return><row><name>SEP&"
                     b"</nme></row></return></soapenv:Body>")
        resp.status = 200
    elif a == "drop_mid_response":
        resp.action = "drop_mid"
    elif a == "markup":
        # in every record: child elements inside its first value, and an
        # unknown element with a child of its own
        resp.body = re.sub(
            rb"(<(?:phone|row)\b[^>]*>)<(\w+)>([^<]*)</\2>",
            rb"\1<\2>\3<b><c/></b></\2><futureTag><x>1</x></futureTag>",
            resp.body)
    elif a == "stray_element":
        resp.body = re.sub(rb"(</(phone|row)>)", rb"\1<notAPhone/>",
                           resp.body, count=1)
    elif a == "set_field":
        resp.body = _set_field(rule, resp.body)
    elif a in ("stall_after", "close_unanswered"):
        resp.action = "stall" if a == "stall_after" else "close"
    elif a == "stall_mid":
        resp.action = "stall_mid"
        resp.param = len(resp.body) // 2 if rule.bytes is None else rule.bytes
    elif a == "trickle":
        resp.action, resp.param = "trickle", (rule.ms or 1000) / 1000
    elif a == "gzip_bomb":
        if _accepts_gzip(req):
            resp.action = "gzip_bomb"
            resp.param = GZIP_BOMB_BYTES if rule.bytes is None else rule.bytes
    elif a == "huge_length":
        resp.action = "huge_length"
        resp.param = HUGE_LENGTH if rule.bytes is None else rule.bytes
    elif a == "close_after":
        resp.action = "close_after"
    else:
        raise ValueError(a)
    return resp
