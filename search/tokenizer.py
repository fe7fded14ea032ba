"""ChineseTokenizer: an own `jieba.Tokenizer` with the KB's terms, minus stop words.

Search-engine mode (`cut_for_search`) emits a long user word *and* its dictionary sub-words,
so the title 租房提取住房公积金 still matches a question about 公积金.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

_USER_WORD_FREQ = 50_000


class ChineseTokenizer:
    """Tokens for BM25 and homophone repair; thread-safe once built."""

    def __init__(self, user_words: Iterable[str] = (), stopwords: Iterable[str] = ()) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self.user_words = sorted({w.strip() for w in user_words if len(w.strip()) >= 2})
        for word in self.user_words:
            self._jieba.add_word(word, freq=_USER_WORD_FREQ)
        self.stopwords = frozenset(stopwords)

    def tokens(self, text: str) -> list[str]:
        """Tokens of already normalised text, stop words and spaces removed."""
        return [
            tok
            for tok in self._jieba.cut_for_search(text)
            if tok.strip() and tok not in self.stopwords
        ]

    def strip_stopwords(self, text: str) -> str:
        """The text without its stop words (for the dense query), spaces kept between parts."""
        kept = [tok for tok in self._jieba.cut(text) if tok not in self.stopwords]
        return "".join(kept).strip()
