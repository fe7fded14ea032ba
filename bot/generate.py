"""Write the KB-derived parts of the Rasa project into bot/generated/.

What is generated (all from the knowledge base, so a new guide needs no edit in bot/):
- ``generated/jieba/userdict.txt``: service titles and aliases, so Jieba keeps them whole;
- ``generated/data/nlu_kb.yml``: the ``service`` lookup table, synonyms alias → title and a few
  ``ask_service``/``apply_service`` examples per guide;
- ``generated/data/nlu_traditional.yml``: traditional-character variants (OpenCC s2t) of every
  third hand-written example of each intent, for citizens who type 繁体 (Hong Kong, Macao,
  Taiwan residents, older phones);
- ``generated/domain/``: the hand-written ``bot/domain/*.yml`` plus ``forms.yml`` holding one text
  slot per form field (field names are shared across guides, so a value given once is reused)
  and ``application_form`` whose required slots are the union of every guide's fields. The
  action server narrows them to the chosen guide's fields at run time.

Run: ``python -m bot.generate [--kb knowledge/data] [--bot bot]``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
from pathlib import Path
from typing import Any

import opencc
import yaml

from knowledge.loader import load_knowledge_base
from knowledge.schema import FormField, ServiceGuide
from knowledge.store import KnowledgeBase

GENERATED = "generated"
APPLICATION_FORM = "application_form"

_ASK_TEMPLATES = (
    "{x}怎么办理",
    "{x}需要什么材料",
    "{x}在哪里办",
    "请问{x}能在网上办吗",
    "{x}要多长时间",
    "办{x}要收费吗",
    "想咨询一下{x}",
    "{x}的条件是什么",
)
_APPLY_TEMPLATES = (
    "我要办{x}",
    "帮我申请{x}",
    "我想在线申请{x}",
    "帮我填{x}的申请表",
    "我要申请{x}",
)


class FormFieldConflict(ValueError):
    """Two guides define a shared field name with different types or options."""


def service_names(guide: ServiceGuide) -> list[str]:
    """The title and every alias of a guide, without duplicates, in KB order."""
    return list(dict.fromkeys([guide.title, *guide.aliases]))


def _pick(templates: tuple[str, ...], key: str, offset: int = 0) -> str:
    digest = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    return templates[(digest + offset) % len(templates)]


def userdict_lines(kb: KnowledgeBase) -> list[str]:
    """Jieba user-dictionary lines: `word frequency tag`."""
    words = sorted({name for g in kb.guides for name in service_names(g)})
    return [f"{w.replace(' ', '')} 1000 n" for w in words if w.strip()]


def _annotated(template: str, name: str, title: str) -> str:
    value = name if name == title else f'{{"entity": "service", "value": "{title}"}}'
    entity = f"[{name}](service)" if name == title else f"[{name}]{value}"
    return template.replace("{x}", entity)


def _examples_for(guide: ServiceGuide) -> tuple[list[str], list[str]]:
    names = service_names(guide)
    ask_name = names[-1] if len(names) > 1 else names[0]
    ask = [_annotated(_pick(_ASK_TEMPLATES, guide.id), guide.title, guide.title)]
    ask.append(_annotated(_pick(_ASK_TEMPLATES, guide.id, 3), ask_name, guide.title))
    apply = [_annotated(_pick(_APPLY_TEMPLATES, guide.id), names[0], guide.title)]
    if guide.form is not None:
        apply.append(_annotated(_pick(_APPLY_TEMPLATES, guide.id, 2), ask_name, guide.title))
    return ask, apply


def _block(items: list[str]) -> str:
    return "".join(f"- {item}\n" for item in items)


def nlu_data(kb: KnowledgeBase) -> dict[str, Any]:
    """Lookup table, synonyms and examples derived from the guides."""
    ask: list[str] = []
    apply: list[str] = []
    for guide in kb.guides:
        a, p = _examples_for(guide)
        ask.extend(a)
        apply.extend(p)
    names = sorted({n for g in kb.guides for n in service_names(g)})
    nlu: list[dict[str, Any]] = [
        {"intent": "ask_service", "examples": _block(ask)},
        {"intent": "apply_service", "examples": _block(apply)},
        {"lookup": "service", "examples": _block(names)},
    ]
    for guide in kb.guides:
        if guide.aliases:
            nlu.append({"synonym": guide.title, "examples": _block(list(guide.aliases))})
    return {"version": "3.1", "nlu": nlu}


TRADITIONAL_EVERY = 3  # one hand-written example in three gets a traditional variant


def _examples(block: str) -> list[str]:
    lines = (line.strip() for line in block.splitlines())
    return [line[2:].strip() for line in lines if line.startswith("- ")]


def traditional_data(nlu_dir: Path) -> dict[str, Any]:
    """Traditional-character variants of the hand-written intent examples in `nlu_dir`.

    Examples with JSON entity annotations (`{"entity": …, "value": …}`) are left out: their
    values would change too. Variants identical to their source or to any existing example are
    dropped, so no example lands in two intents."""
    to_traditional = opencc.OpenCC("s2t")
    by_intent: dict[str, list[str]] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if "intent" in item:
                by_intent.setdefault(item["intent"], []).extend(_examples(item["examples"]))
    seen = {example for examples in by_intent.values() for example in examples}
    nlu = []
    for intent, examples in by_intent.items():
        variants = []
        for example in examples[::TRADITIONAL_EVERY]:
            variant = to_traditional.convert(example)
            if "{" not in example and variant not in seen:
                seen.add(variant)
                variants.append(variant)
        if variants:
            nlu.append({"intent": intent, "examples": _block(variants)})
    return {"version": "3.1", "nlu": nlu}


def form_fields(kb: KnowledgeBase) -> list[FormField]:
    """Every distinct form field across the KB, first definition wins; conflicts raise."""
    seen: dict[str, FormField] = {}
    for guide in kb.guides_with_form():
        assert guide.form is not None
        for field in guide.form.fields:
            first = seen.setdefault(field.name, field)
            if (first.type, first.options) != (field.type, field.options):
                raise FormFieldConflict(
                    f"{guide.id}: field '{field.name}' differs from an earlier definition "
                    f"(type/options {field.type}/{field.options} vs {first.type}/{first.options})"
                )
    return list(seen.values())


def forms_domain(kb: KnowledgeBase) -> dict[str, Any]:
    """Slots for every form field and the dynamic application form."""
    fields = form_fields(kb)
    slots = {
        f.name: {"type": "text", "influence_conversation": False, "mappings": [{"type": "custom"}]}
        for f in fields
    }
    return {
        "version": "3.1",
        "slots": slots,
        "forms": {APPLICATION_FORM: {"required_slots": [f.name for f in fields]}},
    }


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(text, encoding="utf-8")


def generate(kb_dir: Path, bot_dir: Path) -> Path:
    """Regenerate bot/generated/ from the KB; returns the folder."""
    kb = load_knowledge_base(kb_dir)
    out = bot_dir / GENERATED
    if out.exists():
        shutil.rmtree(out)
    (out / "jieba").mkdir(parents=True)
    (out / "jieba" / "userdict.txt").write_text(
        "\n".join(userdict_lines(kb)) + "\n", encoding="utf-8"
    )
    _dump(out / "data" / "nlu_kb.yml", nlu_data(kb))
    _dump(out / "data" / "nlu_traditional.yml", traditional_data(bot_dir / "data" / "nlu"))
    domain_out = out / "domain"
    domain_out.mkdir(parents=True)
    for path in sorted((bot_dir / "domain").glob("*.yml")):
        shutil.copyfile(path, domain_out / path.name)
    _dump(domain_out / "forms.yml", forms_domain(kb))
    return out


def main(argv: list[str] | None = None) -> None:
    from govassist.settings import Settings

    settings = Settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=settings.kb_dir)
    parser.add_argument("--bot", type=Path, default=settings.bot_dir)
    args = parser.parse_args(argv)
    out = generate(args.kb, args.bot)
    print(f"generated {out}")  # noqa: T201


if __name__ == "__main__":
    main()
