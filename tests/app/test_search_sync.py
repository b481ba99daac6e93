"""The index never drifts from the database: a worker killed at random points during a burst of writes, then
restarted, leaves an index equal to what the database says should be public; and, as a property over generated
records and lifecycle edits, search never returns a record that may not be public."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _body(i: int, **over):
    d = {"family": "treaty", "title": f"Hiệp định hợp tác số {i} giữa Việt Nam và Lào về giáo dục",
         "instrument_type": "hiệp định", "danh_nghia": "Chính phủ", "parties": [{"name": "Việt Nam"}, {"name": "Lào"}],
         "signed_date": "2017-01-01", "classification": "none", "publish": True}
    d.update(over)
    return d


def _start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app.cli", "search-worker", "--interval", "0.05"], cwd=REPO,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _public_ids(session) -> set[str]:
    from search.documents import public_documents

    return {d["id"] for d in public_documents(session)}


def test_worker_killed_at_random_points_then_index_matches_database(env, session):
    from core.models import SearchOutbox
    from core.schemas import EventIn, InstrumentCreate, InstrumentUpdate
    from core.service import add_event, create_instrument, update_instrument
    from search.service import close_backend, get_backend

    close_backend()  # the worker process is the only writer
    penv = dict(os.environ)
    rng = random.Random(20261203)
    worker = _start_worker(penv)
    ids: list[int] = []
    kills = 0
    try:
        for step in range(160):
            op = rng.random()
            if op < 0.35 or not ids:
                ids.append(create_instrument(session, InstrumentCreate(**_body(step)), actor="burst").id)
            elif op < 0.6:
                iid = rng.choice(ids)
                try:
                    add_event(session, iid, EventIn(type="entered_into_force", date=date(2020, 1, 1)), actor="burst")
                except Exception:
                    session.rollback()
            elif op < 0.8:
                iid = rng.choice(ids)
                update_instrument(session, iid, InstrumentUpdate(classification=rng.choice(["none", "mat"])),
                                  actor="burst")
            else:
                iid = rng.choice(ids)
                update_instrument(session, iid, InstrumentUpdate(publish=rng.choice([True, False, None])),
                                  actor="burst")
            if rng.random() < 0.04:  # kill -9 at a random point, restart at once or a bit later
                worker.send_signal(signal.SIGKILL)
                worker.wait(10)
                kills += 1
                time.sleep(rng.random() * 0.2)
                worker = _start_worker(penv)
        # let the (last) worker finish the outbox
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            session.expire_all()
            if session.exec(select(SearchOutbox).where(SearchOutbox.done_at.is_(None))).first() is None:
                break
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    assert kills >= 2
    session.expire_all()
    assert session.exec(select(SearchOutbox).where(SearchOutbox.done_at.is_(None))).first() is None
    should = _public_ids(session)
    assert should, "the burst should leave some public records"
    assert get_backend().all_ids() == should


# ---------------------------------------------------------------- property: only what may be public, always
EDIT = st.one_of(
    st.tuples(st.just("classification"), st.sampled_from(["none", "mat", "toi_mat", "tuyet_mat"])),
    st.tuples(st.just("publish"), st.sampled_from([True, False, None])),
    st.tuples(st.just("eif"), st.sampled_from(["2018-06-01", "2030-01-01"])),
    st.tuples(st.just("terminate"), st.sampled_from(["2021-01-01", "2031-01-01"])),
    st.tuples(st.just("confirm"), st.just(None)),
    st.tuples(st.just("draft_text"), st.booleans()),
)
RECORD = st.fixed_dictionaries({
    "classification": st.sampled_from(["none", "mat", "toi_mat", "tuyet_mat"]),
    "publish": st.sampled_from([True, False, None]),
    "state": st.sampled_from(["draft", "confirmed"]),
    "eif": st.sampled_from([None, "2018-06-01", "2030-01-01"]),
})


def _expected_public(model: dict, today: date) -> bool:
    """An oracle written independently of core.service.is_public."""
    eif = model["eif"] and date.fromisoformat(model["eif"]) <= today
    ended = model["terminated"] and date.fromisoformat(model["terminated"]) <= today
    return (model["classification"] == "none" and model["publish"] is True and model["state"] == "confirmed"
            and not model["draft_text"] and bool(eif) and not ended)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(records=st.lists(RECORD, min_size=1, max_size=40),
       edits=st.lists(st.tuples(st.integers(min_value=0, max_value=39), EDIT), max_size=60))
def test_property_search_returns_only_public_records(env, records, edits):
    from sqlmodel import Session as S

    from core.db import get_engine
    from core.models import Instrument
    from core.schemas import EventIn, InstrumentCreate, InstrumentUpdate
    from core.service import add_event, confirm_instrument, create_instrument, update_instrument
    from search.protocol import SearchQuery
    from search.service import drain_all, get_backend, public_search

    today = date.today()
    backend = get_backend()
    models: dict[int, dict] = {}
    with S(get_engine()) as s:
        for n, r in enumerate(records):
            events = [{"type": "entered_into_force", "date": r["eif"]}] if r["eif"] else []
            inst = create_instrument(s, InstrumentCreate(**_body(n, classification=r["classification"],
                                                                 publish=r["publish"], events=events)),
                                     actor="prop", record_state=r["state"])
            models[inst.id] = {**r, "terminated": None, "draft_text": False}
        ids = list(models)
        for idx, (kind, val) in edits:
            iid = ids[idx % len(ids)]
            m = models[iid]
            try:
                if kind == "classification":
                    update_instrument(s, iid, InstrumentUpdate(classification=val), actor="prop")
                    m["classification"] = val
                elif kind == "publish":
                    update_instrument(s, iid, InstrumentUpdate(publish=val), actor="prop")
                    m["publish"] = val
                elif kind == "eif" and m["eif"] is None:
                    add_event(s, iid, EventIn(type="entered_into_force", date=date.fromisoformat(val)), actor="prop")
                    m["eif"] = val
                elif kind == "terminate" and m["eif"] and m["terminated"] is None and val > m["eif"]:
                    add_event(s, iid, EventIn(type="terminated", date=date.fromisoformat(val)), actor="prop")
                    m["terminated"] = val
                elif kind == "confirm" and m["state"] == "draft":
                    confirm_instrument(s, iid, actor="prop")
                    m["state"] = "confirmed"
                elif kind == "draft_text":
                    inst = s.get(Instrument, iid)
                    inst.is_draft_text = val
                    from core.service import enqueue_sync
                    enqueue_sync(s, iid)
                    s.commit()
                    m["draft_text"] = val
            except Exception:
                s.rollback()
            if (idx + len(kind)) % 7 == 0:  # search in the middle of the sequence too
                drain_all(backend)
                hits = backend.search(SearchQuery(q="", per_page=1000)).hits
                assert all(_expected_public(models[h.instrument_id], today) for h in hits if h.instrument_id in models)
        drain_all(backend)
        expected = {f"i{i}" for i, m in models.items() if _expected_public(m, today)}
        got_raw = {h.id for h in backend.search(SearchQuery(q="", per_page=1000)).hits} & {f"i{i}" for i in models}
        assert got_raw == expected
        got_api = {h.id for h in public_search(SearchQuery(q="hợp tác", per_page=1000)).hits} & {f"i{i}" for i in models}
        assert got_api == expected
        # the worker's bulk id check (column queries, no ORM objects) agrees with the oracle too
        from search.service import public_ids
        assert public_ids(s) & {f"i{i}" for i in models} == expected
        # … also when judged a few records at a time with pauses (how the worker runs it beside searches)
        assert public_ids(s, pause=1e-5, batch=3) & {f"i{i}" for i in models} == expected


def test_lost_or_outdated_index_is_rebuilt_from_the_database_on_open(client, auth, env):
    """The index is derived: remove it (or change its schema version) and the next open rebuilds it."""
    import shutil

    from search.service import close_backend, drain_all, get_backend

    r = client.post("/api/instruments", json=_body(1, events=[{"type": "entered_into_force", "date": "2018-01-01"}]),
                    headers=auth)
    assert r.status_code == 201
    drain_all()
    close_backend()
    shutil.rmtree(env / "search")
    assert get_backend().all_ids() == {f"i{r.json()['id']}"}


def test_quick_check_removes_what_is_no_longer_public_and_reindex_keeps_concurrent_changes(client, auth, env):
    """Facets and totals come from the index: a record that stops being public (here behind the outbox's back,
    as a date roll-over or a concurrent rebuild would) leaves it at the next quick check; changes written while a
    rebuild reads the database reach the new index."""
    from sqlmodel import Session as S

    from core.db import get_engine
    from core.models import Instrument
    from search.protocol import SearchQuery
    from search.service import drain_all, get_backend, quick_check, reindex

    ids = []
    for n in range(3):
        r = client.post("/api/instruments", json=_body(n, events=[{"type": "entered_into_force", "date": "2018-01-01"}]),
                        headers=auth)
        ids.append(r.json()["id"])
    drain_all()
    backend = get_backend()
    with S(get_engine()) as s:  # change the database without an outbox row
        inst = s.get(Instrument, ids[0])
        inst.classification = "mat"
        s.commit()
    assert backend.search(SearchQuery(q="", per_page=50)).facets["party"]["LAO"] == 3  # stale until checked
    assert quick_check(backend) == {"extra": [f"i{ids[0]}"], "missing": []}
    assert backend.search(SearchQuery(q="", per_page=50)).facets["party"]["LAO"] == 2
    # a change whose outbox row is newer than the rebuild's snapshot is applied to the new index
    assert client.patch(f"/api/instruments/{ids[1]}", json={"publish": False}, headers=auth).status_code == 200
    from core.models import SearchOutbox
    with S(get_engine()) as s:
        for row in s.exec(select(SearchOutbox)):
            row.done_at = None if row.instrument_id == ids[1] else row.done_at
        s.commit()
    assert reindex() >= 1
    assert backend.all_ids() == {f"i{ids[2]}"}


def test_worker_runs_the_id_check_at_start_and_when_the_date_changes(monkeypatch):
    """The ids-only check (a second of work at 100,000 records) runs at start, as soon as the calendar day
    changes (entries into force and ends reached at midnight) and every ``check_every`` seconds — not on every
    loop of the worker."""
    import datetime as dt

    import search.service as svc

    calls: list[dt.date] = []
    day = {"today": dt.date(2026, 12, 3)}

    class FakeDate(dt.date):
        @classmethod
        def today(cls):
            return day["today"]

    monkeypatch.setattr(svc, "date", FakeDate)
    monkeypatch.setattr(svc, "drain_all", lambda *a, **k: 0)
    monkeypatch.setattr(svc, "quick_check", lambda *a, **k: calls.append(day["today"]) or {})
    monkeypatch.setattr(svc, "check_consistency", lambda *a, **k: {})
    w = svc.SearchWorker(interval=0.01, check_every=3600)
    w.start()
    try:
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # some twenty loops more on the same day
        assert calls == [dt.date(2026, 12, 3)]
        day["today"] = dt.date(2026, 12, 4)  # midnight
        deadline = time.monotonic() + 5
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        assert calls == [dt.date(2026, 12, 3), dt.date(2026, 12, 4)]
    finally:
        w.stop()
        w.join(5)


def test_worker_reports_its_last_check(monkeypatch):
    """The worker's state (shown by /api/health): whether its first check has run, when, and what it changed."""
    import search.service as svc

    monkeypatch.setattr(svc, "drain_all", lambda *a, **k: 0)
    monkeypatch.setattr(svc, "quick_check", lambda *a, **k: {"missing": ["i1", "i2"], "extra": ["i9"]})
    w = svc.SearchWorker(interval=0.01)
    assert w.state() == {"running": False, "checked": False, "last_check": None}
    w.start()
    try:
        deadline = time.monotonic() + 5
        while w.last_check is None and time.monotonic() < deadline:
            time.sleep(0.01)
        st = w.state()
        assert st["running"] and st["checked"]
        assert st["last_check"]["added"] == 2 and st["last_check"]["removed"] == 1
        assert st["last_check"]["at"].endswith("+00:00") and st["last_check"]["seconds"] >= 0
    finally:
        w.stop()
        w.join(5)
