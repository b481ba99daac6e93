"""Registry depth: full records, agencies with successors, competence rules, relations, per-party status,
migrations that keep data, and no lost update under 1,000 concurrent updates."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import text

from dbutil import drop_pg_schema, pg_schema_url


def treaty(**over):
    d = {"family": "treaty", "title": "Hiệp định hợp tác văn hóa giữa Chính phủ Việt Nam và Chính phủ Lào",
         "instrument_type": "hiệp định", "danh_nghia": "Chính phủ", "parties": [{"name": "Việt Nam"}, {"name": "Lào"}],
         "signed_date": "2020-05-05", "classification": "none", "publish": True}
    d.update(over)
    return d


def test_full_record_and_agency_successor(client, auth):
    body = treaty(proposing_agency="Bộ Kế hoạch và Đầu tư", implementing_agency="UBND tỉnh Hà Giang",
                  consent_mode="approval", consent_body="Chính phủ", consent_decision_number="123/QĐ-TTg",
                  consent_decision_date="2020-08-01", duration_years=5, auto_renewal=True, renewal_years=5,
                  notice_months=6, custody_type="luu_tru", vn_signer="Bộ trưởng X", foreign_signer="Minister Y",
                  publish_decision_ref="Điều 60(1)", content_summary="Trao đổi đoàn nghệ thuật")
    r = client.post("/api/instruments", json=body, headers=auth)
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["proposing_agency"]["name"] == "Bộ Kế hoạch và Đầu tư"
    assert rec["proposing_agency"]["current_successor"]["name"] == "Bộ Tài chính"
    assert rec["implementing_agency"]["name"] == "Hà Giang"
    assert rec["implementing_agency"]["current_successor"]["name"] == "Tuyên Quang"
    assert rec["legal_regime"] == "Luật Điều ước quốc tế 108/2016/QH13"
    assert rec["duration_years"] == 5 and rec["auto_renewal"] is True and rec["custody_type"] == "luu_tru"
    for ev in ({"type": "original_received", "date": "2020-05-12"},
               {"type": "entered_into_force", "date": "2020-09-01"},
               {"type": "sao_luc", "date": "2020-09-10", "document_ref": "SL 45/2020"},
               {"type": "published_cong_bao", "date": "2020-09-20", "document_ref": "Công báo số 901+902"},
               {"type": "un_registered", "date": "2021-01-15", "document_ref": "I-56789"}):
        assert client.post(f"/api/instruments/{rec['id']}/events", json=ev, headers=auth).status_code == 201
    facts = client.get(f"/api/instruments/{rec['id']}", headers=auth).json()["register_facts"]
    assert facts["original_received"] == {"date": "2020-05-12", "ref": None}
    assert facts["cong_bao"]["ref"] == "Công báo số 901+902"
    assert facts["un_registration"] == {"date": "2021-01-15", "ref": "I-56789"}
    r = client.post("/api/instruments", json=treaty(proposing_agency="Bộ Không Tồn Tại"), headers=auth)
    assert r.status_code == 422 and "Bộ Không Tồn Tại" in r.json()["detail"]["message"]


def test_law2016_arts28_37_consent_body(client, auth):
    r = client.post("/api/instruments", json=treaty(consent_mode="approval", consent_body="Quốc hội"), headers=auth)
    assert r.status_code == 422 and "Arts. 37-38" in r.json()["detail"]["message"]
    r = client.post("/api/instruments", json=treaty(danh_nghia="Nhà nước", consent_mode="approval",
                                                    consent_body="Chính phủ"), headers=auth)
    assert r.status_code == 422 and "ratified, not approved" in r.json()["detail"]["message"]
    r = client.post("/api/instruments", json=treaty(danh_nghia="Nhà nước", consent_mode="ratification",
                                                    consent_body="Quốc hội"), headers=auth)
    assert r.status_code == 201


def test_law2020_art16_signature_decided_by_level(client, auth):
    body = {"family": "agreement", "title": "Bản ghi nhớ hợp tác giữa Bộ Tư pháp và Bộ Tư pháp Cu-ba",
            "instrument_type": "bản ghi nhớ", "signatory_level": "bo", "vn_agency": "Bộ Tư pháp",
            "parties": [{"name": "Cuba"}], "signed_date": "2022-05-01", "consent_body": "Chủ tịch Ủy ban nhân dân tỉnh"}
    r = client.post("/api/instruments", json=body, headers=auth)
    assert r.status_code == 422 and "Law 2020 Art. 16" in r.json()["detail"]["message"]
    body["consent_body"] = "Bộ trưởng Bộ Tư pháp"
    assert client.post("/api/instruments", json=body, headers=auth).status_code == 201


def test_decree177_art3_district_level_after_july_2025(client, auth):
    body = {"family": "agreement", "title": "Bản ghi nhớ kết nghĩa giữa huyện A và thị trấn B",
            "instrument_type": "bản ghi nhớ", "signatory_level": "huyen", "parties": [{"name": "Lào"}],
            "signed_date": "2025-08-01"}
    r = client.post("/api/instruments", json=body, headers=auth)
    assert r.status_code == 422 and "Decree 177/2025" in r.json()["detail"]["message"]
    body["signed_date"] = "2024-08-01"
    assert client.post("/api/instruments", json=body, headers=auth).status_code == 201


def test_relations_with_inverse(client, auth):
    base = client.post("/api/instruments", json=treaty(), headers=auth).json()["id"]
    prot = client.post("/api/instruments", json=treaty(title="Nghị định thư sửa đổi Hiệp định hợp tác văn hóa",
                                                       instrument_type="nghị định thư", signed_date="2022-01-10"),
                       headers=auth).json()["id"]
    r = client.post(f"/api/instruments/{prot}/relations", json={"type": "amends", "to_id": base}, headers=auth)
    assert r.status_code == 201
    on_base = client.get(f"/api/instruments/{base}", headers=auth).json()["relations"]
    assert on_base == [{"id": r.json()["id"], "type": "amended_by", "label_vi": "được sửa đổi bởi",
                        "direction": "incoming", "instrument_id": prot,
                        "title": "Nghị định thư sửa đổi Hiệp định hợp tác văn hóa", "note": None, "public": False}]
    on_prot = client.get(f"/api/instruments/{prot}/relations", headers=auth).json()
    assert on_prot[0]["type"] == "amends" and on_prot[0]["instrument_id"] == base
    assert client.post(f"/api/instruments/{prot}/relations", json={"type": "amends", "to_id": base},
                       headers=auth).status_code == 422
    assert client.post(f"/api/instruments/{prot}/relations", json={"type": "eats", "to_id": base},
                       headers=auth).status_code == 422


def test_per_party_status_as_of(client, auth):
    body = treaty(title="Công ước về hợp tác khu vực (demo)", instrument_type="công ước", danh_nghia="Nhà nước",
                  bilateral=False, parties=[{"name": "Việt Nam"}, {"name": "Thái Lan"}, {"name": "Lào"}],
                  signed_date="2010-01-01")
    iid = client.post("/api/instruments", json=body, headers=auth).json()["id"]
    events = [("VNM", "signed", "2010-01-01"), ("VNM", "ratified", "2011-03-01"), ("VNM", "entered_into_force", "2011-06-01"),
              ("THA", "acceded", "2015-02-02"), ("THA", "entered_into_force", "2015-05-02"),
              ("THA", "reservation", "2015-02-02"), ("LAO", "signed", "2010-01-01"), ("LAO", "withdrawn", "2020-12-31")]
    for party, t, d in events:
        ev = {"type": t, "date": d, "party_code": party}
        if t == "reservation":
            ev["note"] = "Điều 12 không áp dụng"
        r = client.post(f"/api/instruments/{iid}/events", json=ev, headers=auth)
        assert r.status_code == 201, r.text
    st = {p["party"]: p for p in client.get(f"/api/instruments/{iid}/parties?as_of=2016-01-01", headers=auth).json()}
    assert st["VNM"]["status"] == "in_force" and st["VNM"]["consent"] == {"type": "ratified", "date": "2011-03-01"}
    assert st["THA"]["status"] == "in_force" and st["THA"]["reservations"][0]["text"] == "Điều 12 không áp dụng"
    assert st["LAO"]["status"] == "signed"
    st = {p["party"]: p for p in client.get(f"/api/instruments/{iid}/parties?as_of=2021-01-01", headers=auth).json()}
    assert st["LAO"]["status"] == "terminated" and st["LAO"]["withdrawal"] == "2020-12-31"
    st = {p["party"]: p for p in client.get(f"/api/instruments/{iid}/parties?as_of=2012-01-01", headers=auth).json()}
    assert "THA" not in st or st["THA"]["status"] == "pending"
    assert st["VNM"]["entry_into_force"] == "2011-06-01" and not st["VNM"]["entry_into_force_derived"]


def test_party_entry_into_force_derived_from_the_instrument(client, auth):
    """A party's entry into force, where it is not recorded, follows from the instrument's: its own date for a party
    that consented before; for a later consent the instrument's rule (n days after deposit); never after the party
    withdrew."""
    body = treaty(title="Công ước về hợp tác khu vực (demo 2)", instrument_type="công ước", danh_nghia="Nhà nước",
                  bilateral=False, parties=[{"name": "Việt Nam"}, {"name": "Thái Lan"}, {"name": "Lào"}],
                  signed_date="2010-01-01", eif_rule="n_days_after_deposit", eif_days=30)
    iid = client.post("/api/instruments", json=body, headers=auth).json()["id"]
    events = [(None, "entered_into_force", "2012-01-01"), ("VNM", "ratified", "2011-03-01"),
              ("THA", "acceded", "2015-02-02"), ("LAO", "ratified", "2011-05-05"), ("LAO", "withdrawn", "2011-12-01")]
    for party, t, d in events:
        r = client.post(f"/api/instruments/{iid}/events", json={"type": t, "date": d, "party_code": party},
                        headers=auth)
        assert r.status_code == 201, r.text
    st = {p["party"]: p for p in client.get(f"/api/instruments/{iid}/parties?as_of=2016-01-01", headers=auth).json()}
    assert (st["VNM"]["status"], st["VNM"]["entry_into_force"], st["VNM"]["entry_into_force_derived"]) == \
        ("in_force", "2012-01-01", True)
    assert (st["THA"]["status"], st["THA"]["entry_into_force"]) == ("in_force", "2015-03-04")  # 30 days after
    assert st["LAO"]["status"] == "terminated" and st["LAO"]["entry_into_force"] is None
    st = {p["party"]: p for p in client.get(f"/api/instruments/{iid}/parties?as_of=2015-03-01", headers=auth).json()}
    assert st["THA"]["status"] == "consent_given" and st["THA"]["entry_into_force"] is None


def test_party_entry_into_force_not_derived_against_the_record(client, auth):
    """Nothing is derived where the party's own entry into force is recorded (even after the date asked), where the
    party ended before, or past the instrument's own end; after that end no party is in force."""
    body = treaty(title="Công ước về hợp tác khu vực (demo 3)", instrument_type="công ước", danh_nghia="Nhà nước",
                  bilateral=False, parties=[{"name": "Việt Nam"}, {"name": "Thái Lan"}, {"name": "Lào"}],
                  signed_date="2010-01-01")
    iid = client.post("/api/instruments", json=body, headers=auth).json()["id"]
    events = [(None, "entered_into_force", "2012-01-01"), ("VNM", "ratified", "2011-01-01"),
              ("VNM", "entered_into_force", "2012-06-01"), ("THA", "ratified", "2011-01-01"),
              ("THA", "terminated", "2011-06-01"), ("LAO", "ratified", "2013-01-01"), (None, "terminated", "2014-01-01")]
    for party, t, d in events:
        r = client.post(f"/api/instruments/{iid}/events", json={"type": t, "date": d, "party_code": party},
                        headers=auth)
        assert r.status_code == 201, r.text

    def at(day):
        return {p["party"]: p for p in client.get(f"/api/instruments/{iid}/parties?as_of={day}", headers=auth).json()}

    st = at("2012-03-01")
    assert (st["VNM"]["status"], st["VNM"]["entry_into_force"]) == ("consent_given", None)  # recorded: 1 June
    assert st["THA"]["status"] == "terminated" and st["THA"]["entry_into_force"] is None
    st = at("2013-06-01")
    assert (st["VNM"]["status"], st["VNM"]["entry_into_force_derived"]) == ("in_force", False)
    assert (st["LAO"]["status"], st["LAO"]["entry_into_force"], st["LAO"]["entry_into_force_derived"]) == \
        ("in_force", "2013-01-01", True)
    st = at("2015-01-01")
    assert st["VNM"]["status"] == st["LAO"]["status"] == "terminated"


def test_migration_upgrade_from_first_slice_keeps_data(tmp_path):
    from core.db import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    eng = make_engine(url)
    migrate(engine=eng, revision="0001")
    with eng.begin() as c:
        c.execute(text("INSERT INTO instrument (family, title, titles, instrument_type, bilateral, "
                       "authentic_languages, classification, is_draft_text, record_state, source, version, "
                       "created_at, updated_at) VALUES ('treaty', 'Hiệp định cũ', '{}', 'hiệp định', 1, '[]', 'none', "
                       "0, 'confirmed', 'manual', 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00')"))
        c.execute(text("INSERT INTO instrument_event (instrument_id, type, date, created_at) "
                       "VALUES (1, 'signed', '2024-01-01', '2024-01-01 00:00:00')"))
    migrate(engine=eng)
    with eng.connect() as c:
        assert c.execute(text("SELECT title, external_ref FROM instrument")).one() == ("Hiệp định cũ", None)
        assert c.execute(text("SELECT count(*) FROM instrument_event")).scalar() == 1
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
    eng.dispose()


@pytest.mark.postgres
def test_postgres_1000_concurrent_updates_no_lost_update():
    """1,000 updates from 16 threads, each read-modify-write with the version it read; a 409 is retried.
    Every update must survive: the notes hold all 1,000 lines and the version counts them."""
    from sqlmodel import Session

    import agreements.rules  # noqa: F401
    import treaties.rules  # noqa: F401
    from core.db import make_engine, migrate
    from core.exceptions import VersionConflict
    from core.models import AuditLog
    from core.schemas import InstrumentCreate, InstrumentUpdate
    from core.service import create_instrument, get_instrument, update_instrument

    schema, url = pg_schema_url()
    eng = make_engine(url, pool_size=20, max_overflow=5)
    try:
        migrate(engine=eng)
        with Session(eng) as s:
            iid = create_instrument(s, InstrumentCreate(**treaty(notes="")), actor="t").id
        n_threads, per_thread = 16, 1000 // 16 + 1
        todo = list(range(1000))
        lock = threading.Lock()
        conflicts = [0]

        def worker():
            while True:
                with lock:
                    if not todo:
                        return
                    k = todo.pop()
                while True:
                    with Session(eng) as s:
                        inst = get_instrument(s, iid)
                        notes, version = inst.notes or "", inst.version
                        try:
                            update_instrument(s, iid, InstrumentUpdate(notes=notes + f"{k};", version=version),
                                              actor=f"w{k}")
                            break
                        except VersionConflict:
                            with lock:
                                conflicts[0] += 1

        threads = [threading.Thread(target=worker) for _ in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with Session(eng) as s:
            inst = get_instrument(s, iid)
            lines = set(filter(None, inst.notes.split(";")))
            assert lines == {str(k) for k in range(1000)}
            assert inst.version == 1001
            n_audit = s.exec(text("SELECT count(*) FROM audit_log WHERE action = 'update'")).scalar()
            assert n_audit == 1000
        assert per_thread > 0 and conflicts[0] >= 0
    finally:
        eng.dispose()
        drop_pg_schema(schema)
