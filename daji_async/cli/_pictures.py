"""`daji bulk images FILE|-|--dir DIR`: the pictures a bulk image search reads.

A line of FILE (or of standard input) is a local picture file (a path, relative to the
current directory), a URL, or an image id; `--dir DIR` searches every JPG, PNG and WEBP
file of one folder instead (not its subfolders), in name order. Each picture is uploaded
once (see `client.bulk.uploads`); the output names each input as it was given.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Union

from ._inputs import InputLines
from ._parser import UsageError

#: File name endings `--dir` takes (what the service accepts: JPG, PNG and WEBP).
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")

__all__ = ["PICTURE_SUFFIXES", "PictureFolder", "add_bulk_input", "bulk_inputs", "inputs_label"]


def add_bulk_input(parser: argparse.ArgumentParser, name: str) -> None:
    """FILE of `daji bulk keywords`; FILE (optional) and `--dir DIR` of `daji bulk images`."""
    if name != "images":
        parser.add_argument("file", metavar="FILE", help="input file, or '-' for standard input")
        return
    parser.description = (
        "Search every picture of FILE, one per line: a local JPG/PNG/WEBP file, a picture URL or an "
        "image id ('-' reads standard input); or, with --dir DIR, every JPG, PNG and WEBP file of a "
        "folder. Each distinct picture is uploaded once (by content; a URL on another host than 1688's "
        "is uploaded by URL), then searched. Every output row names the input it answers ('query'). "
        "A failed input is reported on stderr (and written to --failed FILE) and the others go on; "
        "the exit status is then 1."
    )
    parser.add_argument("file", metavar="FILE", nargs="?", help="pictures, one per line, or '-' for standard input")
    parser.add_argument("--dir", metavar="DIR", help="search every JPG, PNG and WEBP file of this folder instead")


class PictureFolder:
    """The picture files of one folder, in name order, as an async iterator of paths (str).

    ```python
    with PictureFolder("photos") as pictures:
        async for path in pictures:
            ...
    ```

    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._files: list[str] = []

    def __enter__(self) -> PictureFolder:
        try:
            entries = sorted(os.scandir(self.name), key=lambda entry: entry.name)
        except NotADirectoryError:
            raise UsageError(f"--dir {self.name}: not a folder") from None
        except OSError as exc:
            raise UsageError(f"cannot read --dir {self.name}: {exc.strerror or exc}") from None
        self._files = [
            entry.path for entry in entries if entry.name.lower().endswith(PICTURE_SUFFIXES) and entry.is_file()
        ]
        if not self._files:
            raise UsageError(f"--dir {self.name} holds no JPG, PNG or WEBP file")
        return self

    def __exit__(self, *exc: object) -> None:
        self._files = []

    def count(self) -> int:
        """How many pictures the folder holds."""
        return len(self._files)

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)


Inputs = Union[InputLines, PictureFolder]


def bulk_inputs(args: argparse.Namespace) -> Inputs:
    """The inputs of `daji bulk keywords|images`: FILE's lines, or `--dir`'s pictures."""
    folder = getattr(args, "dir", None)
    if folder is not None:
        if args.file is not None:
            raise UsageError("give FILE or --dir DIR, not both")
        return PictureFolder(folder)
    if args.file is None:
        raise UsageError("give FILE (one picture per line, '-' for standard input) or --dir DIR")
    return InputLines(args.file)


def inputs_label(args: argparse.Namespace) -> str:
    """What the progress bar calls the inputs: `stdin`, FILE's name or the folder's."""
    folder = getattr(args, "dir", None)
    if folder is not None:
        return Path(folder).name or folder
    return "stdin" if args.file == "-" else Path(args.file).name
