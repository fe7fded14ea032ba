"""`govassist kb import` writes good spreadsheet rows as guides and reports bad rows by number."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook
from typer.testing import CliRunner

from govassist.cli import build_app
from knowledge.loader import load_knowledge_base

HEADER = [
    "事项名称",
    "实施主体",
    "办理条件",
    "申请材料",
    "办理时限",
    "法定时限",
    "收费标准",
    "办理地点",
    "办理时间",
    "咨询电话",
    "办理流程",
    "设定依据",
    "网上办理地址",
]
GOOD = [
    "临时身份证明开具",
    "市公安局",
    "1.本市户籍居民\n2.居民身份证丢失或正在办理中",
    "1.户口簿（原件1份）\n2.近期免冠照片（原件2份）",
    "承诺时限：1个工作日",
    "法定时限：5个工作日",
    "不收费",
    "示例市政务服务中心一楼公安窗口",
    "工作日 9:00-17:00",
    "0000-12345-110",
    "1.提交申请；2.窗口审核；3.当场出具证明",
    "《中华人民共和国居民身份证法》",
    "https://zwfw.example.gov.cn/x",
]
BAD_DEPT = [
    "某事项",
    "市魔法管理局",
    "条件",
    "材料",
    "即办",
    "",
    "免费",
    "地点",
    "",
    "123",
    "流程",
    "",
    "",
]
NO_TITLE = ["", "市公安局", "条件", "材料", "即办", "", "免费", "地点", "", "123", "流程", "", ""]
NO_MATERIALS = [
    "护照加注",
    "市公安局出入境管理支队",
    "条件",
    "",
    "即办",
    "",
    "免费",
    "地点",
    "",
    "123",
    "流程",
    "",
    "",
]
NO_LIMIT = [
    "某证明",
    "市公安局",
    "条件",
    "材料",
    "视情况而定",
    "",
    "免费",
    "地点",
    "",
    "123",
    "流程",
    "",
    "",
]


@pytest.fixture
def kb_copy(tmp_path: Path, kb_dir: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(kb_dir, root)
    return root


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def test_csv_imports_good_rows_and_reports_bad_ones(tmp_path: Path, kb_copy: Path) -> None:
    source = _write_csv(tmp_path / "export.csv", [GOOD, BAD_DEPT, NO_TITLE, NO_MATERIALS, NO_LIMIT])
    result = CliRunner().invoke(build_app(), ["kb", "import", str(source), "--kb", str(kb_copy)])
    assert result.exit_code == 1
    assert "1 imported, 4 bad row(s)" in result.output
    for row, reason in [(3, "市魔法管理局"), (4, "事项名称"), (5, "申请材料"), (6, "time_limit")]:
        assert f"row {row}: " in result.output and reason in result.output
    written = next((kb_copy / "guides" / "police").glob("GA-*.yaml"), None)
    assert written is not None
    imported = [g for g in load_knowledge_base(kb_copy).guides if g.title == "临时身份证明开具"]
    assert len(imported) == 1
    guide = imported[0]
    assert guide.time_limit.promised_days == 1 and guide.time_limit.legal_days == 5
    assert [m.name for m in guide.materials] == ["户口簿", "近期免冠照片"] and guide.materials[
        1
    ].count == 2
    assert guide.fees.free and guide.online.available and len(guide.steps) == 3


def test_gbk_csv_and_xlsx(tmp_path: Path, kb_copy: Path) -> None:
    source = _write_csv(tmp_path / "gbk.csv", [GOOD], encoding="gb18030")
    assert (
        CliRunner()
        .invoke(build_app(), ["kb", "import", str(source), "--kb", str(kb_copy)])
        .exit_code
        == 0
    )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["户口迁移证明开具", *GOOD[1:]])
    sheet.append(BAD_DEPT)
    book.save(tmp_path / "export.xlsx")
    result = CliRunner().invoke(
        build_app(), ["kb", "import", str(tmp_path / "export.xlsx"), "--kb", str(kb_copy)]
    )
    assert "1 imported, 1 bad row(s)" in result.output and "row 3:" in result.output
    titles = {g.title for g in load_knowledge_base(kb_copy).guides}
    assert {"临时身份证明开具", "户口迁移证明开具"} <= titles


def test_unsupported_or_missing_file(tmp_path: Path, kb_copy: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "x.pdf"
    bad.write_text("x")
    assert (
        runner.invoke(build_app(), ["kb", "import", str(bad), "--kb", str(kb_copy)]).exit_code == 2
    )
    assert runner.invoke(build_app(), ["kb", "import", str(tmp_path / "none.csv")]).exit_code == 2


def _import(tmp_path: Path, kb: Path, rows: list[dict[str, str]], *flags: str) -> tuple[int, str]:
    """Import `rows` (GOOD's cells plus the given columns) from a CSV; exit code and output."""
    header = [*HEADER, "事项编码", "主题分类"]
    base = dict(zip(HEADER, GOOD, strict=True))
    source = tmp_path / "rows.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows({**base, **row} for row in rows)
    result = CliRunner().invoke(build_app(), ["kb", "import", str(source), "--kb", str(kb), *flags])
    return result.exit_code, result.output


def test_titles_already_in_the_kb_or_in_an_earlier_row_are_refused(
    tmp_path: Path, kb_copy: Path
) -> None:
    code, output = _import(
        tmp_path,
        kb_copy,
        [{"事项名称": "居住证申领"}, {"事项名称": "新事项甲"}, {"事项名称": "新事项甲"}],
    )
    assert code == 1 and "1 imported, 2 bad row(s)" in output
    assert (
        "row 2: 事项名称 '居住证申领' already exists: GA-001 (guides/police/GA-001.yaml)" in output
    )
    assert "row 4: 事项名称 '新事项甲' already exists: row 3" in output
    assert [g.title for g in load_knowledge_base(kb_copy).guides].count("新事项甲") == 1


def test_unknown_theme_and_foreign_id_prefix_are_refused_with_every_reason(
    tmp_path: Path, kb_copy: Path
) -> None:
    code, output = _import(
        tmp_path,
        kb_copy,
        [{"事项名称": "新事项乙", "主题分类": "魔法", "事项编码": "RS-050"}, {"主题分类": "户籍"}],
    )
    assert code == 1 and "1 imported, 1 bad row(s)" in output
    (line,) = [x for x in output.splitlines() if ":row 2: " in x]
    assert "主题分类 '魔法' is not a theme" in line
    assert "事项编码 'RS-050' must start with 'GA-' for 市公安局" in line
    assert not (kb_copy / "guides" / "police" / "RS-050.yaml").exists()
    assert not (kb_copy / "guides" / "hrss" / "RS-050.yaml").exists()


def test_an_existing_guide_file_is_replaced_only_with_force(tmp_path: Path, kb_copy: Path) -> None:
    target = kb_copy / "guides" / "police" / "GA-001.yaml"
    before = target.read_text(encoding="utf-8")
    row = {"事项名称": "居住证申领", "事项编码": "GA-001"}
    code, output = _import(tmp_path, kb_copy, [row])
    assert code == 1
    assert "row 2: guides/police/GA-001.yaml exists; use --force to replace it" in output
    assert target.read_text(encoding="utf-8") == before
    code, output = _import(tmp_path, kb_copy, [row, row], "--force")
    assert code == 1 and "1 imported, 1 bad row(s)" in output
    assert "row 3: 事项编码 'GA-001' repeats row 2" in output
    guide = next(g for g in load_knowledge_base(kb_copy).guides if g.id == "GA-001")
    assert guide.summary != yaml.safe_load(before)["summary"]  # replaced by the row's content
