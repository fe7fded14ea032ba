"""QueryProcessor: one question → normalised text, BM25 tokens, synonym-expanded groups and
the text the encoder sees. Used for passages too (without expansion), so both sides match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.schema import SynonymGroup
from search.normalize import Normalizer
from search.tokenizer import ChineseTokenizer

MAX_QUERY_CHARS = 500
# A question naming another city is about that city's services, unless it is about moving
# between cities (异地就医, 公积金转移, 户口迁入 …), which 示例市 does handle.
CROSS_REGION_CUES = ("异地", "外地", "外省", "转移", "转入", "转出", "转到", "转回", "迁", "从", "来", "回", "到", "在")


@dataclass(frozen=True)
class PreparedQuery:
    """Everything the retrievers need from one question."""

    text: str  # normalised, homophones repaired
    tokens: list[str]  # BM25 tokens incl. synonym expansions
    token_groups: list[frozenset[str]]  # per original token: itself + expansion alternatives
    dense_text: str  # what the encoder embeds
    foreign_region: bool  # mentions another city/province and not 示例市

    @property
    def empty(self) -> bool:
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

    def passage_tokens(self, text: str) -> list[str]:
        """BM25 tokens of an indexed passage."""
        return self.tokenizer.tokens(self.normalizer.basic(text))

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
        dense = self.tokenizer.strip_stopwords(text) or text
        return PreparedQuery(
            text=text,
            tokens=base + extra,
            token_groups=[frozenset(g) for g in groups.values()],
            dense_text=dense,
            foreign_region=self._mentions_foreign_region(text),
        )

    def _mentions_foreign_region(self, text: str) -> bool:
        if self._home in text or any(cue in text for cue in CROSS_REGION_CUES):
            return False
        return any(region in text for region in self._regions)
