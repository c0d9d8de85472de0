"""Fault injection: rules from POST /faults and the responses they make.

A rule matches requests by endpoint ("axl", "ris", "any") and operation
("*" or a name); it fires on its nth match and then for `count` matches
(-1: forever).  Latency rules add up; of the other rules that fire on a
request, the first added wins.  wrong_ca rules count TLS handshakes instead
of requests.  Actions taken before the request is processed (nothing is
applied): reset, http500, http503, soap_fault, max_memory, too_large,
rate_limit.  After processing (a write IS applied, the answer is damaged):
truncate, invalid_xml, drop_mid_response; markup (child elements inside
the first value of every record, and an unknown element in each: a reply
a client must read in full) and stray_element (an element that is not a
record among the records: a reply a client cannot account for).  Holds, for tests that kill the
client at an exact point: hold_before blocks the request before it is
processed, hold_after once it has been processed (a write IS applied),
until POST /faults/release; GET /faults/held waits for them.
"""

import re
import threading

from . import soap
from .httpserver import Response

PRE = {"reset", "http500", "http503", "soap_fault", "max_memory",
       "too_large", "rate_limit"}
POST = {"truncate", "invalid_xml", "drop_mid_response", "markup",
        "stray_element"}
HOLD = {"hold_before", "hold_after"}
ACTIONS = PRE | POST | HOLD | {"latency", "wrong_ca"}
HOLD_LIMIT_S = 120
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
        self.seen = 0
        self.fired = 0
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}")
        if self.endpoint not in ("axl", "ris", "any"):
            raise ValueError(f"unknown endpoint {self.endpoint!r}")
        if self.nth < 1 or self.count == 0 or self.count < -1:
            raise ValueError("nth must be >= 1, count >= 1 or -1")

    def matches(self, endpoint, op):
        return (self.endpoint in ("any", endpoint)
                and self.op in ("*", op))

    def _fire(self):
        """Counts a match; True when this match is one it acts on."""
        self.seen += 1
        if self.seen >= self.nth and (self.count == -1
                                      or self.fired < self.count):
            self.fired += 1
            return True
        return False

    def to_json(self):
        return {"endpoint": self.endpoint, "op": self.op,
                "action": self.action, "nth": self.nth, "count": self.count,
                "ms": self.ms, "retry_after": self.retry_after,
                "fault": self.fault, "seen": self.seen, "fired": self.fired}


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
                if r.action == "wrong_ca" or not r.matches(endpoint, op):
                    continue
                if r.action == "latency":
                    if r._fire():
                        latency += r.ms
                elif chosen is None and r._fire():
                    chosen = r
        return latency, chosen

    def wrong_ca(self):
        """True when the handshake being made must use the wrong CA."""
        with self._lock:
            for r in self._rules:
                if r.action == "wrong_ca" and r._fire():
                    return True
        return False


def pre_response(rule, endpoint, op, hostname, ris_rate):
    """The response of a PRE action (request not processed)."""
    a = rule.action
    if a == "reset":
        return Response(0, action="reset")
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


def post_response(rule, resp):
    """Damages a processed response (truncate, invalid_xml, drop_mid)."""
    a = rule.action
    if a == "truncate":
        resp.body = resp.body[:max(1, len(resp.body) // 2)]
        return resp
    if a == "invalid_xml":
        resp.body = (b"<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope "
                     b"xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/"
                     b"\"><soapenv:Body><ns:Response><return><row><name>SEP&"
                     b"</nme></row></return></soapenv:Body>")
        resp.status = 200
        return resp
    if a == "drop_mid_response":
        resp.action = "drop_mid"
        return resp
    if a == "markup":
        # in every record: child elements inside its first value, and an
        # unknown element with a child of its own
        resp.body = re.sub(
            rb"(<(?:phone|row)\b[^>]*>)<(\w+)>([^<]*)</\2>",
            rb"\1<\2>\3<b><c/></b></\2><futureTag><x>1</x></futureTag>",
            resp.body)
        return resp
    if a == "stray_element":
        resp.body = re.sub(rb"(</(phone|row)>)", rb"\1<notAPhone/>",
                           resp.body, count=1)
        return resp
    raise ValueError(a)
