"""The tool's signing key: generated once, kept owner-only (0600), published as a JWKS.

The private key signs the client assertions that obtain AGS service tokens; the LMS checks them
against the public half, which it fetches from the tool's JWKS URL (`GET .../lti/jwks`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class KeyFileError(RuntimeError):
    """The key file cannot be used (an operator error, named with its setting)."""


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class ToolKey:
    private_pem: bytes
    kid: str
    public_jwk: dict

    def jwks(self) -> dict:
        return {"keys": [self.public_jwk]}


def from_pem(pem: bytes) -> ToolKey:
    key = serialization.load_pem_private_key(pem, password=None)
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "RSA", "alg": "RS256", "use": "sig", "n": _b64(numbers.n), "e": _b64(numbers.e)}
    # RFC 7638 thumbprint as the key id: stable for one key, new for a rotated one
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    return ToolKey(pem, kid, {**jwk, "kid": kid})


def _new_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _create(path: Path) -> None:
    """Write a new key with mode 0600 from the start; another process creating it at once wins."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as f:
        f.write(_new_pem())


def load_or_create(path: str | Path, setting: str = "c.LTIPassback.key_file") -> ToolKey:
    """The tool's key from `path`, made there first when missing; refuses a key others may read."""
    path = Path(path)
    if not path.exists():
        _create(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(f"{path} (the LTI tool's private key, {setting}) is readable by others (mode {mode:o}); run: chmod 600 {path}")
    for _ in range(50):  # a key another worker is writing right now
        pem = path.read_bytes()
        if pem.strip().endswith(b"-----END PRIVATE KEY-----"):
            return from_pem(pem)
        time.sleep(0.02)
    raise KeyFileError(f"{path} ({setting}) holds no PEM private key")
