"""Pure helpers for application forms: questions, corrections, masking and the summary."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bot.actions.texts import Texts
from bot.actions.validators import validate_field
from feedback.privacy import mask_address, mask_name
from knowledge.schema import FieldType, FormField, PIIClass, ServiceGuide

SKIPPED = "__skipped__"

_TYPE_WORDS: dict[FieldType, tuple[str, ...]] = {
    FieldType.PHONE: ("手机号", "手机", "电话", "联系方式"),
    FieldType.ID_NUMBER: ("身份证号", "身份证", "证件号", "身份号码"),
    FieldType.NAME: ("姓名", "名字"),
    FieldType.DATE: ("日期",),
    FieldType.ADDRESS: ("地址", "住址"),
    FieldType.EMAIL: ("邮箱",),
}


def fields_of(guide: ServiceGuide) -> list[FormField]:
    return list(guide.form.fields) if guide.form is not None else []


def plain_label(field: FormField) -> str:
    """The label without a trailing （选填） note."""
    return field.label.split("（")[0].split("(")[0].strip() or field.label


def next_missing(fields: list[FormField], values: dict[str, Any]) -> FormField | None:
    return next((f for f in fields if values.get(f.name) is None), None)


def question(texts: Texts, field: FormField) -> tuple[str, list[dict[str, str]]]:
    """The question asking for a field, with option buttons for enumerations."""
    parts = [texts.format("ask_field", label=plain_label(field))]
    if not field.required:
        parts.append(texts["ask_optional"])
    buttons: list[dict[str, str]] = []
    if field.type == FieldType.ENUM and field.options:
        listed = "；".join(f"{i}. {o}" for i, o in enumerate(field.options, 1))
        parts.append(texts.format("ask_options", options=listed))
        buttons = [{"title": o, "payload": o} for o in field.options]
    elif field.example and validate_field(field, field.example).ok:
        parts.append(texts.format("ask_example", example=field.example))
    if field.help:
        parts.append(field.help)
    return "".join(parts), buttons


def correction_target(fields: list[FormField], text: str) -> FormField | None:
    """The field a correction like "手机号填错了" is about (longest matching word wins)."""
    best: tuple[int, FormField] | None = None
    for field in fields:
        words = (field.label, plain_label(field), *_TYPE_WORDS.get(field.type, ()))
        for word in words:
            if word and word in text and (best is None or len(word) > best[0]):
                best = (len(word), field)
    return best[1] if best else None


def _keep_last(value: str, keep: int = 4) -> str:
    return "*" * max(len(value) - keep, 0) + value[-keep:]


def mask_value(field: FormField, value: str) -> str:
    """PII masked for display: only the last digits of ID and phone numbers stay visible."""
    pii = field.pii
    if pii == PIIClass.ID_NUMBER or field.type == FieldType.ID_NUMBER:
        return _keep_last(value)
    if pii == PIIClass.PHONE or field.type == FieldType.PHONE:
        return _keep_last(value)
    if pii == PIIClass.NAME:
        return mask_name(value)
    if pii == PIIClass.ADDRESS:
        return mask_address(value)
    if pii == PIIClass.OTHER:
        return _keep_last(value, 2)
    return value


def display_value(texts: Texts, field: FormField, value: str | None, masked: bool) -> str:
    if value is None or value == SKIPPED:
        return texts["skipped_value"]
    return mask_value(field, value) if masked else value


def reused_note(texts: Texts, fields: list[FormField], values: dict[str, Any]) -> str:
    """ "沿用您已提供的：联系电话（*******5678）…": the fields that will not be asked, masked."""
    items = [
        f"{plain_label(f)}（{display_value(texts, f, values.get(f.name), masked=True)}）"
        for f in fields
    ]
    return texts.format("form_reused", items="、".join(items)) if items else ""


def summary(
    texts: Texts, guide: ServiceGuide, values: dict[str, Any], reused: Collection[str] = ()
) -> str:
    """The confirmation summary, PII masked; values reused from earlier in the conversation
    are marked so the citizen can check and correct them."""
    assert guide.form is not None
    lines = [texts.format("summary_header", form_title=guide.form.title)]
    for field in guide.form.fields:
        value = display_value(texts, field, values.get(field.name), masked=True)
        mark = texts["reused_mark"] if field.name in reused else ""
        lines.append(f"{plain_label(field)}：{value}{mark}")
    if any(f.name in reused for f in guide.form.fields):
        lines.append(texts["summary_reused"])
    lines.append(texts["summary_footer"])
    return "\n".join(lines)
