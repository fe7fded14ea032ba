from search.normalize import Normalizer, fold_syllable

TERMS = ["居住证", "社保卡", "社会保障卡", "住房公积金", "机动车驾驶证", "驾驶证"]


def make() -> Normalizer:
    return Normalizer(TERMS)


def test_traditional_to_simplified() -> None:
    assert make()("居住證要帶什麼材料？") == "居住证要带什么材料"


def test_full_width_to_half_width_and_case() -> None:
    assert make()("ＡＰＰ　１２３，辦理") == "app 123 办理"


def test_punctuation_control_and_emoji_become_nothing() -> None:
    n = make()
    assert n("\x00\x07\u200b") == ""
    assert n("😀😀！！") == ""
    assert n("  你好 ，\n\t世界  ") == "你好 世界"


def test_light_normalisation_keeps_punctuation_and_case() -> None:
    n = make()
    assert n.light("居住證要帶什麼材料？") == "居住证要带什么材料?"
    assert n.light("ＡＰＰ\x00　辦理，\n\t好嗎") == "APP 办理, 好吗"
    assert n.light("\x07  ") == ""


def test_homophone_repair_of_kb_terms() -> None:
    n = make()
    assert n("居著证怎么办") == "居住证怎么办"
    assert n("我的社保咔丢了") == "我的社保卡丢了"
    assert n("驾驶正过期") == "驾驶证过期"


def test_homophone_repair_leaves_unrelated_words() -> None:
    n = make()
    for text in ["今天天气怎么样", "居住证", "社会保障卡挂失", "我想吃火锅"]:
        assert n(text) == n.basic(text)


def test_fuzzy_pinyin_folds_accents() -> None:
    assert fold_syllable("zheng") == fold_syllable("zen")
    assert fold_syllable("shi") == fold_syllable("si")
    assert fold_syllable("ka") != fold_syllable("ke")
