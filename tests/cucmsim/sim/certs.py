"""Test PKI: the HTTPS server's CA (and a wrong one), and the phone CAs.

EC P-256 keys throughout, so every key is made in well under a millisecond
and nothing slows start-up.  The server certificates use real time (the
client checks them against its own clock); phone certificates use the
virtual clock's epochs (MIC and LSC validity as the database says).
"""

import datetime
import ipaddress
import os
import ssl
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

YEAR = 365 * 86400


def _dt(epoch):
    epoch = max(-631152000, min(int(epoch), 253402300799))  # 1950..9999
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=epoch)


def _name(cn, org=None, ou=None):
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class CA:
    """A certificate authority; `chain` is its own certificate plus the
    intermediates above it (not the root), for leaf chains."""

    def __init__(self, cn, not_before, not_after, org=None, parent=None,
                 kind=None):
        self.cn = cn
        self.kind = kind        # what its leaves are, for phone CAs
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.not_after = int(not_after)
        subject = _name(cn, org)
        issuer = parent.cert.subject if parent else subject
        signer = parent.key if parent else self.key
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
             .public_key(self.key.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(_dt(not_before)).not_valid_after(_dt(not_after))
             .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                            critical=True)
             .add_extension(x509.KeyUsage(
                 digital_signature=True, key_cert_sign=True, crl_sign=True,
                 content_commitment=False, key_encipherment=False,
                 data_encipherment=False, key_agreement=False,
                 encipher_only=False, decipher_only=False), critical=True)
             .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                 self.key.public_key()), critical=False))
        self.cert = b.sign(signer, hashes.SHA256())
        self.pem = _pem_cert(self.cert)
        # what follows a leaf this CA issues: itself when intermediate
        self.chain = [self] + parent.chain if parent else []
        self.chain_pem = b"".join(ca.pem for ca in self.chain)
        self.root = parent.root if parent else self
        self.path = None

    def leaf(self, cn, not_before, not_after, org=None, ou=None, ips=(),
             dns=(), padding=0):
        """A leaf certificate and its key (x509 objects); padding adds a
        private extension of that many bytes (a huge certificate)."""
        return _leaf(_name(cn, org, ou), self.cert.subject, self.key,
                     not_before, not_after, ips, dns, padding)

    def issue(self, cn, not_before, not_after, org=None, ou=None, ips=(),
              dns=()):
        """A leaf certificate and key (PEM bytes, PEM bytes)."""
        cert, key = self.leaf(cn, not_before, not_after, org, ou, ips, dns)
        return _pem_cert(cert) + self.chain_pem, _pem_key(key)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.pem)
        self.path = os.path.abspath(path)
        return self.path


# a private extension; 2.999 is the arc X.660 keeps for examples
PADDING_OID = x509.ObjectIdentifier("2.999.1")


def _leaf(subject, issuer, signer, not_before, not_after, ips=(), dns=(),
          padding=0):
    """A leaf certificate with a fresh key, signed by `signer` (the leaf's
    own key when signer is None: self-signed)."""
    key = ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateBuilder().subject_name(subject)
         .issuer_name(issuer).public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(_dt(not_before)).not_valid_after(_dt(not_after))
         .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                        critical=True)
         .add_extension(x509.ExtendedKeyUsage(
             [ExtendedKeyUsageOID.SERVER_AUTH,
              ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
             (signer or key).public_key()), critical=False))
    sans = [x509.IPAddress(ipaddress.ip_address(i))
            for i in ips] + [x509.DNSName(d) for d in dns]
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if padding:
        # extnValue holds an OCTET STRING of zeros (long-form length)
        n = padding.to_bytes(4, "big")
        b = b.add_extension(x509.UnrecognizedExtension(
            PADDING_OID, b"\x04\x84" + n + bytes(padding)), critical=False)
    return b.sign(signer or key, hashes.SHA256()), key


def self_signed_leaf(cn, not_before, not_after, org=None, ips=()):
    """A self-signed end-entity certificate and its key (x509 objects)."""
    name = _name(cn, org)
    return _leaf(name, name, None, not_before, not_after, ips)


def server_context(cert_pem, key_pem, directory, stem):
    """An SSLContext (TLS 1.2+) serving the given chain."""
    cert_path = os.path.join(directory, stem + ".pem")
    key_path = os.path.join(directory, stem + ".key")
    with open(cert_path, "wb") as f:
        f.write(cert_pem)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


class ServerPKI:
    """The AXL/RIS server certificate from the test CA, and, made on first
    use, one from a different CA (the wrong_ca fault)."""

    def __init__(self, directory):
        self.dir = directory
        now = time.time()
        self.ca = CA("cucmsim Test CA", now - 86400, now + 10 * YEAR,
                     org="cucmsim")
        self.ca_file = self.ca.write(os.path.join(directory, "ca.pem"))
        self.context = self._context(self.ca, "server")
        self._wrong = None
        self._lock = threading.Lock()

    def _context(self, ca, stem):
        now = time.time()
        cert, key = ca.issue("cucm-pub", now - 86400, now + 2 * YEAR,
                             org="cucmsim", ips=["127.0.0.1"],
                             dns=["localhost"])
        return server_context(cert, key, self.dir, stem)

    def wrong_context(self):
        with self._lock:
            if self._wrong is None:
                now = time.time()
                ca = CA("cucmsim Rogue CA", now - 86400, now + 10 * YEAR,
                        org="Not The Test CA")
                ca.write(os.path.join(self.dir, "wrong-ca.pem"))
                self._wrong = self._context(ca, "wrong-server")
            return self._wrong


class PhonePKI:
    """The CAs phones' certificates come from: Cisco's manufacturing CA
    (MICs), the cluster's CAPF (self-signed, CN CAPF-xxxxxxxx), and an
    enterprise root with an issuing CA (LSCs via Online CA).  An issuer name
    not known yet gets a CA of that name on first use: self-signed when the
    name starts with "CAPF-" (a regenerated CAPF certificate), else an
    issuing CA under the enterprise root (a migration to another CA)."""

    def __init__(self, directory, start, capf_issuer, enterprise_root,
                 enterprise_issuing, mic_name):
        self.dir = os.path.join(directory, "phone-cas")
        os.makedirs(self.dir, exist_ok=True)
        self.start = start
        self._lock = threading.Lock()
        self.mic = CA(mic_name, start - 12 * YEAR, start + 20 * YEAR,
                      org="Cisco", kind="mic")
        self.root = CA(enterprise_root, start - 10 * YEAR, start + 20 * YEAR,
                       org="Acme")
        issuing = CA(enterprise_issuing, start - 5 * YEAR, start + 10 * YEAR,
                     org="Acme", parent=self.root, kind="enterprise_lsc")
        capf = CA(capf_issuer, start - 6 * YEAR, start + 10 * YEAR,
                  org="cucmsim cluster", kind="capf_lsc")
        self.cas = {"mic": self.mic, "capf": capf,
                    "enterprise_root": self.root,
                    "enterprise_issuing": issuing}
        self.paths = {k: ca.write(os.path.join(self.dir, _CA_FILES[k]))
                      for k, ca in self.cas.items()}
        self.by_name = {ca.cn: ca for ca in (capf, issuing)}
        self._long = {}

    def issuer(self, name):
        """The CA of that lscissuername (made on first use)."""
        with self._lock:
            ca = self.by_name.get(name)
            if ca is None:
                if name.startswith("CAPF-"):
                    ca = CA(name, self.start - YEAR, self.start + 10 * YEAR,
                            org="cucmsim cluster", kind="capf_lsc")
                else:
                    ca = CA(name, self.start - YEAR, self.start + 10 * YEAR,
                            org="Acme", parent=self.root,
                            kind="enterprise_lsc")
                self._add(f"issuer{len(self.by_name) - 1}", ca)
                self.by_name[name] = ca
            return ca

    def _add(self, key, ca):
        self.cas[key] = ca
        self.paths[key] = ca.write(os.path.join(self.dir, key + ".pem"))

    def issuer_valid_until(self, name):
        return self.issuer(name).not_after

    def long_chain(self, length):
        """The CA that signs the leaf of a chain of `length` certificates
        (leaf, length - 2 intermediates, the root), made once per length."""
        with self._lock:
            ca = self._long.get(length)
            if ca is None:
                ca = CA(f"cucmsim Long Chain Root {length}",
                        self.start - 10 * YEAR, self.start + 20 * YEAR,
                        org="cucmsim", kind="enterprise_lsc")
                self._add(f"long_chain_root_{length}", ca)
                for i in range(1, length - 1):
                    ca = CA(f"cucmsim Long Chain CA {i}",
                            self.start - 10 * YEAR, self.start + 20 * YEAR,
                            org="cucmsim", parent=ca, kind="enterprise_lsc")
                self._long[length] = ca
            return ca

    def describe(self):
        """{key: {path, subject, issuer, sha256, pem}} for every CA file."""
        with self._lock:
            cas = dict(self.cas)
        return {k: {"path": ca.path,
                    "subject": ca.cert.subject.rfc4514_string(),
                    "issuer": ca.cert.issuer.rfc4514_string(),
                    "sha256": fingerprint(ca.cert),
                    "pem": ca.pem.decode("ascii")} for k, ca in cas.items()}


_CA_FILES = {"mic": "mic-ca.pem", "capf": "capf.pem",
             "enterprise_root": "enterprise-root.pem",
             "enterprise_issuing": "enterprise-issuing.pem"}


def fingerprint(cert):
    """SHA-256 of the DER, lowercase hex without separators."""
    return cert.fingerprint(hashes.SHA256()).hex()
