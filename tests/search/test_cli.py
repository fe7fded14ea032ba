import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from search.cli import register

HIT_KEYS = {"guide_id", "title", "department", "aspect", "snippet", "score"}


@pytest.fixture(scope="module")
def cli(kb_snapshot: Path, tmp_path_factory: pytest.TempPathFactory):
    app = typer.Typer()
    register(app)
    env = {
        "KB_DIR": str(kb_snapshot),
        "INDEX_DIR": str(tmp_path_factory.mktemp("cli-index")),
        "ENCODER": "use-multilingual",
        "HF_HUB_OFFLINE": "1",
    }
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), env=env)

    return invoke


def test_index_build_then_up_to_date(cli) -> None:
    first = cli("index", "build")
    assert first.exit_code == 0, first.output
    assert "index built" in first.output or "up to date" in first.output
    second = cli("index", "build")
    assert "up to date" in second.output
    forced = cli("index", "build", "--force")
    assert "index built" in forced.output


def test_search_json_shape(cli) -> None:
    result = cli("search", "居住证要带什么材料", "--top-k", "3", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert 1 <= len(hits) <= 3
    assert set(hits[0]) == HIT_KEYS
    assert hits[0]["title"] == "居住证申领" and hits[0]["aspect"] == "materials"


def test_search_json_empty_when_not_found(cli) -> None:
    result = cli("search", "今天天气怎么样", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_search_readable(cli) -> None:
    result = cli("search", "护照怎么办")
    assert result.exit_code == 0
    assert "普通护照申领" in result.stdout


def test_search_file_jsonl(cli, tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("驾照丢了怎么补\n今天天气怎么样\n\n社保卡怎么办\n", "utf-8")
    result = cli("search", "--file", str(questions), "--json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip("\n").split("\n")
    assert len(lines) == 4
    parsed = [json.loads(line) for line in lines]
    assert parsed[0][0]["title"] == "机动车驾驶证遗失补领"
    assert parsed[1] == [] and parsed[2] == []
    assert set(parsed[3][0]) == HIT_KEYS


def test_search_without_question_is_a_usage_error(cli) -> None:
    result = cli("search")
    assert result.exit_code == 2


def test_search_bad_question_is_a_message_not_a_trace(cli) -> None:
    result = cli("search", "\x01\x02")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_search_eval_prints_metrics_per_retriever(cli) -> None:
    result = cli("search", "eval")
    assert result.exit_code == 0, result.output
    for needle in ("bm25", "dense", "hybrid", "R@1=", "R@5=", "MRR=", "OOD rejection="):
        assert needle in result.stdout


def test_search_eval_takes_other_question_files(cli, tmp_path: Path) -> None:
    questions, ood = tmp_path / "q.jsonl", tmp_path / "ood.jsonl"
    questions.write_text('{"question": "暂住证怎么办", "title": "居住证申领"}\n', encoding="utf-8")
    ood.write_text('{"question": "明天会下雨吗", "title": null}\n', encoding="utf-8")
    result = cli("search", "eval", "--questions", str(questions), "--ood", str(ood))
    assert result.exit_code == 0, result.output
    assert "n=1" in result.stdout and "hybrid" in result.stdout


def test_search_eval_bad_question_file_names_file_and_line(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "护照", "title": "x"}\n{"title": "y"}\n', encoding="utf-8")
    result = cli("search", "eval", "--questions", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:2" in result.output and "question" in result.output
    assert "Traceback" not in result.output
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    result = cli("search", "eval", "--questions", str(broken))
    assert result.exit_code == 2 and f"{broken}:1: not JSON" in result.output


def test_bench_govqa_on_a_small_file(cli, tmp_path: Path) -> None:
    rows = [
        {"id": "1", "question": "护照怎么办理", "answer": "办理普通护照请携带身份证到出入境窗口。"},
        {
            "id": "2",
            "question": "公积金怎么提取",
            "answer": "提取住房公积金可在网上申请，租房提取每月一次。",
        },
        {
            "id": "3",
            "question": "社保卡丢了",
            "answer": "社会保障卡遗失请先挂失，再到银行网点补卡。",
        },
    ]
    data = tmp_path / "govqa.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    result = cli("search", "bench-govqa", "--govqa", str(data), "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "with e5-small-multilingual" in result.stdout  # the bundled E5 is the default
    assert "hybrid  R@1=1.000" in result.stdout
    result = cli("search", "bench-govqa", "--govqa", str(data), "--encoder", "use-multilingual")
    assert result.exit_code == 0, result.output
    assert "with use-multilingual" in result.stdout
    assert "hybrid  R@1=1.000" in result.stdout


def test_bench_govqa_missing_file_is_a_message(cli, tmp_path: Path) -> None:
    result = cli("search", "bench-govqa", "--govqa", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2
    assert "not found" in result.output
