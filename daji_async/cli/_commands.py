"""The subcommands of `daji`: each opens a client (or the embedded sandbox), calls the SDK, prints.

Nothing here talks to the service directly: searches are `client.products` paginators,
bulk work is `client.bulk`, and `--sandbox` is a `SandboxServer`
started in this event loop with a client pointed at it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypedDict, Union

from .. import (
    BulkProgress,
    BulkResult,
    DajiClient,
    ImageSearchPage,
    Page,
    Paginator,
    ProductItem,
)
from .. import _constants as C
from .. import _errors as E
from ..resources.products import FilterValue, SortKey, SortOrderArg
from ._inputs import PipeReader
from ._output import Format, ItemsOutput, choose_format, write_categories, write_detail, write_upload
from ._parser import UsageError, filter_list, sort_mapping
from ._progress import Messages, ProgressBar

if TYPE_CHECKING:
    from ..resources.products import Products

#: Most bytes read from standard input for `daji upload -` (the service takes 3 MB).
STDIN_IMAGE_LIMIT = 8 * 1024 * 1024

Command = Callable[[argparse.Namespace, Format, Messages], Awaitable[int]]


class SearchOptions(TypedDict):
    """The search arguments shared by `search` and `bulk` (what the SDK calls take)."""

    filter: list[FilterValue] | None
    sort: dict[SortKey, SortOrderArg] | None
    price_start: str | None
    price_end: str | None
    category_id: int | None
    page_size: int
    max_items: int | None
    max_pages: int | None
    prefetch: int


async def run(args: argparse.Namespace, messages: Messages) -> int:
    """Run the subcommand `args` names; returns the exit status."""
    command = COMMANDS.get(args.handler)
    if command is None:  # a Taobao or Poizon command (that module imports this one)
        from ._crawl import COMMANDS as CRAWL_COMMANDS
        from ._derived import COMMANDS as DERIVED_COMMANDS
        from ._platforms import COMMANDS as PLATFORM_COMMANDS

        command = {**PLATFORM_COMMANDS, **CRAWL_COMMANDS, **DERIVED_COMMANDS}[args.handler]
    return await command(args, choose_format(args.format), messages)


def products_of(client: DajiClient, platform: str) -> Products:
    """The product calls of `platform` (`1688` today; `taobao` and `poizon` go here)."""
    if platform == "1688":
        return client.products
    raise UsageError(f"no product calls for platform {platform!r}")


@contextlib.contextmanager
def arguments_checked_by_the_sdk() -> Iterator[None]:
    """Turn the SDK's refusal of an argument (before anything is sent) into a usage error.

    The SDK refuses bad arguments with the built-in ValueError or TypeError, and only those
    (a malformed answer raises a DajiError, or at worst a subclass such as UnicodeDecodeError,
    which is left to `main`: exit 1). The type is what decides, never the message.
    """
    try:
        yield
    except (ValueError, TypeError) as exc:
        if type(exc) not in (ValueError, TypeError):
            raise
        raise UsageError(str(exc)) from None


def finish_early(out: ItemsOutput, messages: Messages, exc: BaseException) -> None:
    """Show (table) or keep (Parquet) what arrived before a failure or an interrupt."""
    if isinstance(exc, BrokenPipeError):
        return
    if isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt)) and out.count:
        messages.note(f"interrupted after {out.count:,} items")
    with contextlib.suppress(Exception):  # the failure that stopped the work is the one to report
        out.finish()


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
    """The search and paging arguments of `args`; the page size defaults to what is needed."""
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
    """What `search image` was given: `("file", path)`, `("url", url)` or `("id", image id)`."""
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
    """A usage error unless `name` is an existing regular file."""
    if not Path(name).is_file():
        raise UsageError(f"{name} is not a file" if Path(name).exists() else f"no such file: {name}")


async def upload(client: DajiClient, file: str, platform: str = "1688") -> str:
    """Upload a local image; a bad file (not an image, too large, unreadable) is a usage error."""
    image: Path | bytes = await read_stdin_image() if file == "-" else Path(file)
    try:
        with arguments_checked_by_the_sdk():
            return await products_of(client, platform).upload_image(image)
    except OSError as exc:
        raise UsageError(f"{file}: {exc.strerror or exc}") from None
    except UsageError as exc:
        raise UsageError(f"{'standard input' if file == '-' else file}: {exc}") from None


def is_url(text: str) -> bool:
    """True for an http(s) URL (what `daji upload` hands the service to fetch)."""
    return text.lower().startswith(("http://", "https://"))


async def upload_url(client: DajiClient, url: str, platform: str = "1688") -> str:
    """Have the service fetch and store the picture at `url` (its GET mode); returns the image id.

    A URL the SDK refuses (not http(s), spaces, too long) is a usage error.
    """
    with arguments_checked_by_the_sdk():
        return await products_of(client, platform).upload_image(url=url)


async def read_stdin_image() -> bytes:
    """The bytes of standard input (`daji upload -`), read so that Ctrl-C never waits on it."""
    reader = PipeReader(sys.stdin.buffer.fileno())
    chunks: list[bytes] = []
    size = 0
    while chunk := await reader.read():
        chunks.append(chunk)
        size += len(chunk)
        if size > STDIN_IMAGE_LIMIT:
            raise UsageError(f"standard input is larger than an image can be ({STDIN_IMAGE_LIMIT:,} bytes read)")
    return b"".join(chunks)


async def search(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji search keyword TEXT` / `daji search image URL_OR_FILE`."""
    options = search_options(args)
    by_image = args.search_by == "image"
    if not by_image and not args.text.strip():
        raise UsageError("the keyword is empty")
    source = image_source(args.image) if by_image else ("keyword", args.text)
    label = source[1]
    out = ItemsOutput(fmt, query_column=False, parquet=args.parquet)
    async with open_client(args) as client:
        products = products_of(client, args.platform)
        paginator: Paginator[Any, ProductItem]
        if by_image:
            kind, value = source
            if kind == "file":
                value = await upload(client, value, args.platform)
                messages.note(f"uploaded {label}: image id {value}")
            image_url, image_id = (value, None) if kind == "url" else (None, value)
            with arguments_checked_by_the_sdk():
                paginator = products.image_search(image_url, image_id=image_id, region=args.region, **options)
        else:
            with arguments_checked_by_the_sdk():
                paginator = products.keyword_search(args.text, **options)
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
        except BaseException as exc:  # a failure or Ctrl-C: show what arrived before it
            finish_early(out, messages, exc)
            raise
        out.finish()
    _note_summary(messages, out.count, first, paginator, label, time.perf_counter() - started)
    if args.parquet is not None:
        messages.note(f"wrote {out.count:,} items to {args.parquet}")
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
    """`daji product OFFER_ID`."""
    async with open_client(args) as client:
        detail = await products_of(client, args.platform).detail(args.offer_id)
    write_detail(fmt, detail)
    return 0


async def upload_command(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji upload FILE_OR_URL`: prints the image id."""
    by_url = is_url(args.file)
    if not by_url and args.file != "-":
        require_file(args.file)
    async with open_client(args) as client:
        if by_url:
            image_id = await upload_url(client, args.file, args.platform)
        else:
            image_id = await upload(client, args.file, args.platform)
    write_upload(fmt, args.file, image_id)
    messages.note(f"search it with: daji search image {image_id}")
    return 0


async def categories(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji categories [ID]`."""
    async with open_client(args) as client:
        found = await client.categories.get(args.category_id)
    write_categories(fmt, found)
    return 0


# ------------------------------------------------------------------ bulk


async def bulk(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji bulk keywords FILE` / `daji bulk images FILE`: one search per input line."""
    from ._pictures import bulk_inputs, inputs_label  # it imports the parser: import on use

    options = search_options(args)
    with bulk_inputs(args) as lines, failed_inputs(args.failed) as failed:
        bar = ProgressBar(messages, inputs_label(args), unit="inputs")
        if bar.enabled:
            bar.total(lines.count())
        started = time.perf_counter()
        out = ItemsOutput(fmt, query_column=True, parquet=args.parquet)
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
                                if failed is not None:
                                    failed.write(f"{result.query}\n")
                                    failed.flush()
                                if credentials_rejected(result.error):
                                    raise result.error  # every other input would fail the same way
                                messages.warn(f"daji: {result.query}: {describe(result.error)}")
                            else:
                                out.write(result.items, query=str(result.query))
                                bar.advance(done=0, items=len(result.items))
                    finally:
                        await results.aclose()  # cancels the workers still in flight now
            except BaseException as exc:  # a failure or Ctrl-C: show what arrived before it
                finish_early(out, messages, exc)
                raise
            out.finish()
    elapsed = time.perf_counter() - started
    uploads = f", {state.uploads:,} uploaded ({state.reused:,} reused)" if args.bulk_of == "images" else ""
    messages.note(f"{state.done:,} inputs{uploads}, {out.count:,} items in {elapsed:.2f} s")
    if args.parquet is not None:
        messages.note(f"wrote {out.count:,} items to {args.parquet}")
    if state.failed:
        saved = f"; written to {args.failed}" if args.failed is not None else "; --failed FILE keeps them for a retry"
        messages.error(f"daji: {state.failed:,} of {state.done:,} inputs failed (see above){saved}")
        return 1
    return 0


@contextlib.contextmanager
def failed_inputs(name: str | None) -> Iterator[IO[str] | None]:
    """The `--failed` file, created (emptied) before the work starts; None without the option."""
    if name is None:
        yield None
        return
    try:
        file = open(name, "w", encoding="utf-8")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise UsageError(f"cannot write {name}: {exc.strerror or exc}") from None
    with file:
        yield file


# ------------------------------------------------------------------ sandbox


async def sandbox(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji sandbox`: serve the sandbox in the foreground until interrupted."""
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


#: What each leaf parser's `handler` runs.
COMMANDS: dict[str, Command] = {
    "search": search,
    "product": product,
    "upload": upload_command,
    "bulk": bulk,
    "categories": categories,
    "sandbox": sandbox,
}
