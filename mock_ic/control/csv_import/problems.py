"""What went wrong in a bundle: every problem names its file, line and column."""

from __future__ import annotations

from dataclasses import dataclass

# str() of the error stays readable for a bundle with thousands of bad rows; .problems keeps them all.
_SHOWN = 100


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


class CsvImportError(ValueError):
    """One or more problems; ``.problems`` is the list of Problem, ``str()`` lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = [str(problem) for problem in self.problems[:_SHOWN]]
        if len(self.problems) > _SHOWN:
            lines.append(f"... and {len(self.problems) - _SHOWN} more (see .problems)")
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the OneRoster CSV bundle:\n  "
                         + "\n  ".join(lines))
