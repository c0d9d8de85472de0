"""RisPort70 (POST /realtimeservice2/services/RISService70): selectCmDevice.

Namespace http://schemas.cisco.com/ast/soap with the ns1: prefix real
servers use.  Each phone RIS knows appears once per node that reports it
(registry.ris_entries): a dual-node phone has a second, older UnRegistered
entry.  At most ris_max_devices items per answer; TotalDevicesFound counts
all that matched.  ris_rate accepted requests per rolling real-time minute,
then the Axis rate-control fault.
"""

import collections
import fnmatch
import os
import threading
import time

from lxml import etree

from . import enums, faults, soap
from .axl import auth_failure
from .httpserver import Response
from .population import CM_NODES

NS = soap.RIS_NS
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
OPS = ("selectCmDevice", "selectCmDeviceExt")


def _el(tag, value):
    if value is None or value == "":
        return f"<ns1:{tag}/>"
    return f"<ns1:{tag}>{soap.esc(value)}</ns1:{tag}>"


def _find(parent, name):
    if parent is None:
        return None
    for c in parent:
        if isinstance(c.tag, str) and etree.QName(c).localname == name:
            return c
    return None


def _text(parent, name, default=""):
    c = _find(parent, name)
    return default if c is None or c.text is None else c.text.strip()


class RisEndpoint:
    def __init__(self, sim, wsdl_path=None):
        self.sim = sim
        self.wsdl_path = wsdl_path
        self._times = collections.deque()
        self._lock = threading.Lock()

    def _rate_ok(self):
        rate = self.sim.config["ris_rate"]
        if not rate:
            return True
        now = time.monotonic()
        with self._lock:
            while self._times and now - self._times[0] >= 60.0:
                self._times.popleft()
            if len(self._times) >= rate:
                return False
            self._times.append(now)
            return True

    def handle(self, req):
        sim = self.sim
        if req.method == "GET":
            if req.query.lower() == "wsdl" and self.wsdl_path and \
                    os.path.isfile(self.wsdl_path):
                with open(self.wsdl_path, "rb") as f:
                    return Response(200, f.read(), "text/xml;charset=utf-8")
            return Response(405, soap.tomcat_page(
                405, "Method Not Allowed", "Use HTTP POST."),
                "text/html;charset=utf-8")
        sa = (req.header("soapaction") or "").strip().strip('"')
        op = sa.rsplit("#", 1)[-1] if sa else ""
        op = op if op in OPS else (op or "")
        sim.stats.request("ris", op or "selectCmDevice")

        def process(rule):
            auth = sim.auth.check(req.headers)
            if auth.status != 200:
                return auth_failure(auth.status)
            resp = self._process(req)
            if auth.set_cookie:
                resp.headers.append(("Set-Cookie", auth.set_cookie))
            return resp
        return sim.faults.run(sim, "ris", op or "selectCmDevice", req,
                              process, sim.config["latency_ris_ms"])

    def _process(self, req):
        sim = self.sim
        try:
            root = etree.fromstring(req.body, _PARSER)
        except etree.XMLSyntaxError as e:
            return Response(500, soap.plain_fault(
                "soapenv:Server.userException",
                f"org.xml.sax.SAXParseException: {e}", soap.RIS_PROLOG))
        body = _find(root, "Body")
        el = next((c for c in body if isinstance(c.tag, str)), None) \
            if body is not None else None
        name = etree.QName(el).localname if el is not None else ""
        if name not in OPS:
            return Response(500, soap.plain_fault(
                "soapenv:Client", f"No such operation '{name}'",
                soap.RIS_PROLOG))
        if not self._rate_ok():
            return faults.rate_fault(sim.config["ris_rate"], sim.hostname)
        crit = _find(el, "CmSelectionCriteria")
        try:
            return Response(200, self._select(crit),
                            "text/xml;charset=utf-8")
        except ValueError as e:
            return Response(500, soap.plain_fault(
                "soapenv:Server.userException", str(e), soap.RIS_PROLOG))

    # -- selection -------------------------------------------------------------

    def _select(self, crit):
        sim = self.sim
        cap = sim.config["ris_max_devices"]
        try:
            want = int(_text(crit, "MaxReturnedDevices", "") or cap)
        except ValueError:
            raise ValueError("MaxReturnedDevices is not a number") from None
        limit = min(max(want, 0), cap)
        dclass = _text(crit, "DeviceClass", "Any") or "Any"
        model = _text(crit, "Model", "255") or "255"
        status = _text(crit, "Status", "Any") or "Any"
        node = _text(crit, "NodeName", "")
        select_by = _text(crit, "SelectBy", "Name") or "Name"
        protocol = _text(crit, "Protocol", "Any") or "Any"
        sel = _find(crit, "SelectItems")
        items = [] if sel is None else [
            _text(i, "Item") for i in sel if isinstance(i.tag, str)]
        items = [i for i in items if i]
        now = sim.clock.now()

        phones = self._candidates(select_by, items)
        if dclass not in ("Any", "Phone"):
            phones = []
        descs = sim.store.descriptions([p.name for p in phones]) \
            if phones else {}
        by_node = collections.OrderedDict((n, []) for n in CM_NODES)
        found = returned = 0
        for rt in phones:
            if model != "255" and str(rt.tkmodel) != model:
                continue
            if protocol != "Any" and enums.DEVICE_PROTOCOLS[rt.protocol] \
                    != protocol:
                continue
            if select_by == "Description" and not self._match(
                    descs.get(rt.name, ""), items):
                continue
            for n, st, ts in sim.registry.ris_entries(rt, now):
                if status != "Any" and st != status:
                    continue
                if node and n.lower() != node.lower():
                    continue
                found += 1
                if returned < limit:
                    by_node[n].append(self._device(rt, st, ts,
                                                   descs.get(rt.name, "")))
                    returned += 1
        return self._document(found, returned, by_node, now)

    @staticmethod
    def _match(value, patterns):
        v = value.lower()
        return any(fnmatch.fnmatchcase(v, p.lower()) for p in patterns)

    def _candidates(self, select_by, items):
        reg = self.sim.registry
        if select_by == "Name" and items and not any("*" in i for i in items):
            seen, out = set(), []
            for i in items:
                rt = reg.get(i.upper())
                if rt is not None and rt.name not in seen:
                    seen.add(rt.name)
                    out.append(rt)
            return sorted(out, key=lambda r: r.name)
        allp = sorted(reg.phones.values(), key=lambda r: r.name)
        if not items or select_by == "Description":
            return allp
        if select_by == "Name":
            return [r for r in allp if self._match(r.name, items)]
        if select_by == "IPV4Address":
            return [r for r in allp if self._match(r.ip, items)]
        if select_by == "DirNumber":
            return [r for r in allp if self._match(r.dn, items)]
        if select_by == "IPV6Address":
            return []
        raise ValueError(f"Invalid SelectBy value {select_by}")

    def _device(self, rt, status, ts, desc):
        hw = rt.hardware
        ip = (f"<ns1:IPAddress><ns1:item>{_el('IP', rt.ip)}"
              f"<ns1:IPAddrType>ipv4</ns1:IPAddrType>"
              f"<ns1:Attribute>Unknown</ns1:Attribute></ns1:item>"
              f"</ns1:IPAddress>")
        line_status = "Registered" if status == "Registered" else "UnRegistered"
        nil = f' xsi:nil="true" xmlns:xsi="{soap.XSI}"'
        h323 = "".join(f"<ns1:{t}{nil}/>" for t in (
            "ConfigName", "TechPrefix", "Zone", "RemoteCmServer1",
            "RemoteCmServer2", "RemoteCmServer3", "AltGkList", "ActiveGk",
            "CallSignalAddr", "RasAddr"))
        return (
            "<ns1:item>" + _el("Name", rt.name)
            + _el("DirNumber", f"{rt.dn}-{line_status}")
            + _el("DeviceClass", "Phone") + _el("Model", rt.tkmodel)
            + _el("Product", rt.product) + _el("BoxProduct", 0)
            + _el("Httpd", "Yes" if hw else "No")
            + _el("RegistrationAttempts", 0)
            + _el("IsCtiControllable", "true")
            + _el("LoginUserId", rt.owner or "")
            + _el("Status", status)
            + _el("StatusReason", 0 if status == "Registered" else 1)
            + _el("PerfMonObject", 2) + _el("DChannel", 0)
            + _el("Description", desc)
            + f"<ns1:H323Trunk>{h323}</ns1:H323Trunk>"
            + _el("TimeStamp", ts)
            + _el("Protocol", enums.DEVICE_PROTOCOLS[rt.protocol])
            + _el("NumOfLines", 1)
            + "<ns1:LinesStatus><ns1:item>" + _el("DirectoryNumber", rt.dn)
            + _el("Status", line_status) + "</ns1:item></ns1:LinesStatus>"
            + _el("ActiveLoadID", rt.load) + _el("InactiveLoadID", rt.load)
            + _el("DownloadStatus", "Unknown")
            + _el("DownloadFailureReason", "") + _el("DownloadServer", "")
            + ip + "</ns1:item>")

    def _document(self, found, returned, by_node, now):
        sim = self.sim
        state = "".join(
            f'<Node Name="{n}" SubsystemStartTime="{sim.start - 86400}" '
            f'StateId="{now % 100000}" TotalItemsFound="{len(d)}" '
            f'TotalItemsReturned="{len(d)}"/>' for n, d in by_node.items())
        state_info = soap.esc(f"<StateInfo>{state}</StateInfo>")
        if returned == 0:
            nodes = (f'<ns1:CmNodes xmlns:xsi="{soap.XSI}" xsi:nil="1"/>')
        else:
            nodes = "<ns1:CmNodes>" + "".join(
                "<ns1:item>"
                + _el("ReturnCode", "Ok" if d else "NotFound")
                + _el("Name", n) + _el("NoChange", "false")
                + ("<ns1:CmDevices>" + "".join(d) + "</ns1:CmDevices>"
                   if d else "<ns1:CmDevices/>")
                + "</ns1:item>" for n, d in by_node.items()) + "</ns1:CmNodes>"
        inner = (f'<ns1:selectCmDeviceResponse xmlns:ns1="{NS}">'
                 "<ns1:selectCmDeviceReturn><ns1:SelectCmDeviceResult>"
                 f"{_el('TotalDevicesFound', found)}{nodes}"
                 "</ns1:SelectCmDeviceResult>"
                 f"<ns1:StateInfo>{state_info}</ns1:StateInfo>"
                 "</ns1:selectCmDeviceReturn></ns1:selectCmDeviceResponse>")
        return soap.envelope(inner, soap.RIS_PROLOG)

