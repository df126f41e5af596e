"""Find 1688 offers that look like a picture on your disk: upload it, then search by its image id.

    python examples/image_search_file.py examples/data/red-square.png --sandbox
    python examples/image_search_file.py shoe.jpg --max-items 40

The picture must be a JPG, PNG or WEBP of at most 3 MB; the SDK checks both before sending
anything (``ValueError`` otherwise). The first page also lists the subjects 1688 found in the
picture: pass one as ``region=`` to search for that subject instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from daji_async import DajiClient
from daji_async.sandbox import SandboxServer


async def run(path: Path, max_items: int, client: DajiClient) -> None:
    image_id = await client.products.upload_image(path)  # bytes, a Path or base64 text
    print(f"uploaded {path.name}: image id {image_id}")

    search = client.products.image_search(image_id=image_id, max_items=max_items, prefetch=2)
    first = await search
    print(f"{first.total_records} similar offers")
    if first.pic_region_info is not None:
        print("subjects found in the picture:", first.pic_region_info.regions)
    async for item in search:
        price = item.price_info.price if item.price_info else "?"
        print(f"{item.offer_id}\t{price}\t{item.subject_trans}")


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("image", type=Path, help="a JPG, PNG or WEBP file of at most 3 MB")
    parser.add_argument("--max-items", type=int, default=20)
    parser.add_argument("--sandbox", action="store_true", help="run against the embedded sandbox")
    args = parser.parse_args(argv)
    async with contextlib.AsyncExitStack() as stack:
        if args.sandbox:
            sandbox = await stack.enter_async_context(SandboxServer())
            client = await stack.enter_async_context(sandbox.client())
        else:
            client = await stack.enter_async_context(DajiClient())
        await run(args.image, args.max_items, client)


if __name__ == "__main__":
    asyncio.run(main())
