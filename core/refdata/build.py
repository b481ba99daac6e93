"""Build the product's reference tables from the research tables in ``shared/refdata``.

Run from the repository root::

    python -m core.refdata.build [--shared PATH] [--out DIR] [--check]

Reads ``countries-vi.csv``, ``organisations-vi.csv`` and ``agencies-vi.csv`` and writes, next to
this file, the tables the product reads at run time (users have no ``shared`` folder):

- ``countries.csv``     iso3, iso2, name_en, name_vi_common, name_vi_formal, name_vi_treaty_forms, sources
- ``organisations.csv`` code, name_en, name_vi, acronym_vi, sources  (+ the hand-added rows below)
- ``agencies.csv``      name_vi, kind, valid_from, valid_to, successor_of, basis, source
- ``aliases.csv``       alias, code, kind, source: one row per spelling → code. ``kind`` says what the
  spelling is (iso3, iso2, name_en, name_vi_common, name_vi_formal, treaty_form, org_code,
  org_name_en, org_name_vi, acronym_vi, hand). Hand-added spellings carry a source note saying
  where they were seen, or that they are unconfirmed.

The output is deterministic (sorted, ``\\n`` line ends), so rebuilding gives byte-identical files;
``tests/core/test_parties.py`` checks that.  ``--check`` exits 1 if the committed files differ.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_SHARED = REPO.parent / "shared" / "refdata"

COUNTRY_COLS = ["iso3", "iso2", "name_en", "name_vi_common", "name_vi_formal", "name_vi_treaty_forms", "sources"]
ORG_COLS = ["code", "name_en", "name_vi", "acronym_vi", "sources"]
AGENCY_COLS = ["name_vi", "kind", "valid_from", "valid_to", "successor_of", "basis", "source"]
ALIAS_COLS = ["alias", "code", "kind", "source"]

UNCONFIRMED_VI = "well-known name, unconfirmed Vietnamese form"
UNCONFIRMED = "well-known name, unconfirmed (no source read)"

# Organisations that treaties often name but the research table does not hold yet.
# (code, name_en, name_vi, acronym_vi, sources). The Vietnamese forms are the ones in general use,
# but no source was read for them: the sources column says so.  Replace with sourced rows when found.
EXTRA_ORGS: list[tuple[str, str, str, str, str]] = [
    ("WHO", "World Health Organization", "Tổ chức Y tế Thế giới", "", UNCONFIRMED_VI),
    ("ILO", "International Labour Organization", "Tổ chức Lao động Quốc tế", "", UNCONFIRMED_VI),
    ("WIPO", "World Intellectual Property Organization", "Tổ chức Sở hữu trí tuệ Thế giới", "", UNCONFIRMED_VI),
    ("IMO", "International Maritime Organization", "Tổ chức Hàng hải Quốc tế", "", UNCONFIRMED_VI),
    ("ICAO", "International Civil Aviation Organization", "Tổ chức Hàng không dân dụng quốc tế", "", UNCONFIRMED_VI),
    ("UNFPA", "United Nations Population Fund", "Quỹ Dân số Liên hợp quốc", "", UNCONFIRMED_VI),
    ("AIIB", "Asian Infrastructure Investment Bank", "Ngân hàng Đầu tư Cơ sở hạ tầng châu Á", "", UNCONFIRMED_VI),
    ("MRC", "Mekong River Commission", "Ủy hội sông Mê Công quốc tế", "", UNCONFIRMED_VI),
    ("IFAD", "International Fund for Agricultural Development", "Quỹ Quốc tế về Phát triển Nông nghiệp", "", UNCONFIRMED_VI),
    ("UNIDO", "United Nations Industrial Development Organization", "Tổ chức Phát triển Công nghiệp Liên hợp quốc", "", UNCONFIRMED_VI),
    ("ITU", "International Telecommunication Union", "Liên minh Viễn thông Quốc tế", "", UNCONFIRMED_VI),
    ("WMO", "World Meteorological Organization", "Tổ chức Khí tượng Thế giới", "", UNCONFIRMED_VI),
    ("OIF", "Organisation internationale de la Francophonie", "Tổ chức Quốc tế Pháp ngữ", "", UNCONFIRMED_VI),
    ("IPU", "Inter-Parliamentary Union", "Liên minh Nghị viện Thế giới", "", UNCONFIRMED_VI),
    ("UNEP", "United Nations Environment Programme", "Chương trình Môi trường Liên hợp quốc", "", UNCONFIRMED_VI),
    ("UNODC", "United Nations Office on Drugs and Crime", "Cơ quan Phòng chống Ma túy và Tội phạm Liên hợp quốc", "", UNCONFIRMED_VI),
    ("UNWOMEN", "UN Women (United Nations Entity for Gender Equality and the Empowerment of Women)", "", "", UNCONFIRMED),
    ("INTERPOL", "International Criminal Police Organization", "Tổ chức Cảnh sát Hình sự Quốc tế", "", UNCONFIRMED_VI),
    ("GCF", "Green Climate Fund", "Quỹ Khí hậu Xanh", "", UNCONFIRMED_VI),
    ("GEF", "Global Environment Facility", "Quỹ Môi trường Toàn cầu", "", UNCONFIRMED_VI),
    ("OPEC Fund", "OPEC Fund for International Development", "", "", UNCONFIRMED),
    ("NDB", "New Development Bank", "", "", UNCONFIRMED),
    ("KfW", "KfW Development Bank (Kreditanstalt für Wiederaufbau)", "", "", UNCONFIRMED),
    ("JICA", "Japan International Cooperation Agency", "Cơ quan Hợp tác Quốc tế Nhật Bản", "", UNCONFIRMED_VI),
    ("KOICA", "Korea International Cooperation Agency", "Cơ quan Hợp tác Quốc tế Hàn Quốc", "", UNCONFIRMED_VI),
    ("AFD", "Agence française de développement", "Cơ quan Phát triển Pháp", "", UNCONFIRMED_VI),
    ("MERCOSUR", "Southern Common Market (Mercado Común del Sur)", "Khối Thị trường chung Nam Mỹ", "", UNCONFIRMED_VI),
    ("CARICOM", "Caribbean Community", "Cộng đồng Caribe", "", UNCONFIRMED_VI),
]

_CORPUS = "corpus: cases/"
_LABELS = "corpus: cases/labels.jsonl"
_TCVN = "TCVN 7217-3:2013 style (joined transliteration), hand-added"
_HAND_VI = "common Vietnamese usage, hand-added; unconfirmed"
_HAND_EN = "common English usage, hand-added"

# Extra spellings: (alias, code, source note).  Only spellings not already produced from the tables
# need to be here; duplicates are dropped by the builder.
HAND_ALIASES: list[tuple[str, str, str]] = [
    # --- spellings seen in the labelled corpus ---
    ("the Union of Myanmar", "MMR", _CORPUS + "V05.docx"),
    ("Union of Myanmar", "MMR", _CORPUS + "V05.docx"),
    ("the People’s Republic of China", "CHN", _CORPUS + "V05.docx"),
    ("Cộng hòa nhân dân Trung Hoa", "CHN", _CORPUS + "V01.docx"),
    ("Vương Quốc Đan Mạch", "DNK", _CORPUS + "V02.docx"),
    ("Kingdom of the Netherlands", "NLD", _CORPUS + "V03.docx"),
    ("the Netherlands", "NLD", _CORPUS + "V03.docx"),
    ("Socialist Republic of Vietnam", "VNM", _CORPUS + "V03.docx"),
    ("Cộng hòa Hungary", "HUN", _CORPUS + "A01.docx"),
    ("Cộng hòa Bungari", "BGR", _CORPUS + "A02.docx"),
    ("Bungari", "BGR", _CORPUS + "A02.docx"),
    ("Cambodia", "KHM", _CORPUS + "V06.docx"),
    ("Laos", "LAO", _CORPUS + "V06.docx"),
    ("Vietnam", "VNM", _CORPUS + "V06.docx"),
    # --- names seen in the GPTAD dataset (corpus/metadata/gptad-trade-agreements.csv) ---
    ("European Community", "EC", "corpus: metadata/gptad-trade-agreements.csv"),
    ("European Communities", "EC", "corpus: metadata/gptad-trade-agreements.csv"),
    ("Zaire", "COD", "corpus: metadata/gptad-trade-agreements.csv (former name, 1971-1997)"),
    ("Tchad", "TCD", "corpus: metadata/gptad-trade-agreements.csv (French form)"),
    ("Libyan Arab Jamahiriya", "LBY", "corpus: metadata/gptad-trade-agreements.csv (former name)"),
    ("Kyrgyz", "KGZ", "corpus: metadata/gptad-trade-agreements.csv"),
    ("Kyrgyz Republic", "KGZ", "corpus: metadata/gptad-trade-agreements.csv"),
    # --- the brief's list and common forms ---
    ("Mỹ", "USA", _HAND_VI),
    ("Hoa Kỳ", "USA", _HAND_VI),
    ("United States of America", "USA", _HAND_EN),
    ("the United States", "USA", _HAND_EN),
    ("U.S.A.", "USA", _HAND_EN),
    ("Trung Hoa", "CHN", _HAND_VI),
    ("Trung Quốc", "CHN", _HAND_VI),
    ("Cộng hòa Nhân dân Trung Hoa", "CHN", _HAND_VI),
    ("PRC", "CHN", _HAND_EN),
    ("Hungary", "HUN", _HAND_VI),
    ("Hung-ga-ri", "HUN", _HAND_VI),
    ("Bun-ga-ri", "BGR", _HAND_VI),
    ("Đan Mạch", "DNK", _HAND_VI),
    ("Hà Lan", "NLD", _HAND_VI),
    ("Holland", "NLD", _HAND_EN),
    ("Nhật Bản", "JPN", _HAND_VI),
    ("Nhật", "JPN", _HAND_VI),
    ("Lào", "LAO", _HAND_VI),
    ("Lao PDR", "LAO", _HAND_EN),
    ("Lao People’s Democratic Republic", "LAO", _HAND_EN),
    ("Cam-pu-chia", "KHM", _HAND_VI),
    ("Campuchia", "KHM", _HAND_VI),
    ("Căm-pu-chia", "KHM", _HAND_VI),
    ("Viet Nam", "VNM", _HAND_EN),
    ("Việt Nam", "VNM", _HAND_VI),
    ("Socialist Republic of Viet Nam", "VNM", _HAND_EN),
    ("CHXHCN Việt Nam", "VNM", _HAND_VI),
    ("Brunei Darussalam", "BRN", _HAND_EN),
    ("Nhà nước Bru-nây Đa-rút-xa-lam", "BRN", _HAND_VI),
    ("Bru-nây Đa-rút-xa-lam", "BRN", _HAND_VI),
    ("Liên minh châu Âu", "EU", _HAND_VI),
    ("European Union", "EU", _HAND_EN),
    ("ASEAN", "ASEAN", _HAND_EN),
    ("Association of Southeast Asian Nations", "ASEAN", _HAND_EN),
    ("Association of South East Asian Nations", "ASEAN", _HAND_EN),
    ("Hiệp hội các nước Đông Nam Á", "ASEAN", _HAND_VI),
    ("Ủy ban sông Mê Công", "MRC", UNCONFIRMED_VI),
    ("Mekong Committee", "MRC", _CORPUS + "V06.docx (1962 Mekong Committee, predecessor of the MRC)"),
    ("Liên Hiệp Quốc", "UN", _HAND_VI),
    ("UNO", "UN", _HAND_EN),
    ("United Nations Organization", "UN", _HAND_EN),
    ("European Commission", "EU", _HAND_EN + " (the Commission signs for the EU)"),
    ("Ủy ban châu Âu", "EU", _HAND_VI + " (the Commission signs for the EU)"),
    ("Ngân hàng Thế giới", "WB", _HAND_VI),
    ("International Bank for Reconstruction and Development", "WB", _HAND_EN + " (IBRD, World Bank Group)"),
    ("IBRD", "WB", _HAND_EN + " (World Bank Group)"),
    ("International Development Association", "WB", _HAND_EN + " (IDA, World Bank Group)"),
    ("Hiệp hội Phát triển Quốc tế", "WB", UNCONFIRMED_VI + " (IDA, World Bank Group)"),
    ("UN Women", "UNWOMEN", _HAND_EN),
    ("Eurasian Economic Union", "EAEU", _HAND_EN),
    ("EAEU", "EAEU", _HAND_EN),
    ("EEU", "EAEU", _HAND_EN),
    ("Liên minh Kinh tế Á Âu", "EAEU", _HAND_VI),
    # --- treaty transliterations named in the brief / domain.md §7.2 ---
    ("Ca-dắc-xtan", "KAZ", "docs/domain.md §7.2 (MOFA notice title)"),
    ("Cộng hòa Ca-dắc-xtan", "KAZ", "docs/domain.md §7.2 (MOFA notice title)"),
    ("Ô-xtơ-rây-li-a", "AUS", "docs/domain.md §7.2 (MOFA notice title)"),
    ("Xây-sen", "SYC", "docs/domain.md §7.2"),
    ("Cộng hòa Xây-sen", "SYC", "docs/domain.md §7.2"),
    ("Vương quốc Cam-pu-chia", "KHM", "docs/domain.md §7.2"),
    ("Mông Cổ", "MNG", "docs/domain.md §7.2"),
    # --- refdata README: wanted spellings (candidates, unconfirmed) ---
    ("Ma-lai-xi-a", "MYS", _HAND_VI),
    ("Phi-líp-pin", "PHL", _HAND_VI),
    ("Mi-an-ma", "MMR", _HAND_VI),
    ("Miến Điện", "MMR", _HAND_VI),
    ("Burma", "MMR", _HAND_EN),
    ("U-dơ-bê-ki-xtan", "UZB", _HAND_VI),
    ("Niu Di-lân", "NZL", _HAND_VI),
    ("Ca-na-đa", "CAN", _HAND_VI),
    ("Cô-oét", "KWT", _HAND_VI),
    ("Ca-ta", "QAT", _HAND_VI),
    ("Ô-man", "OMN", _HAND_VI),
    ("I-xra-en", "ISR", _HAND_VI),
    ("An-giê-ri", "DZA", _HAND_VI),
    ("Ma-rốc", "MAR", _HAND_VI),
    ("Xri Lan-ca", "LKA", _HAND_VI),
    ("Băng-la-đét", "BGD", _HAND_VI),
    ("Pa-ki-xtan", "PAK", _HAND_VI),
    ("Thổ Nhĩ Kỳ", "TUR", _HAND_VI),
    ("Turkey", "TUR", _HAND_EN),
    ("Triều Tiên", "PRK", _HAND_VI),
    ("Cộng hòa Dân chủ Nhân dân Triều Tiên", "PRK", _HAND_VI),
    ("CHDCND Triều Tiên", "PRK", _HAND_VI),
    ("DPRK", "PRK", _HAND_EN),
    ("Xéc-bi-a", "SRB", _HAND_VI),
    ("Ru-ma-ni", "ROU", _HAND_VI),
    ("Xlô-va-ki-a", "SVK", _HAND_VI),
    ("Mê-hi-cô", "MEX", _HAND_VI),
    ("Pê-ru", "PER", _HAND_VI),
    ("Vê-nê-xu-ê-la", "VEN", _HAND_VI),
    ("U-ru-goay", "URY", _HAND_VI),
    ("In-đô-nê-xi-a", "IDN", _HAND_VI),
    ("Xinh-ga-po", "SGP", _HAND_VI),
    ("Thái Lan", "THA", _HAND_VI),
    ("Ấn Độ", "IND", _HAND_VI),
    ("Hàn Quốc", "KOR", _HAND_VI),
    ("Đại Hàn Dân Quốc", "KOR", _HAND_VI),
    ("Republic of Korea", "KOR", _HAND_EN),
    ("Korea", "KOR", _HAND_EN + ": a bare 'Korea' denotes the Republic of Korea; the DPRK is always named in full"),
    ("Democratic People's Republic of Korea", "PRK", _HAND_EN),
    ("Nga", "RUS", _HAND_VI),
    ("Liên Xô", "RUS", _HAND_VI + " (USSR; the Russian Federation is its continuator state)"),
    ("Liên bang Cộng hòa xã hội chủ nghĩa Xô viết", "RUS", _HAND_VI + " (USSR; continuator state)"),
    ("Union of Soviet Socialist Republics", "RUS", _HAND_EN + " (USSR; continuator state)"),
    ("USSR", "RUS", _HAND_EN + " (continuator state)"),
    ("Pháp", "FRA", _HAND_VI),
    ("Đức", "DEU", _HAND_VI),
    ("Anh", "GBR", _HAND_VI),
    ("Vương quốc Liên hiệp Anh và Bắc Ai-len", "GBR", _HAND_VI),
    ("Great Britain", "GBR", _HAND_EN),
    ("UK", "GBR", _HAND_EN),
    ("Ý", "ITA", _HAND_VI),
    ("I-ta-li-a", "ITA", _HAND_VI),
    ("Italia", "ITA", _HAND_VI),
    ("Úc", "AUS", _HAND_VI),
    ("Thụy Sĩ", "CHE", _HAND_VI),
    ("Thụy Sỹ", "CHE", _HAND_VI),
    ("Áo", "AUT", _HAND_VI),
    ("Bỉ", "BEL", _HAND_VI),
    ("Séc", "CZE", _HAND_VI),
    ("Tiệp Khắc", "CZE", _HAND_VI + " (Czechoslovakia; Czech Republic listed as successor)"),
    ("Ba Lan", "POL", _HAND_VI),
    ("Na Uy", "NOR", _HAND_VI),
    ("Thụy Điển", "SWE", _HAND_VI),
    ("Phần Lan", "FIN", _HAND_VI),
    ("Tây Ban Nha", "ESP", _HAND_VI),
    ("Bồ Đào Nha", "PRT", _HAND_VI),
    ("Hy Lạp", "GRC", _HAND_VI),
    ("Ai Cập", "EGY", _HAND_VI),
    ("Nam Phi", "ZAF", _HAND_VI),
    ("Ả Rập Xê-út", "SAU", _HAND_VI),
    ("Cu-ba", "CUB", _HAND_VI),
    ("Bra-xin", "BRA", _HAND_VI),
    ("Ác-hen-ti-na", "ARG", _HAND_VI),
    ("Chi-lê", "CHL", _HAND_VI),
    ("Đông Ti-mo", "TLS", _HAND_VI),
    ("Timor Leste", "TLS", _HAND_EN),
    ("East Timor", "TLS", _HAND_EN),
    ("Cadắcxtan", "KAZ", _TCVN),
    ("Kadắcxtan", "KAZ", _TCVN),
    ("U-crai-na", "UKR", _HAND_VI),
    ("Bê-la-rút", "BLR", _HAND_VI),
    ("Cô-lôm-bi-a", "COL", _HAND_VI),
    ("Mô-dăm-bích", "MOZ", _HAND_VI),
    ("Ma-đa-ga-xca", "MDG", _HAND_VI),
    ("Ma-da-gat-xca", "MDG", _HAND_VI),
    ("Man-ta", "MLT", _HAND_VI),
    ("Pa-na-ma", "PAN", _HAND_VI),
    ("I-ran", "IRN", _HAND_VI),
    ("I-rắc", "IRQ", _HAND_VI),
    ("Bô-li-vi-a", "BOL", _HAND_VI),
    # --- false friends: make the long forms explicit ---
    ("Cộng hòa Dân chủ Công-gô", "COD", _HAND_VI),
    ("Cộng hòa Dân chủ Cônggô", "COD", _TCVN),
    ("Democratic Republic of the Congo", "COD", _HAND_EN),
    ("DR Congo", "COD", _HAND_EN),
    ("Congo-Kinshasa", "COD", _HAND_EN),
    ("Cộng hòa Công-gô", "COG", _HAND_VI),
    ("Công-gô", "COG", _HAND_VI),
    ("Congo-Brazzaville", "COG", _HAND_EN),
    ("Ni-giê", "NER", _HAND_VI),
    ("Ni-giê-ri-a", "NGA", _HAND_VI),
    ("Ghi-nê", "GIN", _HAND_VI),
    ("Ghi-nê Bít-xao", "GNB", _HAND_VI),
    ("Ghi-nê Xích đạo", "GNQ", _HAND_VI),
    ("Đô-mi-ni-ca", "DMA", _HAND_VI),
    ("Cộng hòa Đô-mi-ni-ca", "DOM", _HAND_VI),
    ("Xu-đăng", "SDN", _HAND_VI),
    ("Nam Xu-đăng", "SSD", _HAND_VI),
    ("Cộng hòa Nam Xu-đăng", "SSD", _HAND_VI),
    ("Ni-ca-ra-goa", "NIC", _HAND_VI),
    ("Ô-xtrây-li-a", "AUS", _HAND_VI),
    ("Ai-len", "IRL", _HAND_VI),
    ("Lúc-xăm-bua", "LUX", _HAND_VI),
    ("Ê-xtô-ni-a", "EST", _HAND_VI),
    ("Lít-va", "LTU", _HAND_VI),
    ("Xlô-ve-ni-a", "SVN", _HAND_VI),
    ("Crô-a-ti-a", "HRV", _HAND_VI),
    ("Ma-xê-đô-ni-a", "MKD", _HAND_VI),
    ("An-ba-ni", "ALB", _HAND_VI),
    ("Síp", "CYP", _HAND_VI),
    ("Ê-ti-ô-pi-a", "ETH", _HAND_VI),
    ("Kê-ni-a", "KEN", _HAND_VI),
    ("Tan-da-ni-a", "TZA", _HAND_VI),
    ("Ăng-gô-la", "AGO", _HAND_VI),
    ("Xê-nê-gan", "SEN", _HAND_VI),
    ("Lít-ten-xơ-tên", "LIE", _HAND_VI),
    ("Xê-ri", "SYR", _HAND_VI),
    ("Li-bi", "LBY", _HAND_VI),
    ("Tuy-ni-di", "TUN", _HAND_VI),
    ("Gioóc-đa-ni", "JOR", _HAND_VI),
    ("Mông-gô-li-a", "MNG", _HAND_VI),
    ("Cư-rơ-gư-xtan", "KGZ", _HAND_VI),
    ("Tát-gi-ki-xtan", "TJK", _HAND_VI),
    ("Tuốc-mê-ni-xtan", "TKM", _HAND_VI),
    ("A-déc-bai-gian", "AZE", _HAND_VI),
    ("Ác-mê-ni-a", "ARM", _HAND_VI),
    ("Gru-di-a", "GEO", _HAND_VI),
    ("Ả Rập Thống nhất", "ARE", _HAND_VI),
    ("UAE", "ARE", _HAND_EN),
    ("Các Tiểu vương quốc Ả-rập Thống nhất", "ARE", _HAND_VI),
    ("Palestine", "PSE", _HAND_EN),
    ("Nhà nước Palestine", "PSE", _HAND_VI),
    ("Pa-le-xtin", "PSE", _HAND_VI),
    ("Tòa thánh Vatican", "VAT", _HAND_VI),
    ("Holy See", "VAT", _HAND_EN),
    ("Hồng Kông", "HKG", _HAND_VI),
    ("Ma Cao", "MAC", _HAND_VI),
    ("Đài Loan", "TWN", _HAND_VI),
    ("Côte d'Ivoire", "CIV", _HAND_EN),
    ("Ivory Coast", "CIV", _HAND_EN),
    ("Bờ Biển Ngà", "CIV", _HAND_VI),
    ("Cốt-đi-voa", "CIV", _HAND_VI),
    ("Cape Verde", "CPV", _HAND_EN),
    ("Swaziland", "SWZ", _HAND_EN),
    ("Czech Republic", "CZE", _HAND_EN),
    ("Russia", "RUS", _HAND_EN),
    ("Iran", "IRN", _HAND_EN),
    ("Syria", "SYR", _HAND_EN),
    ("Moldova", "MDA", _HAND_EN),
    ("Tanzania", "TZA", _HAND_EN),
    ("Venezuela", "VEN", _HAND_EN),
    ("Bolivia", "BOL", _HAND_EN),
    ("Micronesia", "FSM", _HAND_EN),
    ("Macedonia", "MKD", _HAND_EN),
    ("Brunei", "BRN", _HAND_EN),
    ("Bru-nây", "BRN", _HAND_VI),
]


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s.strip())


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: _nfc(v or "") for k, v in row.items()} for row in csv.DictReader(fh)]


def _split(s: str) -> list[str]:
    return [p.strip() for p in s.split("|") if p.strip()]


def _csv_text(cols: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in cols})
    return buf.getvalue()


def build_tables(shared: Path) -> dict[str, str]:
    """Return {file name: CSV text} for the four product tables."""
    countries = _read(shared / "countries-vi.csv")
    orgs = _read(shared / "organisations-vi.csv")
    agencies = _read(shared / "agencies-vi.csv")

    countries.sort(key=lambda r: r["iso3"])
    known_org_codes = {o["code"] for o in orgs}
    for code, en, vi, acr, src in EXTRA_ORGS:
        if code not in known_org_codes:  # a sourced row in shared/ wins over the hand row
            orgs.append({"code": code, "name_en": en, "name_vi": vi, "acronym_vi": acr,
                         "sources": "hand-added: " + src})

    aliases: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(alias: str, code: str, kind: str, source: str) -> None:
        alias = _nfc(alias)
        if not alias:
            return
        key = (alias, code)
        if key in seen:
            return
        seen.add(key)
        aliases.append({"alias": alias, "code": code, "kind": kind, "source": source})

    for r in countries:
        code = r["iso3"]
        add(r["iso3"], code, "iso3", "ISO 3166-1 (pycountry), shared/refdata/countries-vi.csv")
        add(r["iso2"], code, "iso2", "ISO 3166-1 (pycountry), shared/refdata/countries-vi.csv")
        for n in _split(r["name_en"]):
            add(n, code, "name_en", "ISO 3166-1 / CLDR en, shared/refdata/countries-vi.csv")
        for n in _split(r["name_vi_common"]):
            add(n, code, "name_vi_common", "CLDR 49 vi, shared/refdata/countries-vi.csv")
        for n in _split(r["name_vi_formal"]):
            add(n, code, "name_vi_formal", "shared/refdata/countries-vi.csv (see its sources)")
        for n in _split(r["name_vi_treaty_forms"]):
            add(n, code, "treaty_form", "shared/refdata/countries-vi.csv (see its sources)")
    for o in orgs:
        code = o["code"]
        src = "shared/refdata/organisations-vi.csv" if not o["sources"].startswith("hand-added") else o["sources"]
        add(code, code, "org_code", src)
        for n in _split(o["name_en"]):
            add(n, code, "org_name_en", src)
        for n in _split(o["name_vi"]):
            add(n, code, "org_name_vi", src)
        for n in _split(o["acronym_vi"]):
            add(n, code, "acronym_vi", src)
    all_codes = {r["iso3"] for r in countries} | {o["code"] for o in orgs}
    for alias, code, src in HAND_ALIASES:
        if code not in all_codes:
            raise ValueError(f"hand alias {alias!r} points to unknown code {code!r}")
        add(alias, code, "hand", src)

    aliases.sort(key=lambda a: (a["code"], a["kind"], a["alias"]))
    return {
        "countries.csv": _csv_text(COUNTRY_COLS, countries),
        "organisations.csv": _csv_text(ORG_COLS, orgs),
        "agencies.csv": _csv_text(AGENCY_COLS, agencies),
        "aliases.csv": _csv_text(ALIAS_COLS, aliases),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                    help="folder holding countries-vi.csv etc. (default: ../shared/refdata)")
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: core/refdata)")
    ap.add_argument("--check", action="store_true", help="only compare with the files in --out")
    args = ap.parse_args(argv)
    tables = build_tables(args.shared)
    differ = []
    for name, text in tables.items():
        target = args.out / name
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if old == text:
            continue
        differ.append(name)
        if not args.check:
            target.write_text(text, encoding="utf-8", newline="")
    if args.check:
        if differ:
            print("out of date: " + ", ".join(differ), file=sys.stderr)
            return 1
        return 0
    print(f"wrote {', '.join(differ) or 'nothing (up to date)'} in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
