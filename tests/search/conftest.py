"""Search fixtures: a frozen copy of the KB and one index built per session in a tmp dir."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from knowledge.loader import load_knowledge_base
from search.encoders import BundledUseEncoder
from search.service import SearchService, build_search_service

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(__file__).resolve().parent / "data"
SMALL_KB_GUIDES = ("police", "traffic_police")


def copy_kb(target: Path, guide_dirs: tuple[str, ...] | None = None) -> Path:
    """A snapshot of knowledge/data (optionally only some department folders)."""
    source = REPO_ROOT / "knowledge" / "data"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.tmp", ".*"))
    if guide_dirs is not None:
        for folder in (target / "guides").iterdir():
            if folder.name not in guide_dirs:
                shutil.rmtree(folder)
    return target


@pytest.fixture(scope="session")
def kb_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole KB as it is when the session starts (others may be editing the real one)."""
    return copy_kb(tmp_path_factory.mktemp("kb") / "data")


@pytest.fixture(scope="session")
def encoder() -> BundledUseEncoder:
    return BundledUseEncoder()


@pytest.fixture(scope="session")
def service(
    kb_snapshot: Path, encoder: BundledUseEncoder, tmp_path_factory: pytest.TempPathFactory
) -> SearchService:
    """The real engine over the KB snapshot, index built once per session."""
    return build_search_service(kb_snapshot, tmp_path_factory.mktemp("index"), encoder)


@pytest.fixture(scope="session")
def kb(kb_snapshot: Path):
    return load_knowledge_base(kb_snapshot)


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    """A fresh, writable copy of two departments' guides (for rebuild/reload tests)."""
    return copy_kb(tmp_path / "kb", SMALL_KB_GUIDES)


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    return DATA_DIR
