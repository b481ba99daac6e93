"""Search benchmark: tantivy backend vs raw tantivy vs a SQLite FTS5 baseline, and the HTTP path.

    .venv/bin/python bench/search.py                 # 10,000 instruments, then 100,000 (build, p95, memory, disk)
    .venv/bin/python bench/search.py --n 2000 --big 0 # quick run

A seeded generator makes realistic instruments (Vietnamese titles with transliterated party names,
number, parties, dates, 5–25 articles of legal prose).  Reported per engine: p50/p95/max in ms over
``--repeat`` runs of every query after warm-up.  "api" is ``GET /api/search`` over HTTP against
the app served by uvicorn (``app.main:create_app``, search worker on; timed once the worker's start-up check of
the index has finished, whose seconds are reported) on a SQLite database holding the same
instruments as public records: validation, backend, the database re-check of every hit, JSON — facets counted
anew on every call ("api_facets_cached": the same queries repeated, answered from the server's facet cache).
The last line printed is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.text import nfc  # noqa: E402
from search.protocol import SearchQuery  # noqa: E402
from search.tantivy_backend import TantivyBackend  # noqa: E402

PARTNERS = [
    ("KAZ", "Cộng hòa Ca-dắc-xtan"), ("LAO", "Cộng hòa dân chủ nhân dân Lào"), ("KHM", "Vương quốc Campuchia"),
    ("JPN", "Nhật Bản"), ("FRA", "Cộng hòa Pháp"), ("DEU", "Cộng hòa liên bang Đức"), ("RUS", "Liên bang Nga"),
    ("CHN", "Cộng hòa nhân dân Trung Hoa"), ("KOR", "Đại Hàn Dân Quốc"), ("USA", "Hợp chúng quốc Hoa Kỳ"),
    ("IND", "Cộng hòa Ấn Độ"), ("UZB", "Cộng hòa U-dơ-bê-ki-xtan"), ("BLR", "Cộng hòa Bê-la-rút"),
    ("ROU", "Ru-ma-ni"), ("PHL", "Cộng hòa Phi-líp-pin"), ("AUS", "Ô-xtrây-li-a"), ("CUB", "Cộng hòa Cu-ba"),
    ("MNG", "Mông Cổ"), ("THA", "Vương quốc Thái Lan"), ("EU", "Liên minh châu Âu"),
]
SUBJECTS = [
    "miễn thị thực cho người mang hộ chiếu ngoại giao", "khuyến khích và bảo hộ đầu tư", "tránh đánh thuế hai lần",
    "hợp tác nghề cá", "vận tải đường bộ quốc tế", "hợp tác văn hóa", "tương trợ tư pháp về hình sự",
    "dẫn độ", "chuyển giao người bị kết án phạt tù", "hợp tác giáo dục và đào tạo", "hợp tác y tế",
    "hàng không dân dụng", "hợp tác quốc phòng", "thương mại hàng hóa", "hợp tác khoa học và công nghệ",
    "bảo vệ môi trường", "hợp tác lao động", "phòng chống ma túy", "hợp tác trong lĩnh vực du lịch",
    "công nhận lẫn nhau văn bằng", "hợp tác hải quan", "vận tải biển", "hợp tác nông nghiệp", "bưu chính",
]
TYPES = [("treaty", "hiệp định"), ("treaty", "nghị định thư"), ("treaty", "công ước"), ("agreement", "bản ghi nhớ"),
         ("agreement", "thỏa thuận"), ("agreement", "chương trình hợp tác")]
PHRASES = (
    "các Bên ký kết|trên cơ sở bình đẳng và cùng có lợi|phù hợp với pháp luật của mỗi Bên|cơ quan có thẩm quyền|"
    "trong phạm vi lãnh thổ|Ủy ban hỗn hợp|thông báo bằng văn bản qua đường ngoại giao|hoàn tất thủ tục pháp lý nội bộ|"
    "có hiệu lực kể từ ngày|sửa đổi, bổ sung|giải quyết tranh chấp thông qua thương lượng|bảo đảm quyền và lợi ích hợp pháp|"
    "công dân của mỗi Bên|hộ chiếu còn giá trị|thời hạn tạm trú|nhập cảnh, xuất cảnh và quá cảnh|nhà đầu tư của Bên kia|"
    "đối xử công bằng và thỏa đáng|trưng thu, quốc hữu hóa|chuyển vốn và lợi nhuận ra nước ngoài|thuế thu nhập|"
    "cơ sở thường trú|tàu cá|vùng đặc quyền kinh tế|phương tiện vận tải|giấy phép lái xe|di sản văn hóa|"
    "trao đổi đoàn|học bổng|bệnh truyền nhiễm|dược phẩm|người bị kết án|yêu cầu tương trợ|tội phạm xuyên quốc gia|"
    "chất ma túy và tiền chất|an ninh hàng không|chứng chỉ đủ điều kiện bay|quy tắc xuất xứ|hàng rào kỹ thuật|"
    "biện pháp vệ sinh dịch tễ|sở hữu trí tuệ|chuyển giao công nghệ|biến đổi khí hậu|đa dạng sinh học|"
    "người lao động|bảo hiểm xã hội|đào tạo nghề|kiểm dịch động vật|an toàn thực phẩm|điều kiện thuận lợi|"
    "chi phí do Bên cử đoàn chịu|ngôn ngữ làm việc|bản tiếng Việt và bản tiếng Anh có giá trị như nhau|"
    "trường hợp có sự giải thích khác nhau|Đà Nẵng|Hải Phòng|Thành phố Hồ Chí Minh|đường biên giới|cửa khẩu"
).split("|")
FILLER = "và của cho với trong theo về được các những này đó khi nếu thì mà để do bởi tại từ đến".split()
ACRONYMS = ["EVFTA", "CPTPP", "RCEP", "UKVFTA", "AANZFTA", "VJEPA", "VKFTA", "EAEU"]


def sentence(rnd: random.Random, n: int) -> str:
    out = []
    while len(out) < n:
        out.extend(rnd.choice(PHRASES).split() if rnd.random() < 0.55 else [rnd.choice(FILLER)])
    s = " ".join(out[:n])
    return s[0].upper() + s[1:] + "."


def make_instrument(i: int, rnd: random.Random) -> dict:
    code, name = rnd.choice(PARTNERS)
    family, itype = rnd.choice(TYPES)
    subject = rnd.choice(SUBJECTS)
    gov = rnd.choice(["Chính phủ", "Nhà nước"]) if family == "treaty" else None
    title = (f"{itype.capitalize()} giữa {gov or 'Bộ Ngoại giao'} nước Cộng hòa xã hội chủ nghĩa Việt Nam và "
             f"{gov or 'cơ quan có thẩm quyền của'} {name} về {subject}")
    signed = date(1955, 1, 1) + timedelta(days=rnd.randrange(0, 25000))
    eif = signed + timedelta(days=rnd.randrange(30, 900)) if rnd.random() < 0.9 else None
    n_art = rnd.randint(5, 25)
    articles = [{"label": f"Điều {k}", "heading": sentence(rnd, 4)[:-1] if rnd.random() < 0.6 else None,
                 "text": " ".join(sentence(rnd, rnd.randint(12, 30)) for _ in range(rnd.randint(2, 6)))}
                for k in range(1, n_art + 1)]
    return {
        "id": f"i{i}", "instrument_id": i, "family": family, "title": nfc(title),
        "titles_other": [f"Agreement between Viet Nam and {code} on {subject[:20]}"] if rnd.random() < 0.3 else [],
        "instrument_type": itype,
        "number": f"{rnd.randint(1, 300)}/{signed.year}/{rnd.choice(['QH13', 'NĐ-CP', 'TB-LPQT', 'QĐ-TTg'])}"
        if rnd.random() < 0.5 else None,
        "danh_nghia": gov, "signatory_level": None if gov else rnd.choice(["Bộ", "Tỉnh", "Cơ quan trung ương"]),
        "field": subject.split()[0], "bilateral": True, "parties": [code, "VNM"], "party_names": [name, "Việt Nam"],
        "party_aliases": [], "acronyms": [rnd.choice(ACRONYMS)] if rnd.random() < 0.02 else [],
        "signed_date": signed.isoformat(), "signed_year": signed.year,
        "eif_date": eif.isoformat() if eif else None, "status": "in_force", "articles": articles, "text": "",
    }


def corpus(n: int, seed: int = 42):
    rnd = random.Random(seed)
    for i in range(1, n + 1):
        yield make_instrument(i, rnd)


QUERIES: list[tuple[str, dict]] = [
    ("hiệp định thương mại", {}), ("hiep dinh thuong mai", {}), ("Ca-dắc-xtan", {}), ("cadacxtan", {}),
    ("Kazakhstan", {}), ("miễn thị thực", {}), ("mien thi thuc", {}), ('"hoàn tất thủ tục pháp lý nội bộ"', {}),
    ("đầu tư", {}), ("dẫn độ", {}), ("thuong mia", {}), ("tuong tro tu phap", {}), ("hộ chiếu ngoại gi", {}),
    ("12/2016/QH13", {}), ("EVFTA", {}),
    ("hàng không", {"filters": {"family": "treaty"}, "date_ranges": {"signed": ("2000", "2015")}}),
    ("", {"filters": {"party": ["KAZ", "VNM"]}, "sort": "signed_desc"}),
    ("hợp tác", {"facets": ["family", "instrument_type", "party", "year", "field"]}),
]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1)))))
    return xs[k]


def timing(fn, queries, repeat: int) -> dict:
    for q in queries:  # warm-up
        fn(q)
    times = []
    for _ in range(repeat):
        for q in queries:
            t = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(statistics.median(times), 3), "p95_ms": round(pct(times, 95), 3),
            "max_ms": round(max(times), 3), "n": len(times)}


def dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def build_tantivy(path: Path, n: int) -> tuple[TantivyBackend, float]:
    b = TantivyBackend(path)
    t = time.perf_counter()
    b.rebuild(corpus(n))
    return b, time.perf_counter() - t


# ----------------------------------------------------------------------------------- raw tantivy


def raw_tantivy_fn(b: TantivyBackend):
    """The least a query can do on the same index: parse_query over the folded fields, top 20 + count."""
    idx = b._idx()
    fields = ["title_f", "parties_f", "acr_f", "meta_f", "body_f"]
    an = b._fold

    def run(item):
        q, _ = item
        folded = " ".join(an.analyze(q)) or "*"
        query, _errs = idx.parse_query_lenient(folded, fields) if folded != "*" else (None, None)
        from tantivy import Query
        res = idx.searcher().search(query or Query.all_query(), 20, count=True)
        return res.count
    return run


def raw_equivalent_fn(b: TantivyBackend):
    """tantivy doing the same engine work as the backend (the backend's own query objects, top 20 + count,
    the facet aggregation, the stored documents of the page) — everything but Python parsing and highlighting."""
    from search.query import parse
    prepared = {}
    for q, kw in QUERIES:
        sq = SearchQuery(q=q, **kw).validated()
        full = b._combine(b._text_query(parse(q, b._fold_token)), b._filters(sq))
        aggs = {f: {"terms": {"field": f, "size": 500}} for f in sq.facets}
        prepared[q] = (full, aggs)

    def run(item):
        full, aggs = prepared[item[0]]
        se = b._idx().searcher()
        res = se.search(full, 20, count=True)
        se.aggregate(full, aggs)
        for _, addr in res.hits:
            se.doc(addr)
        return res.count
    return run


# ----------------------------------------------------------------------------------- FTS5 baseline

_D = str.maketrans({"đ": "d", "Đ": "D"})


def build_fts(path: Path, n: int) -> tuple[sqlite3.Connection, float]:
    con = sqlite3.connect(path)
    t = time.perf_counter()
    con.executescript("""
        CREATE TABLE inst(id INTEGER PRIMARY KEY, title TEXT, body TEXT, family TEXT, signed_year INT);
        CREATE VIRTUAL TABLE fts USING fts5(title, body, content='inst', content_rowid='id',
                                            tokenize='unicode61 remove_diacritics 2');
    """)
    rows = []
    for d in corpus(n):
        body = "\n".join(f"{a['label']} {a.get('heading') or ''} {a['text']}" for a in d["articles"])
        rows.append((d["instrument_id"], d["title"], body, d["family"], d["signed_year"]))
        if len(rows) >= 2000:
            _fts_insert(con, rows)
            rows = []
    if rows:
        _fts_insert(con, rows)
    con.commit()
    return con, time.perf_counter() - t


def _fts_insert(con, rows):
    con.executemany("INSERT INTO inst VALUES (?,?,?,?,?)", rows)
    con.executemany("INSERT INTO fts(rowid, title, body) VALUES (?,?,?)",
                    [(r[0], r[1].translate(_D), r[2].translate(_D)) for r in rows])


def fts_fn(con: sqlite3.Connection):
    tok = re.compile(r"[^\W_]+")

    def run(item):
        q, _ = item
        terms = [t.translate(_D) for t in tok.findall(q)]
        if not terms:
            return con.execute("SELECT count(*) FROM inst").fetchone()
        match = " ".join(f'"{t}"' for t in terms)
        cnt = con.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()[0]
        top = con.execute("SELECT rowid, bm25(fts, 3.0, 1.0) AS s FROM fts WHERE fts MATCH ? ORDER BY s LIMIT 20",
                          (match,)).fetchall()
        return cnt, top
    return run


# ----------------------------------------------------------------------------------- API path


def _free_port() -> int:
    import socket

    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def setup_api(data: Path, n: int, index_from: Path | None = None) -> float:
    """A real deployment of the embedded defaults in ``data``: the SQLite database (migrated by ``init_db``)
    holding the ``n`` generated instruments as public records (confirmed, unclassified, published, signed and
    entered into force), and the tantivy index of the same instruments where the app looks for it. Returns the
    seconds it took."""
    import os

    t = time.perf_counter()
    os.environ["TREATYDB_DATA_DIR"] = str(data)
    os.environ.pop("TREATYDB_DATABASE_URL", None)
    from sqlalchemy import insert

    from core.db import get_engine, init_db, reset_engine
    from core.models import Instrument, InstrumentEvent, InstrumentParty
    from core.settings import get_settings

    get_settings.cache_clear()
    reset_engine()  # (an engine of an earlier run may still point at a removed database file)
    init_db()
    engine = get_engine()
    inst_rows, ev_rows, party_rows = [], [], []
    for d in corpus(n):
        signed = date.fromisoformat(d["signed_date"])
        eif = date.fromisoformat(d["eif_date"]) if d["eif_date"] else signed + timedelta(days=30)
        inst_rows.append({"id": d["instrument_id"], "family": d["family"], "title": d["title"], "titles": {},
                          "instrument_type": d["instrument_type"], "number": d["number"],
                          "danh_nghia": d["danh_nghia"], "signatory_level": d["signatory_level"],
                          "bilateral": True, "field": d["field"], "signed_date": signed, "authentic_languages": [],
                          "classification": "none", "publish": True, "is_draft_text": False,
                          "record_state": "confirmed", "source": "import", "version": 1})
        ev_rows.append({"instrument_id": d["instrument_id"], "type": "signed", "date": signed})
        ev_rows.append({"instrument_id": d["instrument_id"], "type": "entered_into_force", "date": eif})
        for pos, (code, name) in enumerate(zip(d["parties"], d["party_names"])):
            party_rows.append({"instrument_id": d["instrument_id"], "position": pos, "code": code, "name": name,
                               "kind": "state"})
    with engine.begin() as con:
        for model, rows in ((Instrument, inst_rows), (InstrumentEvent, ev_rows), (InstrumentParty, party_rows)):
            for k in range(0, len(rows), 2000):
                con.execute(insert(model.__table__), rows[k:k + 2000])
    search_dir = get_settings().search_dir
    if index_from is not None:  # the index already built for the backend timings: moved, not rebuilt
        shutil.rmtree(search_dir, ignore_errors=True)
        shutil.move(str(index_from), str(search_dir))
    else:
        b = TantivyBackend(str(search_dir))
        b.rebuild(corpus(n))
        b.close()
    reset_engine()
    get_settings.cache_clear()
    return time.perf_counter() - t


class ApiServer:
    """``uvicorn app.main:create_app`` (one worker process, the search worker thread on, as ``treatydb serve``
    runs it) on a free port, with the data directory of :func:`setup_api`."""

    def __init__(self, data: Path):
        import os

        self.port = _free_port()
        env = dict(os.environ, TREATYDB_DATA_DIR=str(data), TREATYDB_REGISTRAR_TOKEN="bench-token")
        env.pop("TREATYDB_DATABASE_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
            cwd=REPO, env=env)
        import httpx

        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        deadline = time.time() + 600
        self.worker_check: dict | None = None
        while True:
            try:
                r = self.client.get("/api/health")
                # steady state: the search worker has finished its start-up check of the index against the
                # database (seconds of work at 100,000 records, done in small steps, that slows searches while
                # it runs); its duration is reported as ``worker_check``
                worker = r.json().get("search_worker") if r.status_code == 200 else None
                if r.status_code == 200 and (worker is None or worker.get("checked")):
                    self.worker_check = (worker or {}).get("last_check")
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.2)

    def close(self) -> None:
        self.client.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def api_fn(server: ApiServer, cold: bool = True):
    """``GET /api/search`` over HTTP (keep-alive) against the running app: router, validation, the backend,
    the database re-check of every hit (``search.service.public_search``) and the JSON response. ``cold``: each
    call carries a different ``signed_from`` before every generated date (1900-01-01 plus a counter), so the
    server's facet cache (per query and index version) never answers — every call counts its facets anew."""
    client = server.client
    counter = iter(range(10**9))
    checked: set[str] = set()

    def run(item):
        q, kw = item
        params: list[tuple[str, str]] = [("q", q)]
        for k, v in (kw.get("filters") or {}).items():
            for x in (v if isinstance(v, list) else [v]):
                params.append((k, str(x)))
        rng = (kw.get("date_ranges") or {}).get("signed")
        if rng:
            params += [("signed_from", f"{rng[0]}-01-01"), ("signed_to", f"{rng[1]}-12-31")]
        elif cold:
            params.append(("signed_from", (date(1900, 1, 1) + timedelta(days=next(counter) % 20000)).isoformat()))
        if kw.get("sort"):
            params.append(("sort", kw["sort"]))
        r = client.get("/api/search", params=params)  # the timed part ends when the whole response has arrived
        assert r.status_code == 200, r.text
        if q not in checked:  # (the client's JSON parsing is not the server's latency: checked once per query)
            body = r.json()
            assert len(body["hits"]) == min(20, body["total"]), "the database re-check dropped hits"
            checked.add(q)
        return len(r.content)
    return run


def backend_fn(b: TantivyBackend, cold: bool = True):
    """The backend's search; ``cold`` clears its facet cache first (as if every query were new)."""
    def run(item):
        q, kw = item
        if cold:
            b._facet_cache.clear()
        return b.search(SearchQuery(q=q, **kw)).total
    return run


def rss_probe(path: Path, repeat: int) -> dict:
    """Open the index in a fresh process, run every query, report RSS before/after (MB)."""
    script = f"""
import json, sys
sys.path.insert(0, {str(REPO)!r})
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) / 1024
from search.protocol import SearchQuery
from search.tantivy_backend import TantivyBackend
import bench.search as bs
before = rss()
b = TantivyBackend({str(path)!r})
b.count()
opened = rss()
for _ in range({repeat}):
    for q, kw in bs.QUERIES:
        b.search(SearchQuery(q=q, **kw))
after = rss()
print(json.dumps({{"rss_before_mb": round(before, 1), "rss_open_mb": round(opened, 1), "rss_after_queries_mb": round(after, 1)}}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--big", type=int, default=100_000, help="0 to skip the large run")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="treatydb-bench-"))
    out: dict = {"n": args.n, "queries": len(QUERIES), "repeat": args.repeat}
    try:
        b, build_s = build_tantivy(tmp / "tantivy", args.n)
        out["tantivy_build_s"] = round(build_s, 2)
        out["tantivy_disk_mb"] = round(dir_size(tmp / "tantivy") / 1e6, 1)
        print(f"tantivy: built {args.n} in {build_s:.1f} s, {out['tantivy_disk_mb']} MB", flush=True)
        out["backend"] = timing(backend_fn(b), QUERIES, args.repeat)
        out["backend_facets_cached"] = timing(backend_fn(b, cold=False), QUERIES, args.repeat)
        out["raw_tantivy"] = timing(raw_tantivy_fn(b), QUERIES, args.repeat)
        out["raw_equivalent"] = timing(raw_equivalent_fn(b), QUERIES, args.repeat)
        per_query = {}
        fn = backend_fn(b)
        for item in QUERIES:
            per_query[item[0] or "<empty>"] = timing(fn, [item], max(3, args.repeat // 2))["p50_ms"]
        out["backend_p50_per_query_ms"] = per_query
        b.close()
        out["memory_n"] = rss_probe(tmp / "tantivy", 3)
        out["api_setup_s"] = round(setup_api(tmp / "api", args.n, index_from=tmp / "tantivy"), 1)
        server = ApiServer(tmp / "api")
        try:
            out["api_worker_start_check"] = server.worker_check
            out["api"] = timing(api_fn(server), QUERIES, args.repeat)
            out["api_facets_cached"] = timing(api_fn(server, cold=False), QUERIES, args.repeat)
        finally:
            server.close()
        out["api_vs_raw_p95"] = round(out["api"]["p95_ms"] / max(out["raw_tantivy"]["p95_ms"], 1e-6), 2)
        out["api_vs_raw_equivalent_p95"] = round(
            out["api"]["p95_ms"] / max(out["raw_equivalent"]["p95_ms"], 1e-6), 2)
        print(f"backend {out['backend']}\nraw     {out['raw_tantivy']}\nraw_eq  {out['raw_equivalent']}\n"
              f"api     {out['api']}\napi (facets cached) {out['api_facets_cached']}", flush=True)
        con, fts_s = build_fts(tmp / "fts.sqlite3", args.n)
        out["fts5_build_s"] = round(fts_s, 2)
        out["fts5_disk_mb"] = round((tmp / "fts.sqlite3").stat().st_size / 1e6, 1)
        out["fts5"] = timing(fts_fn(con), QUERIES, max(3, args.repeat // 4))
        con.close()
        print(f"fts5    {out['fts5']} (build {fts_s:.1f} s)", flush=True)
        if args.big:
            shutil.rmtree(tmp / "tantivy", ignore_errors=True)
            gc.collect()
            bb, big_s = build_tantivy(tmp / "big", args.big)
            out["big"] = {"n": args.big, "build_s": round(big_s, 1),
                          "disk_mb": round(dir_size(tmp / "big") / 1e6, 1)}
            print(f"big: built {args.big} in {big_s:.1f} s, {out['big']['disk_mb']} MB", flush=True)
            out["big"]["backend"] = timing(backend_fn(bb), QUERIES, max(3, args.repeat // 4))
            out["big"]["raw_equivalent"] = timing(raw_equivalent_fn(bb), QUERIES, max(3, args.repeat // 4))
            out["big"]["raw_tantivy"] = timing(raw_tantivy_fn(bb), QUERIES, max(3, args.repeat // 4))
            bb.close()
            out["big"]["memory"] = rss_probe(tmp / "big", 1)
            print(f"big backend {out['big']['backend']}\nbig raw_eq  {out['big']['raw_equivalent']}\n"
                  f"big memory  {out['big']['memory']}", flush=True)
            shutil.rmtree(tmp / "api", ignore_errors=True)
            out["big"]["api_setup_s"] = round(setup_api(tmp / "api", args.big, index_from=tmp / "big"), 1)
            server = ApiServer(tmp / "api")
            try:
                out["big"]["api_worker_start_check"] = server.worker_check
                out["big"]["api"] = timing(api_fn(server), QUERIES, max(3, args.repeat // 4))
            finally:
                server.close()
            print(f"big api     {out['big']['api']}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            out["dir"] = str(tmp)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
