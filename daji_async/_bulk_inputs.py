"""The per-input checks of `client.bulk`: each input is refused on its own, never sent.

A bulk call reads its inputs lazily, so a bad one (None, bytes, a bool, a float, a blank or
over-long string) cannot be refused before the call starts: it becomes that input's
`BulkResult` with a TypeError (wrong kind) or ValueError (wrong value) in
`error`, and the other inputs run. The checks are the same on every platform, so a
`None` never reaches a resource whose parameter is optional (a Poizon search without a
brand is the whole catalogue). Image searches take any picture and check it in
`daji_async._pictures` instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import _constants as C
from ._validate import text

__all__ = ["brand_input", "keyword_input", "no_resume"]


def _text_input(kind: str, value: object, max_length: int) -> str:
    if not isinstance(value, str):
        raise TypeError(f"bulk {kind} inputs must be a str, got {type(value).__name__}")
    checked = text(f"bulk {kind} input", value, max_length=max_length, one_line=True)
    assert checked is not None
    return checked


def keyword_input(value: object) -> str:
    """A keyword: a non-blank one-line str of at most `MAX_KEYWORD_LENGTH` (200) characters."""
    return _text_input("keyword", value, C.MAX_KEYWORD_LENGTH)


def brand_input(value: object) -> str:
    """A brand name: a non-blank one-line str of at most `MAX_NAME_LENGTH` (128) characters."""
    return _text_input("brand", value, C.MAX_NAME_LENGTH)


def no_resume(options: Mapping[str, object]) -> None:
    """Refuse `resume=` in a bulk call's search options: a token continues one walk, not many."""
    if options.get("resume") is not None:
        raise ValueError(
            "resume= continues one walk (one search's paginator.resume_token); a bulk call walks many: "
            "resume each input's search on its own"
        )
