"""The subcommands of ``daji``: each opens a client (or the embedded sandbox), calls the SDK, prints.

Nothing here talks to the service directly: searches are ``client.products`` paginators,
bulk work is ``client.bulk``, and ``--sandbox`` is a :class:`~daji_async.sandbox.SandboxServer`
started in this event loop with a client pointed at it.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypedDict, Union

from .. import _constants as C
from .. import _errors as E
from .._bulk import BulkProgress, BulkResult
from .._client import DajiClient
from .._pagination import Paginator
from ..models.common import Page
from ..models.products import ImageSearchPage, ProductItem
from ._inputs import InputLines
from ._output import Format, ItemsOutput, choose_format, write_categories, write_detail, write_upload
from ._parser import UsageError, filter_list, sort_mapping
from ._progress import Messages, ProgressBar

Command = Callable[[argparse.Namespace, Format, Messages], Awaitable[int]]


class SearchOptions(TypedDict):
    """The search arguments shared by ``search`` and ``bulk`` (what the SDK calls take)."""

    filter: list[str] | None
    sort: dict[str, str] | None
    price_start: str | None
    price_end: str | None
    category_id: int | None
    page_size: int
    max_items: int | None
    max_pages: int | None
    prefetch: int


async def run(args: argparse.Namespace, messages: Messages) -> int:
    """Run the subcommand ``args`` names; returns the exit status."""
    command = COMMANDS[args.command]
    return await command(args, choose_format(args.format), messages)


# ------------------------------------------------------------------ the client


@asynccontextmanager
async def open_client(args: argparse.Namespace) -> AsyncIterator[DajiClient]:
    """A client from the environment's credentials, or one pointed at an in-process sandbox."""
    options: dict[str, Any] = {"country": args.country, "timeout": args.timeout, "rate_limit": args.rate_limit}
    if args.sandbox:
        from ..sandbox import SandboxServer  # aiohttp.web and the catalogue: only when asked for

        async with SandboxServer() as sandbox, sandbox.client(**options) as client:
            yield client
        return
    try:
        client = DajiClient(**options)
    except E.ConfigError:
        missing = [name for name in (C.ENV_APP_KEY, C.ENV_APP_SECRET) if not os.environ.get(name)]
        if not missing:
            raise
        raise E.ConfigError(
            f"missing credentials: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set; "
            f"set {C.ENV_APP_KEY} and {C.ENV_APP_SECRET} to your DAJI app key and secret, "
            "or add --sandbox to try the command against the built-in sandbox"
        ) from None
    async with client:
        yield client


def search_options(args: argparse.Namespace) -> SearchOptions:
    """The search and paging arguments of ``args``; the page size defaults to what is needed."""
    wanted = args.max_items if args.max_items is not None else C.MAX_PAGE_SIZE
    return SearchOptions(
        filter=filter_list(args.filter),
        sort=sort_mapping(args.sort),
        price_start=args.price_min,
        price_end=args.price_max,
        category_id=args.category,
        page_size=args.page_size or min(C.MAX_PAGE_SIZE, wanted),
        max_items=args.max_items,
        max_pages=args.max_pages,
        prefetch=args.prefetch,
    )


# ------------------------------------------------------------------ search


def image_source(text: str) -> tuple[str, str]:
    """What ``search image`` was given: ``("file", path)``, ``("url", url)`` or ``("id", image id)``."""
    if Path(text).is_file():
        return "file", text
    if text.startswith(("http://", "https://", "//")):
        return "url", text
    if text.isdigit():
        return "id", text
    if Path(text).exists():
        raise UsageError(f"{text} is not a file")
    raise UsageError(f"{text!r} is not an image URL, an image file or an image id (no such file)")


def require_file(name: str) -> None:
    """A usage error unless ``name`` is an existing regular file."""
    if not Path(name).is_file():
        raise UsageError(f"{name} is not a file" if Path(name).exists() else f"no such file: {name}")


async def upload(client: DajiClient, file: str) -> str:
    """Upload a local image; a bad file (not an image, too large, unreadable) is a usage error."""
    try:
        return await client.products.upload_image(Path(file))
    except (ValueError, OSError) as exc:
        raise UsageError(f"{file}: {getattr(exc, 'strerror', None) or exc}") from None


async def search(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """``daji search keyword TEXT`` / ``daji search image URL_OR_FILE``."""
    options = search_options(args)
    by_image = args.search_by == "image"
    if not by_image and not args.text.strip():
        raise UsageError("the keyword is empty")
    source = image_source(args.image) if by_image else ("keyword", args.text)
    label = source[1]
    async with open_client(args) as client:
        paginator: Paginator[Any, ProductItem]
        if by_image:
            kind, value = source
            if kind == "file":
                value = await upload(client, value)
                messages.note(f"uploaded {label}: image id {value}")
            image_url, image_id = (value, None) if kind == "url" else (None, value)
            paginator = client.products.image_search(image_url, image_id=image_id, region=args.region, **options)
        else:
            paginator = client.products.keyword_search(args.text, **options)
        out = ItemsOutput(fmt, query_column=False)
        started = time.perf_counter()
        first: Page[Any] | None = None
        try:
            with ProgressBar(messages, label, unit="pages") as bar:
                pages = paginator.pages()
                try:
                    async for page in pages:
                        if first is None:
                            first = page
                            bar.total(expected_pages(page, paginator))
                            if isinstance(page, ImageSearchPage):
                                _note_regions(page, messages)
                        out.write(page.items)
                        bar.advance(items=len(page.items))
                finally:
                    await pages.aclose()  # cancels pages still in flight at once
        except E.DajiError:
            out.finish()  # show what arrived before the failure
            raise
        out.finish()
    _note_summary(messages, out.count, first, paginator, label, time.perf_counter() - started)
    return 0


def expected_pages(first: Page[Any], paginator: Paginator[Any, Any]) -> int:
    """How many pages this search will fetch, as known from its first page."""
    start = paginator.page if isinstance(paginator.page, int) else 1
    pages = max(first.total_pages - start + 1, 1)
    if paginator.max_pages is not None:
        pages = min(pages, paginator.max_pages)
    if paginator.max_items is not None:
        pages = min(pages, max(math.ceil(paginator.max_items / paginator.page_size), 1))
    return pages


def _note_regions(page: ImageSearchPage[Any], messages: Messages) -> None:
    info = page.pic_region_info
    if info is not None and len(info.regions) > 1:
        others = [r for r in info.regions if r != info.current_region]
        messages.note(
            f"searched region {info.current_region}; other subjects: {'  '.join(others)} (pass one as --region)"
        )


def _note_summary(
    messages: Messages,
    count: int,
    first: Page[Any] | None,
    paginator: Paginator[Any, Any],
    label: str,
    elapsed: float,
) -> None:
    if count == 0:
        messages.note(f"no results for {label}")
        return
    total = first.total_records if first is not None else count
    pages = paginator.pages_fetched
    text = f"{count:,} of {total:,} results for {label} · {pages} page{'s' * (pages != 1)} · {elapsed:.2f} s"
    if paginator.next_page is not None and count < total:
        text += "; --max-items all (or a larger --max-items) for more"
    messages.note(text)


# ------------------------------------------------------------------ product, upload, categories


async def product(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """``daji product OFFER_ID``."""
    async with open_client(args) as client:
        detail = await client.products.detail(args.offer_id)
    write_detail(fmt, detail)
    return 0


async def upload_command(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """``daji upload FILE``: prints the image id."""
    require_file(args.file)
    async with open_client(args) as client:
        image_id = await upload(client, args.file)
    write_upload(fmt, args.file, image_id)
    messages.note(f"search it with: daji search image {image_id}")
    return 0


async def categories(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """``daji categories [ID]``."""
    async with open_client(args) as client:
        found = await client.categories.get(args.category_id)
    write_categories(fmt, found)
    return 0


# ------------------------------------------------------------------ bulk


async def bulk(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """``daji bulk keywords FILE`` / ``daji bulk images FILE``: one search per input line."""
    options = search_options(args)
    with InputLines(args.file) as lines:
        bar = ProgressBar(messages, "stdin" if args.file == "-" else Path(args.file).name, unit="inputs")
        if bar.enabled:
            bar.total(lines.count())
        started = time.perf_counter()
        out = ItemsOutput(fmt, query_column=True)
        state = BulkProgress(0, 0, None)

        def progress(update: BulkProgress) -> None:
            nonlocal state
            state = update
            bar.update(update)

        async with open_client(args) as client:
            results: AsyncIterator[BulkResult[Any, list[ProductItem]]]
            if args.bulk_of == "keywords":
                results = client.bulk.keyword_search(
                    lines, concurrency=args.concurrency, ordered=args.ordered, progress=progress, **options
                )
            else:
                results = client.bulk.image_search(
                    lines, concurrency=args.concurrency, ordered=args.ordered, progress=progress, **options
                )
            try:
                with bar:
                    try:
                        async for result in results:
                            if result.error is not None:
                                if credentials_rejected(result.error):
                                    raise result.error  # every other input would fail the same way
                                messages.warn(f"daji: {result.query}: {describe(result.error)}")
                            else:
                                out.write(result.items, query=str(result.query))
                                bar.advance(done=0, items=len(result.items))
                    finally:
                        await results.aclose()  # cancels the workers still in flight now
            except E.DajiError:
                out.finish()
                raise
            out.finish()
    elapsed = time.perf_counter() - started
    messages.note(f"{state.done:,} inputs, {out.count:,} items in {elapsed:.2f} s")
    if state.failed:
        messages.error(f"daji: {state.failed:,} of {state.done:,} inputs failed (see above)")
        return 1
    return 0


# ------------------------------------------------------------------ sandbox


async def sandbox(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """``daji sandbox``: serve the sandbox in the foreground until interrupted."""
    from ..sandbox import SandboxServer

    server = SandboxServer(host=args.host, port=args.port, latency=args.latency)
    try:
        await server.start()
    except OSError as exc:
        messages.error(
            f"daji: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}; pick another --port (0: any)"
        )
        return 1
    try:
        console = messages.console
        console.print(f"DAJI sandbox on {server.base_url}", markup=False, soft_wrap=True)
        console.print(
            f"  export DAJI_BASE_URL={server.base_url} DAJI_APP_KEY={server.app_key} "
            f"DAJI_APP_SECRET={server.app_secret}",
            markup=False,
            soft_wrap=True,
        )
        console.print("  then: daji search keyword 连衣裙   (Ctrl-C stops the sandbox)", markup=False, soft_wrap=True)
        await asyncio.Event().wait()
    finally:
        await server.stop()
    return 0  # pragma: no cover - only an interrupt ends the wait


# ------------------------------------------------------------------ errors

_Hint = tuple[Union[type[BaseException], tuple[type[BaseException], ...]], str, str]


_CREDENTIALS = re.compile(r"sign|签名|appkey|appsecret", re.IGNORECASE)


def credentials_rejected(exc: BaseException) -> bool:
    """True when the service refused the app key or the signature (so the secret is wrong).

    The service answers a bad signature or an unknown app key with a 400, which the SDK
    raises as BadRequestError; its message names the signature or the app key.
    """
    if isinstance(exc, E.AuthenticationError):
        return True
    return isinstance(exc, E.BadRequestError) and bool(_CREDENTIALS.search(f"{exc.code} {exc.message}"))


def describe(exc: BaseException) -> str:
    """One line for a service error: what kind, the SDK's message, and what to do."""
    hints: list[_Hint] = [
        (E.AuthenticationError, "authentication failed", "check DAJI_APP_KEY and DAJI_APP_SECRET"),
        (E.NotFoundError, "not found", "check the id"),
        (E.RateLimitError, "rate limited", "slow down with --rate-limit (or a lower --concurrency)"),
        (E.BadRequestError, "bad request", "check the arguments"),
        (E.ServerError, "service error", "the service failed; try again later"),
        (E.APIError, "service error", "the service refused the call"),
        (E.APITimeoutError, "timeout", "the service is slow: raise --timeout or try again"),
        (E.APIConnectionError, "connection failed", "check the network and DAJI_BASE_URL"),
        (E.ResponseDecodeError, "unexpected answer", "try again; report it if it persists"),
        (E.PaginationError, "paging error", "the service's paging contradicts itself; narrow the search"),
    ]
    if credentials_rejected(exc) and not isinstance(exc, E.AuthenticationError):
        return f"credentials rejected: {exc}; check DAJI_APP_KEY and DAJI_APP_SECRET"
    for kinds, label, hint in hints:
        if isinstance(exc, kinds):
            return f"{label}: {exc}; {hint}"
    return f"{type(exc).__name__}: {exc}"


COMMANDS: dict[str, Command] = {
    "search": search,
    "product": product,
    "upload": upload_command,
    "bulk": bulk,
    "categories": categories,
    "sandbox": sandbox,
}
