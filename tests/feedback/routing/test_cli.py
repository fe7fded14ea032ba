"""`govassist route`: JSON shape, --file JSON Lines in order, clear errors (exit 2), retrain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedback.routing.corrections import corrections_path, record_correction
from govassist.cli import build_app
from knowledge.store import KnowledgeBase

DEPARTMENT_KEYS = {"department", "confidence"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("route-cli")


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return CliRunner()


def _json_lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_single_message_json(cli: CliRunner, kb: KnowledgeBase) -> None:
    result = cli.invoke(
        build_app(), ["route", "楼下烧烤店每天半夜还在营业，油烟熏得没法开窗", "--json"]
    )
    assert result.exit_code == 0, result.output
    (data,) = _json_lines(result.output)
    assert {"kind", "department", "confidence", "alternatives", "manual"} <= set(data)
    assert data["kind"] in {"complaint", "suggestion", "consultation", "praise", "report"}
    assert data["department"] in {d.name for d in kb.departments}
    assert 0.0 <= float(data["confidence"]) <= 1.0  # type: ignore[arg-type]
    alternatives = data["alternatives"]
    assert isinstance(alternatives, list) and alternatives
    assert all(set(a) == DEPARTMENT_KEYS for a in alternatives)


def test_file_gives_one_json_object_per_line_in_order(cli: CliRunner, tmp_path: Path) -> None:
    messages = [
        "小区的路灯坏了一个星期没人修",
        "自来水管爆了，整栋楼停水",
        "公司拖欠我三个月工资",
        "18路公交车太少了，等了四十分钟",
    ]
    path = tmp_path / "in.txt"
    path.write_text("\n".join(messages) + "\n", encoding="utf-8")
    result = cli.invoke(build_app(), ["route", "--file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert [d["department"] for d in _json_lines(result.output)] == [
        "市城市管理局",
        "市水务局",
        "市人力资源和社会保障局",
        "市交通运输局",
    ]


@pytest.mark.parametrize(
    "args", [["route", ""], ["route", "   \t "], ["route", "投诉" * 3000, "--json"], ["route"]]
)
def test_bad_message_is_a_clear_error(cli: CliRunner, args: list[str]) -> None:
    result = cli.invoke(build_app(), args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "error" in result.output.lower()


def test_missing_file_is_a_clear_error(cli: CliRunner, tmp_path: Path) -> None:
    missing = cli.invoke(build_app(), ["route", "--file", str(tmp_path / "none.txt"), "--json"])
    assert missing.exit_code == 2 and "none.txt" in missing.output
    assert "Traceback" not in missing.output


def test_file_output_stays_aligned_with_blank_and_bad_lines(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_text(
        "小区的路灯坏了一个星期没人修\n\n   \n" + "噪" * 5000 + "\n自来水管爆了，整栋楼停水\n",
        encoding="utf-8",
    )
    result = cli.invoke(build_app(), ["route", "--file", str(path), "--json"])
    assert result.exit_code == 1, result.output  # some line was bad: told, but all processed
    assert "Traceback" not in result.output
    out = result.stdout.split("\n")[:-1]
    assert len(out) == 5
    assert json.loads(out[0])["department"] == "市城市管理局"
    assert out[1] == out[2] == ""
    assert json.loads(out[3]) == {"error": "message longer than 4000 characters", "line": 4}
    assert json.loads(out[4])["department"] == "市水务局"
    assert f"{path}:4" in result.stderr  # also said on stderr, with file and line


def test_undecodable_utf8_names_file_and_line(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("路灯坏了\n".encode() + "自来水管爆了\n".encode("gbk"))
    result = cli.invoke(build_app(), ["route", "--file", str(path), "--json"])
    assert result.exit_code == 2
    assert f"{path}:2" in result.output and "UTF-8" in result.output
    assert f"{path}:2" in result.stderr and result.stdout == ""
    assert "Traceback" not in result.output


def test_retrain_reports_before_and_after_and_saves(cli: CliRunner, data_dir: Path) -> None:
    record_correction(
        "共享单车乱停乱放把小区门口堵死了",
        "市公安局交通警察支队",
        "市城市管理局",
        "complaint",
        corrections_path(data_dir),
    )
    result = cli.invoke(build_app(), ["route", "retrain"])
    assert result.exit_code == 0, result.output
    assert "before" in result.output and "after" in result.output
    assert "corrections used: 1" in result.output
    assert (data_dir / "routing" / "model" / "router.pkl").exists()
