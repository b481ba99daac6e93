"""Instruments in force for Viet Nam on a date — the counterpart of the US "Treaties in Force" (anchors.md A2):
Part 1 bilateral instruments grouped by partner, Part 2 multilateral instruments grouped by field (subject).

* In force = Viet Nam's status on ``as_of`` is "đang có hiệu lực" (reports.annual.vn_events + derive_status:
  suspended, provisionally applied, not yet in force or ended instruments are not listed).
* Partners are listed under their common Vietnamese name (core.parties.short_name_vi: "Pháp", "Lào") in
  alphabetical order by the folded key of core.text.fold (tone marks and đ folded, case-insensitive), ties by the
  name itself; a bilateral instrument without a foreign party code goes under its party as written.
* Fields are sorted the same way; multilateral instruments without a field come last ("Lĩnh vực khác").
* Within a group: by date of signature (else entry into force), then title.
* Each entry: title, date and place of signature, date of entry into force for Viet Nam.
* Classified instruments only with ``include_classified`` (the list then carries the highest classification).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from sqlmodel import Session

from core.enums import Classification, Status
from core.text import fold, nfc
from core.lifecycle import derive_status
from reports.annual import (FAMILY_NOUN, Col, DocModel, Group, Heading, Para, TableBlock, _type_label,
                            load_register, party_short_label, render_docx)
from reports.docx_frame import FrameSettings, format_dmy

OTHER_FIELD = "Lĩnh vực khác"
UNKNOWN_PARTNER = "Đối tác chưa xác định"


@dataclass
class InForceEntry:
    instrument_id: int
    family: str
    title: str
    instrument_type: str
    signed_date: date | None
    signed_place: str | None
    eif_date: date | None
    field: str | None
    parties: list[str]
    depositary: str | None
    classification: str = "none"


@dataclass
class InForceGroup:
    key: str                  # partner code / folded field
    label: str
    entries: list[InForceEntry] = field(default_factory=list)


@dataclass
class InForceData:
    as_of: date
    families: tuple[str, ...]
    include_classified: bool
    bilateral: dict[str, list[InForceGroup]]        # family → groups by partner
    multilateral: dict[str, list[InForceGroup]]     # family → groups by field
    highest_classification: str = "none"

    @property
    def secrecy(self) -> str | None:
        return self.highest_classification if self.highest_classification != "none" else None

    @property
    def total(self) -> int:
        return sum(len(g.entries) for part in (self.bilateral, self.multilateral) for gs in part.values()
                   for g in gs)

    def instrument_ids(self) -> list[int]:
        return [e.instrument_id for part in (self.bilateral, self.multilateral) for gs in part.values()
                for g in gs for e in g.entries]


def collation_key(label: str) -> tuple[str, str]:
    """Vietnamese alphabetical order as used in the lists: the folded key, then the name itself."""
    return (fold(label), nfc(label) or "")


def _entry_key(e: InForceEntry) -> tuple:
    return (e.signed_date or e.eif_date or date.max, fold(e.title), e.instrument_id)


def build_in_force(session: Session, as_of: date, *, family: str | None = None,
                   include_classified: bool = False) -> InForceData:
    families: tuple[str, ...] = (family,) if family else ("treaty", "agreement")
    for f in families:
        if f not in FAMILY_NOUN:
            raise ValueError(f"family must be 'treaty' or 'agreement', not {f!r}")
    reg = load_register(session, families=families, include_classified=include_classified, with_relations=False)
    bilateral: dict[str, dict[str, InForceGroup]] = {f: {} for f in families}
    multilateral: dict[str, dict[str, InForceGroup]] = {f: {} for f in families}
    highest = Classification.none
    for iid, inst in reg.insts.items():
        tl = reg.timeline(iid)
        if derive_status(tl, as_of) != Status.in_force:
            continue
        fp = reg.foreign(iid)
        entry = InForceEntry(
            instrument_id=iid, family=inst.family, title=nfc(inst.title), instrument_type=_type_label(
                inst.instrument_type), signed_date=inst.signed_date, signed_place=nfc(inst.signed_place),
            eif_date=min((e.date for e in tl if e.type == "entered_into_force" and e.date <= as_of), default=None),
            field=nfc(inst.field), parties=[party_short_label(p.code, p.name) for p in fp],
            depositary=nfc(inst.depositary), classification=inst.classification)
        c = Classification(inst.classification)
        if c.rank > highest.rank:
            highest = c
        if inst.bilateral:
            targets = [(p.code or f"?{fold(p.name)}", party_short_label(p.code, p.name)) for p in fp] or \
                      [("?", UNKNOWN_PARTNER)]
            seen = set()
            for key, label in targets:            # a bilateral record listing two foreign parties: under each
                if key in seen:
                    continue
                seen.add(key)
                bilateral[inst.family].setdefault(key, InForceGroup(key, label)).entries.append(entry)
        else:
            label = (nfc(inst.field) or "").strip() or OTHER_FIELD
            key = fold(label) if label != OTHER_FIELD else "~"
            multilateral[inst.family].setdefault(key, InForceGroup(key, label)).entries.append(entry)

    def ordered(groups: dict[str, InForceGroup], last: str) -> list[InForceGroup]:
        out = sorted(groups.values(), key=lambda g: (g.label == last, *collation_key(g.label)))
        for g in out:
            g.entries.sort(key=_entry_key)
        return out

    return InForceData(as_of=as_of, families=families, include_classified=include_classified,
                       bilateral={f: ordered(bilateral[f], UNKNOWN_PARTNER) for f in families},
                       multilateral={f: ordered(multilateral[f], OTHER_FIELD) for f in families},
                       highest_classification=highest.value)


# ---------------------------------------------------------------- document
COLUMNS_BILATERAL = [Col("stt", "STT", 12, "center", "int"), Col("title", "Tên văn kiện", 83),
                     Col("signed_date", "Ngày ký", 24, "center", "date"), Col("signed_place", "Nơi ký", 22),
                     Col("eif_date", "Ngày có hiệu lực", 24, "center", "date")]
COLUMNS_MULTILATERAL = [Col("stt", "STT", 12, "center", "int"), Col("title", "Tên văn kiện", 83),
                        Col("signed_date", "Ngày ký", 24, "center", "date"), Col("signed_place", "Nơi ký", 22),
                        Col("eif_date", "Ngày có hiệu lực đối với Việt Nam", 24, "center", "date")]
ROMAN = ("I", "II", "III", "IV")


def _rows(groups: Sequence[InForceGroup]) -> list[Any]:
    rows: list[Any] = []
    for g in groups:
        rows.append(Group(g.label))
        for i, e in enumerate(g.entries, start=1):
            rows.append([i, e.title, e.signed_date, e.signed_place or "", e.eif_date])
    return rows


def in_force_model(data: InForceData, *, issued: date | None = None, number: int | str | None = None) -> DocModel:
    nouns = " và ".join(FAMILY_NOUN[f] for f in data.families)
    when = format_dmy(data.as_of)
    model = DocModel(summary=f"Danh mục {nouns} đang có hiệu lực đối với Việt Nam tính đến ngày {when}",
                     title=f"Danh mục {nouns} đang có hiệu lực đối với Việt Nam tính đến ngày {when}",
                     issued=issued or date.today(), doc_type="DANH MỤC", number=number, secrecy=data.secrecy)
    add = model.add
    add(Para(f"Danh mục gồm {data.total} văn kiện đang có hiệu lực đối với Việt Nam tính đến ngày {when}: phần "
             "song phương xếp theo đối tác (theo thứ tự chữ cái), phần đa phương xếp theo lĩnh vực. Mỗi văn kiện "
             "ghi tên, ngày và nơi ký, ngày có hiệu lực."))
    multi = len(data.families) > 1
    for k, fam in enumerate(data.families):
        noun = FAMILY_NOUN[fam]
        prefix = f"{ROMAN[k]}." if multi else ""
        if multi:
            add(Heading(f"{ROMAN[k]}. {noun.upper()}", 1))
        parts = (("bilateral", "song phương", "Đối tác", data.bilateral[fam], COLUMNS_BILATERAL),
                 ("multilateral", "đa phương", "Lĩnh vực", data.multilateral[fam], COLUMNS_MULTILATERAL))
        for j, (part, adj, group_header, groups, cols) in enumerate(parts, start=1):
            n = sum(len(g.entries) for g in groups)
            title = (f"{j}. " if multi else f"{ROMAN[j - 1]}. ") + \
                f"{noun[:1].upper() + noun[1:]} {adj} ({n} văn kiện)"
            add(Heading(title if multi else title.upper(), 2 if multi else 1))
            if not groups:
                add(Para("Không có."))
                continue
            sheet = f"{prefix}{'ĐƯQT' if fam == 'treaty' else 'TTQT'} {adj}".strip()
            add(TableBlock(key=f"in_force:{fam}:{part}", title=title, columns=list(cols), rows=_rows(groups),
                           group_header=group_header, sheet=sheet))
    model.properties = {"keywords": f"in_force; {data.as_of.isoformat()}"}
    return model


def _frame(settings: Any) -> FrameSettings:
    return settings if isinstance(settings, FrameSettings) else FrameSettings.from_settings(settings)


def render_in_force_docx(data: InForceData, out_path: str | Path, *, settings: Any, issued: date | None = None,
                         number: int | str | None = None) -> Path:
    return render_docx(in_force_model(data, issued=issued, number=number), out_path, _frame(settings))


def render_in_force_xlsx(data: InForceData, out_path: str | Path, *, issued: date | None = None) -> Path:
    from reports.xlsx import render_xlsx

    return render_xlsx(in_force_model(data, issued=issued), out_path)
