"""Decoding rules shared by every model: ``null`` lists read as empty, ids read as text.

The service documents ``null`` where a list is expected (``failedOfferList: null``,
``logisticsItems: null``...), and sends 19-digit ids sometimes as JSON numbers, sometimes as
strings. Models declare such fields with :data:`NullableList` and :data:`IdText`; to a type
checker they are plain ``list[X]`` and ``str``, and after decoding that is what they hold:
:class:`LenientStruct` turns a decoded ``None`` list into ``[]`` and an int id into its
decimal text (exact: JSON integers are decoded exactly, never through a float).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Optional, Union

import msgspec

__all__ = ["IdText", "LenientStruct", "NullableList", "id_text"]

if TYPE_CHECKING:
    from builtins import list as NullableList

    IdText = str
else:

    class NullableList:
        """``NullableList[X]``: decoded as ``list[X] | None``, held as ``list[X]``."""

        def __class_getitem__(cls, item: Any) -> Any:
            return Optional[list[item]]

    IdText = Union[int, str]


def id_text(value: Any) -> Any:
    """An id decoded as an int, as its decimal text; anything else unchanged."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


_PLANS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _plan(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    plan = _PLANS.get(cls)
    if plan is None:
        lists = tuple(f.name for f in msgspec.structs.fields(cls) if f.default_factory is list)
        ids = tuple(getattr(cls, "_id_fields", ()))
        plan = _PLANS[cls] = (lists, ids)
    return plan


class LenientStruct(msgspec.Struct):
    """A Struct whose list fields (``default_factory=list``) read ``null`` as ``[]`` and whose
    ``_id_fields`` read JSON numbers as decimal text."""

    _id_fields: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        lists, ids = _plan(type(self))
        for name in lists:
            if getattr(self, name) is None:
                setattr(self, name, [])
        for name in ids:
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                setattr(self, name, str(value))
