"""Any picture for image search: normalising inputs, and each distinct picture uploaded once.

A picture is a local path (`str` or `os.PathLike`), `bytes`, a binary file object, a URL
or an image id. `prepare` turns one into what a platform's image search needs:

- a URL on the platform's own image hosts (`PLATFORM_HOSTS`) is searched directly;
- an image id (an int, or a str of digits) is searched as it is;
- bytes (read from a path or a file object, checked for size and format before anything is
  sent) are uploaded by POST, keyed by the SHA-256 of their content;
- any other URL is uploaded by URL (the service's GET upload: the service fetches it), keyed
  by the URL.

`PictureUploads` (`client.bulk.uploads`) remembers the id each key got, per platform, so
that a picture is uploaded once however often it is searched: concurrent workers asking for
the same key share one upload in flight, the ids are kept in memory for `ttl` seconds and,
when the client has a `cache=`, in that cache too (namespaces `pictures.1688` and
`pictures.taobao`, with the cache's TTL for them), so a second client (another process, with
a Redis cache) reuses them.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Literal, NamedTuple, Union
from urllib.parse import urlsplit

from . import _constants as C
from ._validate import digits, text
from .resources.products import MAX_IMAGE_BYTES, image_kind

if TYPE_CHECKING:
    from ._client import DajiClient

__all__ = [
    "PLATFORM_HOSTS",
    "Lease",
    "Picture",
    "PictureUploads",
    "Platform",
    "Prepared",
    "prepare",
]

Platform = Literal["1688", "taobao"]
"""The platforms whose image search takes uploaded pictures."""

Picture = Union[str, int, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]
"""Any picture: a path, bytes, a binary file object (anything with `read`), a URL or an image id."""

#: Hosts whose pictures a platform's image search reliably finds by URL (the host or a subdomain).
#: The 1688 page says only 1688 images (alicdn) are reliable; other URLs are uploaded first.
PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {
    "1688": ("alicdn.com", "1688.com"),
    "taobao": ("alicdn.com", "taobaocdn.com", "tbcdn.cn", "taobao.com", "tmall.com"),
}


@dataclass(frozen=True, slots=True)
class Prepared:
    """What one picture is, for one platform: exactly one of its fields says how to search it.

    Attributes:
        search_url: a platform-hosted URL, searched directly.
        image_id: an image id given as the input, searched as it is.
        data: picture bytes (checked), uploaded by POST.
        upload_url: a URL on another host, uploaded by URL.
        key: the upload key: `sha256:<hex>` of `data` or `url:<upload_url>`.
    """

    search_url: str | None = None
    image_id: str | None = None
    data: bytes | None = None
    upload_url: str | None = None
    key: str | None = None


def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def platform_hosted(url: str, platform: str) -> bool:
    """Whether `url` is on one of `platform`'s own image hosts (`PLATFORM_HOSTS`)."""
    host = _host_of(url)
    return any(host == name or host.endswith("." + name) for name in PLATFORM_HOSTS[platform])


def check_picture(data: bytes, what: str) -> bytes:
    """`data` when it is a JPG, PNG or WEBP of at most 3 MB; else a ValueError naming `what`."""
    if not data:
        raise ValueError(f"{what} is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"{what} is larger than the service's 3 MB limit ({len(data):,} bytes or more)")
    if image_kind(data) is None:
        raise ValueError(f"{what} is not a JPG, PNG or WEBP picture (its first bytes match none of them)")
    return data


def _read_path(path: os.PathLike[str] | str) -> bytes:
    shown = os.fspath(path)
    try:
        size = os.stat(path).st_size
        if size > MAX_IMAGE_BYTES:  # refuse before reading a large file into memory
            raise ValueError(f"picture file {shown!r} is larger than the service's 3 MB limit ({size:,} bytes)")
        with open(path, "rb") as fh:
            return check_picture(fh.read(MAX_IMAGE_BYTES + 1), f"picture file {shown!r}")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no such picture file: {shown[:200]!r} "
            "(an image input is a path, bytes, a file object, a URL or an image id)"
        ) from None
    except IsADirectoryError:
        raise IsADirectoryError(f"picture file {shown!r} is a directory") from None
    except OSError as exc:  # too long a name, no permission...: name the file, keep the kind
        raise type(exc)(f"cannot read picture file {shown[:200]!r}: {exc.strerror or exc}") from None


def _read_file(obj: object) -> bytes:
    read = getattr(obj, "read")  # noqa: B009 - checked by the caller with hasattr
    data = read(MAX_IMAGE_BYTES + 1)
    if isinstance(data, str):
        raise TypeError("picture file objects must be opened in binary mode ('rb'): read() returned str")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"picture file object's read() returned {type(data).__name__}, not bytes")
    return check_picture(bytes(data), "picture file object")


def _keyed(data: bytes) -> Prepared:
    return Prepared(data=data, key="sha256:" + hashlib.sha256(data).hexdigest())


async def prepare(picture: object, platform: str) -> Prepared:
    """How to search `picture` on `platform` (files are read, and hashed, off the event loop).

    A `str` is a URL when it starts with `http://`, `https://` or `//`, an image id
    when it is all ASCII digits, and a path otherwise (pass a `Path` for a file whose name
    is all digits). TypeError for a value of another kind, ValueError for a picture the
    service would refuse (empty, over 3 MB, not JPG/PNG/WEBP), FileNotFoundError for a path
    that names no file; nothing is sent for any of them.
    """
    if isinstance(picture, bool) or picture is None or isinstance(picture, float):
        raise TypeError(
            "bulk image inputs must be a path, bytes, a binary file object, a URL or an image id, "
            f"got {type(picture).__name__}"
        )
    if isinstance(picture, int):
        return Prepared(image_id=digits("image_id", picture))
    if isinstance(picture, (bytes, bytearray, memoryview)):
        data = check_picture(bytes(picture), "picture bytes")
        return await asyncio.to_thread(_keyed, data) if len(data) > 65536 else _keyed(data)
    if isinstance(picture, str):
        text("bulk image input", picture, max_length=max(C.MAX_PICTURE_URL, 4096), one_line=True)
        value = picture.strip()
        if value.startswith("//"):
            value = "https:" + value
        if value.startswith(("http://", "https://")):
            text("bulk image input", value, max_length=C.MAX_PICTURE_URL, one_line=True)
            if any(c.isspace() for c in value) or not _host_of(value):
                raise ValueError(f"bulk image input is not a usable picture URL: {value[:80]!r}")
            if platform_hosted(value, platform):
                return Prepared(search_url=value)
            return Prepared(upload_url=value, key="url:" + value)
        if value.isascii() and value.isdigit():
            return Prepared(image_id=digits("image_id", value))
        return _keyed(await asyncio.to_thread(_read_path, value))
    if isinstance(picture, os.PathLike):
        return _keyed(await asyncio.to_thread(_read_path, picture))
    if hasattr(picture, "read"):
        return _keyed(await asyncio.to_thread(_read_file, picture))
    raise TypeError(
        "bulk image inputs must be a path, bytes, a binary file object, a URL or an image id, "
        f"got {type(picture).__name__}"
    )


Upload = Callable[[Prepared], Awaitable[str]]
"""Uploads one prepared picture (bytes by POST, a URL by GET) and returns its image id."""

How = Literal["uploaded", "shared", "remembered", "cached"]
"""Where an id came from: this call's upload, another worker's upload in flight, memory, the cache."""


class Lease(NamedTuple):
    """An id for one picture, where it came from, and its generation (to refuse it if stale)."""

    image_id: str
    how: How
    generation: int


class _Abandoned(Exception):
    """The worker uploading a picture was cancelled before the upload ended."""


class PictureUploads:
    """The ids of pictures this client uploaded, per platform: `client.bulk.uploads`.

    Bulk image searches ask it for an id before searching; it uploads a picture only when no
    valid id is known. Ids live `ttl` seconds in memory (at most
    `max_entries`, least recently used dropped first) and, with `DajiClient(cache=...)`,
    in that cache for its `pictures.1688` / `pictures.taobao` TTL (the same one hour by
    default; `MemoryCache(ttl={"pictures.1688": 6 * 3600})` changes it).

    DAJI's wiki does not say how long an uploaded image id stays usable, so the default
    (`DEFAULT_TTL`, one hour) is a conservative guess; an id the service no longer knows
    is uploaded again once, transparently, whatever the TTL says.

    Attributes:
        ttl: seconds an id is reused from memory (settable; a positive number).
        max_entries: ids kept in memory at most.
        uploads: uploads this object sent (all bulk calls of the client together).
        reused: pictures served by an id found in memory, in the cache or in flight.
    """

    #: Seconds an uploaded id is reused by default (the wiki is silent on its lifetime).
    DEFAULT_TTL = C.PICTURE_ID_TTL

    def __init__(self, client: DajiClient, *, ttl: float = C.PICTURE_ID_TTL, max_entries: int = 100_000) -> None:
        self._client = client
        self.ttl = ttl
        self.max_entries = max_entries
        self.uploads = 0
        self.reused = 0
        self._known: OrderedDict[tuple[str, str], tuple[str, float, int]] = OrderedDict()
        self._pending: dict[tuple[str, str], asyncio.Future[Lease]] = {}
        self._generation = 0

    @property
    def ttl(self) -> float:
        """Seconds an id is reused from memory."""
        return self._ttl

    @ttl.setter
    def ttl(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
            raise ValueError(f"uploads ttl must be a positive number of seconds, got {seconds!r}")
        self._ttl = float(seconds)

    def __len__(self) -> int:
        return len(self._known)

    def forget(self) -> None:
        """Drop every id kept in memory (the client's cache, if any, keeps its own)."""
        self._known.clear()

    def remembered(self, platform: str, key: str) -> str | None:
        """The id kept in memory for `key` on `platform` (None when unknown or expired)."""
        entry = self._known.get((platform, key))
        if entry is None or entry[1] <= time.monotonic():
            return None
        return entry[0]

    async def image_id(self, platform: str, picture: Prepared, upload: Upload, *, stale: int | None = None) -> Lease:
        """An id of `picture` on `platform`, uploading it only when none is known.

        `stale` is the generation of a lease whose id the service refused: ids of that
        generation or older are dropped, the cache is not consulted, and the picture is
        uploaded anew, once, by whichever worker asks first (the others share that upload).
        """
        assert picture.key is not None
        slot = (platform, picture.key)
        entry = self._known.get(slot)
        if stale is not None and entry is not None and entry[2] <= stale:
            del self._known[slot]
        while True:
            entry = self._known.get(slot)
            if entry is not None and entry[1] > time.monotonic():
                self._known.move_to_end(slot)
                self.reused += 1
                return Lease(entry[0], "remembered", entry[2])
            pending = self._pending.get(slot)
            if pending is None:
                break
            try:
                # shielded: a waiter cancelled must not cancel the upload the others wait for
                lease = await asyncio.shield(pending)
            except _Abandoned:  # the uploading worker was cancelled (not us): try again ourselves
                continue
            if stale is None or lease.generation > stale:
                self.reused += 1
                return Lease(lease.image_id, "shared", lease.generation)
        future: asyncio.Future[Lease] = asyncio.get_running_loop().create_future()
        self._pending[slot] = future
        try:
            lease = await self._load_or_upload(platform, picture, upload, fresh=stale is not None)
        except BaseException as exc:
            # a cancelled upload is not the waiters' failure: they try again (a CancelledError
            # would read, in a waiter, as its own cancellation)
            future.set_exception(_Abandoned() if isinstance(exc, asyncio.CancelledError) else exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        finally:
            del self._pending[slot]
        future.set_result(lease)
        return lease

    async def _load_or_upload(self, platform: str, picture: Prepared, upload: Upload, *, fresh: bool) -> Lease:
        assert picture.key is not None
        cache = self._client.cache
        cache_key = None
        name = "pictures." + platform
        lifetime = self._ttl
        if cache is not None:
            cache_ttl = cache.ttl_for(name)
            if cache_ttl is not None:
                lifetime = min(lifetime, cache_ttl)
                # scoped (and, on Redis, authenticated) by the app secret, as the client's own entries
                secret: str | None = getattr(self._client, "_secret", None)
                cache_key = cache.key_for(name, "PUT", "picture:" + picture.key, secret=secret)
        if cache is not None and cache_key is not None and not fresh:
            body = await cache.load(cache_key)
            if body is not None:
                found = body.decode("ascii", "replace")
                if found.isascii() and found.isdigit():
                    self.reused += 1
                    return Lease(found, "cached", self._remember(platform, picture.key, found, lifetime))
        found = await upload(picture)
        self.uploads += 1
        generation = self._remember(platform, picture.key, found, lifetime)
        if cache is not None and cache_key is not None:
            await cache.store(cache_key, found.encode("ascii"))
        return Lease(found, "uploaded", generation)

    def _remember(self, platform: str, key: str, image_id: str, lifetime: float) -> int:
        self._generation += 1
        known = self._known
        known[(platform, key)] = (image_id, time.monotonic() + lifetime, self._generation)
        known.move_to_end((platform, key))
        while len(known) > self.max_entries:
            known.popitem(last=False)
        return self._generation
