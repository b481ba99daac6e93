"""Report benchmark: the annual report end to end on a register of 10,000 instruments, against bare python-docx
writing the same appendix table.

    .venv/bin/python bench/reports.py                     # 10,000 instruments
    .venv/bin/python bench/reports.py --n 2000 --repeat 1 # quick run

A seeded generator writes realistic instruments into a fresh SQLite database under a temporary directory with bulk
SQL (Core executemany, not the API): both families (45 % treaties, 55 % agreements), 1990–2025 with more in recent
years, bilateral (88 %) and multilateral parties, danh nghĩa / signatory levels, fields, proposing and signing
agencies from the agency table, classification (3 % classified), 2 % drafts, and Viet Nam's events: signature,
original received (some late, some missing), entry into force, MOFA notice, sao lục, Công báo, portal, UN
registration, implementation plans, amendments, extensions, suspensions, terminations, accessions; and
``implements`` relations.

"report" = reports.service.render_report(kind=annual, format=docx, appendix on) over the whole register period
(1990-01-01 … 2025-12-31, so the register appendix lists every instrument of the family and the body lists every
signature, entry into force, …), from a fresh session to the saved .docx: queries, figures, deadline engine, charts,
Decree 30 frame, every table, save. The JSON figures are for the family with the bigger register (agreements with
the default seed); the other family and the calendar-year reports are printed too.
"bare" = python-docx alone writing the same appendix table (same rows, same cell texts: Document(),
add_table(rows, cols), row.cells[j].text = …, save) — the floor any python-docx writer of that table pays.
Each timing is the median of ``--repeat`` runs after one warm-up run (fonts, imports); wall and CPU time are both
reported because the build machine is shared. The last line printed is one JSON object:
{"instruments", "report_s", "bare_docx_s", "ratio", …}.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PERIOD = (date(1990, 1, 1), date(2025, 12, 31))
PARTNERS = [  # (code, weight)
    ("LAO", 14), ("KHM", 10), ("CHN", 12), ("JPN", 10), ("KOR", 10), ("RUS", 8), ("USA", 7), ("FRA", 7),
    ("DEU", 6), ("IND", 5), ("THA", 6), ("AUS", 5), ("CUB", 4), ("SGP", 5), ("MYS", 4), ("IDN", 4), ("PHL", 4),
    ("GBR", 4), ("ITA", 3), ("CAN", 3), ("NZL", 2), ("BLR", 3), ("UKR", 2), ("KAZ", 2), ("UZB", 2), ("MNG", 2),
    ("HUN", 2), ("POL", 2), ("CZE", 2), ("BGR", 2), ("ROU", 2), ("NLD", 2), ("BEL", 2), ("ESP", 2), ("CHE", 2),
    ("SWE", 1), ("NOR", 1), ("DNK", 1), ("FIN", 1), ("AUT", 1), ("ISR", 1), ("TUR", 2), ("EGY", 1), ("ZAF", 1),
    ("NGA", 1), ("BRA", 2), ("ARG", 1), ("CHL", 1), ("MEX", 1), ("VEN", 1), ("MMR", 3), ("BRN", 1), ("TLS", 1),
    ("BGD", 1), ("PAK", 1), ("LKA", 1), ("NPL", 1), ("IRN", 1), ("SAU", 1), ("ARE", 2), ("QAT", 1), ("KWT", 1),
    ("EU", 3), ("UN", 2), ("ASEAN", 3), ("WHO", 1), ("UNDP", 1), ("IAEA", 1),
]
FIELDS = ["Thương mại", "Đầu tư", "Tư pháp", "Giáo dục", "Y tế", "Văn hóa", "Quốc phòng", "An ninh", "Giao thông",
          "Hàng không", "Hàng hải", "Nông nghiệp", "Môi trường", "Khoa học và công nghệ", "Lao động", "Du lịch",
          "Tài chính", "Hải quan", "Thông tin và truyền thông", "Năng lượng", "Xã hội", "Biên giới", None]
SUBJECTS = {"Thương mại": "thương mại hàng hóa", "Đầu tư": "khuyến khích và bảo hộ đầu tư",
            "Tư pháp": "tương trợ tư pháp về hình sự", "Giáo dục": "hợp tác giáo dục và đào tạo",
            "Y tế": "hợp tác y tế", "Văn hóa": "hợp tác văn hóa", "Quốc phòng": "hợp tác quốc phòng",
            "An ninh": "hợp tác phòng, chống tội phạm", "Giao thông": "vận tải đường bộ quốc tế",
            "Hàng không": "vận chuyển hàng không", "Hàng hải": "vận tải biển", "Nông nghiệp": "hợp tác nông nghiệp",
            "Môi trường": "bảo vệ môi trường", "Khoa học và công nghệ": "hợp tác khoa học và công nghệ",
            "Lao động": "hợp tác lao động", "Du lịch": "hợp tác du lịch", "Tài chính": "tránh đánh thuế hai lần",
            "Hải quan": "hợp tác và hỗ trợ lẫn nhau về hải quan", "Thông tin và truyền thông": "hợp tác thông tin",
            "Năng lượng": "hợp tác năng lượng", "Xã hội": "an sinh xã hội", "Biên giới": "quy chế biên giới",
            None: "hợp tác"}
TREATY_TYPES = [("Hiệp định", 60), ("Nghị định thư", 15), ("Công ước", 6), ("Thỏa thuận", 12), ("Hiệp ước", 2),
                ("Bản ghi nhớ", 5)]
AGREEMENT_TYPES = [("Bản ghi nhớ", 50), ("Thỏa thuận hợp tác", 30), ("Kế hoạch hợp tác", 10),
                   ("Chương trình hợp tác", 10)]
LEVELS = [("bo", 45), ("tinh", 25), ("cuc", 10), ("so", 6), ("to_chuc", 5), ("nha_nuoc", 2), ("chinh_phu", 3),
          ("quoc_hoi", 1), ("xa_bien_gioi", 2), ("to_chuc_tinh", 1)]


def _pick(rng: random.Random, weighted):
    items, weights = zip(*weighted)
    return rng.choices(items, weights=weights, k=1)[0]


def generate(db_path: Path, n: int, seed: int = 20250601) -> dict[str, int]:
    """Create the schema, seed agencies, bulk-insert ``n`` instruments with parties, events and relations."""
    import agreements.rules  # noqa: F401
    import treaties.rules  # noqa: F401
    from sqlmodel import Session

    from core.agency_table import seed_agencies
    from core.db import make_engine, migrate
    from core.models import (Agency, Instrument, InstrumentEvent, InstrumentParty, InstrumentRelation)
    from core.parties import party_info

    engine = make_engine(f"sqlite:///{db_path}")
    migrate(engine=engine)
    with Session(engine) as s:
        seed_agencies(s)
    with engine.connect() as c:
        agencies = [(a.id, a.name, a.kind) for a in c.execute(Agency.__table__.select())]
    ministries = [a for a in agencies if a[1].startswith("Bộ ") or a[2] in ("bộ", "cơ quan ngang bộ")] or agencies
    provinces = [a for a in agencies if a not in ministries] or agencies
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    years = list(range(PERIOD[0].year, PERIOD[1].year + 1))
    year_w = [1 + (y - years[0]) * 0.25 for y in years]
    names = {code: (party_info(code).name_vi or code) for code, _ in PARTNERS}
    insts, parties, events, rels = [], [], [], []
    ev_id = 0
    treaty_ids = []

    def ev(iid, typ, d, ref=None, party=None):
        nonlocal ev_id
        if d > PERIOD[1]:
            return
        ev_id += 1
        events.append({"id": ev_id, "instrument_id": iid, "type": typ, "date": d, "party_code": party,
                       "legal_basis": None, "document_ref": ref, "note": None, "created_at": now,
                       "created_by": "bench"})

    for iid in range(1, n + 1):
        fam = "treaty" if rng.random() < 0.45 else "agreement"
        year = rng.choices(years, weights=year_w, k=1)[0]
        signed = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        signed = min(signed, PERIOD[1])
        bilateral = rng.random() < 0.88
        field = rng.choice(FIELDS)
        partners = [_pick(rng, PARTNERS)] if bilateral else \
            list(dict.fromkeys(_pick(rng, PARTNERS) for _ in range(rng.randint(3, 9))))
        itype = _pick(rng, TREATY_TYPES if fam == "treaty" else AGREEMENT_TYPES)
        if not bilateral and fam == "treaty":
            itype = rng.choice(["Công ước", "Hiệp định", "Nghị định thư"])
        accession = fam == "treaty" and not bilateral and rng.random() < 0.35
        subject = SUBJECTS[field]
        p0 = names[partners[0]]
        if fam == "treaty":
            dn = "Nhà nước" if rng.random() < 0.3 else "Chính phủ"
            if signed < date(2006, 1, 1) and rng.random() < 0.1:
                dn = "Bộ"
            title = (f"{itype} giữa {dn} nước Cộng hòa xã hội chủ nghĩa Việt Nam và {p0} về {subject}"
                     if bilateral else f"{itype} đa phương về {subject}")
            level, vn_agency, vn_agency_id = None, None, None
            prop = rng.choice(ministries)[0]
        else:
            dn = None
            level = _pick(rng, LEVELS)
            ag = rng.choice(provinces if level in ("tinh", "so", "xa_bien_gioi") else ministries)
            vn_agency, vn_agency_id = ag[1], ag[0]
            title = f"{itype} về {subject} giữa {ag[1]} và {p0}" if bilateral else \
                f"{itype} đa phương về {subject} ({ag[1]})"
            prop = ag[0]
        r = rng.random()
        cls = "none" if r < 0.97 else "mat" if r < 0.99 else "toi_mat" if r < 0.997 else "tuyet_mat"
        draft = rng.random() < 0.02
        insts.append({
            "id": iid, "family": fam, "title": title, "titles": {"en": f"Agreement on {subject} (#{iid})"},
            "instrument_type": itype, "number": f"{iid}/{year}" if rng.random() < 0.6 else None,
            "danh_nghia": dn, "signatory_level": level, "vn_agency": vn_agency, "bilateral": bilateral,
            "field": field, "signed_date": None if accession else signed,
            "signed_place": None if accession else ("Hà Nội" if rng.random() < 0.5 else p0),
            "language": "vi", "authentic_languages": ["vi", "en"], "eif_rule": None, "eif_days": None,
            "classification": cls, "publish": cls == "none" and rng.random() < 0.8, "publish_basis": None,
            "is_draft_text": False, "record_state": "draft" if draft else "confirmed", "source": "import",
            "notes": None, "content_summary": f"Hợp tác trong lĩnh vực {subject}.", "proposing_agency_id": prop,
            "implementing_agency_id": prop if rng.random() < 0.5 else None, "vn_agency_id": vn_agency_id,
            "vn_signer": "Bộ trưởng" if rng.random() < 0.5 else None, "foreign_signer": None,
            "depositary": "Tổng Thư ký Liên hợp quốc" if not bilateral and fam == "treaty" else None,
            "consent_mode": ("accession" if accession else rng.choice(["approval", "ratification",
                                                                        "definitive_signature"]))
            if fam == "treaty" else None,
            "consent_body": None, "consent_decision_number": None, "consent_decision_date": None,
            "duration_years": rng.choice([None, 3, 5, 10]), "expiry_date": None, "auto_renewal": None,
            "renewal_years": None, "notice_months": None, "custody_type": "luu_tru" if fam == "treaty" else None,
            "classification_date": None, "protection_until": None, "publish_decision_ref": None,
            "external_ref": f"bench-{iid}", "version": 1, "created_at": now, "updated_at": now,
            "created_by": "bench", "updated_by": "bench"})
        pos = 0
        if fam == "treaty":
            parties.append({"instrument_id": iid, "position": 0, "code": "VNM", "name": "Việt Nam", "kind": "state"})
            pos = 1
        for code in partners:
            parties.append({"instrument_id": iid, "position": pos, "code": code, "name": names[code],
                            "kind": "organisation" if code in ("EU", "UN", "ASEAN", "WHO", "UNDP", "IAEA")
                            else "state"})
            pos += 1
        # Viet Nam's events
        start = signed
        if accession:
            ev(iid, "acceded", signed)
        else:
            ev(iid, "signed", signed)
        if rng.random() < 0.85:
            ev(iid, "original_received", start + timedelta(days=rng.choice([3, 5, 7, 9, 12, 14, 20, 40])))
        eif = None
        if rng.random() < 0.85:
            eif = start + timedelta(days=0 if fam == "agreement" else rng.randint(0, 400))
            ev(iid, "entered_into_force", eif)
        if eif and fam == "treaty":
            if rng.random() < 0.8:
                ev(iid, "eif_notified", eif + timedelta(days=rng.randint(1, 20)))
            if rng.random() < 0.7:
                sl = eif + timedelta(days=rng.randint(5, 30))
                ev(iid, "sao_luc", sl, f"{rng.randint(1, 99)}/SL-LPQT")
                if rng.random() < 0.8:
                    ev(iid, "published_cong_bao", sl + timedelta(days=rng.randint(3, 30)),
                       f"Công báo số {rng.randint(100, 1200)}")
                if rng.random() < 0.8:
                    ev(iid, "published_portal", sl + timedelta(days=rng.randint(1, 10)))
            if rng.random() < 0.3:
                ev(iid, "un_registered", eif + timedelta(days=rng.randint(30, 400)), f"I-{50000 + iid}")
            if rng.random() < 0.4:
                ev(iid, "implementation_plan", eif + timedelta(days=rng.randint(10, 60)),
                   f"{rng.randint(1, 2000)}/QĐ-TTg")
        if eif:
            later = eif + timedelta(days=rng.randint(200, 3000))
            r = rng.random()
            if r < 0.08:
                ev(iid, "amended", later)
            elif r < 0.13:
                ev(iid, "extended", later)
            elif r < 0.15:
                ev(iid, "suspended", later)
            elif r < 0.27:
                ev(iid, "terminated" if fam == "treaty" else "expired", later)
        if fam == "treaty":
            treaty_ids.append(iid)
        elif treaty_ids and rng.random() < 0.03:
            rels.append({"from_id": iid, "to_id": rng.choice(treaty_ids), "type": "implements", "note": None,
                         "created_at": now, "created_by": "bench"})
    with engine.begin() as c:
        c.execute(Instrument.__table__.insert(), insts)
        c.execute(InstrumentParty.__table__.insert(), parties)
        c.execute(InstrumentEvent.__table__.insert(), events)
        if rels:
            c.execute(InstrumentRelation.__table__.insert(), rels)
    engine.dispose()
    return {"instruments": len(insts), "parties": len(parties), "events": len(events), "relations": len(rels)}


def bare_docx(rows: list[list[str]], headers: list[str], out: Path) -> tuple[float, float]:
    """python-docx alone: a landscape document with the appendix table (same texts), saved. → (wall, cpu) s"""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    t0, c0 = time.perf_counter(), time.process_time()
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Mm(297), Mm(210)
    table = doc.add_table(rows=len(rows) + 1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    it = iter(table.rows)
    for cell, h in zip(next(it).cells, headers):
        cell.text = h
    for row, values in zip(it, rows):
        for cell, v in zip(row.cells, values):
            cell.text = v
    doc.save(str(out))
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="instruments to generate")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (median) after one warm-up")
    ap.add_argument("--seed", type=int, default=20250601)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="treatydb-bench-reports-"))
    os.environ["TREATYDB_DATA_DIR"] = str(tmp / "data")
    os.environ["TREATYDB_DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.pop("TREATYDB_REPORT_CONFIG", None)
    from core.settings import reset_settings

    reset_settings()
    t0 = time.perf_counter()
    sizes = generate(tmp / "bench.sqlite3", args.n, args.seed)
    gen_s = time.perf_counter() - t0
    print(f"generated {sizes['instruments']:,} instruments, {sizes['parties']:,} parties, {sizes['events']:,} "
          f"events, {sizes['relations']:,} relations in {gen_s:.2f} s  ({tmp})")

    import agreements.deadlines  # noqa: F401
    import treaties.deadlines  # noqa: F401
    from sqlmodel import Session

    from core.db import get_engine, reset_engine
    from core.settings import get_settings
    from reports.annual import annual_model, build_annual_data, docx_text, merged_config
    from reports.docx_frame import FrameSettings
    from reports.service import ReportParams, render_report

    reset_engine()
    engine = get_engine()
    settings = get_settings()
    families = ("treaty", "agreement")

    def params(fam: str, start: date, end: date) -> ReportParams:
        return ReportParams(kind="annual", family=fam, date_from=start, date_to=end, format="docx", appendix=True)

    # warm-up: imports, fonts, matplotlib's font cache, SQLite page cache
    t0 = time.perf_counter()
    with Session(engine) as s:
        render_report(s, params("treaty", date(2025, 1, 1), date(2025, 12, 31)), tmp / "warm.docx",
                      settings=settings)
    cold_s = time.perf_counter() - t0

    # one calendar-year report per family (the everyday case)
    year_s = {}
    for fam in families:
        t0 = time.perf_counter()
        with Session(engine) as s:
            render_report(s, params(fam, date(2025, 1, 1), date(2025, 12, 31)), tmp / f"2025-{fam}.docx",
                          settings=settings)
        year_s[fam] = time.perf_counter() - t0

    # the appendix tables, as the report writes them (for the bare python-docx baseline)
    cfg = merged_config()
    tables = {}
    for fam in families:
        with Session(engine) as s:
            data = build_annual_data(s, fam, *PERIOD, deadlines=False)
        model = annual_model(data, frame=FrameSettings(), config=cfg, appendix=True, charts=False)
        block = next(b for b in model.tables() if b.key == "appendix:register")
        tables[fam] = ([c.header for c in block.columns], [[docx_text(v) for v in r] for r in block.rows])
        del data, model

    def timed_report(fam: str) -> tuple[float, float]:
        t0, c0 = time.perf_counter(), time.process_time()
        with Session(engine) as s:
            render_report(s, params(fam, *PERIOD), tmp / f"full-{fam}.docx", settings=settings)
        return time.perf_counter() - t0, time.process_time() - c0

    runs: dict[str, list[tuple[float, float]]] = {f: [] for f in families}
    bare: dict[str, list[tuple[float, float]]] = {f: [] for f in families}
    for _ in range(args.repeat):
        for fam in families:
            runs[fam].append(timed_report(fam))
            bare[fam].append(bare_docx(tables[fam][1], tables[fam][0], tmp / f"bare-{fam}.docx"))

    def med(xs, k):
        return statistics.median(x[k] for x in xs)

    main_fam = max(families, key=lambda f: len(tables[f][1]))       # the bigger register: the heavier report
    rows = {f: len(tables[f][1]) for f in families}
    cells = {f: len(tables[f][1]) * len(tables[f][0]) for f in families}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine load average (1 min): {load:.1f} on {os.cpu_count()} CPU(s) — wall times include waiting for "
          "the CPU; cpu = this process's CPU time")
    print(f"warm-up (cold) calendar-year report: {cold_s:.2f} s")
    for fam in families:
        print(f"annual {fam} 2025 (calendar year, appendix on): {year_s[fam]:.2f} s")
    for fam in families:
        size = (tmp / f"full-{fam}.docx").stat().st_size
        print(f"annual {fam} {PERIOD[0].isoformat()}..{PERIOD[1].isoformat()}: {rows[fam]:,} appendix rows "
              f"({cells[fam]:,} cells), report {med(runs[fam], 0):.2f} s wall / {med(runs[fam], 1):.2f} s cpu, "
              f"bare python-docx {med(bare[fam], 0):.2f} s wall / {med(bare[fam], 1):.2f} s cpu, "
              f"{size / 1e6:.1f} MB")
    report_s, bare_s = med(runs[main_fam], 0), med(bare[main_fam], 0)
    report_cpu, bare_cpu = med(runs[main_fam], 1), med(bare[main_fam], 1)
    ratio = report_s / bare_s if bare_s else float("inf")
    ratio_cpu = report_cpu / bare_cpu if bare_cpu else float("inf")
    print(f"annual report ({main_fam}, whole period, {rows[main_fam]:,} appendix rows): median {report_s:.2f} s "
          f"over {args.repeat} run(s) [goal <= 5 s: {'ok' if report_s <= 5 else 'MISSED'}]; cpu {report_cpu:.2f} s")
    print(f"bare python-docx, same appendix table: median {bare_s:.2f} s; cpu {bare_cpu:.2f} s")
    print(f"ratio report / bare: {ratio:.2f} wall, {ratio_cpu:.2f} cpu [goal <= 1.5: "
          f"{'ok' if ratio <= 1.5 else 'MISSED'}]")
    if not args.keep:
        import shutil

        reset_engine()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({"instruments": sizes["instruments"], "report_s": round(report_s, 3),
                      "bare_docx_s": round(bare_s, 3), "ratio": round(ratio, 3),
                      "family": main_fam, "appendix_rows": rows[main_fam], "appendix_cells": cells[main_fam],
                      "report_cpu_s": round(report_cpu, 3), "bare_docx_cpu_s": round(bare_cpu, 3),
                      "ratio_cpu": round(ratio_cpu, 3),
                      "other_family": {f: {"report_s": round(med(runs[f], 0), 3), "bare_docx_s": round(
                          med(bare[f], 0), 3), "appendix_rows": rows[f]} for f in families if f != main_fam},
                      "year_report_s": {f: round(v, 3) for f, v in year_s.items()},
                      "load_avg": round(load, 1), "generate_s": round(gen_s, 2)}))


if __name__ == "__main__":
    main()
