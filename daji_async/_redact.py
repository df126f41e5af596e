"""What is masked in text the SDK shows: one rule, used by every message, log line, repr and cache entry.

Two kinds of masking, both replacing a value by `***`:

1. **Known credentials, by value.** The app secret, the request's signature and a proxy's
   password (and its `Proxy-Authorization: Basic` token) are masked wherever they appear,
   as written, URL-encoded (either case, `+` for spaces too), JSON-escaped and, for proxy
   credentials, base64 as Basic auth carries them; case-insensitively. Only a value of at
   least `MIN_MASKED_CHARS` characters is masked by value: a shorter one (a secret
   `"0"` while testing) would mask every `0` of every message, so `127.0.0.1` would
   become `127.***.***.1`. Whole values only, never single characters.
2. **Credential-carrying places, whatever their value.** The value of `sign=`,
   `appSecret=`, `app_secret=`, `secret=`, `password=` (query, form or JSON form:
   `"sign": "..."`), of an `Authorization` or `Proxy-Authorization` header, and the
   password of a URL's userinfo (`scheme://user:***@host`). This covers short secrets
   and echoes of other requests.

Error paths, reprs and cache writes only; the success path calls `clean_trace_id`,
which returns at once for an ordinary (alphanumeric) trace id.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote, quote_plus, unquote, urlsplit

import msgspec

#: The shortest credential masked wherever its value appears (shorter ones: only in the places of rule 2).
MIN_MASKED_CHARS = 6

_JSON_ENCODER = msgspec.json.Encoder()


def written_forms(secret: str) -> set[str]:
    """The ways `secret` is written in a URL, a form, a JSON body or an escaped JSON string."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret, safe=""), quote_plus(secret)}
    forms.add(_JSON_ENCODER.encode(secret).decode()[1:-1])
    forms.add(secret.replace("/", "\\/"))
    return {form for form in forms if form}


@functools.lru_cache(maxsize=64)
def _value_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    forms = {form for secret in secrets if len(secret) >= MIN_MASKED_CHARS for form in written_forms(secret)}
    forms = {form for form in forms if len(form) >= MIN_MASKED_CHARS}
    if not forms:
        return None
    return re.compile("|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True)), re.IGNORECASE)


#: `sign=v`, `appSecret: v`, `"sign": "v"`, `sign%3Dv` (an echoed query, form or JSON body).
_SECRET_PARAMS = re.compile(
    r"""(?i)\b(sign|appSecret|app_secret|secret|password|passwd)((?:%22|["'])?\s*(?:=|%3D|:)\s*(?:%22|["'])?)"""
    r"""[^&\s"',;)}\]]+"""
)
#: `Authorization: Basic dXNlcjpwYXNz` and `Proxy-Authorization` (an echoed request head).
_AUTH_HEADERS = re.compile(
    r"""(?i)\b((?:proxy-)?authorization(?:["']?\s*[:=]\s*["']?))(?:(basic|bearer|digest)\s+)?[^\s"',;)}\]]+"""
)
#: The password of a URL's userinfo: `http://user:password@host`.
_USERINFO = re.compile(r"""(?i)\b([a-z][a-z0-9+.-]*://[^\s/?#@:'"]*):[^\s/?#@'"]*@""")


def redact_text(text: str, secrets: Sequence[str] = ()) -> str:
    """`text` with every credential masked (both rules of this module).

    Args:
        text: any text the SDK is about to show (a message, a log argument, a repr, a body).
        secrets: credentials known by value (the app secret, the signature, proxy
            credentials); empty ones and ones shorter than `MIN_MASKED_CHARS` are
            masked only where rule 2 finds them.
    """
    pattern = _value_pattern(tuple(secrets))
    if pattern is not None:
        text = pattern.sub("***", text)
    text = _AUTH_HEADERS.sub(_mask_auth, text)
    text = _USERINFO.sub(r"\1:***@", text)
    return _SECRET_PARAMS.sub(r"\1\2***", text)


def _mask_auth(match: re.Match[str]) -> str:
    scheme = match.group(2)
    return match.group(1) + (f"{scheme} ***" if scheme else "***")


def shows_secret(text: str, secrets: Sequence[str] = ()) -> bool:
    """True when `redact_text` would change `text`."""
    return redact_text(text, secrets) != text


def clean_trace_id(trace_id: str, secrets: Sequence[str]) -> str:
    """A trace id fit to keep and show: `trace_id` itself unless it carries a credential.

    The service's trace ids are short hex strings: an alphanumeric one can only carry a
    credential as its raw value (no encoded form, no `sign=`, no URL is alphanumeric), so
    that is all it is checked for; anything else goes through `redact_text`.
    """
    if trace_id.isalnum() and len(trace_id) <= 128:
        low = trace_id.lower()
        for secret in secrets:
            if len(secret) >= MIN_MASKED_CHARS and secret.lower() in low:
                return redact_text(trace_id, secrets)
        return trace_id
    return redact_text(trace_id, secrets)


def mask_url(url: str) -> str:
    """`url` with the password of its userinfo replaced by `***`, parsable or not.

    `http://user:pw@host:99999` gives `http://user:***@host:99999`; a URL without a
    scheme (`user:pw@host`) is masked the same way, and userinfo without a password
    (`https://token@host`, a token) is masked whole.
    """
    head, sep, rest = url.partition("://")
    if not sep:
        head, rest = "", url
    else:
        head += sep
    authority_end = len(rest)
    for stop in "/?#":
        at = rest.find(stop)
        if at != -1:
            authority_end = min(authority_end, at)
    at = rest.rfind("@", 0, authority_end)
    if at == -1:
        # a password holding '/', '?' or '#' unencoded ends the authority early: look further
        at = rest.rfind("@")
        if at == -1 or any(c.isspace() for c in rest[:at]):
            return url
    userinfo, host = rest[:at], rest[at + 1 :]
    user, colon, _ = userinfo.partition(":")
    return f"{head}{user}:***@{host}" if colon else f"{head}***@{host}"


def url_credentials(url: str | None) -> tuple[str, ...]:
    """The credentials a URL carries, in every form a request or a message may show them.

    The password as written (percent-encoded or not), decoded, and the base64 token of
    `Authorization: Basic` / `Proxy-Authorization: Basic` (UTF-8 and Latin-1).
    Empty for a URL without a password.
    """
    if not url:
        return ()
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        user, password = parts.username, parts.password
    except ValueError:
        return ()
    if not password:
        return ()
    forms = {password, unquote(password)}
    pair = f"{unquote(user or '')}:{unquote(password)}"
    for encoding in ("utf-8", "latin-1"):
        try:
            forms.add(base64.b64encode(pair.encode(encoding)).decode("ascii"))
        except UnicodeEncodeError:
            pass
    return tuple(sorted(forms))


def chain_shows_secret(error: BaseException, secrets: Sequence[str]) -> bool:
    """True when any exception of `error`'s cause/context chain shows a credential in its text."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if shows_secret(f"{type(current).__name__}: {current} {current.args!r}", secrets):
            return True
        current = current.__cause__ or current.__context__
    return False


def redact_body(body: bytes, secrets: Iterable[str]) -> bytes:
    """A JSON body with every credential masked (`***` keeps a JSON string valid), or `body` itself.

    Bodies are large (up to the response cap) and almost never carry a credential, and the
    patterns of `redact_text` cost about 25 ms on 150 kB of text: they run only when
    `might_carry_secret` finds a place where one could be (a fraction of a millisecond).
    """
    text = body.decode("utf-8", "replace")
    secrets = tuple(secrets)
    if not might_carry_secret(text, secrets):
        return body
    clean = redact_text(text, secrets)
    return body if clean == text else clean.encode()


#: Names whose value is masked (rule 2), lowercased, as `might_carry_secret` looks for them.
_PLACES = ("sign", "secret", "appsecret", "app_secret", "passw", "authorization")


def might_carry_secret(text: str, secrets: Sequence[str] = ()) -> bool:
    """False only when `redact_text` would certainly leave `text` as it is (a fast, exact-enough check).

    Substring searches instead of the patterns: a known credential's form anywhere, one of the
    rule 2 names at the start of a word followed (within a few characters) by `=`, `:` or
    `%3D`, or an `@` preceded by `://` in the same word.
    """
    low = text.lower()
    for secret in secrets:
        if len(secret) >= MIN_MASKED_CHARS and any(form.lower() in low for form in written_forms(secret)):
            return True
    for name in _PLACES:
        at = low.find(name)
        while at != -1:
            before = low[at - 1] if at else " "
            if not (before.isalnum() or before == "_"):
                after = low[at + len(name) : at + len(name) + 16]
                if "=" in after or ":" in after or "%3d" in after:
                    return True
            at = low.find(name, at + 1)
    at = text.find("@")
    while at != -1:
        window = text[max(0, at - 512) : at]  # a bounded look back: linear in the text, whatever it holds
        cut = max(window.rfind(stop) for stop in (" ", "\n", '"', "'"))
        if "://" in window[cut + 1 :]:
            return True
        at = text.find("@", at + 1)
    return False


__all__ = [
    "MIN_MASKED_CHARS",
    "chain_shows_secret",
    "clean_trace_id",
    "mask_url",
    "might_carry_secret",
    "redact_body",
    "redact_text",
    "shows_secret",
    "url_credentials",
    "written_forms",
]
