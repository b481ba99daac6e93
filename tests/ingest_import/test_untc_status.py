"""`treatydb import-status`: UN Treaty Collection status tables → per-party events (ingest/untc.py)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from import_cli import run_cli

DATA = Path(__file__).parent / "data"




def _treaty(session, title: str, signed: date, eif: date):
    from core.schemas import EventIn, InstrumentCreate
    from core.service import create_instrument

    return create_instrument(session, InstrumentCreate(
        family="treaty", title=title, instrument_type="công ước", danh_nghia="Nhà nước", bilateral=False,
        signed_date=signed, events=[EventIn(type="entered_into_force", date=eif)]), actor="test")


def _party(rows, code):
    return next(r for r in rows if r["party"] == code)


def test_unclos_and_iccpr_status_tables(session, corpus):
    from core.models import AuditLog, InstrumentEvent
    from core.service import events_of, party_status, status_of
    from ingest.untc import list_party_status

    unclos = _treaty(session, "United Nations Convention on the Law of the Sea", date(1982, 12, 10),
                     date(1994, 11, 16))
    iccpr = _treaty(session, "International Covenant on Civil and Political Rights", date(1966, 12, 16),
                    date(1976, 3, 23))
    unclos_id, iccpr_id = unclos.id, iccpr.id
    path = corpus / "metadata" / "untc-status-unclos-21-6.csv"

    s, lines, _ = run_cli("import-status", path, "--instrument", unclos_id, "--json")
    assert (s["rows"], s["imported"], s["updated"], s["skipped"], s["errors"]) == (180, 180, 0, 0, [])
    assert s["events_added"] == 323 and len(lines) == 180
    vn = next(ln for ln in lines if ln["title"] == "Viet Nam")
    assert vn["row"] == 178 and vn["changed"] == ["signed@1982-12-10", "ratified@1994-07-25"]

    rows = party_status(session, unclos_id)
    assert len(rows) == 180
    v = _party(rows, "VNM")
    assert v["signature"] == "1982-12-10" and v["consent"] == {"type": "ratified", "date": "1994-07-25"}
    assert _party(rows, "ALB")["consent"] == {"type": "acceded", "date": "2003-06-23"}       # "23 Jun 2003 a"
    assert _party(rows, "HRV")["consent"] == {"type": "succeeded", "date": "1995-04-05"}     # "5 Apr 1995 d"
    assert _party(rows, "EU")["consent"] == {"type": "ratified", "date": "1998-04-01"}       # "1 Apr 1998 c"
    assert _party(rows, "AFG")["consent"] is None and _party(rows, "AFG")["signature"] == "1983-03-18"
    assert {"KNA", "VCT"} <= {r["party"] for r in rows}                                    # "St. Kitts and Nevis"
    eu_ev = [e for e in events_of(session, unclos_id) if e.party_code == "EU" and e.type == "ratified"]
    assert eu_ev[0].note == "untc-status-unclos-21-6: formal confirmation"
    # per-party status as of a date: ratified before the Convention's entry into force (16 Nov 1994), Viet Nam is
    # bound from that day (derived: the table has no per-party dates)
    assert _party(party_status(session, unclos_id, date(1990, 1, 1)), "VNM")["status"] == "signed"
    assert _party(party_status(session, unclos_id, date(1994, 10, 1)), "VNM")["status"] == "consent_given"
    v95 = _party(party_status(session, unclos_id, date(1995, 1, 1)), "VNM")
    assert v95["status"] == "in_force" and v95["entry_into_force"] == "1994-11-16" and v95["entry_into_force_derived"]
    # a later accession (no rule with a period recorded): bound from the day of accession
    alb = _party(party_status(session, unclos_id, date(2026, 1, 1)), "ALB")
    assert alb["status"] == "in_force" and alb["entry_into_force"] == "2003-06-23"
    assert _party(party_status(session, unclos_id, date(2003, 1, 1)), "ALB")["status"] == "pending"
    assert _party(party_status(session, unclos_id, date(2026, 1, 1)), "AFG")["status"] == "signed"  # signed only
    named = _party(list_party_status(session, unclos_id, date(1995, 1, 1)), "VNM")
    assert named["name_en"] == "Viet Nam" and named["status"] == "in_force"
    # the instrument as a whole keeps its own status (party events do not count)
    assert status_of(session, session.get(type(unclos), unclos_id), date(1990, 1, 1)).value == "signed"

    # the same table again: nothing added
    n_events = session.exec(select(func.count()).select_from(InstrumentEvent)).one()
    n_audit = session.exec(select(func.count()).select_from(AuditLog)).one()
    again, _, _ = run_cli("import-status", path, "--instrument", unclos_id)
    assert (again["rows"], again["imported"], again["skipped"], again["events_added"]) == (180, 0, 180, 0)
    session.expire_all()
    assert session.exec(select(func.count()).select_from(InstrumentEvent)).one() == n_events
    assert session.exec(select(func.count()).select_from(AuditLog)).one() == n_audit

    # ICCPR: Viet Nam acceded on 24 Sep 1982 ("24 Sep 1982 a")
    s2, _, _ = run_cli("import-status", corpus / "metadata" / "untc-status-iccpr-4-4.csv", "--instrument", iccpr_id)
    assert (s2["rows"], s2["imported"], s2["skipped"], s2["errors"]) == (175, 175, 0, [])
    session.expire_all()
    rows = party_status(session, iccpr_id)
    assert _party(rows, "VNM")["consent"] == {"type": "acceded", "date": "1982-09-24"}
    assert _party(rows, "VNM")["signature"] is None
    assert _party(party_status(session, iccpr_id, date(1982, 9, 23)), "VNM")["status"] == "pending"
    # acceded after the Covenant's entry into force, no period recorded on the record: bound from the accession
    # (derived and flagged; the Covenant's own three months (Art. 49(2)) need a recorded party event or rule)
    v82 = _party(party_status(session, iccpr_id, date(1982, 9, 24)), "VNM")
    assert v82["status"] == "in_force" and v82["entry_into_force_derived"]

    # footnote numbers, an unknown participant and an unknown marker; known rows unchanged
    s3, lines, res = run_cli("import-status", DATA / "untc-status-footnotes.csv", "--instrument", iccpr_id, "--json")
    assert (s3["rows"], s3["imported"], s3["skipped"]) == (4, 0, 4)
    assert [ln["status"] for ln in lines] == ["unchanged", "unchanged", "error", "error"]
    assert lines[0]["title"] == "Viet Nam" and lines[1]["title"] == "Germany"
    assert [(e["row"], e["field"]) for e in s3["errors"]] == [(4, "Participant"), (5, s3["errors"][1]["field"])]
    assert "unknown participant 'Atlantis 7'" in s3["errors"][0]["message"]
    assert "unknown marker 'x'" in s3["errors"][1]["message"]
    assert "Atlantis 7" in res.stderr

    # party-status command
    _, plines, _ = run_cli("party-status", iccpr_id, "--as-of", "1990-01-01", "--json")
    assert {"party": "VNM", "status": "in_force", "entry_into_force_derived": True}.items() <= next(p for p in plines if p["party"] == "VNM").items()


def test_status_misuse_and_conflicts(session, tmp_path):
    from core.service import party_status

    _, _, r = run_cli("import-status", DATA / "untc-status-footnotes.csv", "--instrument", 999999, code=2)
    assert "instrument 999999 does not exist" in r.stderr
    inst = _treaty(session, "Convention on Something", date(2000, 1, 10), date(2001, 1, 1))
    iid = inst.id
    notab = tmp_path / "list.csv"
    notab.write_text("Name,Date\nViet Nam,1 Jan 2000\n", encoding="utf-8")
    _, _, r = run_cli("import-status", notab, "--instrument", iid, code=2)
    assert "Participant" in r.stderr

    first = tmp_path / "status.csv"
    first.write_text('Participant,Signature,"Ratification, Accession(a), Acceptance(A), Approval(AA)"\n'
                     "Viet Nam,10 Jan 2000,5 May 2001\nJapan,,6 Jun 2002 AA\nFrance,,7 Jul 2003 A\n"
                     "Thailand,12 Jan 2000,1 Jan 1999\n", encoding="utf-8")
    s, _, _ = run_cli("import-status", first, "--instrument", iid, "--dry-run")
    assert (s["imported"], s["events_added"], s["dry_run"]) == (3, 4, True)
    assert party_status(session, iid) == []                              # the dry run wrote nothing
    s, _, _ = run_cli("import-status", first, "--instrument", iid)
    assert (s["rows"], s["imported"], s["skipped"], s["events_added"]) == (4, 3, 1, 4)
    # ratification before signature: the whole row is refused, nothing of it written
    assert s["errors"][0]["row"] == 5 and "before the signature" in s["errors"][0]["message"]
    session.expire_all()
    rows = party_status(session, iid)
    assert {r["party"] for r in rows} == {"VNM", "JPN", "FRA"}
    assert _party(rows, "JPN")["consent"] == {"type": "approved", "date": "2002-06-06"}
    assert _party(rows, "FRA")["consent"] == {"type": "accepted", "date": "2003-07-07"}
    # a different date for an action already recorded: reported, not changed
    second = tmp_path / "status2.csv"
    second.write_text(first.read_text(encoding="utf-8").replace("5 May 2001", "6 May 2001"), encoding="utf-8")
    s, _, _ = run_cli("import-status", second, "--instrument", iid)
    assert s["imported"] == 0 and [(e["row"]) for e in s["errors"]] == [2, 5]
    assert "already has 'ratified' on 2001-05-05" in s["errors"][0]["message"]
    session.expire_all()
    assert _party(party_status(session, iid), "VNM")["consent"]["date"] == "2001-05-05"


@pytest.mark.parametrize("raw,clean", [("Viet Nam 12", "Viet Nam"), ("Germany2, 3", "Germany"),
                                       ("Bolivia (Plurinational State of)4", "Bolivia (Plurinational State of)"),
                                       ("France", "France"), ("  Cook Islands ", "Cook Islands")])
def test_participant_footnotes(raw, clean):
    from ingest.untc import clean_participant

    assert clean_participant(raw) == clean


def test_status_header():
    from ingest.untc import parse_status_header

    part, cols, ignored = parse_status_header(
        ["Participant", "Signature, Succession to signature(d)",
         "Formal confirmation(c), Accession(a), Succession(d), Ratification", "Notes"])
    assert part == "Participant" and ignored == ["Notes"]
    assert cols[0].default == ("signed", None) and cols[0].markers == {"d": ("signed", "succession to signature")}
    assert cols[1].default == ("ratified", None)
    assert cols[1].markers == {"c": ("ratified", "formal confirmation"), "a": ("acceded", None),
                               "d": ("succeeded", None)}
