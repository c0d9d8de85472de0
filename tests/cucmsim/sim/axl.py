"""The AXL endpoint (POST /axl/): the request pipeline.

fault rules -> authentication -> XML parse -> SOAPAction / version /
namespace agreement -> implemented operation -> XSD validation of the
operation element -> CAPF enum values -> read-only account -> write throttle
-> SQL access -> operation -> response size and concurrent-memory limits ->
latency.
"""

import collections
import re
import threading
import time

from lxml import etree

from . import axlops, axlsql, faults, soap
from .httpserver import Response

SOAPACTION_RE = re.compile(r'^\s*"?CUCM:DB ver=(\d+\.\d+) (\w+)"?\s*$')
NS_RE = re.compile(r"^http://www\.cisco\.com/AXL/API/(\d+\.\d+)$")
# what each CUCM release accepts (FACTS §1, D1 version matrix)
ACCEPTS = {"15.0": ["15.0", "14.0", "12.5", "12.0"],
           "14.0": ["14.0", "12.5", "12.0", "11.5", "11.0"],
           "12.5": ["12.5", "12.0", "11.5", "11.0", "10.5", "10.0"]}
OPERATIONS = {
    "getCCMVersion": axlops.get_ccm_version,
    "listPhone": axlops.list_phone,
    "getPhone": axlops.get_phone,
    "updatePhone": axlops.update_phone,
    "applyPhone": axlops.notify_phone("applyPhone"),
    "restartPhone": axlops.notify_phone("restartPhone"),
    "resetPhone": axlops.notify_phone("resetPhone"),
    "executeSQLQuery": axlsql.execute_sql_query,
    "listRegistrationDynamic": axlsql.list_registration_dynamic,
}
READS = {"listPhone", "executeSQLQuery", "listRegistrationDynamic"}
# config sql_access "fault": an account without the right to run SQL
# (wording UNCONFIRMED, README)
SQL_REFUSED = ("Access denied: the user does not have permission to execute "
               "executeSQLQuery")
REALM = 'Basic realm="Cisco Unified Communications Manager"'
GET_PAGE = ("<html><head><title>Cisco CallManager: AXL Web Service</title>"
            "</head><body><h1>Cisco CallManager: AXL Web Service</h1><p>The "
            "AXL Web Service is working and accepting requests.<br/>Use HTTP "
            "POST to send a request.</p></body></html>")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True,
                          huge_tree=False, remove_blank_text=False)


def fault_response(message, axlcode, request, faultcode="soapenv:Client"):
    return Response(500, soap.axl_fault(faultcode, message, axlcode, request))


def auth_failure(status):
    if status == 401:
        return Response(401, soap.tomcat_page(
            401, "Unauthorized", "The request has not been applied because it "
            "lacks valid authentication credentials for the target resource."),
            "text/html;charset=utf-8", [("WWW-Authenticate", REALM)])
    return Response(404, soap.tomcat_page(
        404, "Not Found", "The origin server did not find a current "
        "representation for the target resource or is not willing to "
        "disclose that one exists."), "text/html;charset=utf-8")


class AxlEndpoint:
    def __init__(self, sim):
        self.sim = sim
        self._writes = collections.deque()
        self._write_lock = threading.Lock()
        self._inflight = []          # sizes of large reads in flight
        self._inflight_lock = threading.Lock()

    # -- helpers -------------------------------------------------------------

    def supported(self):
        """The schema versions this release accepts and we can validate."""
        return [v for v in ACCEPTS[self.sim.release]
                if self.sim.schemas.available(v)]

    def version_error(self, op):
        vs = sorted(self.supported(), key=lambda v: tuple(map(int,
                                                              v.split("."))))
        listed = ", ".join(vs[:-1]) + " and " + vs[-1] if len(vs) > 1 else vs[0]
        if self.sim.config["version_error"] == "fault":
            return fault_response(
                f"Incorrect axl version. Supported axl versions are {listed}",
                5002, op)
        return Response(599, soap.version_page(listed),
                        "text/html;charset=utf-8")

    def _throttled(self):
        limit = self.sim.config["write_queue"]
        if not limit:
            return False
        now = time.monotonic()
        with self._write_lock:
            while self._writes and now - self._writes[0] >= 1.0:
                self._writes.popleft()
            if len(self._writes) >= limit:
                return True
            self._writes.append(now)
            return False

    def inflight_large(self):
        with self._inflight_lock:
            return len(self._inflight)

    def _admit_read(self, size):
        """Registers a read's result; False when memory is 'consumed'."""
        cfg = self.sim.config
        with self._inflight_lock:
            if self._inflight and (
                    size > cfg["concurrent_large_bytes"]
                    or sum(self._inflight) + size > cfg["concurrent_total_bytes"]):
                return False
            if size > cfg["concurrent_large_bytes"]:
                self._inflight.append(size)
                return "large"
            return True

    def _release_read(self, size):
        with self._inflight_lock:
            self._inflight.remove(size)

    # -- the pipeline --------------------------------------------------------

    def handle(self, req):
        sim = self.sim
        if req.path in ("/axl", "/axl/") and req.method == "GET":
            auth = sim.auth.check(req.headers)
            if auth.status != 200:
                return auth_failure(auth.status)
            return Response(200, GET_PAGE, "text/html;charset=utf-8")
        if req.method != "POST":
            return Response(405, soap.tomcat_page(
                405, "Method Not Allowed", "The method received in the request"
                "-line is known by the origin server but not supported by the "
                "target resource."), "text/html;charset=utf-8",
                [("Allow", "GET, POST")])
        sa = req.header("soapaction")
        m = SOAPACTION_RE.match(sa or "")
        op = m.group(2) if m else ""
        sim.stats.request("axl", op)

        def process(rule):
            auth = sim.auth.check(req.headers)
            if auth.status != 200:
                return auth_failure(auth.status)
            resp = self._process(req, sa, m, auth, rule)
            if auth.set_cookie:
                resp.headers.append(("Set-Cookie", auth.set_cookie))
            return resp
        return sim.faults.run(sim, "axl", op, req, process,
                              sim.config["latency_axl_ms"])

    def _process(self, req, sa, m, auth, rule):
        sim = self.sim
        try:
            root = etree.fromstring(req.body, _PARSER)
        except etree.XMLSyntaxError as e:
            return Response(500, soap.plain_fault(
                "soapenv:Client", f"Unable to parse the request: {e}"))
        body = root.find(f"{{{soap.SOAPENV}}}Body")
        el = None
        if body is not None:
            el = next((c for c in body if isinstance(c.tag, str)), None)
        if root.tag != f"{{{soap.SOAPENV}}}Envelope" or el is None:
            return Response(500, soap.plain_fault(
                "soapenv:Client", "The request is not a SOAP 1.1 envelope "
                "with a body"))
        qn = etree.QName(el)
        op = qn.localname
        if not sa:
            return fault_response("The SOAPAction header is missing; it must "
                                  "be \"CUCM:DB ver=X.Y " + op + "\"", 5002, op)
        if m is None:
            return fault_response(f"Invalid SOAPAction header '{sa}'; it must "
                                  f"be \"CUCM:DB ver=X.Y {op}\"", 5002, op)
        version, sa_op = m.group(1), m.group(2)
        if version not in self.supported():
            return self.version_error(op)
        nsm = NS_RE.match(qn.namespace or "")
        if nsm is None or nsm.group(1) != version or sa_op != op:
            ns_ver = nsm.group(1) if nsm else (qn.namespace or "none")
            return fault_response(
                f"SOAPAction '{sa.strip()}' does not match the request "
                f"{op} ver={ns_ver}", 5002, op)
        handler = OPERATIONS.get(op)
        if handler is None:
            return Response(500, soap.plain_fault(
                "soapenv:Client", "The endpoint reference (EPR) for the "
                "Operation not found is /axl/services/AXLAPIService and the "
                f"WSA Action = CUCM:DB ver={version} {op}. If this EPR was "
                "previously reachable, please contact the server "
                "administrator."))
        error = sim.schemas.validate(version, el)
        if error is not None:
            return fault_response(error, 5003, op)
        bad = sim.schemas.check_capf_enums(version, el)
        if bad is not None and op == "updatePhone":
            return fault_response(f"Invalid value for {bad[0]}: '{bad[1]}'",
                                  5003, op)
        if op in axlops.WRITE_OPS:
            if auth.readonly:
                return auth_failure(401)
            if self._throttled():
                return faults.throttle_response(sim.config.get("retry_after"))
        if op == "executeSQLQuery" and sim.config["sql_access"] != "allowed":
            if sim.config["sql_access"] == "http401":
                return auth_failure(401)
            return fault_response(SQL_REFUSED, 5003, op, "soapenv:Server")
        endless = rule is not None and rule.action == "endless"
        try:
            if endless and op in ("listPhone", "executeSQLQuery"):
                inner = handler(sim, el, version, endless=rule)
            else:
                inner = handler(sim, el, version)
        except axlops.AxlFault as f:
            return fault_response(f.message, f.axlcode, op, f.faultcode)
        seq = el.get("sequence")
        doc = soap.axl_response(op, version, inner, seq,
                                xsi=version != "12.5" and op in (
                                    "listPhone", "getPhone",
                                    "listRegistrationDynamic")).encode("utf-8")
        resp = Response(200, doc)
        if op in READS:
            admitted = self._admit_read(len(doc))
            if not admitted:
                return fault_response(faults.MAX_MEMORY, -1, op,
                                      "soapenv:Server")
            if admitted == "large":
                size = len(doc)
                resp.on_sent = lambda: self._release_read(size)
        return resp
