"""The shared corpus: every PDF/DOCX gives one complete line; labelled cases and notices match."""
import json
from functools import lru_cache

import pytest

from _paths import CORPUS
from ingest.evaluate import LINE_FIELDS, compare_field, evaluate
from ingest.extract import JSON_KEYS, extract_file, iter_files, to_json_line
from ingest.pdf import ocr_available

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not found")

CORPUS_FILES = sorted(p.name for d in ("pdf", "docx") for p in (CORPUS / d).glob("*") if p.suffix in (".pdf", ".docx")) \
    if CORPUS.exists() else []


def _labels(folder: str) -> list[dict]:
    path = CORPUS / folder / "labels.jsonl"
    if not path.exists():
        return []
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


@lru_cache(maxsize=None)
def _line(path: str, ocr: bool | None = None) -> dict:
    return to_json_line(extract_file(path, ocr=ocr))


def test_corpus_one_line_per_file(corpus):
    files = list(iter_files([corpus / "pdf", corpus / "docx"]))
    assert sorted(f.name for f in files) == CORPUS_FILES
    for f in files:
        line = to_json_line(extract_file(f, ocr=False))  # no OCR here: the slow tests do that
        assert tuple(line) == JSON_KEYS, f
        assert line["status"] in ("ok", "error")
        json.dumps(line, ensure_ascii=False)
        if line["status"] == "error":
            assert line["error"]
        else:
            assert line["chars"] > 0


@pytest.mark.parametrize("name,expect", [
    ("eu-vn-evfta-protocol1-rules-of-origin-en.pdf", {"status": "ok", "min_chars": 140_000}),
    ("vn-bct-cong-van-2265-2026-scan-image-only.pdf", {"status": "error", "warn": "image-only scan"}),
    ("vn-sct-laocai-ke-hoach-1105-broken-tounicode.pdf", {"status": "error", "warn": "wrong ToUnicode"}),
    ("un-bbnj-agreement-2023-ru.pdf", {"status": "error", "warn": "wrong ToUnicode"}),
    ("un-bbnj-agreement-2023-zh.pdf", {"status": "error", "warn": "wrong ToUnicode"}),
    ("un-bbnj-agreement-2023-en.pdf", {"status": "ok", "min_chars": 140_000}),
    ("un-unclos-1982-en.pdf", {"status": "ok", "min_chars": 500_000}),
    ("vn-phu-luc-1-danh-muc-hang-nguy-hiem-table-only.docx", {"status": "ok", "min_chars": 280_000}),
])
def test_corpus_known_behaviour(corpus, name, expect):
    folder = "pdf" if name.endswith(".pdf") else "docx"
    line = _line(str(corpus / folder / name), False)
    assert line["status"] == expect["status"]
    if "min_chars" in expect:
        assert line["chars"] >= expect["min_chars"]
    if "warn" in expect:
        assert any(expect["warn"] in w for w in line["warnings"]), line["warnings"]


def test_evfta_text_whole(corpus):
    res = extract_file(corpus / "pdf" / "eu-vn-evfta-protocol1-rules-of-origin-en.pdf", ocr=False)
    assert len(res.pages) == 58 and all(p.method == "text" for p in res.pages)
    assert "Article 2" in res.text and "originating" in res.text


def test_docx_corpus_features(corpus):
    res = extract_file(corpus / "docx" / "vn-sct-laocai-thong-bao-tham-dinh-auto-numbering.docx")
    assert "1. Văn bản pháp lý" in res.text  # auto-numbered paragraph
    res = extract_file(corpus / "docx" / "vn-ubnd-laocai-ke-hoach-chi-thi-11-headers-footnotes.docx")
    assert res.text.index("Số:") < res.text.index("KẾ HOẠCH")  # header table first, in order
    res = extract_file(corpus / "docx" / "vn-nghi-dinh-146-2025-ND-CP.docx")
    assert "MERGEFORMAT" not in res.text and " HYPERLINK " not in res.text


CASES = _labels("cases")
CASE_PARAMS = [
    pytest.param(lab["file"], f, id=f"{lab['file']}-{f}",
                 marks=[pytest.mark.slow, pytest.mark.skipif(not ocr_available(), reason="tesseract not installed")]
                 if lab["file"] == "V01.pdf" else [])
    for lab in CASES for f in LINE_FIELDS if f in lab
]
# fields known to be wrong would be listed here as {("file", "field"): "reason"} and xfail strictly
KNOWN_MISSES: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize("file,field", CASE_PARAMS)
def test_case_field(corpus, file, field):
    lab = next(x for x in CASES if x["file"] == file)
    if (file, field) in KNOWN_MISSES:
        pytest.xfail(KNOWN_MISSES[(file, field)])
    line = _line(str(corpus / "cases" / file))
    assert compare_field(field, line[field], lab), f"{file} {field}: got {line[field]!r}, want {lab[field]!r}"


@pytest.mark.parametrize("file", [lab["file"] for lab in CASES if lab["file"] != "V01.pdf"])
def test_case_extra_fields(corpus, file):
    lab = next(x for x in CASES if x["file"] == file)
    md = extract_file(corpus / "cases" / file).metadata
    assert md.vn_signatory_level == lab["vn_signatory_level"]
    assert md.duration["years"] == lab["duration"]["years"]
    assert md.duration["auto_renewal"] == lab["duration"]["auto_renewal"]
    if "vn_signatory" in lab:
        assert md.vn_signatory == lab["vn_signatory"]


NOTICES = _labels("notices")


@pytest.mark.parametrize("file", [lab["file"] for lab in NOTICES])
def test_notice(corpus, file):
    lab = next(x for x in NOTICES if x["file"] == file)
    res = extract_file(corpus / "notices" / file)
    md = res.metadata
    assert md.document_kind == "eif_notice" and md.family == "other"
    n = md.notice
    assert n["notice_number"] in [lab["notice_number"], *lab.get("accept", {}).get("notice_number", [])]
    assert n["notice_date"] == lab["notice_date"]
    assert len(n["instruments"]) == len(lab["instruments"])
    for got, want in zip(n["instruments"], lab["instruments"]):
        assert got["title"].casefold() == want["title"].casefold()
        for k in ("signed_place", "signed_date", "event", "event_date"):
            assert got[k] == want[k], (k, got[k], want[k])


def test_evaluate_cases_without_ocr(corpus):
    result = evaluate(corpus / "cases", ocr=False)
    assert result["files"] == len(CASES)
    assert set(result["fields"]) == set(LINE_FIELDS)
    # V01.pdf cannot be read without OCR; everything else is expected right
    others = [d for d in result["details"] if d["file"] != "V01.pdf"]
    assert all(all(d["fields"].values()) for d in others), [d["wrong"] for d in others if d["wrong"]]


@pytest.mark.slow
@pytest.mark.skipif(not ocr_available(), reason="tesseract not installed")
def test_evaluate_cases_with_ocr(corpus):
    result = evaluate(corpus / "cases")
    assert result["overall"] >= 0.95, result["fields"]
