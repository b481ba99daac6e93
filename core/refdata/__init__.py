"""Reference tables shipped with the product (built by ``python -m core.refdata.build``).

Read them with :func:`table_path` / :func:`read_table`; never read ``shared/refdata`` at run time.
"""
from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent


def table_path(name: str) -> Path:
    return HERE / name


def read_table(name: str) -> list[dict[str, str]]:
    with table_path(name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
