"""Where the shared, read-only corpus lives (CI lays ../shared beside the clone)."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TREATYDB_SHARED", REPO.parent / "shared")).resolve()
CORPUS = SHARED / "corpus"
REFDATA = SHARED / "refdata"
