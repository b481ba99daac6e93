"""Loads the demo data (app/demo_data.json, written by the treatydb team) once."""
from __future__ import annotations

import json
from pathlib import Path

from core.db import session_scope
from core.models import StoredDocument
from core.schemas import InstrumentCreate
from core.service import create_instrument
from core.settings import get_settings

DEMO_FILE = Path(__file__).with_name("demo_data.json")
MARKER = ".demo-loaded"


def load_demo(force: bool = False) -> int:
    """Create the demo instruments (with their article texts) and index them. Returns how many were created."""
    s = get_settings()
    marker = s.data_dir / MARKER
    if marker.exists() and not force:
        return 0
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    n = 0
    with session_scope() as session:
        for rec in data["instruments"]:
            rec = dict(rec)
            articles = rec.pop("articles", [])
            inst = create_instrument(session, InstrumentCreate(**rec), actor="demo", commit=False)
            if articles:
                text = "\n".join(f"{a['label']}. {a.get('heading') or ''}\n{a['text']}" for a in articles)
                session.add(StoredDocument(instrument_id=inst.id, sha256=f"demo-{inst.id}", filename="demo.txt",
                                           media_type="text/plain", size=len(text.encode()), storage_path="",
                                           pages=1, chars=len(text), text=text,
                                           extraction={"articles": articles, "source": "demo"}))
            n += 1
    from search.service import reindex

    reindex()
    marker.write_text("loaded\n", encoding="utf-8")
    return n
