"""Push signatures: 1688's AOP signature, a pushed message's signature, and verifiers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Mapping

__all__ = [
    "DJ_SIGNATURE_FIELD",
    "MESSAGE_FIELD",
    "SIGNATURE_FIELD",
    "SIGNATURE_FIELDS",
    "Verifier",
    "aop_signature",
    "default_verifier",
    "message_signature",
    "verify_signature",
]

#: The form field that carries DAJI's signature of a pushed message (HMAC-SHA1).
DJ_SIGNATURE_FIELD = "_dj_signature"
#: 1688's own signature field, accepted too.
SIGNATURE_FIELD = "_aop_signature"
#: The signature fields tried, in order.
SIGNATURE_FIELDS = (DJ_SIGNATURE_FIELD, SIGNATURE_FIELD)
#: The form field that carries a pushed message's JSON.
MESSAGE_FIELD = "message"


def aop_signature(url_path: str, params: Mapping[str, str], app_secret: str) -> str:
    """1688's `_aop_signature`: uppercase hex HMAC-SHA1 of `url_path` + sorted `key+value`.

    >>> aop_signature("param2/1/system/currentTime/1000000", {"b": "2", "a": "1"}, "test123")
    '33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88'
    """
    factor = url_path + "".join(k + v for k, v in sorted(params.items()))
    return hmac.new(app_secret.encode(), factor.encode(), hashlib.sha1).hexdigest().upper()


def message_signature(message: str, app_secret: str) -> str:
    """The `_aop_signature` of a pushed `message` text: HMAC-SHA1 of `"message" + message`."""
    return aop_signature("", {MESSAGE_FIELD: message}, app_secret)


def verify_signature(message: str, signature: str | None, app_secret: str) -> bool:
    """True when `signature` signs `message` with `app_secret` (constant-time compare).

    The signature is HMAC-SHA1 keyed by the app secret over `"message" + message` (1688's
    push construction; DAJI's exact one is not readable on its page), in hex of either case
    or in base64. An empty or missing signature never verifies.
    """
    if not signature or not isinstance(signature, str):
        return False
    digest = hmac.new(app_secret.encode(), (MESSAGE_FIELD + message).encode(), hashlib.sha1).digest()
    given = signature.strip()
    as_hex = hmac.compare_digest(digest.hex().upper().encode("ascii"), given.upper().encode("utf-8"))
    try:
        decoded = base64.b64decode(given.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        decoded = b""
    return as_hex | hmac.compare_digest(digest, decoded)


#: A push verifier: given the push's form fields, True when the push is genuine.
Verifier = Callable[[Mapping[str, str]], bool]


def default_verifier(app_secret: str) -> Verifier:
    """The verifier `read_push` uses with an app secret: `_dj_signature` (or
    `_aop_signature`) must sign the `message` field (see `verify_signature`)."""

    def verify(form: Mapping[str, str]) -> bool:
        text = form.get(MESSAGE_FIELD) or ""
        return any(verify_signature(text, form.get(name), app_secret) for name in SIGNATURE_FIELDS)

    return verify
