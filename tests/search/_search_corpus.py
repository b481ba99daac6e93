"""Hand-written and generated instrument documents for the search contract suite."""
from __future__ import annotations

import random
from datetime import date, timedelta


def make_doc(n: int, title: str, **kw) -> dict:
    doc = {
        "id": f"i{n}", "instrument_id": n, "family": "treaty", "title": title, "titles_other": [],
        "instrument_type": "hiệp định", "number": None, "danh_nghia": "Chính phủ", "signatory_level": None,
        "field": None, "bilateral": True, "parties": ["VNM"], "party_names": ["Việt Nam"],
        "party_aliases": ["Viet Nam", "Vietnam", "Việt Nam", "VNM"], "acronyms": [],
        "signed_date": None, "signed_year": None, "eif_date": None, "status": "in_force",
        "articles": [], "text": "",
    }
    doc.update(kw)
    if doc["signed_date"] and doc["signed_year"] is None:
        doc["signed_year"] = int(doc["signed_date"][:4])
    return doc


KAZ = dict(parties=["KAZ", "VNM"], party_names=["Cộng hòa Ca-dắc-xtan", "Cộng hòa xã hội chủ nghĩa Việt Nam"],
           party_aliases=["Kazakhstan", "Republic of Kazakhstan", "Ca-dắc-xtan", "Cadắcxtan", "KAZ",
                          "Viet Nam", "Vietnam", "VNM"])
LAO = dict(parties=["LAO", "VNM"], party_names=["Cộng hòa dân chủ nhân dân Lào", "Việt Nam"],
           party_aliases=["Laos", "Lao PDR", "Lào", "LAO", "Viet Nam", "Vietnam", "VNM"])
EU = dict(bilateral=False, parties=["EU", "VNM"], party_names=["Liên minh châu Âu", "Việt Nam"],
          party_aliases=["European Union", "EU", "Liên minh châu Âu", "Viet Nam", "VNM"])


def fixed_corpus() -> list[dict]:
    return [
        make_doc(1, "Hiệp định giữa Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam và Chính phủ nước Cộng hòa "
                    "Ca-dắc-xtan về miễn thị thực cho người mang hộ chiếu phổ thông",
                 titles_other=["Agreement on visa exemption for holders of ordinary passports"],
                 number="108/2016/QH13", field="lãnh sự", signed_date="2023-08-21", eif_date="2024-05-25",
                 articles=[
                     {"label": "Điều 1", "heading": "Phạm vi áp dụng",
                      "text": "Công dân của mỗi Bên mang hộ chiếu phổ thông còn giá trị được miễn thị thực khi "
                              "nhập cảnh, xuất cảnh, quá cảnh lãnh thổ của Bên kia."},
                     {"label": "Điều 2", "heading": "Thời hạn lưu trú",
                      "text": "Thời hạn tạm trú không quá ba mươi ngày kể từ ngày nhập cảnh."},
                     {"label": "Điều 7", "heading": "Hiệu lực",
                      "text": "Hiệp định này có hiệu lực sau sáu mươi ngày kể từ ngày nhận được thông báo cuối "
                              "cùng về việc hoàn tất thủ tục pháp lý nội bộ."},
                 ], **KAZ),
        make_doc(2, "Hiệp định thương mại tự do giữa Việt Nam và Liên minh châu Âu", family="treaty",
                 titles_other=["Free Trade Agreement between the European Union and Viet Nam"],
                 acronyms=["EVFTA"], danh_nghia="Nhà nước", field="thương mại", signed_date="2019-06-30",
                 eif_date="2020-08-01",
                 articles=[{"label": "Điều 1.1", "heading": "Thành lập khu vực thương mại tự do",
                            "text": "Các Bên thành lập khu vực thương mại tự do phù hợp với Điều XXIV của GATT 1994."},
                           {"label": "Điều 8.2", "heading": "Đầu tư",
                            "text": "Mỗi Bên dành cho nhà đầu tư của Bên kia đối xử không kém thuận lợi."}], **EU),
        make_doc(3, "Bản ghi nhớ về hợp tác đấu tư thể thao", family="agreement", instrument_type="bản ghi nhớ",
                 danh_nghia=None, signatory_level="Bộ", field="thể thao", signed_date="2021-03-02",
                 text="Hai Bên hợp tác tổ chức các giải đấu và đấu tư thể thao.", **LAO),
        make_doc(4, "Hiệp định khuyến khích và bảo hộ đầu tư", family="treaty", field="đầu tư",
                 signed_date="1996-03-14", eif_date="1996-09-01",
                 articles=[{"label": "Điều 3", "heading": "Đối xử quốc gia",
                            "text": "Mỗi Bên bảo đảm đối xử công bằng và thỏa đáng đối với đầu tư của nhà đầu tư Bên kia."}],
                 **LAO),
        make_doc(5, "Nghị định thư về hợp tác tự do hàng hải và thương mại đường biển", family="treaty",
                 instrument_type="nghị định thư", signed_date="1962-09-05", eif_date="1962-10-01",
                 text="Thương mại trên biển được tự do theo các quy định của Nghị định thư này.", **LAO),
        make_doc(6, "Thỏa thuận về cung cấp muối cho vương quốc", family="agreement", instrument_type="thỏa thuận",
                 danh_nghia=None, signatory_level="Tỉnh", signed_date="1351-08-01",
                 text="Văn kiện lịch sử về trao đổi muối.", parties=["VNM"], party_names=["Đại Việt"],
                 party_aliases=["Dai Viet"]),
        make_doc(7, "Hiệp định về đường bộ", family="treaty", instrument_type="hiệp định",
                 signed_date="2005-05-05", field="giao thông", text="Vận tải đường bộ quốc tế.", **KAZ),
        make_doc(8, "Hiệp định hợp tác nghề cá ở Thái Bình Dương", family="treaty", instrument_type="hiệp định",
                 signed_date="2010-10-10", field="nghề cá", text="Khai thác hải sản ở vùng biển Thái Bình Dương.",
                 **EU),
        make_doc(9, "Nghị định 123/2020/NĐ-CP về hóa đơn, chứng từ", family="agreement",
                 instrument_type="bản ghi nhớ", number="123/2020/NĐ-CP", danh_nghia=None,
                 signatory_level="Chính phủ", signed_date="2020-10-19",
                 text="Quy định về hóa đơn điện tử <b>và</b> chứng từ & biên lai."),
        make_doc(10, "Agreement on <script>alert(1)</script> & mutual legal assistance", family="agreement",
                 instrument_type="agreement", danh_nghia=None, signatory_level="Bộ",
                 number="108/2017/QH13", signed_date="2018-01-01",
                 text="Mutual legal assistance in criminal matters between the Parties.", **KAZ),
        make_doc(11, "Hiệp định về tự do đi lại và thương mại biên giới", family="treaty",
                 signed_date="2015-04-04",
                 text="Tự do đi lại cho cư dân biên giới. Hàng hóa thương mại được trao đổi.", **LAO),
    ]


def generated_corpus(n: int, seed: int = 42, start: int = 1000) -> list[dict]:
    rnd = random.Random(seed)
    fields = ["thương mại", "đầu tư", "giáo dục", "y tế", "quốc phòng", "văn hóa"]
    types = ["hiệp định", "nghị định thư", "bản ghi nhớ", "công ước"]
    partners = [("KAZ", "Ca-dắc-xtan"), ("LAO", "Lào"), ("KHM", "Campuchia"), ("JPN", "Nhật Bản"),
                ("FRA", "Pháp")]
    out = []
    base = date(1950, 1, 1)
    for i in range(n):
        code, name = rnd.choice(partners)
        f = rnd.choice(fields)
        d = base + timedelta(days=rnd.randrange(0, 27000))
        out.append(make_doc(
            start + i, f"Hiệp định số {i} giữa Việt Nam và {name} về {f}", family=rnd.choice(["treaty", "agreement"]),
            instrument_type=rnd.choice(types), field=f, signed_date=d.isoformat(),
            parties=[code, "VNM"], party_names=[name, "Việt Nam"], party_aliases=[code, "VNM"],
            text=f"Hai Bên hợp tác trong lĩnh vực {f}. Văn bản số {i}."))
    return out
