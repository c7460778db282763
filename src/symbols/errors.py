"""Domain errors. The CLI turns each into one line on stderr and exit status 1."""

from __future__ import annotations

from dataclasses import dataclass


class SymbolsError(Exception):
    """Base class: a problem the user can act on, shown without a traceback."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One finding about a registry: where it is and what is wrong."""

    file: str
    line: int | None
    feature: str | None
    field: str | None
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [where]
        if self.feature is not None:
            parts.append(f"feature {self.feature}")
        if self.field is not None:
            parts.append(self.field)
        prefix = "warning: " if self.severity == "warning" else ""
        return ": ".join(parts) + f": {prefix}{self.message}"


class RegistryError(SymbolsError):
    """The registry cannot be read or used; carries one or more located problems."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DateError(SymbolsError, ValueError):
    """A text that is not an EDTF date this tool understands."""


class EditError(SymbolsError):
    """An edit was refused; the registry was left as it was."""


class PlaceError(SymbolsError):
    """A place name that the gazetteer cannot resolve to one settlement."""


class GeoDataError(SymbolsError):
    """The reference geography (regions, gazetteer) cannot be read."""


class NetworkError(SymbolsError):
    """A remote service could not be reached or answered badly."""


class OutputError(SymbolsError):
    """An output file (a map, a report) could not be written; files already there are kept."""


class ReportError(SymbolsError):
    """Report options that cannot work together (a frequency, a grouping, a date window)."""
