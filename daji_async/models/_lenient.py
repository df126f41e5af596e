"""Decoding rules shared by every model: `null` lists read as empty, ids read as text.

The service documents `null` where a list is expected (`failedOfferList: null`,
`logisticsItems: null`...), and sends 19-digit ids sometimes as JSON numbers, sometimes as
strings. Models declare such fields with `NullableList` and `IdText`; to a type
checker they are plain `list[X]` and `str`, and after decoding that is what they hold:
`LenientStruct` turns a decoded `None` list into `[]` and an int id into its
decimal text (exact: JSON integers are decoded exactly, never through a float).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Optional, Union

import msgspec

__all__ = ["IdText", "LenientStruct", "NullableList"]

if TYPE_CHECKING:
    from builtins import list as NullableList

    IdText = str
else:

    class NullableList:
        """`NullableList[X]`: decoded as `list[X] | None`, held as `list[X]`."""

        def __class_getitem__(cls, item: Any) -> Any:
            return Optional[list[item]]

    IdText = Union[int, str]


def _post_init_for(cls: type) -> Any:
    """Generate `cls.__post_init__`: one plain statement per nullable list and per id field.

    Generated rather than looping over field names: it runs once per decoded object, and a
    straight-line function costs a fraction of a loop (search pages decode 50 items each).
    """
    lists: list[str] = []
    for klass in reversed(cls.__mro__):
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
            if text.startswith("NullableList[") and name not in lists:
                lists.append(name)
    # another spelling of a field (`purchase_id` beside `purchaseId`) fills it when it is empty
    spellings = [(a, b) for a, b in getattr(cls, "_spellings", ()) if a.isidentifier() and b.isidentifier()]
    ids = [name for name in getattr(cls, "_id_fields", ()) if name.isidentifier()]
    id_lists = [name for name in getattr(cls, "_id_list_fields", ()) if name.isidentifier()]
    lines = [f"    if self.{name} is None:\n        self.{name} = []" for name in lists if name.isidentifier()]
    # empty means absent (None, "", [], or the 0 an id field defaults to); the other's 0 is a value
    lines += [
        f"    if self.{a} in (None, '', [], 0) and self.{b} not in (None, '', []):\n        self.{a} = self.{b}"
        for a, b in spellings
    ]
    lines += [f"    if self.{name}.__class__ is int:\n        self.{name} = str(self.{name})" for name in ids]
    lines += [
        f"    self.{name} = [str(v) if v.__class__ is int else v for v in self.{name} or ()]" for name in id_lists
    ]
    if any("_normalize" in vars(klass) for klass in cls.__mro__ if klass is not LenientStruct):
        lines.append("    self._normalize()")
    if not lines:
        return None
    namespace: dict[str, Any] = {}
    exec("def __post_init__(self):\n" + "\n".join(lines), namespace)
    return namespace["__post_init__"]


class LenientStruct(msgspec.Struct):
    """A Struct whose `NullableList` fields read `null` as `[]` and whose `_id_fields`
    (and the items of its `_id_list_fields`) read JSON numbers as decimal text (exact);
    each `_spellings` pair `(field, other)` fills an empty `field` from `other`, the
    same datum under another public source's spelling; a subclass's `_normalize` runs last.
    Subclasses get a generated `__post_init__`."""

    _id_fields: ClassVar[tuple[str, ...]] = ()
    _id_list_fields: ClassVar[tuple[str, ...]] = ()
    #: (field, other spelling's field) pairs: after decoding, an empty field takes the other's value
    _spellings: ClassVar[tuple[tuple[str, str], ...]] = ()

    def _normalize(self) -> None:
        """Override to fix up a decoded object last (other types of the same datum); called after the rules above."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        post_init = _post_init_for(cls)
        if post_init is not None:
            cls.__post_init__ = post_init  # type: ignore[attr-defined]
