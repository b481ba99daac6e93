"""Deadline engine: due dates computed from dated events by rules kept as data.

The rules live with the law that sets them: ``treaties/deadline_rules.yaml`` (Law on Treaties 108/2016/QH13 as
amended by Law 137/2025/QH15) and ``agreements/deadline_rules.yaml`` (Law on International Agreements 70/2020/QH14,
Decree 64/2021/NĐ-CP as amended by Decree 177/2025/NĐ-CP). Those packages register them here on import
(``import treaties.deadlines, agreements.deadlines``), so core never imports them (same pattern as
:mod:`core.registry`). Computing deadlines for a family whose rules are not loaded fails closed.

How a period is counted (the choices, each documented):

* The day of the triggering event is not counted; the period starts the next day. This is the general rule of
  Bộ luật Dân sự 2015 Art. 147; the Laws say "trong thời hạn N ngày kể từ ngày ...".
* ``unit: calendar`` — Law 2016 says "ngày": calendar days. Due = trigger + N days. If the last day falls on a
  weekend or public holiday the due date is kept as it is, unless the rule sets ``roll_forward_if_day_off: true``
  (then it moves to the next working day). Bộ luật Dân sự 2015 Art. 148(5) moves the end of a civil-law period to
  the next working day; whether that applies to these administrative periods is for the legal department to
  confirm, so it is a per-rule flag and off by default.
* ``unit: working`` — Law 2020 / Decree 64 say "ngày làm việc": each working day counts, skipping Saturdays,
  Sundays and Viet Nam's public holidays (``holidays.country_holidays("VN")``: Tết Nguyên Đán, substitute days
  off). Make-up working Saturdays announced with a swap (``weekend_workdays``, e.g. 26/04/2025) count as working
  days. The due date is the N-th working day after the trigger.
* A rule applies to an event when the event's date falls inside the rule's effective period
  (``effective_from`` … ``effective_to``, both inclusive): the version in force on the trigger date decides, so the
  Law 137/2025 periods apply to triggers from 01/01/2026.
* Only Viet Nam's events count (``party_code`` empty or ``VNM``); events dated after ``as_of`` are not known yet.
* Draft records (``record_state = draft``) have no deadlines.
* Once an instrument has ended (terminated, withdrawn, denounced, expired; a later ``reinstated`` undoes it), its
  unfulfilled obligations are no longer due and are not listed; the rules about notifying the ending itself
  (``survives_end: true``) stay for occurrences dated on or after the end.
* A rule with ``trigger_mode: first`` is fulfilled by any recorded fulfilling event (MOFA's notice of entry into
  force is often dated before the entry into force). ``each`` pairs every occurrence (each amendment, each
  termination …) with the first unused fulfilling event dated on or after it.
* Annual rules (``trigger: annual``, ``annual: "11-15"``) apply to every agency that has a confirmed instrument of
  the family (treaties: proposing agency; agreements: the Vietnamese signatory agency, else the proposing agency),
  followed to its successor when the agency had ceased by the due date, for the years from
  ``as_of.year - lookback_years`` up to the horizon; they are fulfilled by an :class:`AgencyReport` row of that
  agency, family and year with a ``received_date``.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

UNITS = ("calendar", "working")
TRIGGER_MODES = ("first", "each", "latest_of", "annual")
CONDITION_KEYS = ("bilateral", "danh_nghia", "signatory_levels", "publishable")
FAMILIES = ("treaty", "agreement")
VN_PARTY_CODES = (None, "VNM")
ENDING_TYPES = ("terminated", "withdrawn", "denounced", "expired")


class RuleError(ValueError):
    """A deadline rule file or definition is not valid; the message names the rule and the field."""


# ---------------------------------------------------------------------------------------------- calendar
class WorkCalendar:
    """Viet Nam's working days: Monday–Friday, minus public holidays (``holidays`` package, country ``VN``), plus
    the make-up working Saturdays that come with a day swap. ``extra_days_off`` / ``extra_working_days`` let the
    registrar add a Government decision that the package does not know yet."""

    def __init__(self, country: str = "VN", *, extra_days_off: Iterable[date] = (),
                 extra_working_days: Iterable[date] = ()) -> None:
        self.country = country
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)
        self._years: dict[int, dict[date, str]] = {}
        self._weekend_workdays: set[date] = set()
        self._lock = threading.Lock()

    def holidays_in(self, year: int) -> dict[date, str]:
        """Public holidays of ``year`` (date → name)."""
        got = self._years.get(year)
        if got is None:
            import holidays

            with self._lock:
                h = holidays.country_holidays(self.country, years=year)
                got = {d: n for d, n in h.items() if d.year == year}
                self._weekend_workdays |= set(getattr(h, "weekend_workdays", ()) or ())
                self._years[year] = got
        return got

    def is_day_off(self, d: date) -> bool:
        if d in self.extra_working_days:
            return False
        if d in self.extra_days_off:
            return True
        if d in self.holidays_in(d.year):
            return True
        return d.weekday() >= 5 and d not in self._weekend_workdays

    def is_working_day(self, d: date) -> bool:
        return not self.is_day_off(d)

    def next_working_day(self, d: date) -> date:
        """``d`` itself if it is a working day, else the first working day after it."""
        while self.is_day_off(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself is not counted)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        d = start
        left = n
        while left > 0:
            d += timedelta(days=1)
            if not self.is_day_off(d):
                left -= 1
        return d

    def add_calendar_days(self, start: date, n: int, *, roll_forward_if_day_off: bool = False) -> date:
        d = start + timedelta(days=n)
        return self.next_working_day(d) if roll_forward_if_day_off else d

    def due_date(self, start: date, days: int, unit: str, *, roll_forward_if_day_off: bool = False) -> date:
        if unit == "working":
            return self.add_working_days(start, days)
        if unit == "calendar":
            return self.add_calendar_days(start, days, roll_forward_if_day_off=roll_forward_if_day_off)
        raise ValueError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")


_calendar = WorkCalendar()


def get_calendar() -> WorkCalendar:
    return _calendar


def set_calendar(calendar: WorkCalendar) -> None:
    """Replace the default calendar (e.g. with extra days off decided by the Government)."""
    global _calendar
    _calendar = calendar


# ---------------------------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class DeadlineRule:
    id: str
    family: str
    title_vi: str
    title_en: str
    article: str
    trigger: tuple[str, ...]
    days: int
    effective_from: date
    key: str = ""                                   # the obligation; versions of one obligation share it
    trigger_mode: str = "first"                     # first | each | latest_of | annual
    fulfilled_by: tuple[str, ...] = ()
    unit: str = "calendar"
    effective_to: date | None = None
    responsible: str = ""
    conditions: Mapping[str, Any] = field(default_factory=dict)
    annual: tuple[int, int] | None = None           # (month, day) for annual rules
    roll_forward_if_day_off: bool = False
    survives_end: bool = False
    lookback_years: int = 1
    fulfilled_basis_excludes: tuple[str, ...] = ()  # a fulfilling event whose legal_basis names one does not count
    note: str = ""

    def applies_on(self, d: date) -> bool:
        return self.effective_from <= d and (self.effective_to is None or d <= self.effective_to)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "key": self.key, "family": self.family, "title_vi": self.title_vi,
            "title_en": self.title_en, "article": self.article,
            "trigger": "annual" if self.trigger_mode == "annual" else list(self.trigger),
            "trigger_mode": self.trigger_mode,
            "annual": f"{self.annual[0]:02d}-{self.annual[1]:02d}" if self.annual else None,
            "fulfilled_by": list(self.fulfilled_by), "days": self.days, "unit": self.unit,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "responsible": self.responsible, "conditions": dict(self.conditions),
            "roll_forward_if_day_off": self.roll_forward_if_day_off, "survives_end": self.survives_end,
            "note": self.note,
        }


def _as_date(v: Any, where: str) -> date | None:
    if v is None or isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v))
    except ValueError as exc:
        raise RuleError(f"{where}: {v!r} is not a YYYY-MM-DD date") from exc


def _as_tuple(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    return tuple(str(x) for x in v)


_RULE_FIELDS = {"id", "key", "title_vi", "title_en", "article", "trigger", "trigger_mode", "fulfilled_by", "days",
                "unit", "effective_from", "effective_to", "responsible", "conditions", "annual",
                "roll_forward_if_day_off", "survives_end", "lookback_years", "fulfilled_basis_excludes", "note",
                "family"}


def rule_from_dict(d: Mapping[str, Any], *, family: str, defaults: Mapping[str, Any] | None = None) -> DeadlineRule:
    """One rule from its YAML mapping (``defaults`` fill the fields it leaves out). Validates every field."""
    from core.lifecycle import EVENT_TYPES

    merged = {**(defaults or {}), **d}
    rid = str(merged.get("id") or "").strip()
    if not rid:
        raise RuleError(f"a {family} deadline rule has no id: {dict(d)!r}")
    unknown = set(merged) - _RULE_FIELDS
    if unknown:
        raise RuleError(f"rule {rid}: unknown field(s) {', '.join(sorted(unknown))}")
    fam = merged.get("family", family)
    if fam != family or fam not in FAMILIES:
        raise RuleError(f"rule {rid}: family {fam!r} does not match the file's family {family!r}")
    for req in ("title_vi", "title_en", "article", "trigger", "effective_from"):
        if merged.get(req) in (None, "", []):
            raise RuleError(f"rule {rid}: {req} is required")
    trig = _as_tuple(merged["trigger"])
    mode = merged.get("trigger_mode") or ("annual" if trig == ("annual",) else "first")
    if mode not in TRIGGER_MODES:
        raise RuleError(f"rule {rid}: trigger_mode {mode!r} is not one of {', '.join(TRIGGER_MODES)}")
    annual = None
    if mode == "annual":
        if trig != ("annual",):
            raise RuleError(f"rule {rid}: an annual rule has trigger: annual")
        raw = str(merged.get("annual") or "")
        try:
            month, day = (int(x) for x in raw.split("-"))
            date(2000, month, day)
        except ValueError as exc:
            raise RuleError(f"rule {rid}: annual must be MM-DD (e.g. 11-15), not {raw!r}") from exc
        annual = (month, day)
        if merged.get("fulfilled_by"):
            raise RuleError(f"rule {rid}: annual rules are fulfilled by an agency report, not by events")
    else:
        bad = [t for t in trig if t not in EVENT_TYPES]
        if bad:
            raise RuleError(f"rule {rid}: unknown trigger event type(s) {', '.join(bad)} "
                            "(see core.lifecycle.EVENT_TYPES)")
        if mode == "latest_of" and len(trig) < 2:
            raise RuleError(f"rule {rid}: latest_of needs at least two trigger event types")
    fulfilled = _as_tuple(merged.get("fulfilled_by"))
    if mode != "annual":
        if not fulfilled:
            raise RuleError(f"rule {rid}: fulfilled_by is required")
        bad = [t for t in fulfilled if t not in EVENT_TYPES]
        if bad:
            raise RuleError(f"rule {rid}: unknown fulfilled_by event type(s) {', '.join(bad)}")
    unit = merged.get("unit", "calendar")
    if unit not in UNITS:
        raise RuleError(f"rule {rid}: unit {unit!r} is not one of {', '.join(UNITS)}")
    try:
        days = int(merged.get("days", 0))
    except (TypeError, ValueError) as exc:
        raise RuleError(f"rule {rid}: days must be a whole number") from exc
    if days < 0 or (mode != "annual" and days == 0):
        raise RuleError(f"rule {rid}: days must be positive")
    eff_from = _as_date(merged["effective_from"], f"rule {rid} effective_from")
    eff_to = _as_date(merged.get("effective_to"), f"rule {rid} effective_to")
    if eff_to is not None and eff_to < eff_from:
        raise RuleError(f"rule {rid}: effective_to {eff_to} is before effective_from {eff_from}")
    cond = dict(merged.get("conditions") or {})
    bad = set(cond) - set(CONDITION_KEYS)
    if bad:
        raise RuleError(f"rule {rid}: unknown condition(s) {', '.join(sorted(bad))}; "
                        f"known: {', '.join(CONDITION_KEYS)}")
    if "bilateral" in cond and not isinstance(cond["bilateral"], bool):
        raise RuleError(f"rule {rid}: condition bilateral must be true or false")
    if "publishable" in cond and cond["publishable"] is not True:
        raise RuleError(f"rule {rid}: condition publishable can only be true")
    for k in ("danh_nghia", "signatory_levels"):
        if k in cond:
            if not isinstance(cond[k], list) or not cond[k]:
                raise RuleError(f"rule {rid}: condition {k} must be a non-empty list")
            cond[k] = tuple(cond[k])
    if "signatory_levels" in cond:
        from core.enums import SIGNATORY_LEVELS

        bad = [lv for lv in cond["signatory_levels"] if lv is not None and lv not in SIGNATORY_LEVELS]
        if bad:
            raise RuleError(f"rule {rid}: unknown signatory level(s) {', '.join(map(str, bad))}")
    lookback = int(merged.get("lookback_years", 1))
    if lookback < 0:
        raise RuleError(f"rule {rid}: lookback_years must be >= 0")
    return DeadlineRule(
        id=rid, key=str(merged.get("key") or rid), family=family, title_vi=str(merged["title_vi"]),
        title_en=str(merged["title_en"]), article=str(merged["article"]), trigger=trig, trigger_mode=mode,
        fulfilled_by=fulfilled, days=days, unit=unit, effective_from=eff_from, effective_to=eff_to,
        responsible=str(merged.get("responsible") or ""), conditions=cond, annual=annual,
        roll_forward_if_day_off=bool(merged.get("roll_forward_if_day_off", False)),
        survives_end=bool(merged.get("survives_end", False)), lookback_years=lookback,
        fulfilled_basis_excludes=_as_tuple(merged.get("fulfilled_basis_excludes")),
        note=str(merged.get("note") or "").strip(),
    )


def rules_from_yaml(text: str, *, family: str) -> list[DeadlineRule]:
    """Rules from a YAML document ``{family, defaults, rules: [...]}``."""
    import yaml

    doc = yaml.safe_load(text) or {}
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise RuleError("a deadline rule file is a mapping with a 'rules' list")
    if doc.get("family", family) != family:
        raise RuleError(f"the file is for family {doc.get('family')!r}, not {family!r}")
    defaults = doc.get("defaults") or {}
    rules = [rule_from_dict(r, family=family, defaults=defaults) for r in doc["rules"]]
    _check_set(rules)
    return rules


def load_rules_file(path: str | Path, *, family: str) -> list[DeadlineRule]:
    p = Path(path)
    try:
        return rules_from_yaml(p.read_text(encoding="utf-8"), family=family)
    except RuleError as exc:
        raise RuleError(f"{p.name}: {exc}") from exc


def _check_set(rules: Sequence[DeadlineRule]) -> None:
    """Unique ids; the versions of one obligation (same key) do not overlap in time."""
    seen: dict[str, DeadlineRule] = {}
    for r in rules:
        if r.id in seen and seen[r.id] != r:
            raise RuleError(f"duplicate rule id {r.id}")
        seen[r.id] = r
    by_key: dict[str, list[DeadlineRule]] = defaultdict(list)
    for r in seen.values():
        by_key[r.key].append(r)
    for key, versions in by_key.items():
        versions.sort(key=lambda r: r.effective_from)
        for a, b in zip(versions, versions[1:]):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                raise RuleError(f"rule versions {a.id} and {b.id} of {key} overlap: give {a.id} an effective_to "
                                f"before {b.effective_from.isoformat()}")


_RULES: dict[str, DeadlineRule] = {}
_REG_LOCK = threading.Lock()


def register_deadline_rules(rules: Iterable[DeadlineRule]) -> list[DeadlineRule]:
    """Register (or replace, by id) rules; the whole set is checked before anything changes."""
    rules = list(rules)
    with _REG_LOCK:
        merged = {**_RULES, **{r.id: r for r in rules}}
        _check_set(list(merged.values()))
        _RULES.clear()
        _RULES.update(merged)
    return rules


def unregister_deadline_rules(ids: Iterable[str]) -> None:
    with _REG_LOCK:
        for i in ids:
            _RULES.pop(i, None)


def deadline_rules(family: str | None = None) -> list[DeadlineRule]:
    return sorted((r for r in _RULES.values() if family is None or r.family == family),
                  key=lambda r: (r.family, r.key, r.effective_from))


def get_rule(rule_id: str) -> DeadlineRule:
    return _RULES[rule_id]


def rule_version(key: str, on: date) -> DeadlineRule | None:
    """The version of obligation ``key`` that applies to a trigger dated ``on``."""
    for r in _RULES.values():
        if r.key == key and r.applies_on(on):
            return r
    return None


def _require_loaded(families: Iterable[str]) -> None:
    loaded = {r.family for r in _RULES.values()}
    missing = [f for f in families if f not in loaded]
    if missing:
        raise RuntimeError(f"the deadline rules of {', '.join(missing)} are not loaded; "
                           "import treaties.deadlines and agreements.deadlines")


# ---------------------------------------------------------------------------------------------- engine
class Ev(NamedTuple):
    """One of Viet Nam's dated events, as the rules see it."""
    type: str
    date: date
    legal_basis: str | None = None


@dataclass
class InstrumentFacts:
    """What the rules look at (read in bulk; see :func:`compute_deadlines`)."""
    id: int
    family: str
    title: str
    bilateral: bool = True
    danh_nghia: str | None = None
    signatory_level: str | None = None
    publish: bool | None = None
    classification: str = "none"
    agency_id: int | None = None
    agency: str | None = None


@dataclass
class Deadline:
    rule_id: str
    rule_key: str
    family: str
    instrument_id: int | None
    title: str
    agency: str | None
    agency_id: int | None
    article: str
    description: str
    description_en: str
    responsible: str
    trigger_type: str
    trigger_date: date | None
    trigger_year: int | None
    due_date: date
    unit: str
    days: int
    fulfilled: bool
    fulfilled_date: date | None
    as_of: date

    @property
    def overdue(self) -> bool:
        return not self.fulfilled and self.as_of > self.due_date

    @property
    def days_overdue(self) -> int | None:
        return (self.as_of - self.due_date).days if self.overdue else None

    @property
    def days_left(self) -> int | None:
        return (self.due_date - self.as_of).days if not self.fulfilled and not self.overdue else None

    @property
    def late(self) -> bool:
        """Fulfilled after the due date."""
        return self.fulfilled and self.fulfilled_date is not None and self.fulfilled_date > self.due_date

    @property
    def days_late(self) -> int | None:
        return (self.fulfilled_date - self.due_date).days if self.late else None  # type: ignore[operator]

    @property
    def key(self) -> str:
        """Stable identity of this obligation (for reminders' de-duplication)."""
        if self.instrument_id is None:
            return f"{self.rule_id}:agency-{self.agency_id}:{self.trigger_year}"
        return f"{self.rule_id}:{self.instrument_id}:{self.trigger_type}@{self.trigger_date}"

    def to_dict(self) -> dict[str, Any]:
        trig: dict[str, Any] = {"type": self.trigger_type,
                                "date": self.trigger_date.isoformat() if self.trigger_date else None}
        if self.trigger_year is not None:
            trig["year"] = self.trigger_year
        return {
            "rule_id": self.rule_id, "family": self.family, "instrument_id": self.instrument_id,
            "title": self.title, "agency": self.agency, "agency_id": self.agency_id, "article": self.article,
            "description": self.description, "description_en": self.description_en,
            "responsible": self.responsible, "trigger": trig, "due_date": self.due_date.isoformat(),
            "unit": self.unit, "days": self.days, "fulfilled": self.fulfilled,
            "fulfilled_date": self.fulfilled_date.isoformat() if self.fulfilled_date else None,
            "late": self.late, "days_late": self.days_late,
            "overdue": self.overdue, "days_overdue": self.days_overdue, "days_left": self.days_left,
            "as_of": self.as_of.isoformat(), "key": self.key,
        }


def _conditions_hold(rule: DeadlineRule, inst: InstrumentFacts) -> bool:
    c = rule.conditions
    if "bilateral" in c and bool(inst.bilateral) != c["bilateral"]:
        return False
    if "danh_nghia" in c and inst.danh_nghia not in c["danh_nghia"]:
        return False
    if "signatory_levels" in c and inst.signatory_level not in c["signatory_levels"]:
        return False
    if c.get("publishable") and (inst.publish is False or (inst.classification or "none") != "none"):
        return False
    return True


def _ended_on(events: Sequence[Ev]) -> date | None:
    ended: date | None = None
    for e in events:
        if e.type in ENDING_TYPES:
            ended = e.date if ended is None else ended
        elif e.type == "reinstated":
            ended = None
    return ended


def _basis_ok(rule: DeadlineRule, e: Ev) -> bool:
    if not rule.fulfilled_basis_excludes or not e.legal_basis:
        return True
    return not any(x in e.legal_basis for x in rule.fulfilled_basis_excludes)


def instrument_deadlines(inst: InstrumentFacts, events: Sequence[Ev], as_of: date,
                         rules: Iterable[DeadlineRule], calendar: WorkCalendar | None = None) -> list[Deadline]:
    """Deadlines of one instrument as of ``as_of``. ``events`` are Viet Nam's events (any order); those dated
    after ``as_of`` are ignored. Pure function: no database."""
    cal = calendar or get_calendar()
    evs = sorted((e for e in events if e.date <= as_of), key=lambda e: e.date)
    by_type: dict[str, list[Ev]] = defaultdict(list)
    for e in evs:
        by_type[e.type].append(e)
    ended = _ended_on(evs)
    out: list[Deadline] = []
    for rule in rules:
        if (rule.family != inst.family or rule.trigger_mode == "annual"
                or not any(t in by_type for t in rule.trigger) or not _conditions_hold(rule, inst)):
            continue
        # occurrences of the trigger
        if rule.trigger_mode == "latest_of":
            firsts = [by_type[t][0] for t in rule.trigger if by_type.get(t)]
            occ = [max(firsts, key=lambda e: e.date)] if len(firsts) == len(rule.trigger) else []
        else:
            cands = sorted((e for t in rule.trigger for e in by_type.get(t, ())), key=lambda e: e.date)
            occ = cands[:1] if rule.trigger_mode == "first" else cands
        if not occ:
            continue
        done = sorted((e for t in rule.fulfilled_by for e in by_type.get(t, ()) if _basis_ok(rule, e)),
                      key=lambda e: e.date)
        pairs: list[tuple[Ev, Ev | None]] = []
        if rule.trigger_mode == "each":
            used: set[int] = set()
            for o in occ:
                hit = next((i for i, f in enumerate(done) if i not in used and f.date >= o.date), None)
                if hit is not None:
                    used.add(hit)
                pairs.append((o, done[hit] if hit is not None else None))
        else:
            pairs = [(occ[0], done[0] if done else None)]
        for o, f in pairs:
            if not rule.applies_on(o.date):
                continue
            if ended is not None and f is None and not (rule.survives_end and o.date >= ended):
                continue
            due = cal.due_date(o.date, rule.days, rule.unit, roll_forward_if_day_off=rule.roll_forward_if_day_off)
            out.append(Deadline(
                rule_id=rule.id, rule_key=rule.key, family=inst.family, instrument_id=inst.id, title=inst.title,
                agency=inst.agency, agency_id=inst.agency_id, article=rule.article, description=rule.title_vi,
                description_en=rule.title_en, responsible=rule.responsible, trigger_type=o.type,
                trigger_date=o.date, trigger_year=None, due_date=due, unit=rule.unit, days=rule.days,
                fulfilled=f is not None, fulfilled_date=f.date if f else None, as_of=as_of))
    return out


@dataclass
class AgencyInfo:
    id: int
    name: str
    valid_to: date | None = None
    successors: list[int] = field(default_factory=list)


def _successor_on(agencies: Mapping[int, AgencyInfo], agency_id: int, on: date) -> int:
    """Follow successor links while the agency had ceased before ``on``."""
    cur, seen = agency_id, set()
    while cur in agencies and cur not in seen:
        a = agencies[cur]
        if a.valid_to is None or a.valid_to >= on or not a.successors:
            break
        seen.add(cur)
        cur = a.successors[0]
    return cur


def annual_deadlines(family: str, agency_ids: Iterable[int], agencies: Mapping[int, AgencyInfo],
                     reports: Mapping[tuple[int, str, int], date | None], as_of: date,
                     rules: Iterable[DeadlineRule], *, horizon: date | None = None,
                     calendar: WorkCalendar | None = None) -> list[Deadline]:
    """Annual obligations per agency (e.g. the 15 November reports). ``reports`` maps (agency_id, family, year) to
    the report's received date (None: row exists but nothing received)."""
    cal = calendar or get_calendar()
    horizon = max(horizon or as_of, as_of)
    out: list[Deadline] = []
    ids = sorted(set(agency_ids))
    for rule in rules:
        if rule.family != family or rule.trigger_mode != "annual" or rule.annual is None:
            continue
        month, day = rule.annual
        for year in range(as_of.year - rule.lookback_years, horizon.year + 1):
            nominal = date(year, month, day)
            if not rule.applies_on(nominal):
                continue
            due = cal.next_working_day(nominal) if rule.roll_forward_if_day_off else nominal
            if due > horizon and year > as_of.year:
                continue
            seen: set[int] = set()
            for aid in ids:
                resp = _successor_on(agencies, aid, nominal)
                if resp in seen:
                    continue
                seen.add(resp)
                got = reports.get((resp, family, year))
                fulfilled = got is not None and got <= as_of
                info = agencies.get(resp)
                out.append(Deadline(
                    rule_id=rule.id, rule_key=rule.key, family=family, instrument_id=None,
                    title=f"{rule.title_vi} — năm {year}", agency=info.name if info else None, agency_id=resp,
                    article=rule.article, description=rule.title_vi, description_en=rule.title_en,
                    responsible=rule.responsible, trigger_type="annual", trigger_date=nominal, trigger_year=year,
                    due_date=due, unit=rule.unit, days=rule.days, fulfilled=fulfilled,
                    fulfilled_date=got if fulfilled else None, as_of=as_of))
    return out


def _agency_matcher(agency: str | int | None):
    if agency is None or agency == "":
        return None
    from core.text import fold

    if isinstance(agency, int) or str(agency).strip().isdigit():
        aid = int(agency)
        return lambda d: d.agency_id == aid
    needle = fold(str(agency))
    return lambda d: needle in fold(d.agency or "")


def filter_deadlines(items: Iterable[Deadline], *, overdue: bool | None = None, upcoming_days: int | None = None,
                     fulfilled: bool | None = None, agency: str | int | None = None,
                     family: str | None = None) -> list[Deadline]:
    """``overdue=True`` keeps overdue ones; ``upcoming_days=N`` keeps unfulfilled ones due within N days of as_of;
    both together keep either (the reminder view). ``fulfilled`` keeps fulfilled (True) or open (False) ones."""
    match_agency = _agency_matcher(agency)
    out = []
    for d in items:
        if family and d.family != family:
            continue
        if match_agency is not None and not match_agency(d):
            continue
        if fulfilled is not None and d.fulfilled != fulfilled:
            continue
        if overdue or upcoming_days is not None:
            is_upcoming = (upcoming_days is not None and d.days_left is not None
                           and 0 <= d.days_left <= upcoming_days)
            if not ((overdue and d.overdue) or is_upcoming):
                continue
        out.append(d)
    return out


def sort_deadlines(items: Iterable[Deadline]) -> list[Deadline]:
    return sorted(items, key=lambda d: (d.due_date, d.family, d.rule_id, d.instrument_id or 0, d.agency_id or 0))


def compute_deadlines(session, as_of: date | None = None, *, family: str | None = None,
                      agency: str | int | None = None, overdue: bool | None = None,
                      upcoming_days: int | None = None, fulfilled: bool | None = None,
                      instrument_id: int | None = None, calendar: WorkCalendar | None = None) -> list[Deadline]:
    """All deadlines as of ``as_of`` (default today), sorted by due date. Reads instruments, events, agencies and
    agency reports in a handful of bulk queries (no query per instrument)."""
    from sqlalchemy import or_, select

    from core.models import Agency, AgencyReport, AgencySuccession, Instrument, InstrumentEvent

    as_of = as_of or date.today()
    if family is not None and family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}")
    families = [family] if family else list(FAMILIES)
    _require_loaded(families)
    rules = [r for r in deadline_rules() if r.family in families]
    cal = calendar or get_calendar()

    # agencies (small table) and their successors
    agencies: dict[int, AgencyInfo] = {}
    for aid, name, valid_to in session.execute(select(Agency.id, Agency.name, Agency.valid_to)):
        agencies[aid] = AgencyInfo(aid, name, valid_to)
    succ_rows = session.execute(select(AgencySuccession.predecessor_id, AgencySuccession.successor_id,
                                       AgencySuccession.effective)).all()
    for pred, succ, eff in sorted(succ_rows, key=lambda r: (r[2] or date.min, r[1])):
        if pred in agencies:
            agencies[pred].successors.append(succ)

    # instruments
    inst_filter = [Instrument.record_state != "draft", Instrument.family.in_(families)]
    if instrument_id is not None:
        inst_filter.append(Instrument.id == instrument_id)
    cols = (Instrument.id, Instrument.family, Instrument.title, Instrument.bilateral, Instrument.danh_nghia,
            Instrument.signatory_level, Instrument.publish, Instrument.classification,
            Instrument.proposing_agency_id, Instrument.vn_agency_id, Instrument.vn_agency)
    facts: dict[int, InstrumentFacts] = {}
    agencies_with: dict[str, set[int]] = defaultdict(set)
    for (iid, fam, title, bilateral, dn, level, publish, classification, prop_id, vn_id,
         vn_text) in session.execute(select(*cols).where(*inst_filter)):
        if fam == "agreement":
            aid = vn_id or prop_id
            name = agencies[aid].name if aid in agencies else vn_text
        else:
            aid = prop_id
            name = agencies[aid].name if aid in agencies else None
        facts[iid] = InstrumentFacts(iid, fam, title, bool(bilateral) if bilateral is not None else True, dn,
                                     level, publish, classification or "none", aid, name)
        if aid is not None:
            agencies_with[fam].add(aid)

    # events of Viet Nam, only the types the rules look at
    wanted = {t for r in rules for t in (*r.trigger, *r.fulfilled_by) if r.trigger_mode != "annual"}
    wanted |= {*ENDING_TYPES, "reinstated"}
    events: dict[int, list[Ev]] = defaultdict(list)
    if facts and wanted:
        q = (select(InstrumentEvent.instrument_id, InstrumentEvent.type, InstrumentEvent.date,
                    InstrumentEvent.legal_basis)
             .join(Instrument, Instrument.id == InstrumentEvent.instrument_id)
             .where(*inst_filter, InstrumentEvent.type.in_(sorted(wanted)), InstrumentEvent.date <= as_of,
                    or_(InstrumentEvent.party_code.is_(None), InstrumentEvent.party_code == "VNM"))
             .order_by(InstrumentEvent.instrument_id, InstrumentEvent.date, InstrumentEvent.id))
        for iid, typ, d, basis in session.execute(q):
            events[iid].append(Ev(typ, d, basis))

    rules_by_family: dict[str, list[DeadlineRule]] = defaultdict(list)
    for r in rules:
        rules_by_family[r.family].append(r)
    out: list[Deadline] = []
    for iid, inst in facts.items():
        evs = events.get(iid)
        if evs:
            out.extend(instrument_deadlines(inst, evs, as_of, rules_by_family[inst.family], cal))

    if instrument_id is None:
        horizon = as_of + timedelta(days=upcoming_days) if upcoming_days else as_of
        rq = select(AgencyReport.agency_id, AgencyReport.family, AgencyReport.year, AgencyReport.received_date) \
            .where(AgencyReport.family.in_(families))
        reports = {(a, f, y): rd for a, f, y, rd in session.execute(rq)}
        for fam in families:
            out.extend(annual_deadlines(fam, agencies_with.get(fam, ()), agencies, reports, as_of,
                                        rules_by_family[fam], horizon=horizon, calendar=cal))

    out = filter_deadlines(out, overdue=overdue, upcoming_days=upcoming_days, fulfilled=fulfilled, agency=agency)
    return sort_deadlines(out)
