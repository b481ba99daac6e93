"""Charts for the reports: matplotlib's object API on the Agg canvas (no pyplot, no global backend switch, safe in
worker threads), PNG at 200 dpi, fonts that render Vietnamese (Liberation Serif — metric twin of Times New Roman —
else DejaVu Serif / DejaVu Sans, which ship with matplotlib). PNG metadata is fixed so equal data give equal bytes.
"""
from __future__ import annotations

import io
import threading
from functools import lru_cache
from typing import Sequence

DPI = 200
FONT_CANDIDATES = ("Liberation Serif", "DejaVu Serif", "DejaVu Sans")
BILATERAL_COLOR = "#1f4e79"
MULTILATERAL_COLOR = "#9dc3e6"


@lru_cache(maxsize=1)
def chart_fonts() -> list[str]:
    """Installed families among FONT_CANDIDATES, best first (DejaVu Sans is bundled with matplotlib)."""
    from matplotlib import font_manager

    found = []
    for name in FONT_CANDIDATES:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
            found.append(name)
        except Exception:
            continue
    return found or ["DejaVu Sans"]


def _figure(width_in: float, height_in: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.1,
                facecolor="white")
    return buf.getvalue()


_LOCK = threading.Lock()     # rc_context changes matplotlib's global rcParams: one chart at a time


def _rc():
    import matplotlib

    return matplotlib.rc_context({"font.family": chart_fonts(), "font.size": 10, "axes.titlesize": 11,
                                  "axes.spines.top": False, "axes.spines.right": False,
                                  "svg.fonttype": "none", "axes.unicode_minus": False})


def signed_per_year_png(years: Sequence[str], bilateral: Sequence[int], multilateral: Sequence[int], *,
                        title: str = "", labels: tuple[str, str] = ("Song phương", "Đa phương"),
                        ylabel: str = "Số văn kiện") -> bytes:
    """Stacked columns: instruments signed per year, bilateral below, multilateral on top, totals above."""
    return _per_year(tuple(years), tuple(bilateral), tuple(multilateral), title, tuple(labels), ylabel)


def top_partners_png(partners: Sequence[str], bilateral: Sequence[int], multilateral: Sequence[int], *,
                     title: str = "", labels: tuple[str, str] = ("Song phương", "Đa phương"),
                     xlabel: str = "Số văn kiện") -> bytes:
    """Horizontal stacked bars, the partner with most instruments on top."""
    return _top_partners(tuple(partners), tuple(bilateral), tuple(multilateral), title, tuple(labels), xlabel)


@lru_cache(maxsize=32)    # the DOCX and the XLSX of one report draw the same charts
def _per_year(years, bilateral, multilateral, title, labels, ylabel) -> bytes:
    from matplotlib.ticker import MaxNLocator

    with _LOCK, _rc():
        fig = _figure(7.0, 3.4)
        ax = fig.add_subplot(1, 1, 1)
        x = list(range(len(years)))
        ax.bar(x, bilateral, color=BILATERAL_COLOR, label=labels[0], width=0.65)
        ax.bar(x, multilateral, bottom=bilateral, color=MULTILATERAL_COLOR, label=labels[1], width=0.65)
        top = max((b + m for b, m in zip(bilateral, multilateral)), default=0)
        for xi, b, m in zip(x, bilateral, multilateral):
            if b + m:
                ax.text(xi, b + m + max(top * 0.01, 0.05), str(b + m), ha="center", va="bottom", fontsize=9)
        ax.set_xticks(x, list(years))
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, max(top * 1.15, 1))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", linewidth=0.4, alpha=0.5)
        ax.set_axisbelow(True)
        if title:
            ax.set_title(title)
        ax.legend(frameon=False, ncols=2, loc="upper left")
        return _png(fig)


@lru_cache(maxsize=32)
def _top_partners(partners, bilateral, multilateral, title, labels, xlabel) -> bytes:
    from matplotlib.ticker import MaxNLocator

    n = len(partners)
    with _LOCK, _rc():
        fig = _figure(7.0, max(1.6, 0.42 * n + 0.9))
        ax = fig.add_subplot(1, 1, 1)
        y = list(range(n))[::-1]
        ax.barh(y, bilateral, color=BILATERAL_COLOR, label=labels[0], height=0.6)
        ax.barh(y, multilateral, left=bilateral, color=MULTILATERAL_COLOR, label=labels[1], height=0.6)
        top = max((b + m for b, m in zip(bilateral, multilateral)), default=0)
        for yi, b, m in zip(y, bilateral, multilateral):
            ax.text(b + m + max(top * 0.01, 0.05), yi, str(b + m), va="center", fontsize=9)
        ax.set_yticks(y, [p if len(p) <= 40 else p[:38] + "…" for p in partners])
        ax.set_xlabel(xlabel)
        ax.set_xlim(0, max(top * 1.12, 1))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="x", linewidth=0.4, alpha=0.5)
        ax.set_axisbelow(True)
        if title:
            ax.set_title(title)
        ax.legend(frameon=False, ncols=2, loc="lower right")
        return _png(fig)
