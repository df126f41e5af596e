"""Run one keyword search per line of a file and write every item as a JSON line.

    python examples/bulk_from_file.py examples/keywords.txt items.jsonl --sandbox
    python examples/bulk_from_file.py keywords.txt items.jsonl --concurrency 32 --rate-limit 20

The file is read as the work goes (a file of a million lines is fine: memory is bounded by
``--concurrency``). A keyword that fails is reported and written to ``<output>.failed``, one per
line, ready to be fed back in; the other keywords go on. Exit status 1 when any failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec

from daji_async import BulkProgress, DajiClient
from daji_async.sandbox import SandboxServer


def keywords(path: Path) -> Iterator[str]:
    """The file's non-blank lines, read lazily."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield line.strip()


def show(progress: BulkProgress) -> None:
    print(f"{progress.done} done, {progress.failed} failed", file=sys.stderr)


async def run(source: Path, output: Path, client: DajiClient, *, concurrency: int, max_items: int) -> int:
    encoder = msgspec.json.Encoder()
    failed: list[str] = []
    written = 0
    with output.open("wb") as out:
        results = client.bulk.keyword_search(
            keywords(source), max_items=max_items, concurrency=concurrency, progress=show
        )
        async for result in results:
            if result.error is not None:
                print(f"{result.query}: {result.error}", file=sys.stderr)
                failed.append(result.query)
                continue
            for item in result.items:
                out.write(encoder.encode({"query": result.query, "item": item}) + b"\n")
                written += 1
    if failed:
        output.with_name(output.name + ".failed").write_text("\n".join(failed) + "\n", encoding="utf-8")
    print(f"{written} items written to {output}; {len(failed)} keywords failed")
    return 1 if failed else 0


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("keywords", type=Path, help="one keyword per line")
    parser.add_argument("output", type=Path, help="where to write JSON lines")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-items", type=int, default=40, help="items per keyword")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests per second")
    parser.add_argument("--sandbox", action="store_true", help="run against the embedded sandbox")
    args = parser.parse_args(argv)
    async with contextlib.AsyncExitStack() as stack:
        if args.sandbox:
            sandbox = await stack.enter_async_context(SandboxServer())
            client = await stack.enter_async_context(sandbox.client(rate_limit=args.rate_limit))
        else:
            client = await stack.enter_async_context(DajiClient(rate_limit=args.rate_limit))
        return await run(args.keywords, args.output, client, concurrency=args.concurrency, max_items=args.max_items)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
