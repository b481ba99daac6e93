"""Metadata rules on small texts."""
from datetime import date

import pytest

from ingest.metadata import (
    detect_draft,
    extract_metadata,
    find_authentic_languages,
    find_duration,
    find_entry_into_force,
    find_signature,
    find_title,
    instrument_type_of,
)


@pytest.mark.parametrize("sentence,rule,days", [
    ("Hiệp định này có hiệu lực kể từ ngày ký.", "on_signature", None),
    ("This Agreement shall enter into force on the date of its signature.", "on_signature", None),
    ("This Agreement shall enter into force on 1 January 2005.", "on_date", None),
    ("This Agreement shall enter into force on the thirtieth day after the later of the dates on which the "
     "respective Governments have notified each other in writing that the formalities have been complied with.",
     "n_days_after_last_notification", 30),
    ("Hiệp định này có hiệu lực sau 30 ngày kể từ ngày nhận được thông báo cuối cùng bằng văn bản.",
     "n_days_after_last_notification", 30),
    ("Hiệp định này có hiệu lực kể từ ngày nhận được thông báo cuối cùng bằng văn bản, qua đường ngoại giao, về "
     "việc các Bên đã hoàn tất thủ tục pháp lý nội bộ.", "on_last_notification", None),
    ("This Agreement shall enter into force on the date of receipt of the last written notification, through "
     "diplomatic channels, by which the Parties inform each other of the completion of their internal procedures.",
     "on_last_notification", None),
    ("This Convention shall enter into force on the thirtieth day following the date of deposit of the tenth "
     "instrument of ratification.", "n_days_after_deposit", 30),
    ("This Agreement shall enter into force 120 days after the date of deposit of the sixtieth instrument.",
     "n_days_after_deposit", 120),
    ("This Agreement shall enter into force on the first day of the second month following the last notification.",
     "other", None),
    ("This Agreement shall enter into force on the day on which it has been signed on behalf of each of the five "
     "Contracting Parties.", "other", None),
    ("This Convention shall enter into force 12 months after the date of deposit of the sixtieth instrument.",
     "other", None),
])
def test_eif_rules(sentence, rule, days):
    eif, _ = find_entry_into_force(sentence, date(2000, 1, 2))
    assert eif["rule"] == rule
    assert eif["days"] == days
    if rule == "on_signature":
        assert eif["date"] == "2000-01-02"
    if rule == "on_date":
        assert eif["date"] == "2005-01-01"


def test_eif_noise_is_ignored():
    text = ("Article 5\nThe provisions shall apply for ten years after this Agreement has entered into force.\n"
            "The loan agreements will come into force on the dates agreed.")
    assert find_entry_into_force(text, None)[0]["rule"] is None


def test_eif_date_from_a_dated_note():
    text = ("ĐIỀU 31. HIỆU LỰC\n1. Hiệp định này có hiệu lực sau khi có các thông báo này.\n"
            "Hiệp định này có hiệu lực vào ngày 24 tháng 4 năm 1996")
    assert find_entry_into_force(text, None)[0] == {"rule": "on_last_notification", "days": None,
                                                    "date": "1996-04-24"}


@pytest.mark.parametrize("text,codes", [
    ("Hiệp định này làm tại Bắc Kinh ngày 16 tháng 10 năm 2003 thành hai bản, mỗi bản đều viết bằng tiếng Việt "
     "và tiếng Trung. Cả hai văn bản đều có giá trị ngang nhau.", ["vi", "zh"]),
    ("Done at Hanoi on 22 November 1994 in two originals in the Vietnamese, Chinese and English languages, all "
     "texts being equally authentic.", ["vi", "zh", "en"]),
    ("Làm tại Hà Nội, ngày 5 tháng 6 năm 2010, thành hai bản, bằng tiếng Việt, tiếng Trung và tiếng Anh.",
     ["vi", "zh", "en"]),
    ("DONE at, Vientiane, Lao PDR this Twenty Ninth Day of November in the Year Two Thousand and Four, in "
     "duplicate copies in the English Language.", ["en"]),
    ("The parties had reached a mutual agreement.", None),
])
def test_authentic_languages(text, codes):
    assert find_authentic_languages(text)[0] == codes


@pytest.mark.parametrize("text,place,day", [
    ("Làm tại Hà Nội, ngày 22 tháng 11 năm 1994, thành hai bản.", "Hà Nội", date(1994, 11, 22)),
    ("Done at Hanoi on 22 November 1994, in duplicate.", "Hanoi", date(1994, 11, 22)),
    ("Done at The Hague, this 24th day of January 1995.", "The Hague", date(1995, 1, 24)),
    ("DONE in duplicate at The Hague on 24 January 1995 in the English language.", "The Hague", date(1995, 1, 24)),
    ("Hanoi, March 28, 2000\nExcellency,\nI have the honour", "Hanoi", date(2000, 3, 28)),
    ("DONE at, Vientiane, Lao PDR this Twenty Ninth Day of November in the Year Two Thousand and Four.",
     "Vientiane", date(2004, 11, 29)),
    ("Hiệp định được lập thành 2 bản tại Copenhagen ngày 31 tháng 5 năm 1995 và 3 thứ tiếng.", "Copenhagen",
     date(1995, 5, 31)),
    ("This Agreement is signed on December 5th 2007 and will be valid within five years.", None, date(2007, 12, 5)),
])
def test_signature(text, place, day):
    sig = find_signature(text)
    assert (sig.place, sig.date) == (place, day)


def test_noisy_ocr_date_lowers_confidence():
    text = ("Nghị định thư giữa hai Chính phủ ký ngày ỉ 1 tháng 10 năm 2011.\n"
            "Ký tại Bắc Kinh ngày l ĩ tháng 10 năm 2011, thành hai bản.")
    sig = find_signature(text)
    assert sig.date == date(2011, 10, 11) and sig.place == "Bắc Kinh"
    assert sig.noisy and sig.date_conf < 0.9
    clean = find_signature("Ký tại Bắc Kinh ngày 11 tháng 10 năm 2011, thành hai bản.")
    assert clean.date_conf > sig.date_conf


def test_noisy_date_confirmed_by_a_clean_mention():
    text = ("Hiệp định ký ngày 11 tháng 10 năm 2011 tại Bắc Kinh.\nKý tại Bắc Kinh ngày l ĩ tháng 10 năm 2011.")
    sig = find_signature(text)
    assert sig.date == date(2011, 10, 11) and sig.date_conf == 0.75


def test_title_skips_motto_and_toc():
    text = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n---------------\nDỰ THẢO\n"
            "HIỆP ĐỊNH\nGIỮA CHÍNH PHỦ NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nVÀ CHÍNH PHỦ NHẬT BẢN\n"
            "Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam và Chính phủ Nhật Bản,")
    assert find_title(text).title == ("HIỆP ĐỊNH GIỮA CHÍNH PHỦ NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM "
                                      "VÀ CHÍNH PHỦ NHẬT BẢN")
    toc = ("7\nCONTENTS\nPREAMBLE . . . . . . . . . . . . 1\nArticle 1. Use of terms . . . . . . . . 2\n"
           "AGREEMENT ON THE CONSERVATION OF FISH STOCKS\nThe States Parties to this Agreement,")
    assert find_title(toc).title == "AGREEMENT ON THE CONSERVATION OF FISH STOCKS"


@pytest.mark.parametrize("title,typ", [
    ("HIỆP ĐỊNH HỢP TÁC KINH TẾ", "hiệp định"),
    ("NGHỊ ĐỊNH THƯ GIỮA CHÍNH PHỦ", "nghị định thư"),
    ("BIÊN BẢN GHI NHỚ GIỮA", "biên bản ghi nhớ"),
    ("Bản ghi nhớ hợp tác", "bản ghi nhớ"),
    ("THOẢ THUẬN GIỮA BỘ NGOẠI GIAO", "thỏa thuận"),
    ("CÔNG ƯỚC QUỐC TẾ", "công ước"),
    ("Memorandum of Understanding between", "memorandum of understanding"),
    ("Memorandum of Cooperation Agreement between", "memorandum of cooperation agreement"),
    ("EXCHANGE OF NOTES", "exchange of notes"),
    ("United Nations Convention on the Law of the Sea", "convention"),
    ("PROTOCOL AMENDING THE AGREEMENT", "protocol"),
    ("NGHỊ ĐỊNH QUY ĐỊNH VỀ", "nghị định"),
    ("Resolution adopted by the General Assembly", "resolution"),
])
def test_instrument_types(title, typ):
    assert instrument_type_of(title)[0] == typ


def test_family_and_level_for_agreements():
    md = extract_metadata(
        "THỎA THUẬN HỢP TÁC\nGIỮA BỘ NGOẠI GIAO NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM VÀ BỘ NGOẠI GIAO NHẬT BẢN\n"
        "Bộ Ngoại giao nước Cộng hòa xã hội chủ nghĩa Việt Nam và Bộ Ngoại giao Nhật Bản (sau đây gọi là “hai Bên”);\n"
        "Điều 1. Hai Bên hợp tác.\nThỏa thuận này có hiệu lực kể từ ngày ký.\n"
        "Làm tại Hà Nội, ngày 3 tháng 4 năm 2019, thành hai bản bằng tiếng Việt và tiếng Nhật.")
    assert md.family == "agreement" and md.vn_signatory_level == "Bộ"
    assert md.instrument_type == "thỏa thuận"
    assert [p["code"] for p in md.parties] == ["VNM", "JPN"]
    assert md.entry_into_force == {"rule": "on_signature", "days": None, "date": "2019-04-03"}


def test_family_treaty_state_level():
    md = extract_metadata(
        "HIỆP ƯỚC\nGIỮA CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM VÀ VƯƠNG QUỐC CAMPUCHIA\n"
        "Cộng hòa xã hội chủ nghĩa Việt Nam và Vương quốc Campuchia (sau đây gọi là “hai Bên ký kết”);\n"
        "Điều 1. Hai Bên hợp tác.")
    assert md.family == "treaty" and md.vn_signatory_level == "Nhà nước"
    assert [p["code"] for p in md.parties] == ["VNM", "KHM"]


def test_family_other_for_domestic_documents():
    md = extract_metadata("QUỐC HỘI\n-------\nLuật số: 42/2024/QH15\nHà Nội, ngày 29 tháng 6 năm 2024\n\nLUẬT\n"
                          "QUẢN LÝ, SỬ DỤNG VŨ KHÍ\nCăn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;")
    assert md.family == "other" and md.instrument_type == "luật"
    assert md.title == "LUẬT QUẢN LÝ, SỬ DỤNG VŨ KHÍ"


def test_duration():
    d, _ = find_duration("This Agreement shall remain in force for a period of five (5) years and shall be "
                         "automatically extended for successive periods of five years unless either Party gives "
                         "six (6) months' written notice of termination.")
    assert d == {"years": 5, "auto_renewal": True, "notice_months": 6}
    d, _ = find_duration("Bản ghi nhớ có hiệu lực trong thời hạn 03 năm và sẽ tự động được gia hạn.")
    assert d["years"] == 3 and d["auto_renewal"] is True
    d, _ = find_duration("Either State may terminate the Agreement after the expiration of a period of five years.")
    assert d == {"years": None, "auto_renewal": None, "notice_months": None}


def test_draft_marks():
    assert detect_draft("DỰ THẢO\nHIỆP ĐỊNH")
    assert detect_draft("Dự thảo lần 2\nNGHỊ ĐỊNH")
    assert detect_draft("", "(Dự thảo)")
    assert detect_draft("AGREEMENT\n", "DRAFT 3.1")
    assert not detect_draft("Quốc hội thảo luận dự thảo luật sửa đổi.")
    assert not detect_draft("The draft articles were adopted by the Commission.")
