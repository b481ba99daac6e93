"""Public search through the API: folding, facets, and the public-only rule (a classified, an unpublished,
a not-yet-in-force and a terminated record never appear) — on SQLite and PostgreSQL."""
from __future__ import annotations

import time

import pytest

BASE = {"instrument_type": "hiệp định", "danh_nghia": "Chính phủ", "classification": "none", "publish": True,
        "signed_place": "Hà Nội"}


def _vn_kaz(title_tail: str, **over):
    d = dict(BASE, family="treaty",
             title=f"Hiệp định giữa Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam và Chính phủ nước Cộng hòa "
                   f"Ca-dắc-xtan {title_tail}",
             parties=[{"name": "Việt Nam"}, {"name": "Ca-dắc-xtan"}], signed_date="2023-08-21")
    d.update(over)
    return d


@pytest.fixture
def seeded(client, auth):
    from search.service import drain_all

    ids = {}

    def make(key, body, events=()):
        r = client.post("/api/instruments", json=body, headers=auth)
        assert r.status_code == 201, r.text
        iid = r.json()["id"]
        for ev in events:
            assert client.post(f"/api/instruments/{iid}/events", json=ev, headers=auth).status_code == 201
        ids[key] = iid

    eif = {"type": "entered_into_force", "date": "2024-05-25"}
    make("public", _vn_kaz("về miễn thị thực cho người mang hộ chiếu phổ thông"), [eif])
    make("classified", _vn_kaz("về hợp tác an ninh miễn thị thực", classification="toi_mat"), [eif])
    make("unpublished", _vn_kaz("về vay vốn miễn thị thực", publish=False), [eif])
    make("undecided", _vn_kaz("về du lịch miễn thị thực", publish=None), [eif])
    make("not_in_force", _vn_kaz("về hàng không miễn thị thực"))
    make("terminated", _vn_kaz("về lao động miễn thị thực"), [eif, {"type": "terminated", "date": "2025-01-01"}])
    make("agreement", {"family": "agreement", "title": "Bản ghi nhớ hợp tác đào tạo giữa Bộ Tư pháp và Bộ Tư pháp Lào",
                       "instrument_type": "bản ghi nhớ", "signatory_level": "bo", "vn_agency": "Bộ Tư pháp",
                       "parties": [{"name": "Việt Nam"}, {"name": "Lào"}], "signed_date": "2021-03-01",
                       "classification": "none", "publish": True},
         [{"type": "entered_into_force", "date": "2021-03-01"}])
    drain_all()
    return ids


def _ids(client, **params):
    r = client.get("/api/search", params=params)
    assert r.status_code == 200, r.text
    return {h["instrument_id"] for h in r.json()["hits"]}, r.json()


@pytest.mark.parametrize("q", ["cadacxtan", "Ca-dắc-xtan", "Cadắcxtan", "ca dac xtan", "Kazakhstan", "KAZ",
                               "mien thi thuc", "miễn thị thực"])
def test_folding_and_public_only(client, seeded, q):
    ids, res = _ids(client, q=q)
    assert ids == {seeded["public"]}, (q, res)
    assert res["total"] == 1


def test_hidden_records_never_returned(client, seeded):
    hidden = {seeded[k] for k in ("classified", "unpublished", "undecided", "not_in_force", "terminated")}
    for q in ("", "hiệp định", "miễn thị thực", "an ninh", "vay vốn", "hàng không", "lao động", "du lịch"):
        ids, _ = _ids(client, q=q, per_page=100)
        assert not ids & hidden, q


def test_facets_and_filters(client, seeded):
    ids, res = _ids(client, q="")
    assert ids == {seeded["public"], seeded["agreement"]}
    f = res["facets"]
    assert f["family"] == {"treaty": 1, "agreement": 1}
    assert f["year"] == {"2023": 1, "2021": 1}
    assert f["party"]["VNM"] == 2 and f["party"]["KAZ"] == 1 and f["party"]["LAO"] == 1
    assert f["instrument_type"] == {"hiệp định": 1, "bản ghi nhớ": 1}
    ids, _ = _ids(client, family="agreement")
    assert ids == {seeded["agreement"]}
    ids, _ = _ids(client, party=["VNM", "KAZ"])
    assert ids == {seeded["public"]}


def test_write_reaches_search_within_seconds(client, auth, seeded):
    """With the outbox worker running, a change reaches (or leaves) search within a couple of seconds."""
    from search.service import SearchWorker

    w = SearchWorker(interval=0.1)
    w.start()
    try:
        r = client.patch(f"/api/instruments/{seeded['public']}", json={"classification": "mat"}, headers=auth)
        assert r.status_code == 200
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            ids, _ = _ids(client, q="cadacxtan")
            if not ids:
                break
            time.sleep(0.1)
        assert ids == set()
        client.patch(f"/api/instruments/{seeded['public']}", json={"classification": "none"}, headers=auth)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            ids, _ = _ids(client, q="cadacxtan")
            if ids:
                break
            time.sleep(0.1)
        assert ids == {seeded["public"]}
    finally:
        w.stop()
        w.join(5)


def test_reindex_rebuilds_from_database(client, seeded, env):
    from search.service import check_consistency, get_backend, reindex

    backend = get_backend()
    backend.delete(list(backend.all_ids()))
    assert _ids(client, q="")[0] == set()
    assert reindex() == 2
    assert _ids(client, q="")[0] == {seeded["public"], seeded["agreement"]}
    assert check_consistency()["missing"] == []


def test_entry_into_force_notice_number_is_searchable(client, auth, seeded):
    """The Ministry's entry-into-force notice named on an event ("Thông báo 11/2024/TB-LPQT") finds its instrument;
    other references on events (a decision number) are not publishable and are not searched."""
    from search.service import drain_all

    r = client.post("/api/instruments", json=_vn_kaz("về hợp tác nghề cá"), headers=auth)
    iid = r.json()["id"]
    ev = {"type": "entered_into_force", "date": "2024-03-01",
          "document_ref": "Thông báo 11/2024/TB-LPQT; Quyết định 99/2024/QĐ-TTg"}
    assert client.post(f"/api/instruments/{iid}/events", json=ev, headers=auth).status_code == 201
    drain_all()
    found, _ = _ids(client, q="11/2024/TB-LPQT")
    assert found == {iid}
    assert _ids(client, q="99/2024/QĐ-TTg")[0] == set()
