"""What went wrong in a bundle: every problem names its file, line and column.

A district's bundle may hold a million bad rows, so problems are collected in bounded memory: all are
counted, the first ``KEPT`` in report order are kept (``Problems``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# str() of the error stays readable for a bundle with thousands of bad rows; .problems keeps the first KEPT.
_SHOWN = 100
KEPT = 1_000


@dataclass(frozen=True)
class Problem:
    """One problem; ``line`` is 1-based and counts the header as line 1 (None: the whole file)."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class Problems:
    """The problems found so far, in report order: the file's place in ``order`` (files it does not name
    last), then the line (none first), then the order they were found in.

    Every problem is counted (``len``, so a step sees whether it added one); only the first ``KEPT`` in
    report order are kept, whatever order they are found in (a heap of the kept, the last on top).
    """

    def __init__(self, order: Mapping[str, int] | None = None) -> None:
        self.order: Mapping[str, int] = order or {}
        self._kept: list[tuple[int, int, int, Problem]] = []  # keys negated: _kept[0] is the last kept
        self._count = 0

    def append(self, problem: Problem) -> None:
        self._count += 1
        key = (-self.order.get(problem.file, len(self.order)), -(problem.line or 0), -self._count, problem)
        if len(self._kept) < KEPT:
            heapq.heappush(self._kept, key)
        elif key > self._kept[0]:  # comes before the last kept one
            heapq.heapreplace(self._kept, key)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def local(self) -> Problems:
        """An empty collection in the same order, for problems that may yet be dropped (see ``merge``)."""
        return Problems(self.order)

    def merge(self, other: Problems) -> None:
        """Add ``other``'s problems: those it dropped come after KEPT of its own, so could not be kept here."""
        self.extend(other.sorted())
        self._count += len(other) - len(other._kept)

    def sorted(self) -> list[Problem]:
        return [problem for *_, problem in sorted(self._kept, reverse=True)]

    def error(self) -> CsvImportError:
        return CsvImportError(self.sorted(), total=self._count)

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0


class CsvImportError(ValueError):
    """One or more problems; ``.problems`` is the list of Problem (the first KEPT), ``.total`` counts them all,
    ``str()`` lists the first few."""

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        lines = [str(problem) for problem in self.problems[:_SHOWN]]
        if self.total > _SHOWN:
            where = ("see .problems" if self.total == len(self.problems)
                     else f"the first {len(self.problems)} are in .problems")
            lines.append(f"... and {self.total - _SHOWN} more ({where})")
        count = self.total
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the OneRoster CSV bundle:\n  "
                         + "\n  ".join(lines))
