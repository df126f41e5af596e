"""A Griffe extension for daji_async's API reference (mkdocs.yml loads it into mkdocstrings).

Two things the stock rendering gets wrong for this package:

- **Defaults named by a constant** (`timeout: Timeout = C.DEFAULT_TIMEOUT`) would show the
  constant's name. Each such default (and attribute value) is replaced by its value, read from
  the imported module (`30.0`); an enum member shows as its value.
- **Options that arrive through `**options: Unpack[SomeOptions]`** would show as that one
  parameter. The TypedDict's fields, inherited ones included, become keyword-only parameters of
  the signature and rows of the method's parameter table (type, default, meaning); the
  TypedDict's own entry gets the same table. A field's meaning comes from its docstring or
  from the `Attributes:` section of the TypedDict that declares it; its default from a
  "(default ...)" in that text, else None when its type allows None, else the default of the
  same-named parameter of a function of its module (`PagingOptions.prefetch` is
  `Paginator`'s `prefetch=1`).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from griffe import (
    Attribute,
    Class,
    Docstring,
    DocstringParameter,
    DocstringSectionKind,
    DocstringSectionParameters,
    Expr,
    ExprSubscript,
    Extension,
    Function,
    Module,
    Object,
    Parameter,
    ParameterKind,
)

TYPED_DICT = {"typing.TypedDict", "typing_extensions.TypedDict"}
UNPACK = {"typing.Unpack", "typing_extensions.Unpack"}
DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$|^[A-Z][A-Z0-9_]+$")
STATED_DEFAULT = re.compile(r"\(default:?\s+([^()]*?)\)|\bdefaults? to\s+`([^`]+)`", re.IGNORECASE)


@dataclass
class Field:
    name: str
    annotation: str | Expr | None
    description: str
    default: str


class DajiReference(Extension):
    """Resolve constant defaults and expand `Unpack[TypedDict]` options (see the module)."""

    def on_package(self, *, pkg: Module, **kwargs: Any) -> None:
        if pkg.path != "daji_async":
            return
        objects = _walk(pkg)
        # every TypedDict's fields first, from the untouched data: the changes below would feed back
        fields = {obj.path: _fields(obj) for obj in objects if isinstance(obj, Class) and _is_typed_dict(obj)}
        for obj in objects:
            if isinstance(obj, Attribute) and obj.value is not None:
                obj.value = _value_of(str(obj.value), obj.module.path) or obj.value
            if isinstance(obj, Function):
                # an overloaded method (item_type=) shows each overload's signature: expand those too
                for function in (obj, *(obj.overloads or ())):
                    _resolve_defaults(function)
                    _expand_unpack(function, fields)
            elif isinstance(obj, Class) and obj.path in fields:
                _document_fields(obj, fields[obj.path])


def _walk(obj: Object) -> list[Object]:
    found: list[Object] = []
    for member in obj.members.values():
        if member.is_alias:
            continue
        assert isinstance(member, Object)
        found.append(member)
        if isinstance(member, (Module, Class)):
            found.extend(_walk(member))
    return found


def _is_typed_dict(cls: Class) -> bool:
    if any(isinstance(base, Expr) and base.canonical_path in TYPED_DICT for base in cls.bases):
        return True
    return any(isinstance(base, Class) and _is_typed_dict(base) for base in _bases(cls))


def _bases(cls: Class) -> list[Class]:
    try:
        resolved = cls.resolved_bases
    except Exception:  # a base outside the loaded packages
        return []
    return [base for base in resolved if isinstance(base, Class)]


# ------------------------------------------------------------------ defaults


def _resolve_defaults(func: Function) -> None:
    for parameter in func.parameters:
        if parameter.default is None:
            continue
        shown = _value_of(str(parameter.default), func.module.path)
        if shown is not None:
            parameter.default = shown


def _value_of(text: str, module_path: str) -> str | None:
    """The repr of a constant named by `text` in the module, or None when it is not one."""
    if not DOTTED_NAME.match(text) or text in ("None", "True", "False"):
        return None
    try:
        value: Any = vars(importlib.import_module(module_path))
        for i, part in enumerate(text.split(".")):
            value = value[part] if i == 0 else getattr(value, part)
    except (ImportError, KeyError, AttributeError):
        return None
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, (int, float, str, bytes, bool, tuple, frozenset)) or value is None:
        return repr(value)
    return None


# ------------------------------------------------------------------ TypedDict options


def _fields(cls: Class) -> list[Field]:
    """Every field of a TypedDict, in `__annotations__` order (its bases' first)."""
    fields: dict[str, Field] = {}
    for base in _bases(cls):
        if _is_typed_dict(base):
            for field in _fields(base):
                fields.setdefault(field.name, field)
    described = _attributes_section(cls)
    for attribute in cls.attributes.values():
        if attribute.inherited or attribute.annotation is None or attribute.name.startswith("_"):
            continue
        text = attribute.docstring.value if attribute.docstring else described.get(attribute.name, "")
        default = _stated_default(text)
        if default is None:
            default = "None" if "None" in str(attribute.annotation) else _default_elsewhere(cls, attribute.name)
        fields[attribute.name] = Field(attribute.name, attribute.annotation, text, default)
    return list(fields.values())


def _attributes_section(cls: Class) -> dict[str, str]:
    if cls.docstring is None:
        return {}
    described: dict[str, str] = {}
    for section in cls.docstring.parsed:
        if section.kind is DocstringSectionKind.attributes:
            for item in section.value:
                for name in re.split(r"\s*,\s*", item.name):  # "price_start, price_end: ..."
                    described[name.strip("() ")] = item.description
    return described


def _stated_default(text: str) -> str | None:
    found = STATED_DEFAULT.search(text)
    if found is None:
        return None
    # "(default 16777216, 16 MiB)", "(default None: the environment's)": the value, not the gloss
    stated = found.group(1) or found.group(2)
    return re.split(r"[,:;]\s", stated + " ", maxsplit=1)[0].replace("`", "").strip()


def _default_elsewhere(cls: Class, name: str) -> str:
    """The default of a same-named parameter of a function in `cls`'s module, else "required"."""
    for obj in _walk(cls.module):
        functions = [obj] if isinstance(obj, Function) else []
        if isinstance(obj, Class) and isinstance(obj.members.get("__init__"), Function):
            functions.append(obj.members["__init__"])  # type: ignore[arg-type]
        for func in functions:
            for parameter in func.parameters:
                if parameter.name == name and parameter.default is not None:
                    return str(parameter.default)
    return "required"


def _document_fields(cls: Class, fields: list[Field]) -> None:
    if cls.docstring is None:
        cls.docstring = Docstring("", parent=cls)
    sections = cls.docstring.parsed
    sections[:] = [s for s in sections if s.kind is not DocstringSectionKind.attributes]
    sections.append(DocstringSectionParameters([_row(field) for field in fields], title="Fields"))


def _row(field: Field) -> DocstringParameter:
    return DocstringParameter(
        field.name, description=field.description, annotation=field.annotation, value=field.default
    )


def _expand_unpack(func: Function, typed_dicts: dict[str, list[Field]]) -> None:
    for parameter in func.parameters:
        annotation = parameter.annotation
        if (
            parameter.kind is ParameterKind.var_keyword
            and isinstance(annotation, ExprSubscript)
            and annotation.canonical_path in UNPACK
        ):
            break
    else:
        return
    assert isinstance(annotation, ExprSubscript)
    target = func.modules_collection.get_member(annotation.slice.canonical_path)
    typed_dict = target.final_target if target.is_alias else target
    if not isinstance(typed_dict, Class) or typed_dict.path not in typed_dicts:
        return
    fields = typed_dicts[typed_dict.path]
    known = {p.name for p in func.parameters}
    del func.parameters[parameter.name]
    for field in fields:
        if field.name not in known:
            func.parameters[field.name] = Parameter(
                field.name, annotation=field.annotation, kind=ParameterKind.keyword_only, default=field.default
            )
    if func.docstring is None:
        func.docstring = Docstring("", parent=func)
    sections = func.docstring.parsed
    table = next((s for s in sections if s.kind is DocstringSectionKind.parameters), None)
    if table is None:
        table = DocstringSectionParameters([])
        # the table goes right after the summary and text, before Returns/Raises/Examples
        at = next((i for i, s in enumerate(sections) if s.kind is not DocstringSectionKind.text), len(sections))
        sections.insert(at, table)
    table.value[:] = [row for row in table.value if row.name.lstrip("*") != parameter.name]
    table.value.extend(_row(field) for field in fields if field.name not in known)


__all__ = ["DajiReference"]
