"""Report outline as configuration data: headings, texts, table columns and recipients.

The defaults below are overlaid with ``reports/templates/annual.yaml`` (shipped, editable without code) and then
with an optional user file (``path`` argument, or the ``TREATYDB_REPORT_CONFIG`` environment variable). Mappings
are merged key by key; lists and scalars replace the default. Every string is NFC-normalised on load.

Placeholders available in texts: ``{family_noun}`` ("điều ước quốc tế" / "thỏa thuận quốc tế"), ``{period}``
("năm 2024" or "từ ngày 01/01/2024 đến ngày 30/06/2024"), ``{start}``, ``{end}`` (dd/mm/yyyy), ``{year}``,
``{law}`` (the reporting basis of the family), ``{issuer}``, ``{count}``, ``{bilateral}``, ``{multilateral}``.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from core.text import nfc

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_FILE = TEMPLATES_DIR / "annual.yaml"
ENV_VAR = "TREATYDB_REPORT_CONFIG"

# Column keys understood by reports.annual for instrument lists
LIST_COLUMN_KEYS = ("stt", "title", "instrument_type", "level", "parties", "signed_date", "signed_place", "field",
                    "eif_date", "event", "event_date", "number", "status")
# Lists computed by reports.annual (the configuration selects, orders and titles them)
LIST_NAMES = ("signed", "acceded", "entered_into_force", "amended", "suspended", "terminated")
TABLE_NAMES = ("by_level", "by_partner", "by_type", "by_region", "by_field")
# Column keys understood for count tables
COUNT_COLUMN_KEYS = ("stt", "label", "bilateral", "multilateral", "total")

DEFAULTS: dict[str, Any] = {
    "doc_type": "BÁO CÁO",
    "doc_type_abbrev": "BC",
    "unit_abbrev": "LPQT",                       # "- Lưu: VT, LPQT."
    "issuer_name": "Bộ Ngoại giao",              # the issuing body in running text
    "family_noun": {"treaty": "điều ước quốc tế", "agreement": "thỏa thuận quốc tế"},
    "law": {"treaty": "Điều 77 Luật Điều ước quốc tế năm 2016",
            "agreement": "Điều 44 Luật Thỏa thuận quốc tế năm 2020"},
    # the document title (core properties) and the trích yếu under "BÁO CÁO"
    "title": "Báo cáo tình hình ký kết và thực hiện {family_noun} {period}",
    "summary": "Tình hình ký kết và thực hiện {family_noun} {period}",
    "kinh_gui": [],                              # e.g. ["Thủ tướng Chính phủ"]
    "intro": ("Thực hiện quy định tại {law}, {issuer_name} báo cáo tình hình ký kết và thực hiện {family_noun} "
              "trong kỳ báo cáo từ ngày {start} đến ngày {end} như sau:"),
    "empty_text": "Không có.",
    "sections": {
        "signing": {
            "heading": "I. TÌNH HÌNH KÝ KẾT ({period_short})",
            "overview_heading": "1. Tổng quan",
            "overview": ("Trong kỳ báo cáo, đã ký kết {count} {family_noun}, trong đó {bilateral} song phương và "
                         "{multilateral} đa phương."),
            "tables": {
                "by_level": {"enabled": True,
                             "heading": {"treaty": "2. Theo danh nghĩa ký kết",
                                         "agreement": "2. Theo cấp ký kết"},
                             "label_header": {"treaty": "Danh nghĩa", "agreement": "Cấp ký kết"}},
                "by_partner": {"enabled": True, "heading": "3. Theo đối tác", "label_header": "Đối tác",
                               "total_row": False,
                               "note": "Văn kiện đa phương được tính cho từng đối tác là bên ký kết."},
                "by_type": {"enabled": True, "heading": "4. Theo tên gọi văn kiện", "label_header": "Tên gọi"},
                "by_region": {"enabled": True, "heading": "5. Theo khu vực", "label_header": "Khu vực",
                              "total_row": False,
                              "note": "Văn kiện có đối tác thuộc nhiều khu vực được tính cho từng khu vực."},
                "by_field": {"enabled": True, "heading": "6. Theo lĩnh vực", "label_header": "Lĩnh vực"},
            },
            "count_columns": [
                {"key": "stt", "header": "STT", "width_mm": 12},
                {"key": "label", "header": "{label_header}", "width_mm": 83},
                {"key": "bilateral", "header": "Song phương", "width_mm": 23},
                {"key": "multilateral", "header": "Đa phương", "width_mm": 23},
                {"key": "total", "header": "Tổng số", "width_mm": 24},
            ],
            "total_label": "Tổng cộng",
            "unknown_label": "Chưa xác định",
        },
        "lists": {
            "heading": "II. TÌNH HÌNH HIỆU LỰC VÀ THỰC HIỆN",
            "in_appendix": False,                # True: lists go to a landscape appendix after the signature
            "appendix_heading": "Phụ lục",
            "appendix_ref": "Danh mục chi tiết tại Phụ lục kèm theo Báo cáo này.",
            "appendix_title": "DANH MỤC {family_noun_upper} {period_upper}",
            "lists": {
                "signed": {"enabled": True, "heading": "1. {family_noun_cap} đã ký kết trong kỳ",
                           "columns": [
                               {"key": "stt", "header": "STT", "width_mm": 12},
                               {"key": "title", "header": "Tên văn kiện", "width_mm": 68},
                               {"key": "level", "header": "{level_header}", "width_mm": 25},
                               {"key": "parties", "header": "Đối tác", "width_mm": 30},
                               {"key": "signed_date", "header": "Ngày ký", "width_mm": 30},
                           ]},
                "acceded": {"enabled": True, "heading": "2. {family_noun_cap} gia nhập trong kỳ",
                            "columns": [
                                {"key": "stt", "header": "STT", "width_mm": 12},
                                {"key": "title", "header": "Tên văn kiện", "width_mm": 93},
                                {"key": "parties", "header": "Đối tác", "width_mm": 30},
                                {"key": "event_date", "header": "Ngày gia nhập", "width_mm": 30},
                            ]},
                "entered_into_force": {"enabled": True, "heading": "3. {family_noun_cap} có hiệu lực trong kỳ",
                                       "columns": [
                                           {"key": "stt", "header": "STT", "width_mm": 12},
                                           {"key": "title", "header": "Tên văn kiện", "width_mm": 93},
                                           {"key": "signed_date", "header": "Ngày ký", "width_mm": 30},
                                           {"key": "event_date", "header": "Ngày có hiệu lực", "width_mm": 30},
                                       ]},
                "amended": {"enabled": True, "heading": "4. {family_noun_cap} được sửa đổi, bổ sung, gia hạn trong kỳ",
                            "columns": [
                                {"key": "stt", "header": "STT", "width_mm": 12},
                                {"key": "title", "header": "Tên văn kiện", "width_mm": 93},
                                {"key": "event", "header": "Nội dung", "width_mm": 30},
                                {"key": "event_date", "header": "Ngày", "width_mm": 30},
                            ]},
                "suspended": {"enabled": True, "heading": "5. {family_noun_cap} bị tạm đình chỉ thực hiện trong kỳ",
                              "columns": [
                                  {"key": "stt", "header": "STT", "width_mm": 12},
                                  {"key": "title", "header": "Tên văn kiện", "width_mm": 123},
                                  {"key": "event_date", "header": "Ngày", "width_mm": 30},
                              ]},
                "terminated": {"enabled": True,
                               "heading": "6. {family_noun_cap} chấm dứt hiệu lực, rút khỏi trong kỳ",
                               "columns": [
                                   {"key": "stt", "header": "STT", "width_mm": 12},
                                   {"key": "title", "header": "Tên văn kiện", "width_mm": 93},
                                   {"key": "event", "header": "Hình thức", "width_mm": 30},
                                   {"key": "event_date", "header": "Ngày", "width_mm": 30},
                               ]},
            },
        },
        # free-text sections written by the drafting officer; disabled until the text is supplied
        "extra": [
            {"enabled": False, "heading": "III. CÔNG TÁC QUẢN LÝ NHÀ NƯỚC", "paragraphs": []},
            {"enabled": False, "heading": "IV. KIẾN NGHỊ, PHƯƠNG HƯỚNG NĂM TỚI", "paragraphs": []},
        ],
    },
    "closing": "{issuer_name} trân trọng báo cáo./.",
    "recipients": ["Thủ tướng Chính phủ (để b/c)", "Các Phó Thủ tướng Chính phủ (để b/c)",
                   "Văn phòng Chính phủ", "Lãnh đạo Bộ"],
    "recipients_label": "Nơi nhận:",
}


def _nfc_tree(v: Any) -> Any:
    if isinstance(v, str):
        return nfc(v)
    if isinstance(v, list):
        return [_nfc_tree(x) for x in v]
    if isinstance(v, dict):
        return {(nfc(k) if isinstance(k, str) else k): _nfc_tree(x) for k, x in v.items()}
    return v


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) if path.suffix.lower() in (".yaml", ".yml") else __import__("json").loads(text)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"report configuration {path} must be a mapping at the top level")
    return data


def validate(cfg: dict[str, Any]) -> None:
    """Fail early, naming the place, on column keys the renderer does not know."""
    sig = cfg["sections"]["signing"]
    for c in sig["count_columns"]:
        if c.get("key") not in COUNT_COLUMN_KEYS:
            raise ValueError(f"sections.signing.count_columns: unknown key {c.get('key')!r}; "
                             f"known: {', '.join(COUNT_COLUMN_KEYS)}")
    for name in cfg["sections"]["signing"]["tables"]:
        if name not in TABLE_NAMES:
            raise ValueError(f"sections.signing.tables: unknown table {name!r}; known: {', '.join(TABLE_NAMES)}")
    for name, spec in cfg["sections"]["lists"]["lists"].items():
        if name not in LIST_NAMES:
            raise ValueError(f"sections.lists.lists: unknown list {name!r}; known: {', '.join(LIST_NAMES)}")
        for c in spec.get("columns", []):
            if c.get("key") not in LIST_COLUMN_KEYS:
                raise ValueError(f"sections.lists.lists.{name}.columns: unknown key {c.get('key')!r}; "
                                 f"known: {', '.join(LIST_COLUMN_KEYS)}")


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """Defaults ← reports/templates/annual.yaml ← ``path`` (or $TREATYDB_REPORT_CONFIG)."""
    cfg = copy.deepcopy(DEFAULTS)
    if DEFAULT_FILE.exists():
        cfg = deep_merge(cfg, _read(DEFAULT_FILE))
    user = path or os.environ.get(ENV_VAR)
    if user:
        p = Path(user)
        if not p.exists():
            raise FileNotFoundError(f"report configuration {p} does not exist")
        cfg = deep_merge(cfg, _read(p))
    cfg = _nfc_tree(cfg)
    validate(cfg)
    return cfg


def pick(value: Any, family: str) -> Any:
    """A config value that may be given per family ({treaty: …, agreement: …}) or once for both."""
    if isinstance(value, dict) and family in value:
        return value[family]
    return value
