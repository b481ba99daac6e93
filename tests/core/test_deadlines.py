"""Deadline engine: calendar and working-day arithmetic (Tết included), the rules of Law 2016 §1.6 and Law 2020
§2.2–2.4 with their articles, rule versions by trigger date (Law 137/2025 from 01/01/2026), the 15 November
reports, the API (registrar only, filters) and the CLI — DB tests on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import time
from datetime import date, datetime, timezone

import pytest

import agreements.deadlines  # noqa: F401  (registers the Law 2020 rules)
import treaties.deadlines  # noqa: F401  (registers the Law 2016 rules)
from core.deadlines import (
    Ev,
    InstrumentFacts,
    RuleError,
    WorkCalendar,
    compute_deadlines,
    get_rule,
    instrument_deadlines,
    rule_version,
    rules_from_yaml,
)

D = date.fromisoformat
CAL = WorkCalendar()


# ============================================================================ calendar (no database)
def test_civil_code_art147_calendar_period_starts_the_day_after_the_event():
    # Law 2016 "10 ngày": signature on 01/03/2024 → due 11/03/2024 (the day of the event is not counted)
    assert CAL.due_date(D("2024-03-01"), 10, "calendar") == D("2024-03-11")
    assert CAL.due_date(D("2024-12-25"), 15, "calendar") == D("2025-01-09")


def test_law2020_art9_2_working_days_skip_tet_2026_and_substitute_days():
    for d in ("2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"):  # Tết Bính Ngọ
        assert CAL.is_day_off(D(d)), d
    assert CAL.is_day_off(D("2026-02-14")) and CAL.is_day_off(D("2026-02-15"))      # weekend before Tết
    assert CAL.is_working_day(D("2026-02-13")) and CAL.is_working_day(D("2026-02-23"))
    assert CAL.is_day_off(D("2026-01-01"))                                            # Tết Dương lịch
    assert CAL.is_day_off(D("2025-05-02"))                                            # day off swapped ...
    assert CAL.is_working_day(D("2025-04-26"))                                        # ... for Saturday 26/04
    assert CAL.is_day_off(D("2025-01-27")) and CAL.is_day_off(D("2025-01-31"))        # Tết Ất Tỵ


def test_law2020_art9_2_working_days_15_from_2026_02_10_span_tet():
    # by hand: 11, 12, 13/02 (1-3); 14-15 weekend; 16-20 Tết; 21-22 weekend; 23-27/02 (4-8); 02-06/03 (9-13);
    # 09/03 (14); 10/03 (15)
    assert CAL.add_working_days(D("2026-02-10"), 15) == D("2026-03-10")
    assert CAL.due_date(D("2026-02-10"), 7, "working") == D("2026-02-26")
    # the day of the trigger is not counted even when it is a working day; a trigger on a day off works too
    assert CAL.add_working_days(D("2026-02-17"), 1) == D("2026-02-23")
    assert CAL.add_working_days(D("2026-02-13"), 0) == D("2026-02-13")


def test_civil_code_art148_5_period_ending_on_a_day_off_kept_unless_rule_flag_roll_forward():
    # 06/02/2026 + 10 days = 16/02/2026 (Tết): kept as-is by default (Law 2016 counts "ngày")
    assert CAL.due_date(D("2026-02-06"), 10, "calendar") == D("2026-02-16")
    # with roll_forward_if_day_off (BLDS 2015 Art. 148(5) style) → first working day after Tết
    assert CAL.due_date(D("2026-02-06"), 10, "calendar", roll_forward_if_day_off=True) == D("2026-02-23")
    assert CAL.due_date(D("2024-03-06"), 10, "calendar", roll_forward_if_day_off=True) == D("2024-03-18")  # Sat→Mon
    # the flag as rule data
    text = ("rules:\n  - id: x.roll\n    title_vi: a\n    title_en: a\n    article: Law 2016 Art. 26(1)\n"
            "    trigger: signed\n    fulfilled_by: [original_received]\n    days: 10\n"
            "    effective_from: 2016-07-01\n    roll_forward_if_day_off: {flag}\n")
    for flag, due in (("false", D("2026-02-16")), ("true", D("2026-02-23"))):
        rules = rules_from_yaml(text.format(flag=flag), family="treaty")
        got = instrument_deadlines(_facts(), [Ev("signed", D("2026-02-06"))], D("2026-03-01"), rules, CAL)
        assert [d.due_date for d in got] == [due]


def test_law2020_art9_2_extra_days_off_decided_by_government_can_be_added():
    cal = WorkCalendar(extra_days_off=[D("2026-01-02")], extra_working_days=[D("2026-01-10")])
    assert cal.is_day_off(D("2026-01-02")) and cal.is_working_day(D("2026-01-10"))
    assert cal.add_working_days(D("2025-12-31"), 1) == D("2026-01-05")   # 01/01 holiday, 02/01 extra, weekend
    assert CAL.add_working_days(D("2025-12-31"), 1) == D("2026-01-02")


# ============================================================================ rules as data (no database)
def test_law137_2025_art9_2_rule_version_chosen_by_trigger_date():
    old = rule_version("treaty.consultation_negotiation", D("2025-12-31"))
    new = rule_version("treaty.consultation_negotiation", D("2026-01-01"))
    assert old.days == 15 and old.effective_to == D("2025-12-31") and old.article == "Law 2016 Art. 9(2)"
    assert new.days == 10 and "Law 137/2025/QH15" in new.article
    assert rule_version("treaty.consultation_negotiation", D("2016-06-30")) is None   # before Law 2016 in force


def test_law2016_arts26_79_law2020_arts9_46_rule_articles_units_and_periods():
    expect = {
        "treaty.original_bilateral": ("Law 2016 Arts. 26(1), 58(2)", 10, "calendar"),
        "treaty.certified_copy_multilateral": ("Law 2016 Art. 26(3)", 10, "calendar"),
        "treaty.accession_text": ("Law 2016 Art. 46", 15, "calendar"),
        "treaty.notify_consent_foreign": ("Law 2016 Art. 64(1)", 15, "calendar"),
        "treaty.eif_notice": ("Law 2016 Art. 56(1)", 10, "calendar"),
        "treaty.change_notice": ("Law 2016 Art. 56(3)", 10, "calendar"),
        "treaty.sao_luc": ("Law 2016 Art. 59", 15, "calendar"),
        "treaty.cong_bao": ("Law 2016 Art. 60(2)", 15, "calendar"),
        "treaty.portal_proposer": ("Law 2016 Art. 60(3)", 5, "calendar"),
        "treaty.portal_mofa": ("Law 2016 Art. 60(4)", 5, "calendar"),
        "treaty.implementation_plan": ("Law 2016 Art. 76(2)", 15, "calendar"),
        "treaty.annual_report": ("Law 2016 Art. 79(6)", 0, "calendar"),
        "agreement.consultation_reply": ("Law 2020 Arts. 9(2), 13(2), 15(2), 17(2), 19(2), 22(2), 25(4)", 7,
                                         "working"),
        "agreement.copy_mofa.bo": ("Law 2020 Art. 17", 15, "calendar"),
        "agreement.notify_amendment": ("Law 2020 Art. 33(3)", 15, "calendar"),
        "agreement.notify_termination": ("Law 2020 Art. 34(5)", 15, "calendar"),
        "agreement.annual_report": ("Law 2020 Art. 46(3)", 0, "calendar"),
        "agreement.annual_signing_plan": ("Law 2020 Art. 46(1)", 0, "calendar"),
        "agreement.annual_implementation_plan": ("Law 2020 Art. 42(2)", 0, "calendar"),
    }
    for rid, (article, days, unit) in expect.items():
        r = get_rule(rid)
        assert (r.article, r.days, r.unit) == (article, days, unit), rid
    assert get_rule("treaty.annual_report").annual == (11, 15)
    assert get_rule("treaty.eif_notice").fulfilled_by == ("eif_notified",)
    assert get_rule("treaty.notify_consent_foreign").fulfilled_by == ("notified_completion",)


def test_law137_2025_rule_versions_must_not_overlap_and_file_errors_name_the_rule():
    base = ("rules:\n  - id: x.a\n    title_vi: a\n    title_en: a\n    article: Art. 1\n    days: 5\n"
            "    effective_from: 2020-01-01\n")
    with pytest.raises(RuleError, match="x.a.*unknown trigger event type.*nonsense"):
        rules_from_yaml(base + "    trigger: nonsense\n    fulfilled_by: [sao_luc]\n", family="treaty")
    with pytest.raises(RuleError, match="unknown condition"):
        rules_from_yaml(base + "    trigger: signed\n    fulfilled_by: [sao_luc]\n    conditions: {colour: red}\n",
                        family="treaty")
    with pytest.raises(RuleError, match="unit"):
        rules_from_yaml(base + "    trigger: signed\n    fulfilled_by: [sao_luc]\n    unit: hours\n", family="treaty")
    two = (base + "    key: k\n    trigger: signed\n    fulfilled_by: [sao_luc]\n"
           + base.replace("x.a", "x.b").replace("rules:\n", "") + "    key: k\n    trigger: signed\n"
           "    fulfilled_by: [sao_luc]\n")
    with pytest.raises(RuleError, match="overlap"):
        rules_from_yaml(two, family="treaty")


def _facts(**kw) -> InstrumentFacts:
    d = {"id": 1, "family": "treaty", "title": "T", "bilateral": True}
    d.update(kw)
    return InstrumentFacts(**d)


def _treaty_rules():
    from core.deadlines import deadline_rules
    return deadline_rules("treaty")


def test_law2016_art56_3_each_change_paired_with_a_later_notice():
    evs = [Ev("signed", D("2019-01-10")), Ev("original_received", D("2019-01-15")),
           Ev("entered_into_force", D("2019-03-01")), Ev("eif_notified", D("2019-02-25")),
           Ev("amended", D("2021-05-01")), Ev("eif_notified", D("2021-05-08")),
           Ev("extended", D("2024-03-01"))]
    got = [d for d in instrument_deadlines(_facts(), evs, D("2024-04-01"), _treaty_rules(), CAL)
           if d.rule_id == "treaty.change_notice"]
    assert [(d.trigger_type, d.due_date, d.fulfilled_date, d.overdue) for d in got] == [
        ("amended", D("2021-05-11"), D("2021-05-08"), False),
        ("extended", D("2024-03-11"), None, True)]                    # the 2019/2021 notices are not reused
    eif = next(d for d in instrument_deadlines(_facts(), evs, D("2024-04-01"), _treaty_rules(), CAL)
               if d.rule_id == "treaty.eif_notice")
    assert eif.fulfilled and eif.fulfilled_date == D("2019-02-25")      # notice before the EIF date counts


def test_law2016_art26_1_events_after_as_of_are_not_known_yet():
    evs = [Ev("signed", D("2024-03-01")), Ev("original_received", D("2024-03-20"))]
    at = {d.rule_id: d for d in instrument_deadlines(_facts(), evs, D("2024-03-15"), _treaty_rules(), CAL)}
    assert at["treaty.original_bilateral"].overdue and at["treaty.original_bilateral"].days_overdue == 4
    later = {d.rule_id: d for d in instrument_deadlines(_facts(), evs, D("2024-04-01"), _treaty_rules(), CAL)}
    assert later["treaty.original_bilateral"].fulfilled and later["treaty.original_bilateral"].late
    assert later["treaty.original_bilateral"].days_late == 9


# ============================================================================ database helpers
VN = {"name": "Việt Nam", "code": "VNM"}


def make(session, family: str = "treaty", events=(), **kw) -> int:
    from core.schemas import EventIn, InstrumentCreate
    from core.service import add_event, create_instrument

    record_state = kw.pop("record_state", "confirmed")
    if family == "treaty":
        base = {"family": "treaty", "title": "Hiệp định hợp tác giữa Chính phủ Việt Nam và Chính phủ Lào",
                "instrument_type": "hiệp định", "danh_nghia": "Chính phủ", "bilateral": True,
                "parties": [VN, {"name": "Lào", "code": "LAO"}], "classification": "none", "publish": True}
    else:
        base = {"family": "agreement", "title": "Bản ghi nhớ hợp tác tư pháp giữa Bộ Tư pháp Việt Nam và Bộ Tư pháp Lào",
                "instrument_type": "bản ghi nhớ", "signatory_level": "bo", "vn_agency": "Bộ Tư pháp",
                "bilateral": True, "parties": [VN, {"name": "Lào", "code": "LAO"}], "classification": "none",
                "publish": True}
    base.update(kw)
    inst = create_instrument(session, InstrumentCreate(**base), actor="t", record_state=record_state)
    for typ, d, *rest in events:
        add_event(session, inst.id, EventIn(type=typ, date=D(d), legal_basis=rest[0] if rest else None), actor="t")
    return inst.id


def by_rule(items, instrument_id=None):
    return {d.rule_id: d for d in items if instrument_id is None or d.instrument_id == instrument_id}


# ============================================================================ treaties (Law 2016)
def test_law2016_art26_1_original_due_10_days(session):
    iid = make(session, signed_date="2024-03-01")
    d = by_rule(compute_deadlines(session, D("2024-03-20"), family="treaty"), iid)["treaty.original_bilateral"]
    assert d.due_date == D("2024-03-11") and d.article == "Law 2016 Arts. 26(1), 58(2)"
    assert d.trigger_type == "signed" and d.trigger_date == D("2024-03-01") and d.unit == "calendar" and d.days == 10
    assert d.overdue and d.days_overdue == 9 and d.days_left is None and not d.fulfilled
    assert "treaty.certified_copy_multilateral" not in by_rule(compute_deadlines(session, D("2024-03-20")), iid)
    on_due = by_rule(compute_deadlines(session, D("2024-03-11")), iid)["treaty.original_bilateral"]
    assert not on_due.overdue and on_due.days_left == 0                # the due day itself is still in time
    from core.schemas import EventIn
    from core.service import add_event
    add_event(session, iid, EventIn(type="original_received", date=D("2024-03-08")), actor="t")
    d = by_rule(compute_deadlines(session, D("2024-03-20")), iid)["treaty.original_bilateral"]
    assert d.fulfilled and d.fulfilled_date == D("2024-03-08") and not d.overdue and not d.late
    out = d.to_dict()
    assert out["trigger"] == {"type": "signed", "date": "2024-03-01"} and out["due_date"] == "2024-03-11"
    assert out["instrument_id"] == iid and out["days_overdue"] is None and out["fulfilled_date"] == "2024-03-08"


def test_law2016_art26_3_multilateral_certified_copy_10_days(session):
    iid = make(session, title="Công ước về hợp tác hải quan", instrument_type="công ước", bilateral=False,
               parties=[VN, {"name": "Lào", "code": "LAO"}, {"name": "Thái Lan", "code": "THA"}],
               signed_date="2023-06-05")
    got = by_rule(compute_deadlines(session, D("2023-06-30")), iid)
    assert "treaty.original_bilateral" not in got
    d = got["treaty.certified_copy_multilateral"]
    assert d.article == "Law 2016 Art. 26(3)" and d.due_date == D("2023-06-15") and d.days_overdue == 15


def test_law2016_art46_accession_text_15_days_and_art64_1_notification(session):
    iid = make(session, title="Công ước về quyền trẻ em (gia nhập)", instrument_type="công ước", bilateral=False,
               parties=[VN], events=[("acceded", "2022-04-01"), ("notified_completion", "2022-04-20")])
    got = by_rule(compute_deadlines(session, D("2022-05-01")), iid)
    acc = got["treaty.accession_text"]
    assert acc.article == "Law 2016 Art. 46" and acc.due_date == D("2022-04-16") and acc.overdue
    note = got["treaty.notify_consent_foreign"]
    assert note.article == "Law 2016 Art. 64(1)" and note.due_date == D("2022-04-16")
    assert note.fulfilled and note.late and note.days_late == 4


def test_law2016_art64_1_ratification_notice_15_days(session):
    iid = make(session, signed_date="2021-01-04", events=[("original_received", "2021-01-08"),
                                                          ("approved", "2021-03-01")])
    d = by_rule(compute_deadlines(session, D("2021-03-10")), iid)["treaty.notify_consent_foreign"]
    assert d.trigger_type == "approved" and d.due_date == D("2021-03-16") and d.days_left == 6


def test_law2016_art56_1_eif_notice_10_days_and_art76_2_implementation_plan_15_days(session):
    iid = make(session, signed_date="2024-01-10", events=[("original_received", "2024-01-15"),
                                                          ("entered_into_force", "2024-05-25")])
    got = by_rule(compute_deadlines(session, D("2024-06-10")), iid)
    eif = got["treaty.eif_notice"]
    assert eif.article == "Law 2016 Art. 56(1)" and eif.due_date == D("2024-06-04") and eif.days_overdue == 6
    assert "treaty.implementation_plan" not in got                      # no MOFA notice yet → no plan deadline
    from core.schemas import EventIn
    from core.service import add_event
    add_event(session, iid, EventIn(type="eif_notified", date=D("2024-06-07")), actor="t")
    got = by_rule(compute_deadlines(session, D("2024-06-10")), iid)
    assert got["treaty.eif_notice"].fulfilled and got["treaty.eif_notice"].late
    plan = got["treaty.implementation_plan"]
    assert plan.article == "Law 2016 Art. 76(2)" and plan.trigger_type == "eif_notified"
    assert plan.due_date == D("2024-06-22") and plan.days_left == 12


def test_law2016_art59_sao_luc_from_later_of_original_and_eif_then_art60_publication(session):
    iid = make(session, signed_date="2023-08-21", events=[("entered_into_force", "2023-09-01")])
    got = by_rule(compute_deadlines(session, D("2023-12-31")), iid)
    assert "treaty.sao_luc" not in got                                 # original not received yet
    from core.schemas import EventIn
    from core.service import add_event
    add_event(session, iid, EventIn(type="original_received", date=D("2023-09-05")), actor="t")
    sl = by_rule(compute_deadlines(session, D("2023-09-10")), iid)["treaty.sao_luc"]
    assert sl.article == "Law 2016 Art. 59" and sl.trigger_type == "original_received"
    assert sl.trigger_date == D("2023-09-05") and sl.due_date == D("2023-09-20")
    add_event(session, iid, EventIn(type="sao_luc", date=D("2023-09-18")), actor="t")
    add_event(session, iid, EventIn(type="published_portal", date=D("2023-09-20"), legal_basis="Law 2016 Art. 60(4)"),
              actor="t")
    got = by_rule(compute_deadlines(session, D("2023-10-10")), iid)
    assert got["treaty.sao_luc"].fulfilled and not got["treaty.sao_luc"].late
    cb = got["treaty.cong_bao"]
    assert cb.article == "Law 2016 Art. 60(2)" and cb.due_date == D("2023-10-03") and cb.days_overdue == 7
    mofa, prop = got["treaty.portal_mofa"], got["treaty.portal_proposer"]
    assert mofa.article == "Law 2016 Art. 60(4)" and mofa.due_date == D("2023-09-23") and mofa.fulfilled
    assert prop.article == "Law 2016 Art. 60(3)" and prop.due_date == D("2023-09-23") and prop.overdue


def test_law2016_art60_1_no_publication_deadlines_when_not_published_or_classified(session):
    evs = [("original_received", "2023-09-05"), ("entered_into_force", "2023-09-01"), ("sao_luc", "2023-09-10")]
    a = make(session, signed_date="2023-08-21", publish=False, events=evs)
    b = make(session, signed_date="2023-08-21", classification="mat", events=evs)
    items = compute_deadlines(session, D("2023-12-01"))
    for iid in (a, b):
        got = by_rule(items, iid)
        assert "treaty.sao_luc" in got                                 # sao lục still goes to the agencies
        assert not {"treaty.cong_bao", "treaty.portal_mofa", "treaty.portal_proposer"} & set(got)


def test_law2016_art9_2_consultation_15_days_before_2026_and_10_days_under_law137_2025(session):
    old = make(session, events=[("proposed", "2025-12-30")])
    new = make(session, events=[("proposed", "2026-01-05")])
    items = compute_deadlines(session, D("2026-01-20"))
    o = next(d for d in items if d.instrument_id == old and d.rule_key == "treaty.consultation_negotiation")
    n = next(d for d in items if d.instrument_id == new and d.rule_key == "treaty.consultation_negotiation")
    assert (o.rule_id, o.days, o.due_date) == ("treaty.consultation_negotiation.2016", 15, D("2026-01-14"))
    assert (n.rule_id, n.days, n.due_date) == ("treaty.consultation_negotiation.2026", 10, D("2026-01-15"))
    assert "Law 137/2025/QH15" in n.article and o.overdue and n.overdue and n.days_overdue == 5


def test_law2016_art56_3_termination_notice_due_and_pending_obligations_not_due(session):
    iid = make(session, signed_date="2020-03-02", events=[("entered_into_force", "2020-06-01"),
                                                          ("terminated", "2024-02-01")])
    before = by_rule(compute_deadlines(session, D("2024-01-31")), iid)
    assert before["treaty.original_bilateral"].overdue and before["treaty.eif_notice"].overdue
    after = compute_deadlines(session, D("2024-03-01"))
    got = by_rule(after, iid)
    assert set(got) == {"treaty.change_notice"}                        # earlier open obligations are not due
    d = got["treaty.change_notice"]
    assert d.article == "Law 2016 Art. 56(3)" and d.trigger_type == "terminated"
    assert d.due_date == D("2024-02-11") and d.overdue


def test_law2016_arts26_59_only_for_triggers_after_law2016_took_effect(session):
    iid = make(session, signed_date="2015-05-05", events=[("entered_into_force", "2015-09-01")])
    assert by_rule(compute_deadlines(session, D("2024-01-01")), iid) == {}


def test_law2016_art26_1_draft_records_produce_no_deadlines(session):
    iid = make(session, signed_date="2024-03-01", record_state="draft")
    assert [d for d in compute_deadlines(session, D("2024-06-01")) if d.instrument_id == iid] == []


# ============================================================================ agreements (Law 2020, Decree 64)
def test_law2020_art17_art19_copy_to_mofa_15_days_by_signatory_level(session):
    bo = make(session, "agreement", signed_date="2025-03-03")
    tinh = make(session, "agreement", signatory_level="tinh", vn_agency="UBND tỉnh Lào Cai",
                title="Biên bản thỏa thuận hợp tác giữa UBND tỉnh Lào Cai và tỉnh Vân Nam", signed_date="2025-03-03")
    cuc = make(session, "agreement", signatory_level="cuc", vn_agency="Cục Lãnh sự",
               title="Bản ghi nhớ về hợp tác lãnh sự", signed_date="2025-03-03")
    items = compute_deadlines(session, D("2025-03-25"), family="agreement")
    b, t, c = by_rule(items, bo), by_rule(items, tinh), by_rule(items, cuc)
    assert b["agreement.copy_mofa.bo"].article == "Law 2020 Art. 17"
    assert b["agreement.copy_mofa.bo"].due_date == D("2025-03-18") and b["agreement.copy_mofa.bo"].days_overdue == 7
    assert b["agreement.copy_mofa.bo"].agency == "Bộ Tư pháp"
    assert t["agreement.copy_mofa.tinh"].article == "Law 2020 Art. 19" and t["agreement.copy_mofa.tinh"].agency == "Lào Cai"
    assert "agreement.copy_mofa.bo" not in t
    fc = c["agreement.copy_focal_unit"]
    assert "Decree 64/2021" in fc.article and fc.due_date == D("2025-03-18") and fc.agency == "Cục Lãnh sự"


def test_law2020_art9_2_consultation_7_working_days_across_tet_2026(session):
    iid = make(session, "agreement", events=[("proposed", "2026-02-10")])
    d = by_rule(compute_deadlines(session, D("2026-02-25")), iid)["agreement.consultation_reply"]
    assert d.unit == "working" and d.days == 7 and d.due_date == D("2026-02-26") and d.days_left == 1
    from core.schemas import EventIn
    from core.service import add_event
    add_event(session, iid, EventIn(type="signature_decided", date=D("2026-02-27")), actor="t")
    d = by_rule(compute_deadlines(session, D("2026-03-02")), iid)["agreement.consultation_reply"]
    assert d.fulfilled and d.late and d.days_late == 1


def test_law2020_art33_3_and_art34_5_notify_mofa_15_days(session):
    iid = make(session, "agreement", signed_date="2022-01-10",
               events=[("original_received", "2022-01-20"), ("entered_into_force", "2022-01-10"),
                       ("amended", "2023-04-01"), ("original_received", "2023-04-10"),
                       ("extended", "2024-01-10"), ("terminated", "2025-06-30")])
    items = [d for d in compute_deadlines(session, D("2025-08-01")) if d.instrument_id == iid]
    amend = sorted((d for d in items if d.rule_id == "agreement.notify_amendment"), key=lambda d: d.trigger_date)
    assert [d.article for d in amend] == ["Law 2020 Art. 33(3)"]        # the open 2024 extension is not due any more
    assert amend[0].due_date == D("2023-04-16") and amend[0].fulfilled_date == D("2023-04-10")
    term = next(d for d in items if d.rule_id == "agreement.notify_termination")
    assert term.article == "Law 2020 Art. 34(5)" and term.due_date == D("2025-07-15") and term.days_overdue == 17
    before_end = [d for d in compute_deadlines(session, D("2024-02-01")) if d.instrument_id == iid
                  and d.rule_id == "agreement.notify_amendment"]
    assert sorted((d.trigger_type, d.due_date, d.overdue) for d in before_end) == [
        ("amended", D("2023-04-16"), False), ("extended", D("2024-01-25"), True)]


# ============================================================================ annual (15 November)
def _report(session, agency_name: str, family: str, year: int, received: str | None):
    from sqlmodel import select

    from core.models import Agency, AgencyReport
    aid = session.exec(select(Agency).where(Agency.name == agency_name)).one().id
    session.add(AgencyReport(agency_id=aid, family=family, year=year, received_date=D(received) if received else None))
    session.commit()
    return aid


def test_law2016_art79_6_annual_report_by_15_november_fulfilled_by_agency_report(session):
    make(session, signed_date="2024-03-01", proposing_agency="Bộ Tư pháp")
    make(session, signed_date="2024-03-02", proposing_agency="Bộ Công an")
    aid = _report(session, "Bộ Tư pháp", "treaty", 2026, "2026-11-10")
    _report(session, "Bộ Công an", "treaty", 2025, "2025-11-20")
    items = [d for d in compute_deadlines(session, D("2026-11-20"), family="treaty")
             if d.rule_id == "treaty.annual_report"]
    got = {(d.agency, d.trigger_year): d for d in items}
    assert set(got) == {("Bộ Tư pháp", 2025), ("Bộ Tư pháp", 2026), ("Bộ Công an", 2025), ("Bộ Công an", 2026)}
    tp = got[("Bộ Tư pháp", 2026)]
    assert tp.article == "Law 2016 Art. 79(6)" and tp.due_date == D("2026-11-15") and tp.instrument_id is None
    assert tp.fulfilled and tp.fulfilled_date == D("2026-11-10") and tp.agency_id == aid
    assert got[("Bộ Công an", 2026)].overdue and got[("Bộ Công an", 2026)].days_overdue == 5
    assert got[("Bộ Công an", 2025)].fulfilled and got[("Bộ Công an", 2025)].late
    assert got[("Bộ Tư pháp", 2025)].overdue
    assert tp.to_dict()["trigger"] == {"type": "annual", "date": "2026-11-15", "year": 2026}
    # earlier in the year: this year's report shows with the days left
    early = [d for d in compute_deadlines(session, D("2026-03-01"), family="treaty", agency="Bộ Công an")
             if d.rule_id == "treaty.annual_report" and d.trigger_year == 2026]
    assert early[0].days_left == 259 and not early[0].overdue


def test_law2020_arts46_3_46_1_42_2_annual_report_and_plans_follow_successor_agency(session):
    make(session, "agreement", vn_agency="Bộ Kế hoạch và Đầu tư", signed_date="2022-05-05",
         title="Bản ghi nhớ hợp tác đầu tư")
    items = [d for d in compute_deadlines(session, D("2025-11-16"), family="agreement") if d.instrument_id is None]
    assert {d.article for d in items} == {"Law 2020 Art. 46(3)", "Law 2020 Art. 46(1)", "Law 2020 Art. 42(2)"}
    y2025 = [d for d in items if d.trigger_year == 2025]
    assert {d.agency for d in y2025} == {"Bộ Tài chính"}               # the ministry ceased on 28/02/2025
    assert {d.agency for d in items if d.trigger_year == 2024} == {"Bộ Kế hoạch và Đầu tư"}
    assert all(d.overdue and d.due_date == D("2025-11-15") for d in y2025)
    _report(session, "Bộ Tài chính", "agreement", 2025, "2025-11-14")
    items = [d for d in compute_deadlines(session, D("2025-11-16"), family="agreement")
             if d.instrument_id is None and d.trigger_year == 2025]
    assert len(items) == 3 and all(d.fulfilled and not d.late for d in items)


# ============================================================================ API
@pytest.fixture
def api(client):
    """The app, with the deadline router mounted if app.main does not include it yet."""
    from core.deadline_router import router

    if not any(getattr(r, "path", None) == "/api/deadlines" for r in client.app.routes):
        client.app.include_router(router)
    return client


def test_api_law2016_art26_deadlines_registrar_only_401_without_token(api, auth):
    assert api.get("/api/deadlines").status_code == 401
    assert api.get("/api/deadlines?as_of=2024-01-01&overdue=true").status_code == 401
    assert api.get("/api/deadlines", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert api.get("/api/deadlines/rules").status_code == 401
    r = api.get("/api/deadlines", headers=auth)
    assert r.status_code == 200 and isinstance(r.json(), list)
    assert api.get("/api/deadlines?as_of=2024-02-30", headers=auth).status_code == 422
    assert api.get("/api/deadlines?family=other", headers=auth).status_code == 422


def test_api_deadlines_law2016_art26_law2020_art17_filters(api, auth, session):
    t_late = make(session, signed_date="2024-03-01", proposing_agency="Bộ Ngoại giao")        # due 11/03
    t_soon = make(session, signed_date="2024-03-25", proposing_agency="Bộ Công an")           # due 04/04
    a = make(session, "agreement", signed_date="2024-03-20")                                   # due 04/04
    base = "/api/deadlines?as_of=2024-03-28"
    allr = api.get(base, headers=auth).json()
    dues = [d["due_date"] for d in allr]
    assert dues == sorted(dues)                                                   # sorted by due date
    first = next(d for d in allr if d["instrument_id"])
    assert first["rule_id"] == "treaty.original_bilateral" and first["instrument_id"] == t_late
    assert set(first) >= {"rule_id", "family", "instrument_id", "title", "agency", "article", "description",
                          "trigger", "due_date", "unit", "days", "fulfilled", "fulfilled_date", "overdue",
                          "days_overdue", "days_left"}
    # annual reports of the agencies that have instruments (2023: overdue, 2024: open)
    annual = {(d["article"], d["agency"], d["trigger"]["year"], d["overdue"]) for d in allr if not d["instrument_id"]}
    assert ("Law 2016 Art. 79(6)", "Bộ Công an", 2023, True) in annual
    assert ("Law 2020 Art. 46(3)", "Bộ Tư pháp", 2024, False) in annual
    over = api.get(base + "&overdue=true", headers=auth).json()
    assert all(d["overdue"] for d in over)
    assert [(d["instrument_id"], d["article"], d["days_overdue"]) for d in over if d["instrument_id"]] == [
        (t_late, "Law 2016 Arts. 26(1), 58(2)", 17)]
    fam = api.get(base + "&family=agreement", headers=auth).json()
    assert {d["instrument_id"] for d in fam if d["instrument_id"]} == {a}
    assert {d["family"] for d in fam} == {"agreement"}
    soon = api.get(base + "&upcoming_days=7", headers=auth).json()
    assert {(d["instrument_id"], d["days_left"]) for d in soon} == {(t_soon, 7), (a, 7)}
    both = api.get(base + "&upcoming_days=7&overdue=true", headers=auth).json()
    assert {d["instrument_id"] for d in both if d["instrument_id"]} == {t_late, t_soon, a}
    ag = api.get(base + "&agency=bo cong an", headers=auth).json()            # any spelling
    assert {d["instrument_id"] for d in ag if d["instrument_id"]} == {t_soon}
    assert {d["agency"] for d in ag} == {"Bộ Công an"}
    one = api.get(base + f"&instrument_id={a}", headers=auth).json()
    assert [d["rule_id"] for d in one] == ["agreement.copy_mofa.bo"]
    done = api.get(base + "&fulfilled=true", headers=auth).json()
    assert done == []
    rules = api.get("/api/deadlines/rules?family=treaty", headers=auth).json()
    assert {r["id"] for r in rules} >= {"treaty.original_bilateral", "treaty.consultation_negotiation.2026"}


# ============================================================================ CLI
def test_cli_deadlines_json_law2016_art26(env, session):
    import typer
    from typer.testing import CliRunner

    from app.cli_deadlines import deadlines

    iid = make(session, signed_date="2024-03-01")
    cli = typer.Typer()

    @cli.callback()
    def _root() -> None:
        """treatydb"""

    cli.command("deadlines")(deadlines)
    runner = CliRunner()
    res = runner.invoke(cli, ["deadlines", "--as-of", "2024-03-20", "--overdue", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [(d["rule_id"], d["instrument_id"], d["due_date"], d["days_overdue"]) for d in data
            if d["instrument_id"]] == [("treaty.original_bilateral", iid, "2024-03-11", 9)]
    res = runner.invoke(cli, ["deadlines", "--as-of", "2024-03-05", "--family", "treaty", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)[0]["days_left"] == 6
    res = runner.invoke(cli, ["deadlines", "--as-of", "2024-03-05"])                  # table
    assert res.exit_code == 0 and "26(1)" in res.stdout
    assert runner.invoke(cli, ["deadlines", "--as-of", "05/03/2024"]).exit_code == 2
    assert runner.invoke(cli, ["deadlines", "--family", "other"]).exit_code == 2


# ============================================================================ performance
def test_law2016_art26_law2020_art17_deadlines_for_10000_instruments_under_3_seconds(session):
    from sqlalchemy import insert, select

    from core.models import Agency, Instrument, InstrumentEvent

    agencies = [row[0] for row in session.execute(select(Agency.id).order_by(Agency.id)).all()][:20]
    now = datetime.now(timezone.utc)
    rows = []
    for i in range(10_000):
        treaty = i % 2 == 0
        rows.append({"family": "treaty" if treaty else "agreement", "title": f"Instrument {i}", "titles": {},
                     "instrument_type": "hiệp định" if treaty else "bản ghi nhớ",
                     "danh_nghia": "Chính phủ" if treaty else None, "signatory_level": None if treaty else "bo",
                     "bilateral": i % 5 != 0, "authentic_languages": [], "classification": "none", "publish": True,
                     "is_draft_text": False, "record_state": "confirmed", "source": "import", "version": 1,
                     "proposing_agency_id": agencies[i % len(agencies)], "vn_agency_id": None,
                     "signed_date": date(2017 + i % 9, 1 + i % 12, 1 + i % 28),
                     "created_at": now, "updated_at": now})
    session.execute(insert(Instrument), rows)
    session.commit()
    signed = session.execute(select(Instrument.id, Instrument.signed_date)
                             .where(Instrument.source == "import").order_by(Instrument.id)).all()
    evs = []
    for n, (iid, s) in enumerate(signed):
        evs.append({"instrument_id": iid, "type": "signed", "date": s, "created_at": now})
        if n % 3:
            evs.append({"instrument_id": iid, "type": "original_received", "date": date.fromordinal(s.toordinal() + 9),
                        "created_at": now})
        if n % 4 < 2:
            evs.append({"instrument_id": iid, "type": "entered_into_force",
                        "date": date.fromordinal(s.toordinal() + 60), "created_at": now})
    session.execute(insert(InstrumentEvent), evs)
    session.commit()
    t0 = time.perf_counter()
    items = compute_deadlines(session, D("2026-06-30"))
    elapsed = time.perf_counter() - t0
    assert len({d.instrument_id for d in items if d.instrument_id}) > 7_000   # agreements before 07/2021: none
    assert any(d.instrument_id is None for d in items)
    print(f"deadlines for 10,000 instruments: {elapsed:.2f} s, {len(items)} deadline(s)")
    assert elapsed < 3.0, f"{elapsed:.2f} s for 10,000 instruments"
