"""Bulk image search takes any picture and uploads each distinct picture once (issue 29).

Against the sandbox, over loopback: local paths, bytes, binary file objects, foreign URLs,
platform-hosted URLs and image ids; uploads counted by the sandbox; ids kept by the client, in
its cache (memory or a real Redis) and re-uploaded once when the service forgot them.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from daji_async import BulkProgress, BulkResult, MemoryCache, RedisCache
from daji_async.sandbox import SandboxServer

UPLOAD = "/alibaba/upload/image"
SEARCH = "/alibaba/product/imageQuery"
TB_UPLOAD = "/taobao/upload/image"
FOREIGN = "https://shop.example.com/listing/42/photo.jpg"
HOSTED_1688 = "https://cbu01.alicdn.com/img/ibank/O1CN01zEkk4m1ruzEhY7QF1_!!2207950555692-0-cib.jpg"


def png(n: int) -> bytes:
    """A real 1x1 PNG whose colour (and so bytes) depends on ``n``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixel = bytes([0, n % 256, (n // 256) % 256, 7])
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixel)) + chunk(b"IEND", b"")


def jpeg(n: int) -> bytes:
    """Bytes that start like a JPEG (what the service and the sandbox check), distinct by ``n``."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + n.to_bytes(4, "big") + b"\xff\xd9"


def photo_folder(root: Path) -> list[Path]:
    """20 files: 15 distinct pictures, then 5 files repeating the first five under other names."""
    root.mkdir(exist_ok=True)
    files = []
    for n in range(15):
        path = root / (f"p{n:02}.png" if n % 2 else f"p{n:02}.jpg")
        path.write_bytes(png(n) if n % 2 else jpeg(n))
        files.append(path)
    for n in range(5):
        again = root / f"copy-of-p{n:02}{files[n].suffix}"
        again.write_bytes(files[n].read_bytes())
        files.append(again)
    return files


def uploads(sandbox: SandboxServer, path: str = UPLOAD) -> int:
    return sum(1 for r in sandbox.requests if r.path == path and r.status == 200)


async def test_24_pictures_of_every_kind_give_24_results_with_16_uploads(
    daji_sandbox: SandboxServer, tmp_path: Path
) -> None:
    files = photo_folder(tmp_path / "photos")
    inputs: list[Any] = [str(f) if i % 2 else f for i, f in enumerate(files)]  # str paths and Paths
    inputs += [files[5].read_bytes(), FOREIGN, FOREIGN, HOSTED_1688]
    seen: list[BulkProgress] = []
    async with daji_sandbox.client() as client:
        results = [r async for r in client.bulk.image_search(inputs, max_items=5, concurrency=6, progress=seen.append)]
        assert len(results) == 24
        assert all(r.ok and len(r.items) == 5 for r in results), [r.error for r in results if not r.ok]
        assert sorted(r.index for r in results) == list(range(24))
        assert all(r.query is inputs[r.index] for r in results)  # the input as given
        assert daji_sandbox.upload_count == 16
        by_index = {r.index: r for r in results}
        for n in range(5):  # a repeated picture is searched by the id of its first upload
            assert by_index[15 + n].image_id == by_index[n].image_id is not None
        assert by_index[20].image_id == by_index[5].image_id  # the bytes of file 5
        assert by_index[21].image_id == by_index[22].image_id is not None  # one upload for two equal URLs
        assert by_index[23].image_id is None  # a 1688-hosted URL is searched by URL
        hosted = [r for r in daji_sandbox.requests if r.path == SEARCH and r.params.get("imageUrl") == HOSTED_1688]
        assert len(hosted) == 1
        url_uploads = [r for r in daji_sandbox.requests if r.path == UPLOAD and r.method == "GET"]
        assert [r.params["pic_url"] for r in url_uploads] == [FOREIGN]  # uploaded by URL, never fetched
        assert seen[-1] == BulkProgress(24, 0, 24, uploads=16, reused=7, searches=24)
        assert client.bulk.uploads.uploads == 16

        # searching 10 of those files again sends no upload
        again = [r async for r in client.bulk.image_search(files[:10], max_items=5, ordered=True)]
        assert all(r.ok and r.items for r in again)
        assert [r.image_id for r in again] == [by_index[i].image_id for i in range(10)]
        assert daji_sandbox.upload_count == 16
        assert uploads(daji_sandbox) == 16


async def test_the_same_on_taobao_from_files(daji_sandbox: SandboxServer, tmp_path: Path) -> None:
    files = photo_folder(tmp_path / "photos")
    async with daji_sandbox.client() as client:
        seen: list[BulkProgress] = []
        results = [r async for r in client.bulk.taobao.image_search(files, max_items=4, progress=seen.append)]
        assert len(results) == 20
        assert all(r.ok and len(r.items) == 4 and r.image_id for r in results), [r.error for r in results]
        assert uploads(daji_sandbox, TB_UPLOAD) == 15 == daji_sandbox.upload_count
        assert (seen[-1].uploads, seen[-1].reused, seen[-1].searches) == (15, 5, 20)
        v1 = [r for r in daji_sandbox.requests if r.path == "/taobao/traffic/item/imgsearch"]
        assert {r.params["image_id"] for r in v1} == {r.image_id for r in results}

        again = [r async for r in client.bulk.taobao.image_search(files[5:15], max_items=4)]
        assert all(r.ok and r.items for r in again)
        assert daji_sandbox.upload_count == 15
        # a Taobao-hosted URL goes to image search V2.0 by URL, a foreign one is uploaded by URL
        mixed = [
            r
            async for r in client.bulk.taobao.image_search(
                ["https://img.alicdn.com/imgextra/i1/shoe.jpg", FOREIGN], max_items=2, ordered=True
            )
        ]
        assert [r.image_id is None for r in mixed] == [True, False]
        assert all(r.ok and len(r.items) == 2 for r in mixed)
        assert daji_sandbox.upload_count == 16
        # the platforms keep their own ids: the 1688 search of the same files uploads them to 1688
        await asyncio.gather(*[_drain(client.bulk.image_search(files[:3], max_items=1))])
        assert uploads(daji_sandbox, UPLOAD) == 3


async def _drain(results: Any) -> list[BulkResult[Any, Any]]:
    return [r async for r in results]


async def test_file_objects_and_ids_are_pictures_too(daji_sandbox: SandboxServer, tmp_path: Path) -> None:
    path = tmp_path / "bag.png"
    path.write_bytes(png(300))
    async with daji_sandbox.client() as client:
        with path.open("rb") as fh:
            first = await _drain(client.bulk.image_search([fh, io.BytesIO(png(300))], max_items=3, ordered=True))
        assert [r.ok for r in first] == [True, True]
        assert first[0].image_id == first[1].image_id
        assert daji_sandbox.upload_count == 1
        given = await _drain(client.bulk.image_search([first[0].image_id, int(first[0].image_id)], max_items=3))
        assert all(r.ok and r.image_id == first[0].image_id for r in given)
        assert daji_sandbox.upload_count == 1


async def test_bad_pictures_fail_alone_and_send_nothing(daji_sandbox: SandboxServer, tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a picture")
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (3 * 1024 * 1024)
    cases: list[tuple[object, type[Exception], str]] = [
        (None, TypeError, "NoneType"),
        (True, TypeError, "bool"),
        (1.5, TypeError, "float"),
        ("", ValueError, "empty or blank"),
        (b"abc", ValueError, "not a JPG, PNG or WEBP"),
        (b"", ValueError, "empty"),
        (big, ValueError, "3 MB"),
        (str(tmp_path / "missing.jpg"), FileNotFoundError, "missing.jpg"),
        (text_file, ValueError, "notes.txt"),
        (io.StringIO("text"), TypeError, "binary mode"),
        (tmp_path, IsADirectoryError, "directory"),
    ]
    async with daji_sandbox.client() as client:
        results = await _drain(client.bulk.image_search([c for c, _, _ in cases], max_items=2, ordered=True))
    for result, (given, kind, words) in zip(results, cases, strict=True):
        assert type(result.error) is kind, (given, result.error)
        assert words in str(result.error), (given, result.error)
        assert result.items == [] and result.image_id is None
    assert daji_sandbox.requests == []


async def test_one_upload_in_flight_per_picture(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("latency", seconds=0.05, path=UPLOAD)
    async with daji_sandbox.client() as client:
        results = await _drain(client.bulk.image_search([png(1)] * 8 + [jpeg(2)] * 4, max_items=1, concurrency=12))
    assert all(r.ok for r in results)
    assert daji_sandbox.upload_count == 2
    assert len({r.image_id for r in results}) == 2


async def test_uploads_and_searches_flow_together(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("latency", seconds=0.02)
    async with daji_sandbox.client(max_concurrency=3) as client:
        results = await _drain(client.bulk.image_search([png(n) for n in range(12)], max_items=1, concurrency=4))
    assert all(r.ok for r in results)
    paths = [r.path for r in daji_sandbox.requests]
    assert paths.count(UPLOAD) == 12 and paths.count(SEARCH) == 12
    first_search = paths.index(SEARCH)
    last_upload = len(paths) - 1 - paths[::-1].index(UPLOAD)
    assert first_search < last_upload  # the first picture is searched while later ones upload
    assert daji_sandbox.stats["max_in_flight"] <= 3  # uploads and searches share max_concurrency


async def test_a_forgotten_id_is_uploaded_again_once(daji_sandbox: SandboxServer) -> None:
    pictures = [png(n) for n in range(4)]
    async with daji_sandbox.client() as client:
        first = await _drain(client.bulk.image_search(pictures, max_items=2, ordered=True))
        assert daji_sandbox.expire_uploads() == 4
        again = await _drain(client.bulk.image_search(pictures + pictures, max_items=2, ordered=True))
        assert all(r.ok and len(r.items) == 2 for r in again), [r.error for r in again]
        assert [r.image_id for r in again] == [r.image_id for r in first] * 2  # the sandbox's ids derive from content
        assert daji_sandbox.upload_count == 8  # 4, then each picture once more, however often it appears
        refused = [r for r in daji_sandbox.requests if r.path == SEARCH and r.status == 400]
        assert 4 <= len(refused) <= 8
        # a fresh upload the service refuses is a real error: no second upload
        daji_sandbox.route(SEARCH).fault("status", status=400, times=1)
        fresh = await _drain(client.bulk.image_search([png(99)], max_items=2))
        assert fresh[0].error is not None and daji_sandbox.upload_count == 9


async def test_ttl_bounds_how_long_an_id_is_reused(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client() as client:
        with pytest.raises(ValueError, match="positive number"):
            client.bulk.uploads.ttl = 0
        client.bulk.uploads.ttl = 0.05
        await _drain(client.bulk.image_search([png(1)], max_items=1))
        await _drain(client.bulk.image_search([png(1)], max_items=1))
        assert daji_sandbox.upload_count == 1
        await asyncio.sleep(0.1)
        await _drain(client.bulk.image_search([png(1)], max_items=1))
        assert daji_sandbox.upload_count == 2
        client.bulk.uploads.forget()
        assert len(client.bulk.uploads) == 0


async def test_a_memory_cache_shares_ids_between_clients(daji_sandbox: SandboxServer) -> None:
    cache = MemoryCache()
    async with daji_sandbox.client(cache=cache) as one:
        await _drain(one.bulk.image_search([png(n) for n in range(5)], max_items=1))
    async with daji_sandbox.client(cache=cache) as two:
        results = await _drain(two.bulk.image_search([png(n) for n in range(5)], max_items=1))
    assert all(r.ok for r in results)
    assert daji_sandbox.upload_count == 5
    assert cache.stats_by_endpoint()["pictures.1688"].stores == 5


async def test_a_redis_cache_keeps_ids_across_clients(daji_sandbox: SandboxServer, redis_url: str) -> None:
    pictures = [png(n) for n in range(6)]
    async with RedisCache(redis_url) as cache, daji_sandbox.client(cache=cache) as one:
        await _drain(one.bulk.taobao.image_search(pictures, max_items=1))
    assert daji_sandbox.upload_count == 6
    async with RedisCache(redis_url) as cache, daji_sandbox.client(cache=cache) as two:
        seen: list[BulkProgress] = []
        results = await _drain(two.bulk.taobao.image_search(pictures, max_items=1, progress=seen.append))
        assert all(r.ok and r.image_id for r in results)
        assert daji_sandbox.upload_count == 6  # a new client, a new process's worth of memory: no upload
        assert (seen[-1].uploads, seen[-1].reused) == (0, 6)


async def test_sandbox_counts_and_expires_uploads_through_its_control_api(daji_sandbox: SandboxServer) -> None:
    import aiohttp

    async with daji_sandbox.client() as client:
        await client.products.upload_image(url=FOREIGN)
        await client.taobao.products.upload_image(png(1))
    async with aiohttp.ClientSession() as session:
        async with session.get(daji_sandbox.base_url + "/_sandbox/uploads") as answer:
            assert await answer.json() == {"count": 2, "kept": 2, "expired": 0}
        async with session.delete(daji_sandbox.base_url + "/_sandbox/uploads") as answer:
            assert await answer.json() == {"count": 2, "kept": 0, "expired": 2}
    daji_sandbox.reset()
    assert daji_sandbox.upload_count == 0


async def test_a_cancelled_upload_leaves_the_picture_to_the_next_worker(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("latency", seconds=0.3, path=UPLOAD, times=1)
    async with daji_sandbox.client() as client:
        results = client.bulk.image_search([png(7)], max_items=1)
        first = asyncio.ensure_future(results.__anext__())
        await asyncio.sleep(0.1)  # the upload is in flight
        waiting = asyncio.ensure_future(_drain(client.bulk.image_search([png(7)], max_items=1)))
        await asyncio.sleep(0.05)
        first.cancel()  # the bulk call is abandoned: its workers, the uploading one too, are cancelled
        await asyncio.gather(first, return_exceptions=True)
        await results.aclose()
        second = await asyncio.wait_for(waiting, 5)
    assert second[0].ok and second[0].items and second[0].image_id
    assert client.bulk.uploads.remembered("1688", "sha256:" + hashlib.sha256(png(7)).hexdigest())
