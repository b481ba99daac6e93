"""core.parties and the committed tables in core/refdata."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pycountry
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _paths import CORPUS, REFDATA  # noqa: E402

from core import parties  # noqa: E402
from core.parties import (  # noqa: E402
    PartyMatch,
    all_parties,
    is_known_code,
    party_info,
    party_names,
    region_info,
    region_of,
    resolve_party,
    scan_parties,
    short_name_vi,
)
from core.refdata import HERE as REFDATA_PKG  # noqa: E402
from core.refdata import build, read_table  # noqa: E402

# ---------------------------------------------------------------------------------------------
# spelling → code

SPELLINGS = [
    # codes
    ("KAZ", "KAZ"), ("KZ", "KAZ"), ("kaz", "KAZ"), ("VNM", "VNM"), ("VN", "VNM"), ("ECU", "ECU"),
    ("EC", "EC"),  # an organisation code wins over ISO alpha-2 (Ecuador is "ECU")
    # transliteration variants (hyphens, joined, spaced, no marks, English)
    ("Ca-dắc-xtan", "KAZ"), ("Cadắcxtan", "KAZ"), ("Ca dắc xtan", "KAZ"), ("cadacxtan", "KAZ"),
    ("CA-DẮC-XTAN", "KAZ"), ("Kazakhstan", "KAZ"), ("Cộng hòa Kadắcxtan", "KAZ"),
    ("Chính phủ nước Cộng hòa Ca-dắc-xtan", "KAZ"),
    ("Ô-xtơ-rây-li-a", "AUS"), ("Ôxtrâylia", "AUS"), ("o xto ray li a", "AUS"), ("Úc", "AUS"),
    ("Australia", "AUS"), ("Chính phủ Ô-xtơ-rây-li-a", "AUS"),
    ("Xây-sen", "SYC"), ("Cộng hòa Xây-sen", "SYC"), ("Seychelles", "SYC"),
    ("Cam-pu-chia", "KHM"), ("Campuchia", "KHM"), ("Cambodia", "KHM"), ("Vương quốc Cam-pu-chia", "KHM"),
    ("the Kingdom of Cambodia", "KHM"),
    ("Hung-ga-ri", "HUN"), ("Hungary", "HUN"), ("Bun-ga-ri", "BGR"), ("Bungari", "BGR"), ("Bulgaria", "BGR"),
    # English official / formal forms, prefixes
    ("United States of America", "USA"), ("Hoa Kỳ", "USA"), ("Mỹ", "USA"), ("Hợp chủng quốc Hoa Kỳ", "USA"),
    ("Trung Hoa", "CHN"), ("Trung Quốc", "CHN"), ("Cộng hòa nhân dân Trung Hoa", "CHN"),
    ("Cộng hoà Nhân dân Trung Hoa", "CHN"), ("the People's Republic of China", "CHN"),
    ("Đan Mạch", "DNK"), ("Chính phủ Vương Quốc Đan Mạch", "DNK"),
    ("Hà Lan", "NLD"), ("the Netherlands", "NLD"), ("Kingdom of the Netherlands", "NLD"),
    ("Government of the Kingdom of the Netherlands", "NLD"),
    ("Nhật Bản", "JPN"), ("Government of Japan", "JPN"),
    ("Lào", "LAO"), ("Laos", "LAO"), ("Lao People's Democratic Republic", "LAO"),
    ("Cộng hòa Dân chủ Nhân dân Lào", "LAO"),
    ("Viet Nam", "VNM"), ("Vietnam", "VNM"), ("Việt Nam", "VNM"), ("Socialist Republic of Viet Nam", "VNM"),
    ("Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam", "VNM"), ("Nhà nước Cộng hòa xã hội chủ nghĩa Việt Nam", "VNM"),
    ("Brunei Darussalam", "BRN"), ("Bru-nây", "BRN"),
    ("the Union of Myanmar", "MMR"), ("Liên bang Mi-an-ma", "MMR"), ("Myanmar", "MMR"),
    ("Cộng hòa Liên bang Đức", "DEU"), ("CH Liên bang Đức", "DEU"), ("Federal Republic of Germany", "DEU"),
    ("Liên hiệp Vương quốc Anh và Bắc Ai-len", "GBR"), ("United Kingdom", "GBR"),
    ("Liên bang Nga", "RUS"), ("Russian Federation", "RUS"),
    ("Đại Hàn Dân Quốc", "KOR"), ("CH Hàn Quốc", "KOR"), ("the Republic of Korea", "KOR"),
    ("Nhà nước đa dân tộc Bô-li-vi-a", "BOL"), ("Cộng hòa A-rập Ai-cập", "EGY"),
    ("Vương quốc Ả-rập Xê-út", "SAU"), ("Công quốc Lít-ten-xơ-tên", "LIE"),
    # bodies of a State → the State
    ("Tòa án tối cao nước Cộng hòa Hungary", "HUN"),
    ("Tòa án nhân dân tối cao nước Cộng hòa xã hội chủ nghĩa Việt Nam", "VNM"),
    ("Ủy ban nhân dân tỉnh Lai Châu, nước Cộng hòa xã hội chủ nghĩa Việt Nam", "VNM"),
    ("Hội đồng thành phố Kazanlak, tỉnh Stara Zagora nước Cộng hòa Bungari", "BGR"),
    ("China Association for Science & Technique (CAST)", "CHN"),
    ("Vietnam Union of S&T Associations (VUSTA)", "VNM"),
    ("Embassy of Japan in Viet Nam", "JPN"),
    ("Ministry of Foreign Affairs of the Republic of Singapore", "SGP"),
    # organisations
    ("Liên minh châu Âu", "EU"), ("European Union", "EU"), ("ASEAN", "ASEAN"),
    ("Association of Southeast Asian Nations", "ASEAN"), ("Hiệp hội các quốc gia Đông Nam Á", "ASEAN"),
    ("Liên hợp quốc", "UN"), ("Liên Hiệp Quốc", "UN"), ("LHQ", "UN"), ("United Nations", "UN"),
    ("Quỹ Nhi đồng Liên hợp quốc", "UNICEF"), ("UNICEF", "UNICEF"),
    ("United Nations Development Programme (UNDP)", "UNDP"),
    ("World Health Organization", "WHO"), ("WHO", "WHO"), ("Tổ chức Y tế Thế giới", "WHO"),
    ("ILO", "ILO"), ("WIPO", "WIPO"), ("IMO", "IMO"), ("ICAO", "ICAO"), ("UNFPA", "UNFPA"),
    ("AIIB", "AIIB"), ("Mekong River Commission", "MRC"), ("Ủy hội sông Mê Công quốc tế", "MRC"),
    ("Liên minh Kinh tế Á-Âu", "EAEU"), ("Asian Development Bank", "ADB"), ("Ngân hàng Thế giới", "WB"),
    ("Cộng đồng châu Âu", "EC"),
]


@pytest.mark.parametrize("name,code", SPELLINGS)
def test_resolve_party_spellings(name: str, code: str) -> None:
    m = resolve_party(name)
    assert m is not None, name
    assert m.code == code, (name, m)


def test_enough_spellings() -> None:
    assert len(SPELLINGS) >= 40


FALSE_FRIENDS = [
    ("Cộng hòa Dân chủ Nhân dân Lào", "LAO"),
    ("Cộng hòa Dân chủ Công-gô", "COD"), ("Cộng hòa Dân chủ Cônggô", "COD"),
    ("Democratic Republic of the Congo", "COD"), ("the Democratic Republic of the Congo", "COD"),
    ("Cộng hòa Công-gô", "COG"), ("Republic of the Congo", "COG"), ("Congo", "COG"),
    ("Niger", "NER"), ("Republic of the Niger", "NER"), ("Nigeria", "NGA"), ("Federal Republic of Nigeria", "NGA"),
    ("Guinea", "GIN"), ("Republic of Guinea", "GIN"), ("Guinea-Bissau", "GNB"), ("Guinea Bissau", "GNB"),
    ("Equatorial Guinea", "GNQ"), ("Papua New Guinea", "PNG"),
    ("Dominica", "DMA"), ("Commonwealth of Dominica", "DMA"), ("Dominican Republic", "DOM"),
    ("Sudan", "SDN"), ("South Sudan", "SSD"), ("Nam Sudan", "SSD"), ("Government of South Sudan", "SSD"),
    ("Hàn Quốc", "KOR"), ("Triều Tiên", "PRK"), ("Cộng hòa Dân chủ Nhân dân Triều Tiên", "PRK"),
    ("Democratic People's Republic of Korea", "PRK"), ("Government of the Democratic People's Republic of Korea", "PRK"),
    ("South Korea", "KOR"), ("North Korea", "PRK"),
    ("Austria", "AUT"), ("Australia", "AUS"), ("Áo", "AUT"),
    ("Nam Phi", "ZAF"), ("Cộng hòa Nam Phi", "ZAF"),
]


@pytest.mark.parametrize("name,code", FALSE_FRIENDS)
def test_false_friends(name: str, code: str) -> None:
    m = resolve_party(name)
    assert m is not None and m.code == code, (name, m)


@pytest.mark.parametrize("name", [
    "", "   ", "Foo Bar", "the", "Bộ Tư pháp", "Ủy ban nhân dân tỉnh Lào Cai", "Lào Cai",
    "Nam", "Thủ Đức", "Đại học Quốc gia Hà Nội", "Government of", "Chính phủ nước",
    "ZZZ", "XX", "Atlantis", "Republic", "Cộng hòa",
])
def test_unknown_names(name: str) -> None:
    assert resolve_party(name) is None


def test_transliteration_triples_agree() -> None:
    triples = [
        ("Ca-dắc-xtan", "Cadắcxtan", "Ca dắc xtan", "cadacxtan", "Kazakhstan"),
        ("Cam-pu-chia", "Campuchia", "Cam pu chia", "campuchia", "Cambodia"),
        ("Bun-ga-ri", "Bungari", "Bun ga ri", "bungari", "Bulgaria"),
        ("Xinh-ga-po", "Xinhgapo", "Xinh ga po", "xinhgapo", "Singapore"),
        ("In-đô-nê-xi-a", "Inđônêxia", "In đô nê xi a", "indonexia", "Indonesia"),
    ]
    for group in triples:
        codes = {resolve_party(s).code for s in group}  # type: ignore[union-attr]
        assert len(codes) == 1, (group, codes)


def test_tone_mark_placement_and_case() -> None:
    assert resolve_party("Cộng hoà Dân chủ Nhân dân Lào").code == "LAO"  # type: ignore[union-attr]
    assert resolve_party("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").code == "VNM"  # type: ignore[union-attr]
    assert resolve_party("Thuỵ Sĩ").code == "CHE"  # type: ignore[union-attr]
    assert resolve_party("Liên bang Thụy Sỹ").code == "CHE"  # type: ignore[union-attr]


def test_labelled_corpus_parties(corpus: Path) -> None:
    n = 0
    for line in (corpus / "cases" / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        for p in case["parties"]:
            m = resolve_party(p["name"])
            assert m is not None and m.code == p["code"], (case["file"], p, m)
            n += 1
    assert n >= 20


def test_labelled_corpus_titles(corpus: Path) -> None:
    """Every party named in a title is found by scan_parties (V04's title names only Viet Nam)."""
    for line in (corpus / "cases" / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        found = [m.code for m in scan_parties(case["title"])]
        assert len(found) == len(set(found))
        expected = {p["code"] for p in case["parties"]}
        if case["file"] == "V04.docx":
            assert found == ["VNM"]
        elif case["file"] == "V05.docx":  # the title names ASEAN, not its ten members
            assert found == ["ASEAN", "CHN"]
        else:
            assert set(found) == expected, (case["file"], found)


def test_match_fields() -> None:
    m = resolve_party("Chính phủ nước Cộng hòa nhân dân Trung Hoa")
    assert isinstance(m, PartyMatch)
    assert m.code == "CHN" and m.kind == "state" and m.name_en == "China"
    assert m.name_vi == "Cộng hòa Nhân dân Trung Hoa"
    assert m.matched_text == "Cộng hòa nhân dân Trung Hoa"
    o = resolve_party("Liên minh châu Âu")
    assert o is not None and o.kind == "organisation" and o.name_en == "European Union"
    cast = resolve_party("China Association for Science & Technique (CAST)")
    assert cast is not None and cast.kind == "state" and cast.matched_text == "China"
    with pytest.raises(AttributeError):
        m.code = "X"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# scan_parties


def codes(text: str) -> list[str]:
    return [m.code for m in scan_parties(text)]


def test_scan_titles() -> None:
    assert codes("Hiệp định giữa Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam và Chính phủ nước "
                 "Cộng hòa Ca-dắc-xtan về miễn thị thực cho người mang hộ chiếu phổ thông") == ["VNM", "KAZ"]
    assert codes("Thỏa thuận giữa Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam và Chính phủ "
                 "Ô-xtơ-rây-li-a về chương trình lao động kết hợp kỳ nghỉ") == ["VNM", "AUS"]
    assert codes("Hiệp định Thương mại biên giới giữa Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam "
                 "và Chính phủ Vương quốc Cam-pu-chia") == ["VNM", "KHM"]
    assert codes("Agreement between the Government of the Socialist Republic of Viet Nam and the "
                 "Government of the Republic of Seychelles") == ["VNM", "SYC"]


def test_scan_matched_text_is_span_as_written() -> None:
    ms = scan_parties("HIỆP ĐỊNH GIỮA CHÍNH PHỦ NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM VÀ CHÍNH PHỦ VƯƠNG QUỐC ĐAN MẠCH")
    assert [(m.code, m.matched_text) for m in ms] == [
        ("VNM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), ("DNK", "VƯƠNG QUỐC ĐAN MẠCH")]
    ms = scan_parties("giữa Việt Nam và Cadắcxtan")
    assert [(m.code, m.matched_text) for m in ms] == [("VNM", "Việt Nam"), ("KAZ", "Cadắcxtan")]


def test_scan_order_and_distinct() -> None:
    assert codes("Việt Nam – Lào – Việt Nam – Campuchia – Lào") == ["VNM", "LAO", "KHM"]


def test_scan_viet_nam_forms_and_nam() -> None:
    for t in ("Việt Nam và Nam Phi", "Viet Nam and South Africa", "Vietnam and South Africa"):
        assert codes(t) == ["VNM", "ZAF"], t
    assert codes("tỉnh Hà Nam và tỉnh Quảng Nam") == []
    assert codes("Việt Nam") == ["VNM"]
    assert codes("Hợp tác Việt Nam - Nam Sudan") == ["VNM", "SSD"]


def test_scan_word_boundaries() -> None:
    assert codes("Nigeria and Niger") == ["NGA", "NER"]
    assert codes("Guinea-Bissau, Equatorial Guinea and Guinea") == ["GNB", "GNQ", "GIN"]
    assert codes("the Dominican Republic and Dominica") == ["DOM", "DMA"]
    assert codes("Omanis in Romania") == ["ROU"]  # no "Oman" inside "Omanis", nor "Oman" in "Romania"
    assert codes("Indiana") == []
    assert codes("Chinatown") == []


def test_scan_common_words_are_not_parties() -> None:
    assert codes("Bộ Tư pháp và Bộ Ngoại giao phối hợp với Ủy ban nhân dân tỉnh Lào Cai") == []
    assert codes("Ông Nguyễn Minh Đức và bà Trần Thị Nga ký tại Thủ Đức") == []
    assert codes("Hiến pháp năm 2013; ba lần; áo dài; đạo đức") == []
    assert codes("BIÊN BẢN GHI NHỚ VỀ HỢP TÁC TƯ PHÁP") == []
    assert codes("My Government has the honour") == []
    assert codes("Persons who travel") == []


def test_resolve_bodies_named_with_short_country_names() -> None:
    assert resolve_party("Bộ Ngoại giao Pháp").code == "FRA"  # type: ignore[union-attr]
    assert resolve_party("Đại sứ quán Nhật").code == "JPN"  # type: ignore[union-attr]
    assert resolve_party("Bộ Tư Pháp") is None
    assert resolve_party("BỘ TƯ PHÁP") is None
    assert codes("Đại sứ quán Pháp và Đại sứ quán Nhật Bản tại Hà Nội; pháp luật; Pháp luật; Bộ Tư Pháp") == ["FRA", "JPN"]


def test_scan_short_names_in_party_context() -> None:
    assert codes("Hợp tác giữa Việt Nam và Pháp, Đức, Anh") == ["VNM", "FRA", "DEU", "GBR"]
    assert codes("Chính phủ nước Cộng hòa Pháp") == ["FRA"]
    assert codes("Việt Nam - Đức") == ["VNM", "DEU"]
    assert codes("Hiệp định giữa Việt Nam và Lào về hợp tác") == ["VNM", "LAO"]
    assert codes("Government of Chad") == ["TCD"]


def test_scan_marks_must_fit_when_written() -> None:
    # "nhất" and "nhật" fold alike; the marks as written must be those of a known spelling
    assert codes("Hai Bên thống nhất Bản ghi nhớ hợp tác") == []
    assert codes("Nhật Bản và Thuỵ Sỹ, Thụy Sĩ, Cộng hoà Pháp") == ["JPN", "CHE", "FRA"]
    assert codes("Nhat Ban va Viet Nam") == ["JPN", "VNM"]  # no marks at all: accepted
    # long names tolerate OCR mark errors
    assert codes("Chính phủ nước Cộng hoà xã hôi chủ nghĩa Việt Nam") == ["VNM"]


def test_scan_full_corpus_texts(corpus: Path) -> None:
    docx = pytest.importorskip("docx")
    labels = {}
    for line in (corpus / "cases" / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        labels[case["file"]] = {p["code"] for p in case["parties"]}
    for f in sorted((corpus / "cases").glob("*.docx")):
        text = "\n".join(p.text for p in docx.Document(str(f)).paragraphs)
        found = codes(text)
        assert labels[f.name] <= set(found), (f.name, found)
        if f.name.startswith("A"):  # short agreements name only their two parties
            assert set(found) == labels[f.name], (f.name, found)


def test_scan_organisations() -> None:
    assert codes("Agreement between ASEAN and the People's Republic of China") == ["ASEAN", "CHN"]
    assert codes("Hiệp định khung giữa Việt Nam và Liên minh châu Âu") == ["VNM", "EU"]
    assert codes("Thỏa thuận với Quỹ Nhi đồng Liên hợp quốc (UNICEF)") == ["UNICEF"]
    assert codes("Memorandum between the WHO and Viet Nam") == ["WHO", "VNM"]


def test_scan_empty() -> None:
    assert scan_parties("") == []
    assert scan_parties("Điều 1. Phạm vi áp dụng") == []


# ---------------------------------------------------------------------------------------------
# lookups


def test_party_names_and_info() -> None:
    names = party_names("KAZ")
    for n in ("Kazakhstan", "Ca-dắc-xtan", "Cộng hòa Kadắcxtan", "Republic of Kazakhstan"):
        assert n in names
    assert "KAZ" not in names and "KZ" not in names
    assert {"KAZ", "KZ"} <= set(party_names("KAZ", include_codes=True))
    assert "NAM" not in party_names("NAM") and "Namibia" in party_names("NAM")
    assert short_name_vi("CHN") == "Trung Quốc" and short_name_vi("ASEAN") == "Hiệp hội các quốc gia Đông Nam Á"
    assert "Liên Hiệp Quốc" in party_names("UN") and "LHQ" in party_names("UN")
    assert party_names("ZZZ") == []
    assert party_info("KZ").code == "KAZ"  # type: ignore[union-attr]
    assert party_info("VNM").name_vi == "Cộng hòa xã hội chủ nghĩa Việt Nam"  # type: ignore[union-attr]
    assert party_info("ASEAN").kind == "organisation"  # type: ignore[union-attr]
    assert party_info("nope") is None
    assert is_known_code("VNM") and is_known_code("ASEAN") and is_known_code("WHO")
    assert not is_known_code("ZZZ") and not is_known_code("")


def test_all_parties_cover_iso() -> None:
    allp = all_parties()
    states = {p.code for p in allp if p.kind == "state"}
    assert states == {c.alpha_3 for c in pycountry.countries}
    orgs = {p.code for p in allp if p.kind == "organisation"}
    assert {"UN", "ASEAN", "EU", "WHO", "ILO", "WIPO", "IMO", "ICAO", "UNICEF", "UNFPA", "AIIB", "MRC"} <= orgs


def test_every_alias_resolves_to_its_code() -> None:
    """Every spelling in aliases.csv resolves back to its own code (no shadowing)."""
    bad = []
    for a in read_table("aliases.csv"):
        if (a["alias"], a["code"]) == ("EC", "ECU"):  # deliberate: "EC" = European Community
            continue
        m = resolve_party(a["alias"])
        if m is None or m.code != a["code"]:
            bad.append((a["alias"], a["code"], m and m.code))
    assert not bad, bad


def test_regions() -> None:
    assert region_of("VNM") == "Đông Nam Á"
    assert region_of("VNM", "en") == "South-eastern Asia"
    assert region_of("KZ") == "Trung Á"
    assert region_of("HUN", "en") == "Eastern Europe"
    assert region_of("AUS") == "Úc và New Zealand"
    assert region_of("BRA", "en") == "South America"
    assert region_of("ASEAN") is None and region_of("ZZZ") is None
    r = region_info("JPN")
    assert r is not None and r.continent_vi == "Châu Á" and r.subregion_en == "Eastern Asia"
    missing = [c.alpha_3 for c in pycountry.countries if region_of(c.alpha_3) is None]
    assert not missing, missing


def test_speed() -> None:
    resolve_party.cache_clear()
    names = [n for n, _ in SPELLINGS]
    t = time.perf_counter()
    for n in names:
        parties.resolve_party.__wrapped__(n)
    per_call = (time.perf_counter() - t) / len(names)
    assert per_call < 0.001, per_call  # uncached, well under a millisecond
    t = time.perf_counter()
    for _ in range(1000):
        resolve_party("Chính phủ nước Cộng hòa nhân dân Trung Hoa")
    assert (time.perf_counter() - t) / 1000 < 20e-6


# ---------------------------------------------------------------------------------------------
# the committed tables


def test_tables_ship_with_the_package() -> None:
    for name in ("countries.csv", "organisations.csv", "agencies.csv", "aliases.csv"):
        assert (REFDATA_PKG / name).is_file()
    rows = read_table("countries.csv")
    assert len(rows) == 249 and all(r["sources"] for r in rows)
    assert all(r["sources"] for r in read_table("organisations.csv"))
    assert all(r["source"] for r in read_table("agencies.csv"))
    aliases = read_table("aliases.csv")
    assert list(aliases[0]) == ["alias", "code", "kind", "source"]
    assert all(a["source"] for a in aliases)
    myanmar = [a for a in aliases if a["alias"] == "the Union of Myanmar"]
    assert myanmar and myanmar[0]["code"] == "MMR" and myanmar[0]["source"].startswith("corpus: cases/V05")
    who = [a for a in aliases if a["alias"] == "World Health Organization"][0]
    assert "unconfirmed" in who["source"]


def test_runtime_code_does_not_read_shared() -> None:
    for mod in ("parties.py", "agencies.py", "dates.py", "refdata/__init__.py"):
        src = (Path(parties.__file__).parent / mod).read_text(encoding="utf-8")
        assert "-vi.csv" not in src and "/work/" not in src, mod


def test_rebuild_matches_committed_files() -> None:
    if not (REFDATA / "countries-vi.csv").exists():
        pytest.skip(f"shared refdata not found at {REFDATA}")
    built = build.build_tables(REFDATA)
    for name, text in built.items():
        assert (REFDATA_PKG / name).read_text(encoding="utf-8") == text, f"{name} is out of date: run python -m core.refdata.build"


def test_former_states_through_pycountry():
    """ISO 3166-3 former states are valid treaty parties (pycountry's historic table)."""
    from core.parties import is_known_code, party_info, resolve_party

    assert party_info("SUN").name_en.startswith("USSR") and is_known_code("YUG") and is_known_code("CSK")
    assert resolve_party("Serbia and Montenegro").code == "SCG"  # not the tail "Montenegro"
    assert resolve_party("German Democratic Republic").code == "DDR"
    assert resolve_party("East Timor").code == "TLS"  # a name of a current state stays current
    assert not is_known_code("ZZZ") and resolve_party("Atlantis") is None
