"""Form-field validators: GB 11643 ID numbers, phones, dates, enumerations, names, text."""

from __future__ import annotations

from datetime import date

import pytest

from bot.actions.validators import (
    id_number_checksum_ok,
    strip_lead_in,
    validate_date,
    validate_enum,
    validate_field,
    validate_id_number,
    validate_name,
    validate_phone,
)
from knowledge.schema import FieldType, FormField

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("110101199003071233", True),
        ("440304200002290014", True),
        ("11010519491231002X", True),
        ("110101199003071234", False),  # wrong check digit
        ("11010119900307123", False),  # 17 digits
    ],
)
def test_id_checksum(number: str, ok: bool) -> None:
    assert id_number_checksum_ok(number) is ok


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("110101199003071233", "110101199003071233"),
        ("我的身份证号是 110101 19900307 1233", "110101199003071233"),
        ("11010519491231002x", "11010519491231002X"),
    ],
)
def test_valid_id_numbers(reply: str, value: str) -> None:
    assert validate_id_number(reply, TODAY).value == value


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("110101199003071234", "校验位"),
        ("12345", "18位"),
        ("110101199013071239", "出生日期"),  # month 13
        ("110101203001011239", "出生日期"),  # born in the future
        ("110101180001011234", "出生日期"),  # older than 120 years
    ],
)
def test_invalid_id_numbers(reply: str, reason: str) -> None:
    result = validate_id_number(reply, TODAY)
    assert not result.ok
    assert reason in (result.error or "")


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("13812345678", "13812345678"),
        ("手机号是139-0000-1111", "13900001111"),
        ("+86 15012345678", "15012345678"),
    ],
)
def test_valid_phones(reply: str, value: str) -> None:
    assert validate_phone(reply).value == value


@pytest.mark.parametrize("reply", ["12812345678", "1381234567", "电话不告诉你", "138123456789"])
def test_invalid_phones(reply: str) -> None:
    assert not validate_phone(reply).ok


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("2025-03-01", "2025-03-01"),
        ("2025/3/1", "2025-03-01"),
        ("2025年3月1日", "2025-03-01"),
        ("20250301", "2025-03-01"),
        ("昨天", "2026-11-24"),
    ],
)
def test_dates(reply: str, value: str) -> None:
    assert validate_date(reply, TODAY).value == value


@pytest.mark.parametrize("reply", ["2025-02-30", "上个月吧", "1800-01-01"])
def test_invalid_dates(reply: str) -> None:
    assert not validate_date(reply, TODAY).ok


OPTIONS = ["合法稳定就业", "合法稳定住所", "连续就读"]


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("1", "合法稳定就业"),
        ("第二个", "合法稳定住所"),
        ("3", "连续就读"),
        ("连续就读", "连续就读"),
        ("我是连续就读的", "连续就读"),
    ],
)
def test_enum_by_number_or_text(reply: str, value: str) -> None:
    assert validate_enum(reply, OPTIONS).value == value


@pytest.mark.parametrize("reply", ["4", "合法稳定", "随便"])
def test_enum_rejects_unknown_or_ambiguous(reply: str) -> None:
    result = validate_enum(reply, OPTIONS)
    assert not result.ok
    assert "1. 合法稳定就业" in (result.error or "")


def test_names() -> None:
    assert validate_name("我叫张三").value == "张三"
    assert validate_name("欧阳娜娜").value == "欧阳娜娜"
    assert not validate_name("张3").ok
    assert not validate_name("张").ok


def test_lead_in_is_stripped() -> None:
    assert strip_lead_in("地址是示例市东城区和平街道1号") == "示例市东城区和平街道1号"


def test_text_field_limits_and_pattern() -> None:
    field = FormField(name="employer", label="工作单位", type=FieldType.TEXT, max_length=5)
    assert validate_field(field, "示例公司").ok
    assert "最多5个字" in (validate_field(field, "示例科技有限公司").error or "")
    coded = FormField(name="code", label="代码", type=FieldType.TEXT, pattern=r"[0-9A-Z]{18}")
    assert not validate_field(coded, "abc").ok
    address = FormField(name="addr", label="地址", type=FieldType.ADDRESS)
    assert not validate_field(address, "东城").ok
