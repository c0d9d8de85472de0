"""The real AXL schemas: loaded once per version, on first use.

AXLSoap.xsd validates the request's operation element (a detached copy, as
its own document).  Its enumerations are unions with xsd:string and accept
anything (FACTS §3, §10), so the CAPF enum values are checked separately
against the strict lists of that version's AXLEnums.xsd.
"""

import copy
import lzma
import os
import threading
import time

from lxml import etree

XSD_NS = "http://www.w3.org/2001/XMLSchema"
CAPF_ENUMS = {"certificateOperation": "XCertificateOperation",
              "authenticationMode": "XAuthenticationMode",
              "keySize": "XKeySize", "keyOrder": "XKeyOrder",
              "ecKeySize": "XECKeySize"}


class SchemaCache:
    def __init__(self, base_dir):
        self.base = base_dir
        self._schemas, self._enums, self._docs, self._tags = {}, {}, {}, {}
        self._locks = {}
        self._lock = threading.Lock()
        self.load_seconds = {}

    def _open(self, version, name):
        """A schema file, plain or xz-compressed (the repository keeps the
        compressed copies)."""
        path = os.path.join(self.base, version, name)
        if os.path.isfile(path):
            return open(path, "rb")
        return lzma.open(path + ".xz", "rb")

    def available(self, version):
        path = os.path.join(self.base, version, "AXLSoap.xsd")
        return os.path.isfile(path) or os.path.isfile(path + ".xz")

    def _version_lock(self, version):
        with self._lock:
            return self._locks.setdefault(version, threading.Lock())

    def schema(self, version):
        with self._version_lock(version):
            s = self._schemas.get(version)
            if s is None:
                t0 = time.monotonic()
                with self._open(version, "AXLSoap.xsd") as f:
                    doc = etree.parse(f)
                s = etree.XMLSchema(doc)
                self._docs[version] = doc
                self.load_seconds[version] = round(time.monotonic() - t0, 3)
                self._schemas[version] = s
            return s

    def returned_tags(self, version, op):
        """Element names allowed under the operation's returnedTags."""
        key = (version, op)
        names = self._tags.get(key)
        if names is None:
            self.schema(version)
            root = self._docs[version].getroot()
            x = f"{{{XSD_NS}}}"

            def typename(el):
                return (el.get("type") or "").split(":")[-1]

            def ctype(name):
                return root.find(f"{x}complexType[@name='{name}']")

            names = set()
            el = root.find(f"{x}element[@name='{op}']")
            req = ctype(typename(el)) if el is not None else None
            rt = req.find(f".//{x}element[@name='returnedTags']") \
                if req is not None else None
            tt = ctype(typename(rt)) if rt is not None else None
            if tt is not None:
                seq = tt.find(f"{x}sequence")
                if seq is not None:
                    names = {e.get("name") for e in seq.findall(f"{x}element")}
            self._tags[key] = names
        return names

    def enums(self, version):
        with self._version_lock(version):
            e = self._enums.get(version)
            if e is None:
                with self._open(version, "AXLEnums.xsd") as f:
                    doc = etree.parse(f)
                e = {}
                for st in doc.iter(f"{{{XSD_NS}}}simpleType"):
                    name = st.get("name")
                    if name:
                        e[name] = [x.get("value") for x in
                                   st.iter(f"{{{XSD_NS}}}enumeration")]
                self._enums[version] = e
            return e

    def validate(self, version, element):
        """None when valid, else the first validation message.

        returnedTags children are only checked by name: clients send them
        empty (<traceFlag/>), which the typed schema would refuse while CUCM
        accepts them."""
        schema = self.schema(version)
        doc = copy.deepcopy(element)
        op = etree.QName(doc).localname
        for rt in doc:
            if isinstance(rt.tag, str) and \
                    etree.QName(rt).localname == "returnedTags":
                asked = [etree.QName(c).localname for c in rt
                         if isinstance(c.tag, str)]
                allowed = self.returned_tags(version, op)
                for name in asked:
                    if allowed and name not in allowed:
                        return (f"Element '{name}': This element is not "
                                "expected.")
                for c in list(rt):
                    rt.remove(c)
                rt.text = None
        with self._version_lock(version):
            if schema.validate(doc):
                return None
            err = schema.error_log.last_error
            first = schema.error_log[0] if len(schema.error_log) else err
        return first.message if first is not None else "invalid request"

    def check_capf_enums(self, version, element):
        """(element name, value) of the first CAPF enum value the strict
        list rejects, or None.  Looks at the operation's direct children."""
        lists = self.enums(version)
        for child in element:
            if not isinstance(child.tag, str):
                continue
            local = etree.QName(child).localname
            enum = CAPF_ENUMS.get(local)
            if enum is None:
                continue
            value = (child.text or "").strip()
            if value not in lists.get(enum, ()):
                return local, value
        return None
