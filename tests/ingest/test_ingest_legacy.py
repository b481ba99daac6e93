from ingest.legacy import (
    detect_legacy,
    encoding_for_font,
    fix_legacy,
    is_vietnamese_syllable,
    tcvn3_to_unicode,
    vni_to_unicode,
)


def test_tcvn3_examples():
    assert tcvn3_to_unicode("ubnd tØnh Lµo Cai") == "ubnd tỉnh Lào Cai"
    assert tcvn3_to_unicode("hiÖp ®Þnh") == "hiệp định"
    assert tcvn3_to_unicode("Céng hßa x· héi chñ nghÜa ViÖt Nam") == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert tcvn3_to_unicode("§éc lËp - Tù do - H¹nh phóc") == "Độc lập - Tự do - Hạnh phúc"
    assert tcvn3_to_unicode("ubnd tØnh Lµo Cai", upper=True) == "UBND TỈNH LÀO CAI"


def test_tcvn3_all_letters_roundtrip_nfc():
    import unicodedata

    out = tcvn3_to_unicode("¸µ¶·¹¨¾»¼½Æ©ÊÇÈÉË®ÐÌÎÏÑªÕÒÓÔÖÝ×ØÜÞãßáâä«èåæçé¬íêëìîóïñòô\u00adøõö÷ùýúûüþ¡¢£¤¥¦§")
    assert out == unicodedata.normalize("NFC", out)
    assert out == ("áàảãạăắằẳẵặâấầẩẫậđéèẻẽẹêếềểễệíìỉĩịóòỏõọôốồổỗộơớờởỡợúùủũụưứừửữựýỳỷỹỵĂÂÊÔƠƯĐ")


def test_vni_examples():
    assert vni_to_unicode("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam") == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert vni_to_unicode("Ñoäc laäp - Töï do - Haïnh phuùc") == "Độc lập - Tự do - Hạnh phúc"
    assert vni_to_unicode("HIEÄP ÑÒNH") == "HIỆP ĐỊNH"


def test_detection_by_frequency():
    assert detect_legacy("ubnd tØnh Lµo Cai") == "tcvn3"
    assert detect_legacy("Céng hßa x· héi chñ nghÜa ViÖt Nam") == "tcvn3"
    assert detect_legacy("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam") == "vni"
    # Unicode Vietnamese and Western European text are left alone
    assert detect_legacy("Cộng hòa xã hội chủ nghĩa Việt Nam") is None
    assert detect_legacy("Für die Bundesrepublik Deutschland und die Französische Republik, Übereinkommen") is None
    assert detect_legacy("Señor José, café à la française, naïve façade") is None
    assert detect_legacy("plain ASCII text") is None
    assert fix_legacy("hiÖp ®Þnh hîp t¸c") == ("hiệp định hợp tác", "tcvn3")


def test_font_names():
    assert encoding_for_font(".VnTime") == ("tcvn3", False)
    assert encoding_for_font(".VnTimeH") == ("tcvn3", True)
    assert encoding_for_font("VNI-Times") == ("vni", False)
    assert encoding_for_font("Times New Roman") == (None, False)


def test_syllables():
    for w in ("nghiêng", "Việt", "khuỷu", "người", "quyết", "giữa", "đường"):
        assert is_vietnamese_syllable(w), w
    for w in ("für", "Vieọt", "façade", "strength"):
        assert not is_vietnamese_syllable(w), w
