"""Ingest under hostile input: a tiny DOCX of many tiny paragraphs and a text of thousands of dated lines are
extracted in linear time, and a folder gives one line for every file in it (an empty file, a text named .pdf,
an image, a plain zip, a symbolic link — never a silent skip, and a link is never read)."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ingest.extract import extract_file, iter_files, to_json_line
from ingest_builders import make_pdf

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, timeout: float = 120) -> str:
    """``code`` in a fresh interpreter; a hang (quadratic time) fails instead of stalling the run."""
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                           cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish within {timeout} s (quadratic behaviour?)")
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def _many_paragraphs_docx(path: Path, n: int) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("x")
    body = d.element.body
    proto = body[0]
    sect = body[-1]
    body.remove(sect)
    for _ in range(n - 1):  # lxml append (python-docx's add_paragraph is itself slow for 100,000 paragraphs)
        body.append(copy.deepcopy(proto))
    body.append(sect)
    d.save(path)
    return path


def test_docx_of_100000_tiny_paragraphs_extracts(tmp_path):
    f = _many_paragraphs_docx(tmp_path / "tiny.docx", 100_000)
    assert f.stat().st_size < 200_000
    out = _run("import json, sys\nfrom ingest.extract import extract_file, to_json_line\n"
               f"print(json.dumps(to_json_line(extract_file({str(f)!r}))))")
    line = json.loads(out.strip().splitlines()[-1])
    assert line["file"] == str(f) and line["status"] in ("ok", "error") and line["chars"] >= 100_000


def test_many_dated_lines_metadata_is_not_quadratic():
    # every line is a dated testimonium: ingest.dates.find_dates on one merged window was quadratic in the
    # number of dates, and each signature clause scanned every date again (60,000 lines: minutes before)
    out = _run("from ingest.metadata import extract_metadata, find_dates\n"
               "t = '\\n'.join(['Done at Hanoi on 1 January 2000'] * 60000)\n"
               "print(len(find_dates(t)), extract_metadata(t).signed_date)")
    n, signed = out.split()
    assert int(n) == 60000 and signed == "2000-01-01"


def test_many_testimonium_lines_structure_is_not_quadratic():
    # every line is a "DONE at" head: each one used to look ahead over all later heads and cut a block to the
    # end of the text (60,000 lines: minutes); the lines after the first are inside its block
    out = _run("from ingest.structure import split\n"
               "t = '\\n'.join(['Done at Hanoi on 1 January 2000'] * 60000)\n"
               "st = split(t)\n"
               "print(st.final_clauses == t, len(st.articles))")
    assert out.split() == ["True", "0"]


def test_find_dates_bounded_windows_same_mentions():
    from ingest.dates import find_dates as slow
    from ingest.metadata import find_dates

    t = "\n".join(f"Signed at Hanoi on {1 + i % 28} March {1990 + i % 30}; ngày {1 + i % 27} tháng 5 năm 2001"
                  for i in range(600))
    assert [(d.start, d.end, d.value) for d in find_dates(t)] == [(d.start, d.end, d.value) for d in slow(t)]


@pytest.fixture
def messy_folder(tmp_path):
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    make_pdf(root / "good.pdf", ["Agreement between Viet Nam and Laos\n\nArticle 1\nText."])
    (root / "empty.pdf").write_bytes(b"")
    (root / "text.pdf").write_text("this is only text, named .pdf", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with zipfile.ZipFile(root / "sub" / "plain.zip", "w") as z:
        z.writestr("hello.txt", "hi")
    secret = tmp_path / "outside-secret.pdf"
    make_pdf(secret, ["SECRET outside the folder"])
    os.symlink(secret, root / "link.pdf")
    os.symlink(tmp_path, root / "linkdir")  # a link to a folder: not descended
    os.symlink(tmp_path / "missing.pdf", root / "dangling.pdf")
    (root / ".hidden.pdf").write_bytes(b"%PDF-1.4")
    return root


def test_folder_every_file_gets_a_line(messy_folder):
    got = [str(p.relative_to(messy_folder)) for p in iter_files([messy_folder])]
    assert got == ["dangling.pdf", "empty.pdf", "good.pdf", "image.png", "link.pdf", "linkdir", "text.pdf",
                   "sub/plain.zip"]
    errors = {str(p.relative_to(messy_folder)): to_json_line(extract_file(p))["error"]
              for p in iter_files([messy_folder])}
    assert errors["good.pdf"] is None
    assert errors["empty.pdf"] == "empty file (0 bytes)"
    for name in ("text.pdf", "image.png"):
        assert "not a PDF, DOCX, DOC or RTF file (detected from its content" in errors[name]
    assert "not a DOCX" in errors["sub/plain.zip"]
    for name in ("link.pdf", "linkdir", "dangling.pdf"):
        assert errors[name].startswith("symbolic link: not followed"), (name, errors[name])


def test_symlink_never_read(messy_folder):
    line = to_json_line(extract_file(messy_folder / "link.pdf"))
    assert line["status"] == "error" and line["sha256"] is None and line["chars"] == 0
    # a link named directly is the user's choice: it is read as the file it points to
    direct = list(iter_files([messy_folder / "link.pdf"]))
    assert direct == [(messy_folder.parent / "outside-secret.pdf").resolve()]


def test_cli_folder_dry_run_reports_every_file(env, messy_folder):
    from typer.testing import CliRunner

    from app.cli import cli

    r = CliRunner().invoke(cli, ["ingest", str(messy_folder), "--dry-run", "--json", "--workers", "1"])
    assert r.exit_code in (0, 1), r.output
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert {Path(d["file"]).name: d["status"] for d in lines} == {
        "dangling.pdf": "error", "empty.pdf": "error", "good.pdf": "ok", "image.png": "error", "link.pdf": "error",
        "linkdir": "error", "text.pdf": "error", "plain.zip": "error"}
