"""Reading the bundle's tab-separated files (UTF-8, one header row, no quoting, codes as text)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from talent.errors import ConfigError


def read_tsv(path: Path, required: tuple[str, ...] = ()) -> Iterator[dict[str, str]]:
    """Yield each row of ``path`` as a dict of strings.

    :class:`ConfigError` names the file when it is missing, unreadable, ragged or lacks a
    ``required`` column.
    """
    try:
        fh = path.open(encoding="utf-8", newline="")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"taxonomy bundle file missing: {path.name} (looked in {path.parent})"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"taxonomy bundle file unreadable: {path.name} ({exc})") from exc
    with fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        try:
            header = next(reader)
        except StopIteration as exc:
            raise ConfigError(f"taxonomy bundle file is empty: {path.name}") from exc
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ConfigError(f"taxonomy bundle file unreadable: {path.name} ({exc})") from exc
        missing = [c for c in required if c not in header]
        if missing:
            raise ConfigError(
                f"taxonomy bundle file {path.name} lacks columns: {', '.join(missing)}"
            )
        try:
            for line_no, row in enumerate(reader, start=2):
                if len(row) != len(header):
                    raise ConfigError(
                        f"taxonomy bundle file {path.name} line {line_no}: "
                        f"{len(row)} fields, expected {len(header)}"
                    )
                yield dict(zip(header, row))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ConfigError(f"taxonomy bundle file unreadable: {path.name} ({exc})") from exc


def to_float(text: str, default: float = 0.0) -> float:
    try:
        return float(text)
    except ValueError:
        return default
