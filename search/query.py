"""QueryProcessor: one question → normalised text, BM25 tokens, synonym-expanded groups and
the text the encoder sees. Used for passages too (without expansion), so both sides match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.schema import SynonymGroup
from search.normalize import Normalizer
from search.tokenizer import ChineseTokenizer

MAX_QUERY_CHARS = 500
# A question naming another city is about that city's services, unless it is about moving
# between cities (异地就医, 公积金转移, 户口迁入 …), which 示例市 does handle.
CROSS_REGION_CUES = (
    "异地",
    "外地",
    "外省",
    "跨省",
    "转移",
    "转入",
    "转出",
    "转到",
    "转回",
    "迁",
    "从",
)
_CROSS_REGION_STAY = re.compile(r"在(?P<r>\w{2,4}?)(看病|住院|就医|生孩子|工作|上班|交的|缴的)")


@dataclass(frozen=True)
class PreparedQuery:
    """Everything the retrievers need from one question."""

    text: str  # normalised, homophones repaired
    tokens: list[str]  # BM25 tokens incl. synonym expansions
    token_groups: list[frozenset[str]]  # per original token: itself + expansion alternatives
    dense_text: str  # what the encoder embeds
    foreign_region: bool  # mentions another city/province and not 示例市
    light_text: str = ""  # the question lightly normalised, punctuation kept (dense_query="light")

    @property
    def empty(self) -> bool:
        """Nothing searchable at all (blank, control characters, emoji, punctuation)."""
        return not self.text

    @property
    def has_han(self) -> bool:
        """Whether the question has any Chinese character (the KB's lexical index is Chinese)."""
        return any("\u4e00" <= ch <= "\u9fff" for ch in self.text)

    @property
    def content_free(self) -> bool:
        """Only greetings and filler words: nothing should be retrieved."""
        return not self.tokens and not self.dense_text


class QueryProcessor:
    """Normaliser + tokenizer + synonym table + region list, built once."""

    def __init__(
        self,
        synonyms: Sequence[SynonymGroup],
        user_words: Iterable[str],
        stopwords: Iterable[str],
        other_regions: Iterable[str] = (),
        home_region: str = "示例",
        char_bigrams: bool = False,
    ) -> None:
        user_words = list(user_words)
        self.normalizer = Normalizer(user_words)
        norm = self.normalizer.basic
        self._synonyms = [
            (norm(g.canonical), sorted({norm(v) for v in g.variants if len(v) >= 2}, key=len))
            for g in synonyms
        ]
        words = [*user_words, *(w for g in synonyms for w in (g.canonical, *g.variants))]
        self.tokenizer = ChineseTokenizer(words, stopwords)
        self._regions = sorted({norm(r) for r in other_regions if r.strip()}, key=len, reverse=True)
        self._home = norm(home_region)
        self._char_bigrams = char_bigrams

    def _with_bigrams(self, text: str, tokens: list[str]) -> list[str]:
        """Words plus character bigrams (prefixed '#'), when enabled: robust to odd segmentation."""
        if not self._char_bigrams:
            return tokens
        chars = text.replace(" ", "")
        return tokens + ["#" + chars[i : i + 2] for i in range(len(chars) - 1)]

    def passage_tokens(self, text: str) -> list[str]:
        """BM25 tokens of an indexed passage."""
        text = self.normalizer.basic(text)
        return self._with_bigrams(text, self.tokenizer.tokens(text))

    def prepare(self, question: str) -> PreparedQuery:
        """Normalise, expand and tokenise a question (truncated to MAX_QUERY_CHARS)."""
        text = self.normalizer(question[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS]
        base = self.tokenizer.tokens(text)
        groups = {tok: {tok} for tok in base}
        extra: list[str] = []
        for canonical, variants in self._synonyms:
            hit = next((v for v in variants if v in text), None)
            if hit is None or canonical in text:
                continue
            canon_tokens = self.tokenizer.tokens(canonical)
            extra.extend(canon_tokens)
            for tok in base:
                if tok in hit:
                    groups[tok].update(canon_tokens)
        dense = self.tokenizer.strip_stopwords(text)
        return PreparedQuery(
            text=text,
            # bigrams of the stop-word-free text: 请问/怎么办 must not match as bigrams either
            tokens=self._with_bigrams(dense, base + extra),
            token_groups=[frozenset(g) for g in groups.values()],
            dense_text=dense,
            foreign_region=self._mentions_foreign_region(text),
            light_text=self.normalizer.light(question[:MAX_QUERY_CHARS]),
        )

    def _mentions_foreign_region(self, text: str) -> bool:
        if self._home in text or any(cue in text for cue in CROSS_REGION_CUES):
            return False
        if _CROSS_REGION_STAY.search(text):
            return False
        return any(region in text for region in self._regions)
