from pathlib import Path

from knowledge.loader import parse_corpus
from knowledge.schema import SynonymGroup
from search.query import QueryProcessor
from search.tokenizer import ChineseTokenizer


def test_user_words_are_kept_and_stopwords_dropped() -> None:
    tok = ChineseTokenizer(["居住证申领", "示例市民通"], ["你好", "请问", "怎么办", "的"])
    tokens = tok.tokens("你好 请问居住证申领怎么办")
    assert "居住证申领" in tokens
    assert "居住证" in tokens  # search mode also emits the sub-word
    assert not {"你好", "请问", "怎么办"} & set(tokens)


def test_two_tokenizers_do_not_share_a_dictionary() -> None:
    a = ChineseTokenizer(["奇异词甲乙"])
    b = ChineseTokenizer()
    assert "奇异词甲乙" in a.tokens("奇异词甲乙")
    assert "奇异词甲乙" not in b.tokens("奇异词甲乙")


def test_lexicon_files_load_through_knowledge_loader(kb_snapshot: Path) -> None:
    corpus = parse_corpus(kb_snapshot)
    assert not [p for p in corpus.problems if "lexicon" in str(p)]
    assert len(corpus.synonyms) >= 40
    assert all(isinstance(g, SynonymGroup) for g in corpus.synonyms)
    assert {"你好", "请问", "谢谢", "怎么办"} <= corpus.stopwords
    canon = {g.canonical: g.variants for g in corpus.synonyms}
    assert "驾照" in canon["机动车驾驶证"]
    assert "良民证" in canon["无犯罪记录证明"]


def test_synonyms_expand_the_query() -> None:
    proc = QueryProcessor(
        [SynonymGroup(canonical="机动车驾驶证", variants=["驾照"])],
        ["机动车驾驶证"],
        ["怎么", "了"],
    )
    q = proc.prepare("驾照到期了怎么换")
    assert "驾照" in q.tokens
    assert "机动车驾驶证" in q.tokens or "驾驶证" in q.tokens
    group = next(g for g in q.token_groups if "驾照" in g)
    assert len(group) > 1  # a document with only the canonical term still covers 驾照


def test_greetings_only_is_empty() -> None:
    proc = QueryProcessor([], [], ["你好", "谢谢", "请问"])
    greeting = proc.prepare("你好，谢谢！")
    assert greeting.tokens == [] and greeting.content_free and not greeting.empty
    assert proc.prepare("   ").empty


def test_foreign_region_flag() -> None:
    proc = QueryProcessor([], [], [], other_regions=["北京", "上海"])
    assert proc.prepare("北京市公积金怎么提取").foreign_region
    assert not proc.prepare("公积金怎么提取").foreign_region
    assert not proc.prepare("公积金从北京转到示例市").foreign_region
    assert not proc.prepare("在北京看病怎么报销").foreign_region


def test_query_bigrams_skip_filler_words() -> None:
    proc = QueryProcessor([], [], ["请问", "怎么", "办理"], char_bigrams=True)
    tokens = proc.prepare("请问护照怎么办理").tokens
    assert "#护照" in tokens
    assert not {"#请问", "#问护", "#怎么", "#照怎"} & set(tokens)
    assert proc.prepare("请问怎么办理").content_free
