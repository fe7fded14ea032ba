"""Pure validators for form fields: ID numbers (GB 11643), phones, dates, enumerations, text.

Each validator takes the citizen's raw reply and returns a `FieldResult`: the normalised
value, or the reason (in Chinese, shown to the citizen) why it was not accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from knowledge.schema import FieldType, FormField

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CODES = "10X98765432"
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1\d{10})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_NAME = re.compile(r"^[\u4e00-\u9fa5A-Za-z][\u4e00-\u9fa5A-Za-z·• ]{0,29}$")
_LEAD_IN = re.compile(
    r"^(我的|本人的?|我)?(名字|姓名|全名|身份证号码?|公民身份号码|手机号码?|电话号码?|联系电话|"
    r"地址|住址|邮箱|电子邮箱|日期)?(叫做|叫|是|为|：|:)\s*"
)
_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
)
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": -1, "前天": -2, "明天": 1, "后天": 2}


@dataclass(frozen=True)
class FieldResult:
    """Outcome of validating one reply: `value` when accepted, else `error`."""

    value: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def strip_lead_in(text: str) -> str:
    """'我叫张三' -> '张三', '手机号是138…' -> '138…'."""
    text = text.strip().strip("。.！!")
    stripped = _LEAD_IN.sub("", text, count=1).strip()
    return stripped or text


def id_number_checksum_ok(number: str) -> bool:
    """True when the 18th character matches the GB 11643 check code of the first 17 digits."""
    if not re.fullmatch(r"\d{17}[0-9Xx]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CODES[total % 11] == number[17].upper()


def _birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_id_number(text: str, today: date | None = None) -> FieldResult:
    """18-digit 公民身份号码 with a valid check code and a plausible birth date."""
    today = today or date.today()
    compact = re.sub(r"[\s-]", "", text)
    match = _ID_IN_TEXT.search(compact)
    if match is None:
        return FieldResult(error="身份证号码应为18位（最后一位可能是X），请核对后重新输入。")
    number = match.group(1).upper()
    born = _birth_date(number)
    if born is None or born > today or born.year < today.year - 120:
        return FieldResult(error="身份证号码中的出生日期不正确，请核对后重新输入。")
    if not id_number_checksum_ok(number):
        return FieldResult(error="身份证号码校验位不正确，可能有数字输错了，请核对后重新输入。")
    return FieldResult(value=number)


def validate_phone(text: str) -> FieldResult:
    """An 11-digit mainland mobile number (13x–19x)."""
    compact = re.sub(r"[\s-]", "", text).removeprefix("+86")
    match = _MOBILE_IN_TEXT.search(compact)
    if match is None or not re.fullmatch(r"1[3-9]\d{9}", match.group(1)):
        return FieldResult(error="手机号码应为1开头的11位数字，请重新输入。")
    return FieldResult(value=match.group(1))


def parse_date(text: str, today: date | None = None) -> date | None:
    """2025-03-01, 2025/3/1, 2025年3月1日, 20250301, 今天/昨天/明天 … or None."""
    today = today or date.today()
    for word, days in _RELATIVE_DAYS.items():
        if word in text:
            return today + timedelta(days=days)
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
    return None


def validate_date(text: str, today: date | None = None) -> FieldResult:
    """A calendar date between 1900 and 2100, returned as YYYY-MM-DD."""
    parsed = parse_date(text, today)
    if parsed is None or not 1900 <= parsed.year <= 2100:
        return FieldResult(error="日期格式不正确，请按“2025-03-01”或“2025年3月1日”的格式输入。")
    return FieldResult(value=parsed.isoformat())


def _option_index(text: str, count: int) -> int | None:
    compact = re.sub(r"[\s第个项选择选我]", "", text).rstrip("。.")
    if compact.isdigit():
        number = int(compact)
    elif compact in _CN_DIGITS:
        number = _CN_DIGITS[compact]
    else:
        return None
    return number - 1 if 1 <= number <= count else None


def validate_enum(text: str, options: list[str]) -> FieldResult:
    """One of `options`, by its number (1-based, 第二个) or by its text."""
    reply = text.strip()
    index = _option_index(reply, len(options))
    if index is not None:
        return FieldResult(value=options[index])
    exact = [o for o in options if o == reply]
    contained = exact or [o for o in options if o in reply] or [o for o in options if reply in o]
    if len(contained) == 1 and reply:
        return FieldResult(value=contained[0])
    listed = "；".join(f"{i}. {o}" for i, o in enumerate(options, 1))
    return FieldResult(error=f"请从以下选项中选择（回复序号或名称）：{listed}")


def validate_name(text: str) -> FieldResult:
    """A person's name: 1–30 Chinese or Latin characters."""
    value = strip_lead_in(text)
    if not _NAME.fullmatch(value) or len(value) < 2:
        return FieldResult(error="姓名应为2个字以上的中文或英文，不含数字和符号，请重新输入。")
    return FieldResult(value=value)


def validate_email(text: str) -> FieldResult:
    """An e-mail address."""
    match = _EMAIL.search(text)
    if match is None:
        return FieldResult(error="电子邮箱格式不正确，例如 zhangsan@example.com，请重新输入。")
    return FieldResult(value=match.group(0))


def validate_number(text: str) -> FieldResult:
    """A non-negative number (digits, optional decimals)."""
    match = re.search(r"\d+(\.\d+)?", text.replace(",", ""))
    if match is None:
        return FieldResult(error="请输入数字，例如 3000。")
    return FieldResult(value=match.group(0))


def validate_text(text: str, field: FormField) -> FieldResult:
    """Free text with the field's length limits and pattern."""
    value = strip_lead_in(text)
    minimum = field.min_length or (5 if field.type == FieldType.ADDRESS else 1)
    if len(value) < minimum:
        what = "地址" if field.type == FieldType.ADDRESS else field.label
        return FieldResult(error=f"{what}至少需要{minimum}个字，请填写完整。")
    if field.max_length is not None and len(value) > field.max_length:
        return FieldResult(error=f"{field.label}最多{field.max_length}个字，请精简后重新输入。")
    if field.pattern is not None and not re.fullmatch(field.pattern, value):
        return FieldResult(error=f"{field.label}格式不正确，请核对后重新输入。")
    return FieldResult(value=value)


def validate_field(field: FormField, text: str, today: date | None = None) -> FieldResult:
    """Validate a reply for `field` according to its type."""
    if field.type == FieldType.ID_NUMBER:
        return validate_id_number(text, today)
    if field.type == FieldType.PHONE:
        return validate_phone(text)
    if field.type == FieldType.DATE:
        return validate_date(text, today)
    if field.type == FieldType.ENUM:
        return validate_enum(text, list(field.options))
    if field.type == FieldType.NAME:
        return validate_name(text)
    if field.type == FieldType.EMAIL:
        return validate_email(text)
    if field.type == FieldType.NUMBER:
        return validate_number(text)
    return validate_text(text, field)
