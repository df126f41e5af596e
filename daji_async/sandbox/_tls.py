"""A self-signed certificate for serving the sandbox over HTTPS on loopback.

Made with the `cryptography` package when it is installed, else with the `openssl`
command; nothing is trusted system-wide: the client trusts the certificate through an
`ssl.SSLContext` (`DajiClient(ssl=...)`) or `SSL_CERT_FILE`.
"""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import ssl
import subprocess
from pathlib import Path
from typing import NamedTuple

__all__ = ["SelfSignedTLS", "self_signed_tls"]


class SelfSignedTLS(NamedTuple):
    """A certificate and key in PEM files, with the contexts to serve and to trust it.

    Attributes:
        certfile: the certificate (PEM); point `SSL_CERT_FILE` at it to trust it from the environment.
        keyfile: its private key (PEM, unencrypted).
    """

    certfile: Path
    keyfile: Path

    def server_context(self) -> ssl.SSLContext:
        """A server context serving this certificate: `SandboxServer(tls=...)`."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certfile, self.keyfile)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this certificate only: `DajiClient(ssl=...)`."""
        return ssl.create_default_context(cafile=str(self.certfile))


def self_signed_tls(directory: Path | str, host: str = "127.0.0.1") -> SelfSignedTLS:
    """Write a self-signed certificate for `host` (an IP address or a name) into `directory`.

    Valid for a day, for `host` and `localhost`. Raises RuntimeError when neither the
    `cryptography` package nor the `openssl` command is available.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    tls = SelfSignedTLS(folder / "sandbox-cert.pem", folder / "sandbox-key.pem")
    try:
        _with_cryptography(tls, host)
    except ImportError:
        _with_openssl(tls, host)
    return tls


def _with_cryptography(tls: SelfSignedTLS, host: str) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    try:
        address: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        address = x509.DNSName(host)
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([address, x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    tls.certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    tls.keyfile.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _with_openssl(tls: SelfSignedTLS, host: str) -> None:
    command = shutil.which("openssl")
    if command is None:
        raise RuntimeError("a self-signed certificate needs the cryptography package or the openssl command")
    try:
        ipaddress.ip_address(host)
        alternative = f"IP:{host},DNS:localhost"
    except ValueError:
        alternative = f"DNS:{host},DNS:localhost"
    subprocess.run(
        [
            command,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={host}",
            "-addext",
            f"subjectAltName={alternative}",
            "-keyout",
            str(tls.keyfile),
            "-out",
            str(tls.certfile),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
