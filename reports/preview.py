"""DOCX → PDF with LibreOffice headless, one fresh user profile per call (two conversions sharing a profile
fail with rc=1 and no output), a timeout, and a check that the PDF exists."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

# at most two LibreOffice processes at a time (≈216 MB each, 2 cores)
_SLOTS = threading.BoundedSemaphore(2)


class PreviewError(RuntimeError):
    """The PDF could not be produced (LibreOffice missing, timed out, failed or wrote nothing)."""


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        p = shutil.which(name)
        if p:
            return p
    return None


def docx_to_pdf(docx: str | Path, out_dir: str | Path, timeout: float = 120) -> Path:
    """Convert ``docx`` into ``out_dir/<stem>.pdf`` and return its path."""
    docx = Path(docx).resolve()
    if not docx.is_file():
        raise PreviewError(f"{docx} does not exist")
    soffice = find_soffice()
    if soffice is None:
        raise PreviewError("LibreOffice is not installed: 'soffice' is not on PATH "
                           "(Debian: apt-get install libreoffice-writer-nogui)")
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (docx.stem + ".pdf")
    if target.exists():
        target.unlink()
    with _SLOTS, tempfile.TemporaryDirectory(prefix="treatydb-lo-") as profile:
        cmd = [soffice, "--headless", "--norestore", "--nolockcheck", "--nodefault",
               f"-env:UserInstallation={Path(profile).as_uri()}",
               "--convert-to", "pdf", "--outdir", str(out_dir), str(docx)]
        env = {**os.environ, "HOME": profile}
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)   # the process group this call started
            except ProcessLookupError:  # pragma: no cover
                pass
            proc.communicate()
            raise PreviewError(f"LibreOffice did not convert {docx.name} within {timeout:g} s") from None
    if proc.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        msg = (err or out or b"").decode("utf-8", "replace").strip()[-500:]
        raise PreviewError(f"LibreOffice failed to convert {docx.name} (rc={proc.returncode}); "
                           f"no PDF at {target}. {msg}")
    return target


def pdf_page_count(pdf: str | Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return len(doc)
    finally:
        doc.close()


def pdf_page_text(pdf: str | Path, index: int) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[index]
        tp = page.get_textpage()
        try:
            return tp.get_text_range()
        finally:
            tp.close()
            page.close()
    finally:
        doc.close()
