"""Registration API: create, read, patch, events, confirm, auth — on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, timedelta

KAZ_TITLE = ("Hiệp định giữa Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam và Chính phủ nước Cộng hòa "
             "Ca-dắc-xtan về miễn thị thực cho người mang hộ chiếu phổ thông")


def kaz_payload(**over):
    p = {"family": "treaty", "title": KAZ_TITLE, "instrument_type": "hiệp định", "danh_nghia": "Chính phủ",
         "parties": [{"name": "Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam"},
                     {"name": "Chính phủ nước Cộng hòa Ca-dắc-xtan"}],
         "signed_date": "2023-08-21", "signed_place": "Hà Nội", "authentic_languages": ["vi", "kk", "ru"],
         "classification": "none", "publish": True}
    p.update(over)
    return p


def test_health(client):
    r = client.get("/api/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_create_read_event_status(client, auth):
    r = client.post("/api/instruments", json=kaz_payload(), headers=auth)
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["id"] > 0
    assert [p["code"] for p in rec["parties"]] == ["VNM", "KAZ"]
    assert rec["status"] == "signed" and rec["bilateral"] is True
    assert [e["type"] for e in rec["events"]] == ["signed"]
    r = client.post(f"/api/instruments/{rec['id']}/events", json={"type": "entered_into_force", "date": "2024-05-25"},
                    headers=auth)
    assert r.status_code == 201, r.text
    full = client.get(f"/api/instruments/{rec['id']}", headers=auth).json()
    assert full["status"] == "in_force" and full["entry_into_force_date"] == "2024-05-25"
    assert full["public"] is True
    # status for any date
    before = client.get(f"/api/instruments/{rec['id']}?as_of=2024-05-24", headers=auth).json()
    assert before["status"] == "signed"
    # public read without a token: publishable fields only
    pub = client.get(f"/api/instruments/{rec['id']}")
    assert pub.status_code == 200
    assert "notes" not in pub.json() and "classification" not in pub.json()


def test_auth_required_for_writes_and_private_reads(client, auth):
    assert client.post("/api/instruments", json=kaz_payload()).status_code == 401
    assert client.post("/api/instruments", json=kaz_payload(),
                       headers={"Authorization": "Bearer wrong"}).status_code == 403
    rid = client.post("/api/instruments", json=kaz_payload(classification="mat"), headers=auth).json()["id"]
    assert client.get(f"/api/instruments/{rid}").status_code == 401
    assert client.get(f"/api/instruments/{rid}", headers={"Authorization": "Bearer nope"}).status_code == 403
    assert client.get(f"/api/instruments/{rid}", headers=auth).status_code == 200
    assert client.patch(f"/api/instruments/{rid}", json={"notes": "x"}).status_code == 401


def test_patch_with_version_conflict(client, auth):
    rec = client.post("/api/instruments", json=kaz_payload(), headers=auth).json()
    r = client.patch(f"/api/instruments/{rec['id']}", json={"field": "lãnh sự", "version": rec["version"]},
                     headers=auth)
    assert r.status_code == 200 and r.json()["field"] == "lãnh sự" and r.json()["version"] == rec["version"] + 1
    stale = client.patch(f"/api/instruments/{rec['id']}", json={"field": "khác", "version": rec["version"]},
                         headers=auth)
    assert stale.status_code == 409
    assert client.get(f"/api/instruments/{rec['id']}", headers=auth).json()["field"] == "lãnh sự"
    hist = client.get(f"/api/instruments/{rec['id']}/history", headers=auth).json()
    assert [h["action"] for h in hist] == ["create", "update"]
    assert hist[1]["changes"]["field"] == {"before": None, "after": "lãnh sự"}


def test_bad_input_clear_errors(client, auth):
    r = client.post("/api/instruments", json=kaz_payload(parties=[{"name": "Atlantis"}]), headers=auth)
    assert r.status_code == 422 and "Atlantis" in r.json()["detail"]["message"]
    r = client.post("/api/instruments", json=kaz_payload(signed_date="2023-02-30"), headers=auth)
    assert r.status_code == 422
    r = client.post("/api/instruments", json=kaz_payload(parties=[{"name": "X", "code": "ZZZ"}]), headers=auth)
    assert r.status_code == 422 and "ZZZ" in r.json()["detail"]["message"]
    future = (date.today() + timedelta(days=3)).isoformat()
    r = client.post("/api/instruments", json=kaz_payload(signed_date=future), headers=auth)
    assert r.status_code == 422 and "future" in r.json()["detail"]["message"]
    assert client.get("/api/instruments/99999", headers=auth).status_code == 404
    rec = client.post("/api/instruments", json=kaz_payload(), headers=auth).json()
    r = client.post(f"/api/instruments/{rec['id']}/events", json={"type": "entered_into_force", "date": "2020-01-01"},
                    headers=auth)
    assert r.status_code == 422 and "before the signature" in r.json()["detail"]["message"]
    r = client.post(f"/api/instruments/{rec['id']}/events", json={"type": "exploded", "date": "2024-01-01"},
                    headers=auth)
    assert r.status_code == 422


def test_law2016_art4_treaty_danh_nghia(client, auth):
    r = client.post("/api/instruments", json=kaz_payload(danh_nghia="Bộ Ngoại giao"), headers=auth)
    assert r.status_code == 422 and "Art. 4" in r.json()["detail"]["message"]
    r = client.post("/api/instruments", json=kaz_payload(danh_nghia="Bộ", signed_date="1999-03-01"), headers=auth)
    assert r.status_code == 201  # legacy ministry-level treaty (Ordinance 1998)
    r = client.post("/api/instruments", json=kaz_payload(danh_nghia="Bộ"), headers=auth)
    assert r.status_code == 422


def test_law2020_art6_agreement_name(client, auth):
    body = {"family": "agreement", "title": "Hiệp định hợp tác giữa Bộ Tư pháp Việt Nam và Bộ Tư pháp Lào",
            "instrument_type": "hiệp định", "signatory_level": "bo", "vn_agency": "Bộ Tư pháp",
            "parties": [{"name": "Lào"}], "signed_date": "2022-05-01"}
    r = client.post("/api/instruments", json=body, headers=auth)
    assert r.status_code == 422
    assert "Law 2020 Art. 6" in r.json()["detail"]["message"]
    body.update(title="Bản ghi nhớ hợp tác giữa Bộ Tư pháp Việt Nam và Bộ Tư pháp Lào", instrument_type="bản ghi nhớ")
    r = client.post("/api/instruments", json=body, headers=auth)
    assert r.status_code == 201, r.text


def test_termination_then_event_refused(client, auth):
    rec = client.post("/api/instruments", json=kaz_payload(), headers=auth).json()
    iid = rec["id"]
    for ev in ({"type": "entered_into_force", "date": "2024-05-25"}, {"type": "terminated", "date": "2025-01-01"}):
        assert client.post(f"/api/instruments/{iid}/events", json=ev, headers=auth).status_code == 201
    r = client.post(f"/api/instruments/{iid}/events", json={"type": "suspended", "date": "2025-02-01"}, headers=auth)
    assert r.status_code == 422 and "reinstated" in r.json()["detail"]["message"]
    assert client.get(f"/api/instruments/{iid}?as_of=2024-12-31", headers=auth).json()["status"] == "in_force"
    assert client.get(f"/api/instruments/{iid}", headers=auth).json()["status"] == "terminated"


def test_lifecycle_sequences_that_cannot_happen(client, auth):
    """An ended instrument cannot silently come back into force; suspension needs 'resumed'; a termination before
    the entry into force and a second signature are refused (Law 2016 Arts. 52-55)."""
    def rec():
        r = client.post("/api/instruments", json=kaz_payload(signed_date="2023-01-01"), headers=auth)
        iid = r.json()["id"]
        assert client.post(f"/api/instruments/{iid}/events", json={"type": "entered_into_force",
                                                                   "date": "2024-01-05"}, headers=auth).status_code == 201
        return iid

    def post(iid, t, d):
        return client.post(f"/api/instruments/{iid}/events", json={"type": t, "date": d}, headers=auth)

    a = rec()
    assert post(a, "terminated", "2025-01-01").status_code == 201
    r = post(a, "entered_into_force", "2025-01-01")
    assert r.status_code == 422 and "reinstated" in r.json()["detail"]["message"]
    assert client.get(f"/api/instruments/{a}").status_code == 401  # not public again
    assert post(a, "reinstated", "2025-06-01").status_code == 201
    b = rec()
    r = post(b, "terminated", "2023-12-01")
    assert r.status_code == 422 and "before the entry into force" in r.json()["detail"]["message"]
    c = rec()
    assert post(c, "suspended", "2024-06-01").status_code == 201
    r = post(c, "entered_into_force", "2024-07-01")
    assert r.status_code == 422 and "resumed" in r.json()["detail"]["message"]
    assert post(c, "resumed", "2024-08-01").status_code == 201
    r = post(c, "signed", "2023-02-01")
    assert r.status_code == 422
    r = post(c, "ratified", "2099-01-01")
    assert r.status_code == 422 and "future" in r.json()["detail"]["message"]
