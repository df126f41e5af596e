"""Resume tokens: where a walk stopped, down to the item, as one opaque URL-safe string.

A token carries the page number (or cursor) of the page that holds the next item, the page
size the walk used and the offset of that item inside its page, plus the endpoint's name and
a digest of the walk's parameters so that a token is never applied to another search. Its
text is `dj1.` followed by base64url (no padding) of a JSON array; the `1` is the format's
version, so the format can change without old tokens being misread.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import TYPE_CHECKING, NamedTuple

import msgspec

if TYPE_CHECKING:
    from ._endpoints import PageToken
    from ._protocol import Params

__all__ = ["ResumePoint", "decode_token", "encode_token", "params_digest"]

_PREFIX = "dj1."
_VERSIONED = re.compile(r"dj(\d+)\.")
#: Longer than any token this version writes (a cursor is at most 2,048 characters).
_MAX_TOKEN = 4096


class ResumePoint(NamedTuple):
    """What a token says: the page (or cursor) holding the next item, the page size, the item's offset."""

    page: PageToken | None
    size: int
    offset: int


def params_digest(params: Params) -> str:
    """A short digest of a walk's service parameters (page and size excluded), in any order."""
    try:
        text = msgspec.json.encode(sorted(params.items()))
    except (TypeError, msgspec.EncodeError):
        text = repr(sorted(params.items(), key=lambda kv: kv[0])).encode()
    return hashlib.blake2b(text, digest_size=6).hexdigest()


def encode_token(endpoint: str, digest: str, page: PageToken | None, size: int, offset: int) -> str:
    """The token of a resume point of a walk of `endpoint` whose parameters have `digest`."""
    payload = msgspec.json.encode([endpoint, digest, page, size, offset])
    return _PREFIX + base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")


def decode_token(token: object, endpoint: str, digest: str) -> ResumePoint:
    """Read a token for a walk of `endpoint` with parameters of `digest`.

    Raises:
        TypeError: `token` is not a str.
        ValueError: it is not a token of this format or version, it is damaged, or it was
            made by a walk of another endpoint or with other parameters.
    """
    if not isinstance(token, str):
        raise TypeError(
            f"resume must be a resume token (a str from paginator.resume_token), got {type(token).__name__}"
        )
    if not token.startswith(_PREFIX):
        version = _VERSIONED.match(token)
        if version:
            raise ValueError(f"resume token is of format version {version.group(1)}; this daji_async reads version 1")
        raise ValueError("resume is not a daji_async resume token (they start with 'dj1.'): use paginator.resume_token")
    body = token[len(_PREFIX) :]
    if len(token) > _MAX_TOKEN or not body or not body.isascii():
        raise ValueError("resume token is malformed (damaged, truncated or not from paginator.resume_token)")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        fields = msgspec.json.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise ValueError("resume token is malformed (damaged, truncated or not from paginator.resume_token)") from None
    if not (
        isinstance(fields, list)
        and len(fields) == 5
        and isinstance(fields[0], str)
        and isinstance(fields[1], str)
        and (fields[2] is None or (isinstance(fields[2], (int, str)) and not isinstance(fields[2], bool)))
        and all(isinstance(n, int) and not isinstance(n, bool) for n in fields[3:])
    ):
        raise ValueError("resume token is malformed (damaged, truncated or not from paginator.resume_token)")
    name, made_with, page, size, offset = fields
    if name != endpoint:
        raise ValueError(f"resume token belongs to a walk of {name}, not of {endpoint}")
    if made_with != digest:
        raise ValueError(f"resume token belongs to a walk of {endpoint} with other parameters (keyword, filters...)")
    if size < 1 or not 0 <= offset < size:
        raise ValueError(f"resume token is malformed: offset {offset} does not fit a page of {size}")
    return ResumePoint(page, size, offset)
