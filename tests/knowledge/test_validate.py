"""`govassist kb validate` passes on the shipped KB and lists every problem of a broken copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from govassist.cli import build_app
from knowledge.exceptions import CorpusInvalid
from knowledge.loader import load_knowledge_base
from knowledge.validate import validate_kb


@pytest.fixture
def broken_kb(tmp_path: Path, kb_dir: Path) -> Path:
    """A copy of the shipped KB with one problem of each kind planted in it."""
    root = tmp_path / "kb"
    shutil.copytree(kb_dir, root)
    police = root / "guides" / "police"
    base = (police / "GA-001.yaml").read_text(encoding="utf-8")
    # schema error deep in the file (line must point at it)
    (police / "GA-901.yaml").write_text(
        base.replace("id: GA-001", "id: GA-901")
        .replace("title: 居住证申领", "title: 居住证申领X")
        .replace("    count: 1\n    notes: 未满", "    count: zero\n    notes: 未满"),
        encoding="utf-8",
    )
    # duplicate id (same id in another file)
    (police / "GA-902.yaml").write_text(
        base.replace("title: 居住证申领", "title: 居住证申领Y"), encoding="utf-8"
    )
    # unknown department + empty required section + broken reference
    (police / "GA-903.yaml").write_text(
        base.replace("id: GA-001", "id: GA-903")
        .replace("title: 居住证申领", "title: 居住证申领Z")
        .replace("department: 市公安局", "department: 市魔法管理局")
        .replace("related: []", "related: [GA-999]")
        .replace("steps:\n", "steps: []\nold_steps:\n"),
        encoding="utf-8",
    )
    # YAML syntax error
    (police / "GA-904.yaml").write_text("id: GA-904\ntitle: [unclosed\n", encoding="utf-8")
    return root


def test_shipped_kb_validates_via_cli(kb_dir: Path) -> None:
    result = CliRunner().invoke(build_app(), ["kb", "validate", str(kb_dir)])
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output


def test_broken_copy_reports_every_problem_with_file_and_line(broken_kb: Path) -> None:
    problems = [p for p in validate_kb(broken_kb) if not p.warning]
    text = "\n".join(map(str, problems))
    by_file = {p.path.name for p in problems}
    assert {"GA-901.yaml", "GA-902.yaml", "GA-903.yaml", "GA-904.yaml"} <= by_file, text
    schema = next(p for p in problems if p.path.name == "GA-901.yaml")
    assert "materials.0.count" in schema.message and schema.line > 10
    assert any("duplicate guide id 'GA-001'" in p.message for p in problems)
    assert any("unknown department '市魔法管理局'" in p.message for p in problems)
    assert any("related guide 'GA-999'" in p.message for p in problems)
    assert any(p.path.name == "GA-904.yaml" and "YAML syntax" in p.message for p in problems)
    assert any(p.path.name == "GA-903.yaml" and "extra" in p.message.lower() for p in problems)


def test_broken_copy_fails_cli_and_loading(broken_kb: Path) -> None:
    result = CliRunner().invoke(build_app(), ["kb", "validate", str(broken_kb)])
    assert result.exit_code == 1
    assert "GA-903.yaml:" in result.output and "GA-904.yaml:" in result.output
    with pytest.raises(CorpusInvalid) as info:
        load_knowledge_base(broken_kb)
    assert len(info.value.problems) >= 5


def test_empty_section_and_misplaced_file(tmp_path: Path, kb_dir: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(kb_dir, root)
    data = yaml.safe_load((root / "guides" / "police" / "GA-001.yaml").read_text(encoding="utf-8"))
    data.update(id="GA-905", title="另一个", locations=[], faqs=data["faqs"][:1])
    (root / "guides" / "tax").mkdir(exist_ok=True)
    (root / "guides" / "tax" / "GA-905.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    found = [p for p in validate_kb(root) if p.path.name == "GA-905.yaml"]
    assert any("belongs in guides/police/" in p.message for p in found)
    assert any("section 'locations' is empty" in p.message and not p.warning for p in found)
    assert any("at least 3 FAQs" in p.message and p.warning for p in found)


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    problems = validate_kb(tmp_path / "nope")
    assert problems and "does not exist" in problems[0].message


def test_stats_lists_counts(kb_dir: Path) -> None:
    result = CliRunner().invoke(build_app(), ["kb", "stats", str(kb_dir)])
    assert result.exit_code == 0
    assert "市公安局" in result.output and "by theme" in result.output
