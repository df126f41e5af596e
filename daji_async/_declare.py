"""Methods from declarations: a typed signature plus its endpoint row is the whole method.

A resource writes the signature users and type checkers see, with its docstring (the
reference entry), and no body; `declared(ROW)` supplies the body from the row's `params`:

```python
class PoizonProducts(Resource):
    @declared(POIZON_DETAIL)
    async def detail(
        self, spu_id: int | str, *, sku_id: int | str | None = None,
        timeout: Timeout | None = None, max_retries: int | None = None,
    ) -> PoizonSpuDetail:
        "The detail of one Poizon product (its docstring is the reference entry)."
```

The body is generated once, when the class is defined, with the stub's exact signature: each
call checks and maps its arguments in straight-line code and hands them to the front door
(`self._core.call`, or `self._core.walk` for a paged row), with no per-call signature binding,
lookups or copies. A signature and a row that disagree (an argument the row does not declare,
a declared parameter missing from the signature) fail at import, naming both.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from ._endpoint_spec import Endpoint
from ._validate import extra_params as check_extra_params

__all__ = ["DECLARED", "declared"]

F = TypeVar("F", bound=Callable[..., Any])

#: Every method the core wrote, by its row's name: what the CLI derives its `daji call`
#: subcommands from (the row's name is also the method's place on the client).
DECLARED: dict[str, Callable[..., Any]] = {}

#: Arguments the core itself handles, never declared as service parameters.
_PER_CALL = frozenset({"self", "timeout", "max_retries", "extra_params", "item_type"})


def declared(endpoint: Endpoint[Any]) -> Callable[[F], F]:
    """Give a body-less resource method the core's body for `endpoint` (see the module docstring)."""

    def build(stub: F) -> F:
        return _build(stub, endpoint)  # type: ignore[return-value]

    return build


def _build(stub: Callable[..., Any], endpoint: Endpoint[Any]) -> Callable[..., Any]:
    signature = inspect.signature(stub)
    declared_names = {param.name: param for param in endpoint.params}
    where = f"{stub.__qualname__} (row {endpoint.name!r})"
    paging_name: str | None = None
    arguments: list[str] = []
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            paging_name = parameter.name
        elif parameter.name not in _PER_CALL and parameter.name not in declared_names:
            raise TypeError(f"{where}: argument {parameter.name!r} is not among the row's params")
        else:
            arguments.append(parameter.name)
    missing = sorted(set(declared_names) - set(arguments))
    if missing:
        raise TypeError(f"{where}: the row declares {missing} but the signature does not take them")
    if (endpoint.paging is not None) != (paging_name is not None):
        raise TypeError(f"{where}: a paged row takes **paging (PagingOptions), and only a paged row does")
    if paging_name is None and not {"timeout", "max_retries"} <= set(arguments):
        raise TypeError(f"{where}: a single call takes timeout and max_retries")

    namespace: dict[str, Any] = {"_endpoint": endpoint, "_check_extra": check_extra_params}
    entries = []
    for param in endpoint.params:
        name = param.name
        value = name
        if param.check is not None:
            namespace[f"_check_{name}"] = param.check
            value = f"_check_{name}({name!r}, {name})"
        if not param.required:
            fallback = "self._core.country" if param.default == "country" else "None"
            value = f"({value} if {name} is not None else {fallback})" if value != name or param.default else value
        entries.append(f"{param.wire!r}: {value}")
    lines = ["params = {" + ", ".join(entries) + "}"]
    if "extra_params" in arguments:
        lines += ["if _check_extra('extra_params', extra_params):", "    params.update(extra_params)"]
    if paging_name is not None:
        item_type = ", item_type" if "item_type" in arguments else ""
        lines.append(f"return self._core.walk(_endpoint, params, {paging_name}{item_type})")
    else:
        lines.append("return await self._core.call(_endpoint, params, timeout=timeout, max_retries=max_retries)")
    head = "async def" if inspect.iscoroutinefunction(stub) else "def"
    if head == "def" and paging_name is None:
        raise TypeError(f"{where}: a single call is an async def")
    source = f"{head} {stub.__name__}({_parameters(signature, namespace)}):\n" + "".join(
        f"    {line}\n" for line in lines
    )
    exec(compile(source, f"<declared {endpoint.name}>", "exec"), namespace)  # the body, written once
    method: Callable[..., Any] = namespace[stub.__name__]
    method.__doc__ = stub.__doc__
    method.__qualname__ = stub.__qualname__
    method.__module__ = stub.__module__
    method.__annotations__ = stub.__annotations__
    method.__signature__ = signature  # type: ignore[attr-defined]
    method.__wrapped__ = stub  # type: ignore[attr-defined]
    method.endpoint = endpoint  # type: ignore[attr-defined]
    if endpoint.register:
        DECLARED[endpoint.name] = method
    return method


def _parameters(signature: inspect.Signature, namespace: dict[str, Any]) -> str:
    """The signature's parameter list as source, defaults bound through `namespace`."""
    parts: list[str] = []
    star = False
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if parameter.kind is parameter.VAR_KEYWORD:
            parts.append(f"**{parameter.name}")
            continue
        text = parameter.name
        if parameter.default is not parameter.empty:
            namespace[f"_default_{parameter.name}"] = parameter.default
            text += f"=_default_{parameter.name}"
        parts.append(text)
    return ", ".join(parts)
