"""Finding repeated ids in a file too big to remember: the ids of the files no row points into.

Nobody references an enrollment, a result or a demographics row, so the import needs their ids for one
thing only: refusing a row that repeats an earlier row's id. ``Ledger`` finds those rows without holding
every id: each id goes to one of several buckets by a stable hash, a bucket spills to a temporary file
past ``SPILL`` entries, and the buckets are then checked one at a time (a repeat always lands in the
bucket of the row it repeats). Peak memory is one bucket: about ``BUCKET_BYTES`` of the file's text.
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Iterator
from types import TracebackType
from typing import IO

import orjson

BUCKET_BYTES = 4 << 20  # of CSV text per bucket: ~50,000 results.csv rows
SPILL = 1_000  # entries a bucket holds before they go to its file

Entry = tuple[str, str, int]  # canonical id, id as given, line
Repeat = tuple[int, str, str, str, int]  # line, id as given, canonical id, the first row's id as given, its line


class Ledger:
    """The ids of one file's rows, in line order; ``repeats()`` names each row whose canonical id an earlier row
    has (the earliest is "the first")."""

    def __init__(self, size: int) -> None:
        """``size``: the file's bytes, which sets the number of buckets."""
        self._buckets: list[list[Entry]] = [[] for _ in range(max(1, size // BUCKET_BYTES))]
        self._files: dict[int, IO[bytes]] = {}

    def add(self, canonical: str, given: str, line: int) -> None:
        index = zlib.crc32(canonical.encode()) % len(self._buckets)
        bucket = self._buckets[index]
        bucket.append((canonical, given, line))
        if len(bucket) >= SPILL:
            if index not in self._files:
                self._files[index] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            self._files[index].write(orjson.dumps(bucket) + b"\n")
            bucket.clear()

    def repeats(self) -> Iterator[Repeat]:
        """Every row that repeats an id, bucket by bucket (not in line order)."""
        for index in range(len(self._buckets)):
            first: dict[str, tuple[str, int]] = {}
            for canonical, given, line in self._entries(index):
                if canonical in first:
                    yield line, given, canonical, *first[canonical]
                else:
                    first[canonical] = (given, line)

    def _entries(self, index: int) -> Iterator[Entry]:
        spilled = self._files.get(index)
        if spilled is not None:
            spilled.seek(0)
            for batch in spilled:
                yield from (tuple(entry) for entry in orjson.loads(batch))  # type: ignore[misc]
        yield from self._buckets[index]

    def close(self) -> None:
        for spilled in self._files.values():
            spilled.close()
        self._files.clear()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class LineSet:
    """A set of line numbers as a bitmap: marking every row of a million-row file costs 125 KB, not 60 MB."""

    def __init__(self) -> None:
        self._bits = bytearray()

    def add(self, line: int) -> None:
        index = line >> 3
        if index >= len(self._bits):
            self._bits.extend(bytes(index + 1 - len(self._bits)))
        self._bits[index] |= 1 << (line & 7)

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, int):
            return False
        index = line >> 3
        return index < len(self._bits) and bool(self._bits[index] >> (line & 7) & 1)
