"""AXL operations on phones: getCCMVersion, listPhone, getPhone, updatePhone,
applyPhone, restartPhone, resetPhone.  Each takes the request's operation
element and returns the inner XML of the response (or raises AxlFault).
The callers (axl.AxlEndpoint) hold no lock; state changes take sim.lock.
"""

from lxml import etree

from . import enums
from .clock import format_uft, parse_uft
from .soap import esc

XSI = "http://www.w3.org/2001/XMLSchema-instance"
CAPF_DEPENDENT = ("authenticationMode", "keySize", "keyOrder", "ecKeySize",
                  "authenticationString")
WRITE_OPS = {"updatePhone", "applyPhone", "restartPhone", "resetPhone"}
RELEASES = {"12.5": "12.5.1.16900-48", "14.0": "14.0.1.13900-155",
            "15.0": "15.0.1.12900-234"}
# fixed foreign keys every phone shares
COMMON_PHONE_CONFIG = ("Standard Common Phone Profile",
                       "ac243d17-98b4-4118-8feb-5ff2e1b781ac")
LOCATION = ("Hub_None", "29c5c1c4-8871-4d1e-8394-0b9181e8c54d")
# tags answered with a fixed value; any other requested tag comes back empty
FIXED = {"class": "Phone", "protocolSide": "User",
         "networkLocation": "Use System Default", "traceFlag": "false",
         "mlppIndicationStatus": "Off", "preemption": "Disabled",
         "useTrustedRelayPoint": "Default", "retryVideoCallAsAudio": "true",
         "builtInBridgeStatus": "Default", "callInfoPrivacyStatus": "Default",
         "hlogStatus": "On", "packetCaptureMode": "None",
         "packetCaptureDuration": "0", "deviceMobilityMode": "Default",
         "remoteDevice": "false", "enableExtensionMobility": "false",
         "allowCtiControlFlag": "true", "numberOfButtons": "",
         "sendGeoLocation": "false", "ignorePresentationIndicators": "false"}
GET_DEFAULT_TAGS = [
    "name", "description", "product", "model", "class", "protocol",
    "protocolSide", "callingSearchSpaceName", "devicePoolName",
    "commonDeviceConfigName", "commonPhoneConfigName", "networkLocation",
    "locationName", "mediaResourceListName", "loadInformation", "traceFlag",
    "mlppIndicationStatus", "preemption", "useTrustedRelayPoint",
    "retryVideoCallAsAudio", "securityProfileName", "sipProfileName",
    "enableExtensionMobility", "ownerUserName", "certificateOperation",
    "authenticationMode", "keySize", "keyOrder", "ecKeySize",
    "authenticationString", "certificateStatus", "upgradeFinishTime",
    "deviceMobilityMode", "remoteDevice", "dndStatus"]


class AxlFault(Exception):
    def __init__(self, message, axlcode, faultcode="soapenv:Server"):
        super().__init__(message)
        self.message, self.axlcode, self.faultcode = message, axlcode, faultcode


def not_found(op):
    if op == "updatePhone":
        return AxlFault("Phone not found", 5003)
    return AxlFault("Item not valid: The specified Phone was not found", 5007)


def local(el):
    return etree.QName(el).localname


def child(el, name):
    for c in el:
        if isinstance(c.tag, str) and local(c) == name:
            return c
    return None


def text(el, name, default=None):
    c = child(el, name)
    return default if c is None else (c.text or "")


def braces(pkid):
    return "{" + pkid.upper() + "}"


class PhoneRenderer:
    """XML for one phone's tags; nil style by schema version (14.0+: xsi
    declared on the response element, nil elements as <x uuid=""/>; 12.5:
    per-element xsi:nil="true")."""

    def __init__(self, version):
        self.old_nil = version == "12.5"

    def nil(self, tag):
        if self.old_nil:
            return f'<{tag} xsi:nil="true" uuid="" xmlns:xsi="{XSI}"/>'
        return f'<{tag} uuid=""/>'

    def fk(self, tag, name, pkid):
        if name is None:
            return self.nil(tag)
        return f'<{tag} uuid="{braces(pkid)}">{esc(name)}</{tag}>'

    @staticmethod
    def plain(tag, value):
        if value is None or value == "":
            return f"<{tag}/>"
        return f"<{tag}>{esc(value)}</{tag}>"

    def tag(self, tag, r):
        if tag == "name":
            return self.plain(tag, r["name"])
        if tag == "description":
            return self.plain(tag, r["description"])
        if tag in ("product", "model"):
            return self.plain(tag, r["model"])
        if tag == "protocol":
            return self.plain(tag, enums.DEVICE_PROTOCOLS.get(
                r["tkdeviceprotocol"], "SIP"))
        if tag == "callingSearchSpaceName":
            return self.fk(tag, r["css_name"], r["css_pkid"])
        if tag == "devicePoolName":
            return self.fk(tag, r["dp_name"], r["dp_pkid"])
        if tag == "securityProfileName":
            return self.fk(tag, r["sp_name"], r["sp_pkid"])
        if tag == "ownerUserName":
            return self.fk(tag, r["eu_userid"], r["eu_pkid"])
        if tag == "commonPhoneConfigName":
            return self.fk(tag, *COMMON_PHONE_CONFIG)
        if tag == "locationName":
            return self.fk(tag, *LOCATION)
        if tag in ("commonDeviceConfigName", "mediaResourceListName",
                   "sipProfileName", "automatedAlternateRoutingCssName",
                   "aarNeighborhoodName", "primaryPhoneName",
                   "defaultProfileName", "currentProfileName"):
            return self.nil(tag)
        if tag == "loadInformation":
            return '<loadInformation special="false"/>'
        if tag == "certificateOperation":
            return self.plain(tag, enums.op_name(r["tkcertificateoperation"]))
        if tag == "certificateStatus":
            return self.plain(tag, enums.status_name(r["tkcertificatestatus"]))
        if tag == "upgradeFinishTime":
            return self.plain(tag, r["upgradefinishtime"])
        if tag == "authenticationString":
            return self.plain(tag, r["authenticationstring"])
        if tag == "authenticationMode":
            return self.plain(tag, r["authenticationmode"])
        if tag in ("keySize", "keyOrder", "ecKeySize"):
            return self.plain(tag, r[tag.lower()])
        return self.plain(tag, FIXED.get(tag))

    def phone(self, r, tags):
        inner = "".join(self.tag(t, r) for t in tags)
        return f'<phone uuid="{braces(r["pkid"])}">{inner}</phone>'


def get_ccm_version(sim, el, version):
    return (f"<return><componentVersion><version>"
            f"{RELEASES[sim.release]}</version></componentVersion></return>")


def list_phone(sim, el, version, endless=None):
    crit_el = child(el, "searchCriteria")
    criteria = [(local(c), c.text or "") for c in crit_el
                if isinstance(c.tag, str)]
    if not criteria:
        raise AxlFault("At least one element under searchCriteria has to be "
                       "mentioned", 5003, "soapenv:Client")
    tags = [local(c) for c in child(el, "returnedTags")
            if isinstance(c.tag, str)]
    first_txt = text(el, "first")
    first = int(first_txt) if first_txt not in (None, "") else None
    skip = int(text(el, "skip") or 0) if first is not None else 0
    if endless is not None:
        rows = _endless_phones(sim, endless, criteria, first)
    else:
        rows = sim.store.iter_phones(criteria, skip, first)
    r = PhoneRenderer(version)
    limit = sim.config["max_response_bytes"]
    parts, size = [], 0
    for i, row in enumerate(rows):
        p = r.phone(row, tags)
        size += len(p.encode("utf-8")) if not p.isascii() else len(p)
        if size > limit:
            raise sim.too_large(len(rows), i + 1, size)
        parts.append(p)
    return "<return>" + "".join(parts) + "</return>"


def _endless_phones(sim, rule, criteria, first):
    """A full page (first, else every match) whatever skip asked for: the
    matching phones over and over, with fresh names and uuids."""
    rows = sim.store.iter_phones(criteria, 0, first)
    n = first if first is not None else len(rows)
    if not rows:
        rows = sim.store.iter_phones([("name", "%")], 0, 1)
        if not rows:
            return []
    out = []
    for k, (name, pkid) in enumerate(sim.faults.fresh_names(rule, n)):
        row = dict(rows[k % len(rows)])
        row.update(name=name, pkid=pkid)
        out.append(row)
    return out


def find_phone(sim, el, op):
    name = text(el, "name")
    if name is not None:
        row = sim.store.get_phone(name=name)
    else:
        row = sim.store.get_phone(pkid=text(el, "uuid", ""))
    if row is None:
        raise not_found(op)
    return row


def get_phone(sim, el, version):
    row = find_phone(sim, el, "getPhone")
    rt = child(el, "returnedTags")
    tags = ([local(c) for c in rt if isinstance(c.tag, str)]
            if rt is not None else GET_DEFAULT_TAGS)
    return f"<return>{PhoneRenderer(version).phone(row, tags)}</return>"


def update_phone(sim, el, version):
    values = {local(c): (c.text or "") for c in el
              if isinstance(c.tag, str) and local(c) not in ("name", "uuid")}
    op_name = values.get("certificateOperation")
    with sim.lock:
        row = find_phone(sim, el, "updatePhone")
        op = enums.op_enum(op_name) if op_name is not None else None
        with_op = op is not None and op != enums.OP_NONE
        for f in CAPF_DEPENDENT:
            if f in values and not with_op:
                raise AxlFault(
                    f"{f} can be updated only if certificateOperation field "
                    "is Install/Upgrade,Delete or Troubleshoot.", 5003,
                    "soapenv:Client")
        deadline = None
        if "upgradeFinishTime" in values:
            if not with_op and row["tkcertificateoperation"] == enums.OP_NONE:
                raise AxlFault("upgradeFinishTime can be updated only if "
                               "certificateOperation field is Install/Upgrade,"
                               "Delete or Troubleshoot.", 5003,
                               "soapenv:Client")
            try:
                deadline = parse_uft(values["upgradeFinishTime"])
            except ValueError:
                raise AxlFault(
                    "Invalid value for upgradeFinishTime: '%s'. Required "
                    "format is YYYY:MM:DD:HH:MM" % values["upgradeFinishTime"],
                    5003, "soapenv:Client") from None
        now = sim.clock.now()
        pkid = row["pkid"]
        cols, capf = {}, {}
        if "description" in values:
            cols["description"] = values["description"]
        if op is not None:
            cols["tkcertificateoperation"] = op
            if with_op:
                if deadline is None:
                    deadline = now + sim.capf.settings["default_deadline"]
                cols.update(tkcertificatestatus=enums.ST_PENDING,
                            upgradefinishtime=format_uft(deadline),
                            authenticationstring=values.get(
                                "authenticationString", ""))
            else:
                cols["upgradefinishtime"] = ""
        elif deadline is not None:
            cols["upgradefinishtime"] = format_uft(deadline)
        for f in ("authenticationMode", "keySize", "keyOrder", "ecKeySize"):
            if f in values:
                capf[f.lower()] = values[f]
        sim.store.update_device(pkid, **cols)
        sim.store.update_capf(pkid, **capf)
        rt = sim.registry.get(row["name"])
        if op is not None:
            sim.capf.on_update(rt, op, deadline, now)
        elif deadline is not None and row["name"] in sim.capf.jobs:
            job = sim.capf.jobs[row["name"]]
            sim.capf.on_update(rt, job.op, deadline, now)
        sim.stats.write(row["name"], "updatePhone", now, values)
    return f"<return>{braces(pkid)}</return>"


def notify_phone(op):
    def handler(sim, el, version):
        with sim.lock:
            row = find_phone(sim, el, op)
            now = sim.clock.now()
            rt = sim.registry.get(row["name"])
            sim.capf.on_notify(rt, now)
            sim.phone_web.on_notify(rt, op, now)
            sim.stats.write(row["name"], op, now, {})
        return f"<return>{braces(row['pkid'])}</return>"
    return handler

