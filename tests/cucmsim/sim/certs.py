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

    def __init__(self, cn, not_before, not_after, org=None, parent=None):
        self.cn = cn
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
        self.chain_pem = self.pem + parent.chain_pem if parent else b""
        self.parent = parent
        self.path = None

    def issue(self, cn, not_before, not_after, org=None, ou=None, ips=(),
              dns=()):
        """A leaf certificate and key (PEM bytes, PEM bytes)."""
        key = ec.generate_private_key(ec.SECP256R1())
        b = (x509.CertificateBuilder().subject_name(_name(cn, org, ou))
             .issuer_name(self.cert.subject).public_key(key.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(_dt(not_before)).not_valid_after(_dt(not_after))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                            critical=True)
             .add_extension(x509.ExtendedKeyUsage(
                 [ExtendedKeyUsageOID.SERVER_AUTH,
                  ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                 self.key.public_key()), critical=False))
        sans = [x509.IPAddress(ipaddress.ip_address(i))
                for i in ips] + [x509.DNSName(d) for d in dns]
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans),
                                critical=False)
        cert = b.sign(self.key, hashes.SHA256())
        return _pem_cert(cert) + self.chain_pem, _pem_key(key)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.pem)
        self.path = os.path.abspath(path)
        return self.path


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
    not known yet gets a self-signed CA of that name on first use."""

    def __init__(self, directory, start, capf_issuer, enterprise_root,
                 enterprise_issuing, mic_name):
        self.dir = os.path.join(directory, "phone-cas")
        os.makedirs(self.dir, exist_ok=True)
        self.start = start
        self._lock = threading.Lock()
        self.mic = CA(mic_name, start - 12 * YEAR, start + 20 * YEAR,
                      org="Cisco")
        root = CA(enterprise_root, start - 10 * YEAR, start + 20 * YEAR,
                  org="Acme")
        issuing = CA(enterprise_issuing, start - 5 * YEAR, start + 10 * YEAR,
                     org="Acme", parent=root)
        capf = CA(capf_issuer, start - 6 * YEAR, start + 10 * YEAR,
                  org="cucmsim cluster")
        self.paths = {"mic": self.mic.write(os.path.join(self.dir, "mic-ca.pem")),
                      "capf": capf.write(os.path.join(self.dir, "capf.pem")),
                      "enterprise_root": root.write(
                          os.path.join(self.dir, "enterprise-root.pem")),
                      "enterprise_issuing": issuing.write(
                          os.path.join(self.dir, "enterprise-issuing.pem"))}
        self.by_name = {ca.cn: ca for ca in (capf, issuing)}
        self._extra = 0

    def issuer(self, name):
        """The CA of that lscissuername (made on first use)."""
        with self._lock:
            ca = self.by_name.get(name)
            if ca is None:
                ca = CA(name, self.start - YEAR, self.start + 10 * YEAR,
                        org="cucmsim cluster")
                self._extra += 1
                key = f"issuer{self._extra}"
                self.paths[key] = ca.write(os.path.join(self.dir, key + ".pem"))
                self.by_name[name] = ca
            return ca

    def issuer_valid_until(self, name):
        return self.issuer(name).not_after
