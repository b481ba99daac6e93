"""Ingest benchmark: speed of the extraction pipeline, OCR throughput, and memory on a 500-page PDF.

    .venv/bin/python bench/ingest.py            # everything (about 3–5 minutes on 2 cores)
    .venv/bin/python bench/ingest.py --quick    # fewer repeats, no pdfplumber on UNCLOS, smaller OCR set

1. **Text-layer PDFs** of the shared corpus (en/fr BBNJ, UNCLOS, fish stocks, GA resolution 77/321, EVFTA
   protocol 1, the UNTS scan with OCR layer, the Viet Nam–China protocol scan with OCR layer):
   * ``pipeline`` — ``extract_file(path, ocr=False)``: pypdfium2 text, the per-page quality gate, legacy-font
     check, pdfplumber only where a page needs it, metadata (title, parties, dates, entry into force …) and the
     instrument split; PDFium loads pages on one thread while the gate judges the pages already read on the
     caller's, so its CPU time (both threads, also printed) exceeds its wall time;
   * ``raw`` — pypdfium2 alone: open, ``get_textpage().get_text_range()`` per page, close;
   * ``plumber`` — a pdfplumber-only pipeline: ``page.extract_text()`` per page, then the same metadata;
   * ``structure`` — ``ingest.structure.split`` of the text (done at storing time, not in ``extract_file``).
   Times are the best of ``--repeat`` runs (pipeline and raw alternate, so both see the same machine load);
   pdfplumber runs once. Goals: pipeline ≤ 1.5× raw; pipeline ≥ 30× faster than pdfplumber.
2. **OCR**: an image-only PDF made of ``--ocr-pages`` page images (rendered at 300 dpi from corpus pages, as a
   scan would be) read by the pipeline (``extract_file``: OCR of every page, pages in parallel, one
   single-threaded tesseract per core) against raw tesseract on the same page images (PNG files rendered
   beforehand, ``tesseract img stdout -l vie+eng``, one process per core, ``OMP_THREAD_LIMIT=1``).
   Best of 3 alternating runs each (and the median of the 3 rounds' ratios). Goal: pipeline time ≤ 1.1× raw.
   The same pages with one OCR worker show what reading pages in parallel gains.
3. **Memory**: peak RSS (``resource.getrusage`` in a child process) of ``extract_file`` on a 500-page text PDF,
   on a 50-page one (same pages), and of a child that only imports the modules; and on a 500-page image-only
   PDF with OCR limited to 4 pages (the other pages are read and judged, never rendered).

The last line printed is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CORPUS = Path(os.environ.get("TREATYDB_CORPUS", REPO.parent / "shared" / "corpus"))
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus")

TEXT_PDFS = [
    "un-bbnj-agreement-2023-en.pdf",
    "un-bbnj-agreement-2023-fr.pdf",
    "un-unclos-1982-en.pdf",
    "un-fish-stocks-agreement-1995-en.pdf",
    "un-ga-res-77-321-adopting-bbnj-en.pdf",
    "eu-vn-evfta-protocol1-rules-of-origin-en.pdf",
    "unts-cn-kr-dta-1994-articles11-12-scan-ocr.pdf",
    "vn-cn-nghi-dinh-thu-thuc-hien-hiep-dinh-van-tai-scan-ocr.pdf",
]
# pages rasterised into the OCR test scan: (corpus file, page indexes)
OCR_SOURCES = [
    ("cases/V01.pdf", [0]),
    ("pdf/vn-bct-cong-van-2265-2026-scan-image-only.pdf", [0, 1, 2]),
    ("cases/V03.pdf", [0, 1, 2, 3]),
    ("cases/A01.pdf", [0]),
    ("pdf/vn-sct-laocai-ke-hoach-1105-broken-tounicode.pdf", [0, 1, 2, 3]),
]


def log(*a) -> None:
    print(*a, flush=True)


# ---------------------------------------------------------------------------------------------------------
# 1. text-layer PDFs


def raw_pdfium(path: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    n = 0
    try:
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            n += len(tp.get_text_range())
            tp.close()
            page.close()
    finally:
        doc.close()
    return n


def plumber_pipeline(path: Path) -> int:
    import pdfplumber

    from ingest.metadata import extract_metadata

    with pdfplumber.open(str(path)) as pdf:
        text = "\n\n".join((p.extract_text() or "") for p in pdf.pages)
    extract_metadata(text)
    return len(text)


def bench_text(repeat: int, plumber: bool, plumber_skip: set[str]) -> dict:
    from ingest.extract import extract_file
    from ingest.pdf import extract_pdf
    from ingest.structure import split

    extract_file(CORPUS / "pdf" / TEXT_PDFS[4], ocr=False)  # imports and caches warmed up
    rows = []
    for name in TEXT_PDFS:
        path = CORPUS / "pdf" / name
        best_pipe = best_raw = best_pdf = float("inf")
        pipe_cpu = 0.0
        res = None
        for _ in range(repeat):
            t = time.perf_counter()
            raw_pdfium(path)
            best_raw = min(best_raw, time.perf_counter() - t)
            t, c = time.perf_counter(), time.process_time()
            res = extract_file(path, ocr=False)
            if time.perf_counter() - t < best_pipe:
                best_pipe, pipe_cpu = time.perf_counter() - t, time.process_time() - c
            t = time.perf_counter()
            extract_pdf(path, ocr=False)
            best_pdf = min(best_pdf, time.perf_counter() - t)
        t = time.perf_counter()
        st = split(res.text)
        t_struct = time.perf_counter() - t
        row = {"file": name, "pages": res.page_count, "chars": res.chars, "raw_s": round(best_raw, 4),
               "pipeline_s": round(best_pipe, 4), "pipeline_cpu_s": round(pipe_cpu, 4), "pdf_stage_s": round(best_pdf, 4),
               "metadata_s": round(max(0.0, best_pipe - best_pdf), 4), "structure_s": round(t_struct, 4),
               "articles": len(st.articles), "pipeline_vs_raw": round(best_pipe / best_raw, 2),
               "plumber_pages": sum(1 for p in res.pages if p.note and "pdfplumber" in p.note),
               "unusable_pages": sum(1 for p in res.pages if p.method == "none" and p.problem != "blank")}
        if plumber and name not in plumber_skip:
            t = time.perf_counter()
            plumber_pipeline(path)
            row["plumber_s"] = round(time.perf_counter() - t, 3)
            row["plumber_vs_pipeline"] = round(row["plumber_s"] / best_pipe, 1)
        rows.append(row)
        log(f"  {name[:46]:46} {row['pages']:4d} p  raw {best_raw:7.3f}s  pipeline {best_pipe:7.3f}s "
            f"(pdf {best_pdf:6.3f}s + metadata {row['metadata_s']:6.3f}s)  x{row['pipeline_vs_raw']:5.2f}"
            + (f"  pdfplumber {row['plumber_s']:7.2f}s (x{row['plumber_vs_pipeline']:.0f})" if "plumber_s" in row else "")
            + f"  structure {t_struct * 1000:5.1f} ms")
    tot_raw = sum(r["raw_s"] for r in rows)
    tot_pipe = sum(r["pipeline_s"] for r in rows)
    with_pl = [r for r in rows if "plumber_s" in r]
    tot_cpu = sum(r["pipeline_cpu_s"] for r in rows)
    out = {"files": rows, "raw_total_s": round(tot_raw, 3), "pipeline_total_s": round(tot_pipe, 3),
           "pipeline_vs_raw": round(tot_pipe / tot_raw, 2),
           # (CPU time of both threads: PDFium's page loading on one, the gate on the other)
           "pipeline_cpu_total_s": round(tot_cpu, 3), "pipeline_cpu_vs_raw": round(tot_cpu / tot_raw, 2),
           "pipeline_vs_raw_median_file": sorted(r["pipeline_vs_raw"] for r in rows)[len(rows) // 2],
           "structure_total_s": round(sum(r["structure_s"] for r in rows), 3)}
    no_plumber_pages = [r for r in rows if not r["plumber_pages"]]
    if no_plumber_pages:
        out["pipeline_vs_raw_without_pdfplumber_pages"] = round(
            sum(r["pipeline_s"] for r in no_plumber_pages) / sum(r["raw_s"] for r in no_plumber_pages), 2)
    if with_pl:
        out["plumber_total_s"] = round(sum(r["plumber_s"] for r in with_pl), 2)
        out["plumber_vs_pipeline"] = round(out["plumber_total_s"] / sum(r["pipeline_s"] for r in with_pl), 1)
    return out


# ---------------------------------------------------------------------------------------------------------
# 2. OCR


def _render(path: Path, index: int, dpi: int = 300):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[index]
        bm = page.render(scale=dpi / 72)
        img = bm.to_pil().convert("L")
        bm.close()
        page.close()
    finally:
        doc.close()
    return img


def make_scan_pdf(out: Path, n_pages: int) -> tuple[Path, list]:
    """An image-only PDF of ``n_pages`` page images (300 dpi greyscale, JPEG like a scanner) and the images."""
    images = []
    for rel, pages in OCR_SOURCES:
        for i in pages:
            if len(images) >= n_pages:
                break
            images.append(_render(CORPUS / rel, i))
    first, rest = images[0], images[1:]
    first.save(out, format="PDF", resolution=300.0, save_all=True, append_images=rest, quality=85)
    return out, images


def bench_ocr(n_pages: int, tmp: Path, rounds: int = 2) -> dict:
    from ingest.extract import extract_file
    from ingest.pdf import _tess_env, ocr_available, tesseract_languages

    if not ocr_available():
        return {"skipped": "tesseract not installed"}
    scan, _ = make_scan_pdf(tmp / "scan.pdf", n_pages)
    # the pages as the pipeline sees them (re-rendered from the scan PDF at 300 dpi), saved as PNG files
    pngs = []
    for i in range(n_pages):
        p = tmp / f"page-{i}.png"
        _render(scan, i).save(p, format="PNG")
        pngs.append(p)
    langs = "+".join(m for m in ("vie", "eng") if m in tesseract_languages())
    cores = os.cpu_count() or 1

    def raw_one(p: Path) -> None:
        subprocess.run(["tesseract", str(p), "stdout", "-l", langs, "--psm", "3"], capture_output=True,
                       env=_tess_env(), check=False)

    # raw and pipeline alternate, best of ``rounds`` each (the machine may be shared); the ratio of each round's
    # pair is reported too (their median is less moved by one lucky or unlucky run)
    raw_s = pipe_s = float("inf")
    res = None
    pairs: list[float] = []
    for _ in range(rounds):
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=cores) as ex:
            list(ex.map(raw_one, pngs))
        r = time.perf_counter() - t
        raw_s = min(raw_s, r)
        t = time.perf_counter()
        res = extract_file(scan, max_ocr_pages=n_pages)
        p = time.perf_counter() - t
        pipe_s = min(pipe_s, p)
        pairs.append(p / r)
    ocr_pages = sum(1 for p in res.pages if p.method == "ocr")
    # the same pages one at a time (what the pipeline did before pages were OCR'd in parallel)
    os.environ["TREATYDB_OCR_WORKERS"] = "1"
    try:
        t = time.perf_counter()
        serial = extract_file(scan, max_ocr_pages=n_pages)
        serial_s = time.perf_counter() - t
    finally:
        os.environ.pop("TREATYDB_OCR_WORKERS", None)
    out = {"pages": n_pages, "ocr_pages": ocr_pages, "cores": cores, "langs": langs,
           "raw_tesseract_s": round(raw_s, 2), "pipeline_s": round(pipe_s, 2),
           "pipeline_one_worker_s": round(serial_s, 2),
           "raw_pages_per_s": round(n_pages / raw_s, 3), "pipeline_pages_per_s": round(ocr_pages / pipe_s, 3),
           "pipeline_vs_raw": round(pipe_s / raw_s, 3),
           "pipeline_vs_raw_per_round": [round(x, 3) for x in pairs],
           "pipeline_vs_raw_median_round": round(statistics.median(pairs), 3),
           "parallel_speedup": round(serial_s / pipe_s, 2),
           "same_text_serial_parallel": serial.text == res.text,
           "mean_ocr_confidence": round(sum(p.ocr_confidence or 0 for p in res.pages) / max(1, ocr_pages), 3)}
    log(f"  {n_pages} scanned pages, {cores} cores: raw tesseract {raw_s:.2f}s ({out['raw_pages_per_s']:.2f} p/s), "
        f"pipeline {pipe_s:.2f}s ({out['pipeline_pages_per_s']:.2f} p/s) → x{out['pipeline_vs_raw']:.3f} "
        f"(median of rounds x{out['pipeline_vs_raw_median_round']:.3f}); "
        f"one worker {serial_s:.2f}s (parallel speed-up x{out['parallel_speedup']:.2f})")
    return out


# ---------------------------------------------------------------------------------------------------------
# 3. memory


def make_text_pdf(path: Path, pages: int) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 10)
        y = 800
        c.drawString(50, y, f"Article {n}")
        for k in range(45):
            y -= 16
            c.drawString(50, y, f"{k + 1}. Each Party shall, in accordance with paragraph {k} of Article {n}, take "
                                "the measures necessary to implement this Agreement.")
        c.showPage()
    c.save()
    return path


def make_image_pdf(path: Path, pages: int) -> Path:
    """``pages`` image-only pages (one scanned page image, drawn on every page)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = _render(CORPUS / "cases" / "V03.pdf", 0, dpi=150)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    reader = ImageReader(io.BytesIO(buf.getvalue()))
    c = canvas.Canvas(str(path), pagesize=A4)
    w, h = A4
    for _ in range(pages):
        c.drawImage(reader, 0, 0, width=w, height=h)
        c.showPage()
    c.save()
    return path


CHILD = r"""
import resource, sys, json, time
sys.path.insert(0, {repo!r})
from ingest.extract import extract_file
from ingest.structure import split
def hwm():
    for ln in open("/proc/self/status"):
        if ln.startswith("VmHWM:"):
            return round(int(ln.split()[1]) / 1024, 1)
mode, path = sys.argv[1], sys.argv[2]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hwm_before = hwm()
t = time.perf_counter()
out = {{}}
if mode != "imports":
    kw = {{"max_ocr_pages": int(sys.argv[3])}} if len(sys.argv) > 3 else {{}}
    r = extract_file(path, **kw)
    out = {{"status": r.status, "pages": r.page_count, "chars": r.chars,
           "ocr_pages": sum(1 for p in r.pages if p.method == "ocr"), "articles": len(split(r.text).articles)}}
out["seconds"] = round(time.perf_counter() - t, 2)
out["rss_before_mb"] = round(before / 1024, 1)
out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
out["vm_hwm_before_mb"] = hwm_before
out["vm_hwm_mb"] = hwm()
print(json.dumps(out))
"""


def child_rss(mode: str, path: Path | None, *extra: str) -> dict:
    code = CHILD.format(repo=str(REPO))
    p = subprocess.run([sys.executable, "-c", code, mode, str(path or ""), *extra], capture_output=True, text=True,
                       timeout=1800)
    if p.returncode != 0:
        return {"error": p.stderr[-500:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def bench_memory(tmp: Path, with_ocr: bool) -> dict:
    big = make_text_pdf(tmp / "text-500.pdf", 500)
    small = make_text_pdf(tmp / "text-50.pdf", 50)
    out = {"imports_only": child_rss("imports", None), "text_50_pages": child_rss("file", small),
           "text_500_pages": child_rss("file", big),
           "text_500_pdf_mb": round(big.stat().st_size / 2**20, 2)}
    log(f"  imports only: peak RSS {out['imports_only'].get('peak_rss_mb')} MB")
    log(f"  50-page text PDF: {out['text_50_pages']}")
    log(f"  500-page text PDF ({out['text_500_pdf_mb']} MB): {out['text_500_pages']}")
    if with_ocr:
        img = make_image_pdf(tmp / "image-500.pdf", 500)
        out["image_500_pages_ocr_4"] = child_rss("file", img, "4")
        out["image_500_pdf_mb"] = round(img.stat().st_size / 2**20, 2)
        log(f"  500-page image-only PDF ({out['image_500_pdf_mb']} MB), OCR limited to 4 pages: "
            f"{out['image_500_pages_ocr_4']}")
    return out


# ---------------------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--ocr-pages", type=int, default=None)
    ap.add_argument("--no-ocr", action="store_true")
    ap.add_argument("--only", choices=["memory", "text", "ocr"], help="run one part only")
    args = ap.parse_args()
    parts = {args.only} if args.only else {"memory", "text", "ocr"}
    if args.no_ocr:
        parts.discard("ocr")
    repeat = args.repeat or (2 if args.quick else 5)
    ocr_pages = args.ocr_pages or (4 if args.quick else 12)
    result: dict = {"machine": {"cores": os.cpu_count(), "load_avg": os.getloadavg()}}
    # memory first, while this process is small: a child's ru_maxrss starts from its parent's peak (Linux keeps
    # it across fork and exec); VmHWM (the child's own address space) is reported too
    if "memory" in parts:
        with tempfile.TemporaryDirectory(prefix="bench-ingest-mem-") as d:
            log("memory: peak RSS of a child process (run first, while this process is small)")
            result["memory"] = bench_memory(Path(d), with_ocr=not args.no_ocr)
    if "text" in parts:
        log(f"text-layer PDFs (best of {repeat}; pdfplumber once)")
        result["text"] = bench_text(repeat, plumber=True,
                                    plumber_skip={"un-unclos-1982-en.pdf"} if args.quick else set())
        t = result["text"]
        log(f"  total: raw {t['raw_total_s']}s, pipeline {t['pipeline_total_s']}s → x{t['pipeline_vs_raw']} "
            f"(goal ≤ 1.5; median file x{t['pipeline_vs_raw_median_file']}; CPU time of its two threads "
            f"x{t['pipeline_cpu_vs_raw']}); pdfplumber-only "
            f"{t.get('plumber_total_s')}s → pipeline {t.get('plumber_vs_pipeline')}x faster (goal ≥ 30)")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as d:
        tmp = Path(d)
        if "ocr" in parts:
            log("OCR")
            result["ocr"] = bench_ocr(ocr_pages, tmp, rounds=1 if args.quick else 3)
    result["machine"]["load_avg_end"] = os.getloadavg()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
