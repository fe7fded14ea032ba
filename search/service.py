"""SearchService: the search engine over the service guides, as the rest of govassist sees it.

`build_search_service(kb_dir, index_dir, encoder)` loads the KB, (re)builds the index when it is
missing or stale, and returns a service that answers `search()` and `answer()` from any thread
and swaps in an index rebuilt by another process (checked at most every `reload_interval` s).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from knowledge.exceptions import KnowledgeError
from knowledge.loader import load_knowledge_base
from knowledge.store import KnowledgeBase
from search import artifacts
from search.aspects import detect_aspect, format_aspect, has_aspect
from search.encoders import Encoder, load_encoder
from search.exceptions import IndexMismatch, IndexNotReady, InvalidQuery
from search.passages import SNIPPET_CHARS, Passage, kb_passages
from search.query import QueryProcessor
from search.retriever import HybridRetriever, RankedDoc, RetrievalConfig
from search.schemas import SearchHit, SearchResult

log = logging.getLogger("search")
REGIONS_FILE = "lexicon/other_regions.txt"
RELOAD_INTERVAL_S = 3.0


def _read_wordlist(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w for w in (line.split("#", 1)[0].strip() for line in lines) if w]


def build_processor(kb: KnowledgeBase) -> QueryProcessor:
    """Normaliser/tokenizer/synonyms built from the KB's titles, aliases and lexicon."""
    words = [w for g in kb.guides for w in (g.title, *g.aliases)]
    words += [k for d in kb.departments for k in d.keywords]
    return QueryProcessor(kb.synonyms, words, kb.stopwords, _read_wordlist(kb.root / REGIONS_FILE))


def build_index(
    kb: KnowledgeBase,
    index_dir: Path,
    encoder: Encoder,
    processor: QueryProcessor,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> artifacts.IndexManifest:
    """The KB's passages → tokens → embeddings → files (see `build_passage_index`)."""
    return build_passage_index(
        kb_passages(kb.guides), kb.content_hash, index_dir, encoder, processor, progress, workers
    )


def build_passage_index(
    passages: list[Passage],
    kb_hash: str,
    index_dir: Path,
    encoder: Encoder,
    processor: QueryProcessor,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> artifacts.IndexManifest:
    """Tokens → embeddings → files; `progress(done, total)` after each batch. Texts whose
    embedding the current build already holds (same encoder) are not encoded again."""
    started = time.perf_counter()
    tokens = [processor.passage_tokens(p.text) for p in passages]
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(passages))

    texts = [processor.normalizer.basic(p.text) for p in passages]
    previous = artifacts.previous_vectors(index_dir, encoder)
    vectors, encoded = artifacts.encode_all(encoder, texts, step, previous, workers)
    return artifacts.write_index(
        index_dir,
        passages,
        tokens,
        vectors,
        kb_hash,
        encoder,
        time.perf_counter() - started,
        keys=[artifacts.text_key(t) for t in texts],
        encoded=encoded,
    )


@dataclass(frozen=True)
class _Engine:
    kb: KnowledgeBase
    retriever: HybridRetriever
    manifest: artifacts.IndexManifest
    mtime: float


class SearchService:
    """Guide search with calibrated not-found/ambiguous flags and aspect answers."""

    def __init__(
        self,
        kb: KnowledgeBase,
        index_dir: Path,
        encoder: Encoder,
        processor: QueryProcessor,
        config: RetrievalConfig | None = None,
        reload_interval: float = RELOAD_INTERVAL_S,
    ) -> None:
        self._index_dir = index_dir
        self._encoder = encoder
        self._config = config or RetrievalConfig()
        self._reload_interval = reload_interval
        self._lock = threading.Lock()
        self._checked_at = time.monotonic()
        self._engine = self._load(kb, processor)

    @property
    def kb(self) -> KnowledgeBase:
        return self._engine.kb

    @property
    def manifest(self) -> artifacts.IndexManifest:
        return self._engine.manifest

    @property
    def retriever(self) -> HybridRetriever:
        return self._current().retriever

    def _load(self, kb: KnowledgeBase, processor: QueryProcessor) -> _Engine:
        mtime = artifacts.manifest_mtime(self._index_dir)
        manifest, passages, lexical, dense = artifacts.read_index(
            self._index_dir, kb.content_hash, self._encoder
        )
        retriever = HybridRetriever(
            processor, self._encoder, passages, lexical, dense, self._config
        )
        return _Engine(kb, retriever, manifest, mtime)

    def _load_newer(self) -> _Engine:
        """Load the build the manifest now names, with the KB it was built from."""
        kb, processor = self._engine.kb, self._engine.retriever.processor
        manifest = artifacts.read_manifest(self._index_dir)
        if manifest is not None and manifest.kb_hash != kb.content_hash:
            kb = load_knowledge_base(kb.root)
            processor = build_processor(kb)
        return self._load(kb, processor)

    def _current(self) -> _Engine:
        """The engine, swapped for a newer build if the manifest changed on disk."""
        now = time.monotonic()
        if now - self._checked_at < self._reload_interval:
            return self._engine
        with self._lock:
            if now - self._checked_at >= self._reload_interval:
                self._checked_at = now
                self._maybe_reload()
        return self._engine

    def _maybe_reload(self) -> None:
        if artifacts.manifest_mtime(self._index_dir) == self._engine.mtime:
            return
        try:
            self._engine = self._load_newer()
            log.info("search.index.reloaded", extra={"build": self._engine.manifest.build_dir})
        except (IndexMismatch, IndexNotReady, KnowledgeError) as exc:
            # e.g. a build for a newer KB this process has not loaded: keep serving the old one
            log.warning("search.index.reload_skipped: %s", exc)

    def reload_now(self) -> None:
        """Check the manifest immediately (tests, admin)."""
        with self._lock:
            self._checked_at = time.monotonic()
            self._maybe_reload()

    def is_searchable(self, text: str) -> bool:
        """Whether the text has anything to search for (not blank/control/emoji/punctuation)."""
        return isinstance(text, str) and not self._current().retriever.processor.prepare(text).empty

    def search(self, query: str, top_k: int = 5) -> SearchResult:
        """Guides for a citizen question; unsearchable text gives an empty, not-found result.

        Raises InvalidQuery only when `query` is not a string.
        """
        if not isinstance(query, str):
            raise InvalidQuery("question must be text")
        engine = self._current()  # one snapshot for the whole query, even if a reload happens
        retriever = engine.retriever
        prepared = retriever.processor.prepare(query)
        if prepared.empty:  # blank, control characters, emoji only: nothing to find
            return SearchResult(hits=[], not_found=True)
        aspect = detect_aspect(prepared.text)
        docs = retriever.rank(prepared, "hybrid", limit=max(top_k, 2))
        cfg = self._config
        accepted = [d for d in docs if d.confidence >= cfg.threshold]
        if not docs or docs[0].confidence < cfg.threshold:
            return SearchResult(hits=[], not_found=True, aspect=aspect)
        ambiguous = len(accepted) >= 2 and (
            abs(accepted[0].confidence - accepted[1].confidence) <= cfg.ambiguity_margin
        )
        hits = [self._hit(d, aspect, engine) for d in accepted[:top_k]]
        return SearchResult(hits=hits, ambiguous=ambiguous, aspect=aspect)

    def _hit(self, doc: RankedDoc, aspect: str | None, engine: _Engine) -> SearchHit:
        guide = engine.kb.guide(doc.doc_id)
        passage = engine.retriever.passages[doc.passage]
        if aspect and has_aspect(guide, aspect):
            text = format_aspect(guide, aspect).replace("\n", " ")
            snippet = text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"
        else:
            aspect, snippet = passage.aspect, passage.snippet
        return SearchHit(
            guide_id=guide.id,
            title=guide.title,
            department=guide.department,
            aspect=aspect,
            snippet=snippet,
            score=doc.confidence,
        )

    def answer(self, guide_id: str, aspect: str | None = None) -> str:
        """Ready-to-show Chinese text of one aspect of a guide (overview when None/empty)."""
        return format_aspect(self.kb.guide(guide_id), aspect)


def ensure_index(
    kb: KnowledgeBase,
    index_dir: Path,
    encoder: Encoder,
    processor: QueryProcessor,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[artifacts.IndexManifest, bool]:
    """(manifest, rebuilt): build when missing, stale or forced."""
    index_dir.mkdir(parents=True, exist_ok=True)
    manifest = artifacts.read_manifest(index_dir)
    reason = artifacts.staleness(manifest, kb.content_hash, encoder.id)
    if manifest is not None and reason is None and not force:
        return manifest, False
    log.info("search.index.build: %s", reason or "forced")
    return build_index(kb, index_dir, encoder, processor, progress), True


def build_search_service(
    kb_dir: Path,
    index_dir: Path,
    encoder: str | Encoder = "use-multilingual",
    config: RetrievalConfig | None = None,
) -> SearchService:
    """Load the KB, build the index if missing or stale, and return the service."""
    kb = load_knowledge_base(kb_dir)
    enc = load_encoder(encoder) if isinstance(encoder, str) else encoder
    processor = build_processor(kb)
    ensure_index(kb, index_dir, enc, processor)
    return SearchService(kb, index_dir, enc, processor, config)


__all__ = [
    "SearchService",
    "build_index",
    "build_passage_index",
    "build_processor",
    "build_search_service",
    "ensure_index",
]
