"""Lifecycle events and the status derived from them, for any date.

Events are the record of what happened (Law 2016 Chapter II–VI, Law 2020 Chapter II–III); the status is
never stored, it is computed from the events dated on or before ``as_of``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from core.enums import Status
from core.exceptions import InvalidTransition

# type → (effect on status, Vietnamese label, legal basis hint)
EVENT_TYPES: dict[str, tuple[str | None, str, str]] = {
    "proposed": (None, "Đề xuất đàm phán", "Law 2016 Arts. 8-9; Law 2020 Art. 8"),
    "negotiation_decided": (None, "Quyết định đàm phán", "Law 2016 Art. 10"),
    "negotiation_concluded": (None, "Kết thúc đàm phán", "Law 2016 Arts. 10, 11(2)"),
    "initialled": (None, "Ký tắt", "Law 2016 Arts. 2(7), 23"),
    "signature_decided": (None, "Quyết định ký", "Law 2016 Art. 15; Law 2020 Arts. 9-23"),
    "signed": ("signed", "Ký", "Law 2016 Arts. 24-27; Law 2020 Art. 2"),
    "ratified": ("consent", "Phê chuẩn", "Law 2016 Arts. 28-36"),
    "approved": ("consent", "Phê duyệt", "Law 2016 Arts. 37-40"),
    "acceded": ("consent", "Gia nhập", "Law 2016 Arts. 41-46"),
    "accepted": ("consent", "Chấp nhận", "Law 2016 Art. 2(12)"),
    "succeeded": ("consent", "Kế thừa", "Vienna Convention on Succession of States 1978"),
    "notified_completion": (None, "Thông báo hoàn thành thủ tục pháp lý nội bộ", "Law 2016 Art. 64"),
    "provisionally_applied": ("provisional", "Áp dụng tạm thời", "Law 2016 Art. 53"),
    "provisional_application_ended": ("provisional_end", "Chấm dứt áp dụng tạm thời", "Law 2016 Arts. 53(2), 66"),
    "entered_into_force": ("in_force", "Có hiệu lực", "Law 2016 Arts. 52, 56(1); Law 2020 Art. 32"),
    "amended": (None, "Sửa đổi, bổ sung", "Law 2016 Art. 54; Law 2020 Art. 33"),
    "extended": (None, "Gia hạn", "Law 2016 Art. 54; Law 2020 Art. 33"),
    "suspended": ("suspended", "Tạm đình chỉ thực hiện", "Law 2016 Art. 55; Law 2020 Art. 34"),
    "resumed": ("resumed", "Tiếp tục thực hiện", "Law 2016 Art. 55"),
    "reservation": (None, "Bảo lưu", "Law 2016 Arts. 47-51"),
    "declaration": (None, "Tuyên bố", "Law 2016 Art. 47"),
    "objection": (None, "Phản đối bảo lưu", "Law 2016 Art. 50"),
    "withdrawn": ("terminated", "Rút khỏi", "Law 2016 Arts. 2(18), 55; Law 2020 Art. 34"),
    "denounced": ("terminated", "Từ bỏ", "Law 2016 Arts. 2(18), 55"),
    "terminated": ("terminated", "Chấm dứt hiệu lực", "Law 2016 Art. 55; Law 2020 Art. 34"),
    "expired": ("terminated", "Hết hiệu lực (hết thời hạn)", "treaty terms"),
    "reinstated": ("reinstated", "Khôi phục hiệu lực", "decision of the competent body"),
    "un_registered": (None, "Đăng ký tại Ban Thư ký Liên hợp quốc", "Law 2016 Art. 69"),
    "original_received": (None, "Bộ Ngoại giao nhận bản chính/bản sao", "Law 2016 Arts. 26, 58; Law 2020 Arts. 11-23"),
    "eif_notified": (None, "Thông báo hiệu lực", "Law 2016 Art. 56(1)"),
    "sao_luc": (None, "Sao lục", "Law 2016 Art. 59"),
    "published_cong_bao": (None, "Đăng Công báo", "Law 2016 Art. 60(2)"),
    "published_portal": (None, "Đăng Cổng thông tin điện tử", "Law 2016 Art. 60(3)-(4); Law 2020 Art. 42(3)"),
    "implementation_plan": (None, "Kế hoạch thực hiện", "Law 2016 Art. 76; Law 2020 Art. 42"),
}

CONSENT = {k for k, v in EVENT_TYPES.items() if v[0] == "consent"}
ENDING = {k for k, v in EVENT_TYPES.items() if v[0] == "terminated"}


@dataclass(frozen=True)
class EventView:
    type: str
    date: date
    id: int | None = None
    party_code: str | None = None


def _sorted(events: Iterable) -> list:
    return sorted(events, key=lambda e: (e.date, e.id or 0))


def derive_status(events: Iterable, as_of: date | None = None) -> Status:
    """Status of the instrument as a whole (events without a party_code) on ``as_of`` (default: today)."""
    as_of = as_of or date.today()
    status = Status.pending
    in_force_before_suspension = False
    provisional = False
    for e in _sorted(e for e in events if getattr(e, "party_code", None) is None):
        if e.date > as_of:
            break
        effect = EVENT_TYPES.get(e.type, (None,))[0]
        if effect == "signed" and status == Status.pending:
            status = Status.signed
        elif effect == "consent" and status in (Status.pending, Status.signed, Status.provisionally_applied):
            status = Status.provisionally_applied if provisional else Status.consent_given
        elif effect == "provisional" and status in (Status.pending, Status.signed, Status.consent_given):
            provisional = True
            status = Status.provisionally_applied
        elif effect == "provisional_end" and status == Status.provisionally_applied:
            provisional = False
            status = Status.signed
        elif effect == "in_force":
            status = Status.in_force
        elif effect == "suspended" and status in (Status.in_force, Status.provisionally_applied):
            in_force_before_suspension = True
            status = Status.suspended
        elif effect == "resumed" and status == Status.suspended:
            status = Status.in_force if in_force_before_suspension else Status.provisionally_applied
        elif effect == "terminated":
            status = Status.terminated
        elif effect == "reinstated" and status == Status.terminated:
            status = Status.in_force
    return status


# which statuses each effect may follow (a state machine over the dated events)
_ALLOWED_FROM: dict[str, set[Status]] = {
    "signed": {Status.pending},
    "consent": {Status.pending, Status.signed, Status.provisionally_applied},
    "provisional": {Status.pending, Status.signed, Status.consent_given},
    "provisional_end": {Status.provisionally_applied},
    "in_force": {Status.pending, Status.signed, Status.consent_given, Status.provisionally_applied},
    "suspended": {Status.in_force, Status.provisionally_applied},
    "resumed": {Status.suspended},
    "terminated": {Status.signed, Status.consent_given, Status.provisionally_applied, Status.in_force,
                   Status.suspended},
    "reinstated": {Status.terminated},
}
# events that may still be recorded after the end (administrative facts about the ended instrument)
ALLOWED_AFTER_END = {"un_registered", "published_cong_bao", "published_portal", "eif_notified", "sao_luc",
                     "original_received", "objection", "declaration", "notified_completion"}


def validate_timeline(events: Iterable, *, new=None) -> None:
    """Replay the events of one scope (the instrument, or one party) in date order and refuse the first that
    cannot happen in the status reached by the ones before it, naming both."""
    timeline = _sorted(events)
    status = Status.pending
    provisional = False
    in_force_before_suspension = False
    ended_on: date | None = None
    first_signed: date | None = None
    for e in timeline:
        effect = EVENT_TYPES.get(e.type, (None,))[0]
        label = f"{e.type} on {e.date.isoformat()}"
        is_new = new is not None and e is new
        if ended_on is not None and effect is None and e.type not in ALLOWED_AFTER_END:
            raise InvalidTransition(f"the instrument ended on {ended_on.isoformat()}; a {label} needs a "
                                    "'reinstated' event first", field="type")
        if effect is not None:
            allowed = _ALLOWED_FROM[effect] if effect != "signed" else {Status.pending}
            if effect == "signed" and first_signed is not None:
                raise InvalidTransition(f"{label}: already signed on {first_signed.isoformat()}", field="type")
            if status not in allowed:
                if effect == "in_force" and status == Status.in_force:
                    msg = f"{label}: already in force on that date"
                elif status == Status.terminated:
                    msg = (f"{label}: the instrument ended on {ended_on.isoformat() if ended_on else '?'}; "
                           "record a 'reinstated' event first")
                elif status == Status.suspended and effect == "in_force":
                    msg = f"{label}: the instrument is suspended on that date; record 'resumed' instead"
                else:
                    msg = f"{label} cannot follow the status '{status.value}' ({status.label_vi})"
                raise InvalidTransition(msg, field="type" if is_new or new is None else "date")
        if effect == "signed":
            first_signed = e.date
            status = Status.signed
        elif effect == "consent":
            status = Status.provisionally_applied if provisional else Status.consent_given
        elif effect == "provisional":
            provisional, status = True, Status.provisionally_applied
        elif effect == "provisional_end":
            provisional, status = False, Status.signed
        elif effect == "in_force":
            if first_signed is not None and e.date < first_signed:
                raise InvalidTransition(f"entry into force on {e.date.isoformat()} is before the signature on "
                                        f"{first_signed.isoformat()}", field="date")
            status = Status.in_force
        elif effect == "suspended":
            in_force_before_suspension = status == Status.in_force
            status = Status.suspended
        elif effect == "resumed":
            status = Status.in_force if in_force_before_suspension else Status.provisionally_applied
        elif effect == "terminated":
            status, ended_on = Status.terminated, e.date
        elif effect == "reinstated":
            status, ended_on = Status.in_force, None


def check_new_event(existing: Iterable, new_type: str, new_date: date, party_code: str | None = None) -> None:
    """Refuse impossible sequences, naming the reason: the new event is placed in the timeline of its scope
    (the instrument as a whole, or one party) and the whole timeline is replayed."""
    if new_type not in EVENT_TYPES:
        raise InvalidTransition(f"unknown event type {new_type!r}; known: {', '.join(sorted(EVENT_TYPES))}",
                                field="type")
    if not (date(1000, 1, 1) <= new_date <= date(2200, 12, 31)):  # the IEA database holds treaties from 1351
        raise InvalidTransition(f"event date {new_date.isoformat()} is outside the years 1000-2200", field="date")
    acts = {"signed", "ratified", "approved", "acceded", "accepted", "succeeded", "initialled", "proposed",
            "negotiation_decided", "negotiation_concluded", "signature_decided", "notified_completion",
            "original_received", "eif_notified", "sao_luc", "published_cong_bao", "published_portal", "un_registered",
            "reservation", "declaration", "objection", "implementation_plan"}
    if new_type in acts and new_date > date.today():
        raise InvalidTransition(f"{new_type} on {new_date.isoformat()} is in the future: only entry into force, "
                                "amendment, suspension, termination or expiry can be scheduled ahead", field="date")
    same_scope = [e for e in existing if getattr(e, "party_code", None) == party_code]
    signed = [e.date for e in same_scope if e.type == "signed"]
    if new_type == "entered_into_force" and signed and new_date < min(signed):
        raise InvalidTransition(f"entry into force on {new_date.isoformat()} is before the signature on "
                                f"{min(signed).isoformat()}", field="date")
    eif = [e.date for e in same_scope if e.type == "entered_into_force"]
    if new_type == "signed" and eif and new_date > min(eif):
        raise InvalidTransition(f"signature on {new_date.isoformat()} is after the entry into force on "
                                f"{min(eif).isoformat()}", field="date")
    ends = [e.date for e in same_scope if e.type in ENDING]
    if new_type in ENDING and eif and new_date < min(eif) and not ends:
        raise InvalidTransition(f"{new_type} on {new_date.isoformat()} is before the entry into force on "
                                f"{min(eif).isoformat()}", field="date")
    if new_type in CONSENT and signed and new_date < min(signed) and new_type != "acceded":
        raise InvalidTransition(f"{new_type} on {new_date.isoformat()} is before the signature on "
                                f"{min(signed).isoformat()}", field="date")
    new = EventView(type=new_type, date=new_date, id=10**12, party_code=party_code)
    validate_timeline([*(EventView(type=e.type, date=e.date, id=getattr(e, "id", None) or 0,
                                   party_code=party_code) for e in same_scope), new], new=new)
