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


def _line(path: Path, text: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line of `path` that starts with `text` (stripped)."""
    hits = [
        n
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip().startswith(text)
    ]
    return hits[occurrence - 1]


@pytest.fixture
def schema_failed_kb(tmp_path: Path, kb_dir: Path) -> Path:
    """A KB whose guide GA-906 fails its schema and also has content problems of every kind."""
    root = tmp_path / "kb"
    shutil.copytree(kb_dir, root)
    data = yaml.safe_load((root / "guides" / "police" / "GA-001.yaml").read_text(encoding="utf-8"))
    data.update(id="GA-906", title="居民身份证换领", theme="魔法", locations=[])  # title of GA-002
    del data["phone"]  # schema: a required field is missing
    data["materials"][0]["count"] = "zero"  # schema: not a number
    data["materials"].append({"name": "补充说明", "required": False})  # optional without condition
    data["faqs"].append(dict(data["faqs"][0]))  # duplicate question
    data["form"]["fields"].append(dict(data["form"]["fields"][0]))  # duplicate form field
    (root / "guides" / "police" / "GA-906.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return root


def test_guide_failing_its_schema_still_gets_every_content_problem(schema_failed_kb: Path) -> None:
    path = schema_failed_kb / "guides" / "police" / "GA-906.yaml"
    found = {(p.line, p.message) for p in validate_kb(schema_failed_kb) if p.path == path}
    faq = yaml.safe_load(path.read_text(encoding="utf-8"))["faqs"][0]["question"]
    field = yaml.safe_load(path.read_text(encoding="utf-8"))["form"]["fields"][0]["name"]
    expected = {
        (1, "phone: Field required"),
        (_line(path, "count: zero"), "materials.0.count: Input should be a valid integer"),
        (_line(path, "theme:"), "unknown theme '魔法'"),
        (_line(path, "locations:"), "section 'locations' is empty"),
        (_line(path, "title:"), "duplicate guide title '居民身份证换领'"),
        (_line(path, "- name: 补充说明"), "optional material '补充说明' needs a 'condition'"),
        (_line(path, f"- question: {faq}", 2), f"duplicate FAQ question '{faq}'"),
        (_line(path, f"- name: {field}", 2), f"duplicate form field '{field}'"),
    }
    shown = {(line, message.split(", unable to parse")[0].split(";")[0]) for line, message in found}
    assert expected <= shown, "\n".join(sorted(map(str, found)))


def test_cli_reports_schema_and_content_problems_in_one_run(schema_failed_kb: Path) -> None:
    result = CliRunner().invoke(build_app(), ["kb", "validate", str(schema_failed_kb)])
    assert result.exit_code == 1
    lines = [x for x in result.output.splitlines() if "GA-906.yaml:" in x]
    assert any("phone: Field required" in x for x in lines)
    assert any("unknown theme '魔法'" in x for x in lines)
    # the valid guide whose title is reused is named too
    assert "GA-002.yaml:2: error: duplicate guide title" in result.output


def test_duplicate_yaml_keys_are_errors_with_their_line(tmp_path: Path, kb_dir: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(kb_dir, root)
    path = root / "guides" / "police" / "GA-001.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("theme: 居住证\n", "theme: 居住证\ntitle: 居住证办理\n")  # a second title
    text = text.replace(
        "    count: 1\n    notes: 未满", "    count: 1\n    count: 2\n    notes: 未满"
    )
    path.write_text(text, encoding="utf-8")
    (root / "departments.yaml").write_text(
        (kb_dir / "departments.yaml").read_text(encoding="utf-8") + "departments: []\n",
        encoding="utf-8",
    )
    problems = [str(p) for p in validate_kb(root) if "duplicate key" in p.message]
    assert f"{path}:6: error: duplicate key 'title' (first on line 2; only one is kept)" in problems
    assert any(p.startswith(f"{path}:17:") and "'materials.0.count'" in p for p in problems)
    assert any(p.startswith(f"{root / 'departments.yaml'}:") for p in problems)
    result = CliRunner().invoke(build_app(), ["kb", "validate", str(root)])
    assert result.exit_code == 1 and "duplicate key 'title'" in result.output
