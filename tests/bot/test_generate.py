"""KB → generated bot files: user dictionary, lookup/examples, shared form-field slots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.generate import FormFieldConflict, forms_domain, generate, nlu_data, userdict_lines
from bot.generate import traditional_data as generate_traditional
from knowledge.loader import load_knowledge_base
from knowledge.schema import ApplicationForm, FieldType, FormField
from tests.conftest import KB_DIR, REPO_ROOT

PREFILL = [
    "居住证申领",
    "社会保障卡挂失补换",
    "失业保险金申领",
    "结婚登记",
    "个体工商户设立登记",
    "异地就医备案",
]


@pytest.fixture(scope="module")
def kb():  # type: ignore[no-untyped-def]
    return load_knowledge_base(KB_DIR)


def test_userdict_has_titles_and_aliases(kb) -> None:  # type: ignore[no-untyped-def]
    words = {line.split()[0] for line in userdict_lines(kb)}
    assert {"居住证申领", "暂住证"} <= words


def test_nlu_has_lookup_synonyms_and_examples(kb) -> None:  # type: ignore[no-untyped-def]
    data = nlu_data(kb)
    lookup = next(item for item in data["nlu"] if item.get("lookup") == "service")
    assert "- 居住证申领\n" in lookup["examples"]
    synonym = next(item for item in data["nlu"] if item.get("synonym") == "居住证申领")
    assert "暂住证" in synonym["examples"]
    apply = next(item for item in data["nlu"] if item.get("intent") == "apply_service")
    assert "(service)" in apply["examples"]


def test_prefill_services_have_forms(kb) -> None:  # type: ignore[no-untyped-def]
    with_form = {g.title for g in kb.guides_with_form()}
    present = [t for t in PREFILL if kb.guide_by_title(t) is not None]
    assert "居住证申领" in present
    assert set(present) <= with_form


def test_form_slots_are_shared_and_form_lists_all_fields(kb) -> None:  # type: ignore[no-untyped-def]
    domain = forms_domain(kb)
    names = [f.name for g in kb.guides_with_form() for f in g.form.fields]
    assert set(domain["slots"]) == set(names)
    assert domain["forms"]["application_form"]["required_slots"] == list(dict.fromkeys(names))
    assert domain["slots"]["phone"]["mappings"] == [{"type": "custom"}]


def test_conflicting_field_definitions_are_rejected(kb) -> None:  # type: ignore[no-untyped-def]
    guide = kb.guides_with_form()[0]
    clash = guide.model_copy(
        update={
            "id": "ZZ-999",
            "form": ApplicationForm(
                title="x", fields=[FormField(name="phone", label="电话", type=FieldType.DATE)]
            ),
        }
    )
    bad = type(kb)(root=kb.root, guides=(*kb.guides, clash), departments=kb.departments)
    with pytest.raises(FormFieldConflict, match="phone"):
        forms_domain(bad)


def test_generate_writes_domain_and_data(tmp_path: Path) -> None:
    bot = tmp_path / "bot"
    shutil.copytree(REPO_ROOT / "bot" / "domain", bot / "domain")
    out = generate(KB_DIR, bot)
    assert (out / "jieba" / "userdict.txt").read_text(encoding="utf-8").strip()
    assert {p.name for p in (out / "domain").iterdir()} >= {"core.yml", "chitchat.yml", "forms.yml"}
    forms = yaml.safe_load((out / "domain" / "forms.yml").read_text(encoding="utf-8"))
    assert "application_form" in forms["forms"]


def test_traditional_variants_of_hand_written_examples(tmp_path: Path) -> None:
    import opencc

    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "a.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 你好\n    - hi\n    - 请问\n'
        "    - 在吗\n- intent: cancel\n  examples: |\n    - 不办了\n"
        '    - [居住证]{"entity": "service", "value": "居住证"}不办了\n'
        "- regex: phone\n  examples: |\n    - 1\\d{10}\n",
        encoding="utf-8",
    )
    data = generate_traditional(nlu)
    variants = {item["intent"]: item["examples"] for item in data["nlu"]}
    assert set(variants) == {"greet", "cancel"} and variants["cancel"] == "- 不辦了\n"
    to_simplified = opencc.OpenCC("t2s")
    greet = [line[2:] for line in variants["greet"].splitlines()]
    assert greet and all(to_simplified.convert(v) in {"你好", "在吗"} for v in greet)
    assert "hi" not in variants["greet"]  # unchanged by the conversion: not repeated


def test_shipped_traditional_variants_cover_every_intent(tmp_path: Path) -> None:
    data = generate_traditional(REPO_ROOT / "bot" / "data" / "nlu")
    intents = {item["intent"] for item in data["nlu"]}
    assert {"ask_service", "apply_service", "file_complaint", "cancel", "greet"} <= intents
