"""Original files stored by content: DATA_DIR/files/ab/abcdef….ext (sha256)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from core.settings import get_settings


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def store_file(path: Path, sha256: str | None = None, suffix: str = "") -> tuple[str, str]:
    """Copy ``path`` into the store (atomically, once per content). Returns (sha256, relative path)."""
    s = get_settings()
    sha = sha256 or sha256_file(path)
    rel = Path("files") / sha[:2] / f"{sha}{suffix.lower()}"
    dest = s.data_dir / rel
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    out.write(chunk)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return sha, str(rel)


def stored_path(rel: str) -> Path:
    return get_settings().data_dir / rel
