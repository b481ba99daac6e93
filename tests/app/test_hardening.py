"""Faults found by adversarial testing, each kept fixed: public view leaks, probing, huge ids, silent filters,
invisible characters, no-op patches, confirm atomicity, concurrent events, expiry (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading

BODY = {"family": "treaty", "title": "Hiệp định về hợp tác thử nghiệm giữa Chính phủ Việt Nam và Chính phủ Mông Cổ",
        "instrument_type": "hiệp định", "danh_nghia": "Chính phủ", "parties": [{"name": "Việt Nam"}, {"name": "Mông Cổ"}],
        "signed_date": "2023-01-01", "classification": "none", "publish": True,
        "events": [{"type": "entered_into_force", "date": "2023-02-01"}]}


def _new(client, auth, **over):
    r = client.post("/api/instruments", json={**BODY, **over}, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


def test_public_view_has_no_internal_event_fields(client, auth):
    rec = _new(client, auth)
    client.post(f"/api/instruments/{rec['id']}/events", json={"type": "amended", "date": "2024-05-01",
                "note": "NỘI BỘ", "document_ref": "Công văn mật 12", "legal_basis": "internal"}, headers=auth)
    pub = client.get(f"/api/instruments/{rec['id']}").json()
    assert pub["events"] and all(set(e) == {"type", "label_vi", "date", "party_code"} for e in pub["events"])
    assert "NỘI BỘ" not in str(pub) and "mật 12" not in str(pub)


def test_anonymous_cannot_probe_ids_and_huge_ids_are_422(client, auth):
    hidden = _new(client, auth, classification="mat")["id"]
    assert client.get(f"/api/instruments/{hidden}").status_code == 401
    assert client.get("/api/instruments/99999").status_code == 401
    assert client.get("/api/instruments/99999", headers=auth).status_code == 404
    assert client.get("/api/instruments/9223372036854775808").status_code == 422
    assert client.get("/api/search", params={"year": "99999999999999999999"}).status_code == 422
    r = client.get("/api/search", params={"q": "x" * 10000})
    assert r.status_code == 422 and "xxxxxxxxxx" not in r.text  # input not echoed


def test_search_filters_are_checked_and_take_any_spelling(client, auth):
    _new(client, auth)
    from search.service import drain_all

    drain_all()
    assert client.get("/api/search", params={"party": "kaz"}).status_code == 200
    assert client.get("/api/search", params={"party": "Mông Cổ"}).json()["total"] == 1
    assert client.get("/api/search", params={"party": "mng"}).json()["total"] == 1
    r = client.get("/api/search", params={"party": "Atlantis"})
    assert r.status_code == 422 and "Atlantis" in r.json()["detail"]["message"]
    assert client.get("/api/search", params={"family": "secret"}).status_code == 422


def test_invisible_characters_and_noop_patch(client, auth):
    r = client.post("/api/instruments", json={**BODY, "title": "\u200b\u200b\u200b\u200b"}, headers=auth)
    assert r.status_code == 422
    rec = _new(client, auth, title="Hiệp định\u202e thử\x07 nghiệm")
    assert rec["title"] == "Hiệp định thử nghiệm"
    r = client.post("/api/instruments", json={**BODY, "titles": {"zz-evil": "x"}}, headers=auth)
    assert r.status_code == 422
    same = client.patch(f"/api/instruments/{rec['id']}", json={}, headers=auth).json()
    assert same["version"] == rec["version"]
    r = client.patch(f"/api/instruments/{rec['id']}", json={"title": None}, headers=auth)
    assert r.status_code == 422


def test_confirm_checks_version_and_is_all_or_nothing(client, auth, session):
    from core.schemas import InstrumentCreate
    from core.service import create_instrument

    draft = create_instrument(session, InstrumentCreate(**{**BODY, "events": []}), actor="t", record_state="draft")
    r = client.post(f"/api/instruments/{draft.id}/confirm", json={"version": 999, "changes": {"notes": "X"}},
                    headers=auth)
    assert r.status_code == 409
    r = client.post(f"/api/instruments/{draft.id}/confirm",
                    json={"changes": {"notes": "half", "parties": [{"name": "Việt Nam"}, {"name": "Atlantis"}]}},
                    headers=auth)
    assert r.status_code == 422
    rec = client.get(f"/api/instruments/{draft.id}", headers=auth).json()
    assert rec["notes"] is None and rec["version"] == draft.version and rec["record_state"] == "draft"


def test_parallel_events_without_version_do_not_conflict(client, auth):
    rec = _new(client, auth, events=[])
    codes = ["THA", "LAO", "KHM", "MYS", "SGP", "IDN", "PHL", "BRN", "MMR", "JPN"]
    results = []

    def post(code):
        results.append(client.post(f"/api/instruments/{rec['id']}/events",
                                   json={"type": "signed", "date": "2023-01-01", "party_code": code},
                                   headers=auth).status_code)

    ts = [threading.Thread(target=post, args=(c,)) for c in codes]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert results.count(201) == 10
    r = client.post(f"/api/instruments/{rec['id']}/events", json={"type": "signed", "date": "2023-01-01",
                                                                  "party_code": "ZZZ"}, headers=auth)
    assert r.status_code == 422


def test_fixed_term_ends_at_expiry_without_renewal(client, auth):
    rec = _new(client, auth, expiry_date="2025-01-01", auto_renewal=False)
    assert rec["status"] == "terminated" and rec["public"] is False
    assert client.get(f"/api/instruments/{rec['id']}?as_of=2024-06-01", headers=auth).json()["status"] == "in_force"
    renewing = _new(client, auth, expiry_date="2025-01-01", auto_renewal=True)
    assert renewing["status"] == "in_force"


def test_write_without_token_refused_before_the_body_is_read(client):
    r = client.post("/api/instruments", content=b"x" * 1000, headers={"Content-Type": "application/json"})
    assert r.status_code == 401
    r = client.post("/api/instruments", content=b"{}", headers={"Authorization": "Bearer t",
                                                                "Content-Length": str(50 << 20)})
    assert r.status_code in (401, 403, 413)
