"""Text normalisation shared by indexing and querying.

Traditional → simplified (OpenCC t2s), full-width → half-width (NFKC), control characters and
punctuation → spaces, Latin lower-cased, and homophone repair of KB terms for speech-recognised
hotline text (居著证 → 居住证, 社保咔 → 社保卡): a query n-gram whose toneless, accent-folded
pinyin equals a KB term's is replaced by the term.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_PUNCT_OR_SPACE = re.compile(r"[\s\W_]+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Accent folding typical of southern Mandarin and ASR confusions: zh/z, ch/c, sh/s, n/l,
# front/back nasals.
_FOLD_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_FOLD_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))
MIN_TERM_CHARS = 3
MAX_TERM_CHARS = 8


def fold_syllable(syllable: str) -> str:
    """Fold a toneless pinyin syllable so near-homophones compare equal."""
    for long, short in _FOLD_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    for long, short in _FOLD_FINALS:
        if syllable.endswith(long):
            return syllable[: -len(long)] + short
    return syllable


class Normalizer:
    """Canonical form of a question or passage; build once, reuse (thread-safe after init)."""

    def __init__(self, terms: Iterable[str] = ()) -> None:
        import opencc
        from pypinyin import lazy_pinyin

        self._t2s = opencc.OpenCC("t2s")
        self._lazy_pinyin = lazy_pinyin
        self._syllables: dict[str, str] = {}
        self._terms: dict[tuple[str, ...], str] = {}
        for term in terms:
            self._add_term(self.basic(term))

    def _add_term(self, term: str) -> None:
        if not MIN_TERM_CHARS <= len(term) <= MAX_TERM_CHARS or not all(
            _HAN.match(ch) for ch in term
        ):
            return
        self._terms.setdefault(self._key(term), term)

    def _syllable(self, ch: str) -> str:
        cached = self._syllables.get(ch)
        if cached is None:
            cached = fold_syllable(self._lazy_pinyin(ch)[0]) if _HAN.match(ch) else ch
            self._syllables[ch] = cached
        return cached

    def _key(self, text: str) -> tuple[str, ...]:
        return tuple(self._syllable(ch) for ch in text)

    def light(self, text: str) -> str:
        """t2s, NFKC, control characters and runs of white space → single spaces; punctuation and
        case kept (what a transformer encoder such as E5 was trained on)."""
        text = unicodedata.normalize("NFKC", text)
        text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
        return _SPACE.sub(" ", self._t2s.convert(text)).strip()

    def basic(self, text: str) -> str:
        """t2s, NFKC, lower case, punctuation and control characters → single spaces."""
        text = unicodedata.normalize("NFKC", text)
        text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
        text = self._t2s.convert(text).lower()
        return _PUNCT_OR_SPACE.sub(" ", text).strip()

    def repair_homophones(self, text: str) -> str:
        """Replace n-grams that sound like a KB term (and share a character with it)."""
        if not self._terms:
            return text
        out: list[str] = []
        i = 0
        while i < len(text):
            replacement = self._match_at(text, i)
            if replacement is None:
                out.append(text[i])
                i += 1
            else:
                out.append(replacement)
                i += len(replacement)
        return "".join(out)

    def _match_at(self, text: str, i: int) -> str | None:
        longest = min(MAX_TERM_CHARS, len(text) - i)
        for n in range(longest, MIN_TERM_CHARS - 1, -1):
            gram = text[i : i + n]
            term = self._terms.get(self._key(gram))
            if term is None or term == gram:
                continue
            if any(a == b for a, b in zip(term, gram, strict=True)):
                return term
        return None

    def __call__(self, text: str) -> str:
        return self.repair_homophones(self.basic(text))
