"""The domain nouns of the knowledge base: service guides (办事指南), departments, forms.

Every YAML file under ``knowledge/data`` is parsed into these models; nothing else in
the project reads the raw files.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]

GUIDE_ID_PATTERN = r"^[A-Z]{2,6}-[0-9]{3,6}$"

THEMES: tuple[str, ...] = (
    "户籍",
    "身份证",
    "居住证",
    "治安",
    "交通",
    "出入境",
    "社保",
    "就业",
    "劳动关系",
    "医保",
    "公积金",
    "婚育",
    "民政救助",
    "养老",
    "企业开办",
    "市场监管",
    "不动产",
    "住房",
    "教育",
    "卫生健康",
    "税务",
    "残疾人",
    "退役军人",
    "水电气",
    "城市管理",
    "生态环境",
    "其他",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Audience(StrEnum):
    """Who may apply: a natural person (个人) or a legal entity (法人)."""

    PERSON = "个人"
    LEGAL_ENTITY = "法人"


class MaterialForm(StrEnum):
    """In which form a material is handed in."""

    ORIGINAL = "原件"
    COPY = "复印件"
    ORIGINAL_AND_COPY = "原件和复印件"
    ELECTRONIC = "电子件"


class Material(_Model):
    """One item of 申请材料."""

    name: NonEmpty
    form: MaterialForm = MaterialForm.ORIGINAL
    count: int = Field(default=1, ge=1, le=20)
    required: bool = True
    condition: str | None = None  # when given, the material is required only in this case
    notes: str | None = None


class TimeLimit(_Model):
    """办理时限 in working days; 0 means 即办 (handled on the spot)."""

    legal_days: int | None = Field(default=None, ge=0, le=365)
    promised_days: int = Field(ge=0, le=365)
    note: str | None = None


class Fee(_Model):
    """收费标准."""

    free: bool
    description: NonEmpty


class Location(_Model):
    """A service hall (办理地点) with its opening hours."""

    name: NonEmpty
    address: NonEmpty
    hours: NonEmpty
    phone: str | None = None


class OnlineService(_Model):
    """网上办理: whether and where the service can be done online."""

    available: bool
    url: str | None = None
    description: NonEmpty


class FAQ(_Model):
    """常见问题."""

    question: NonEmpty
    answer: NonEmpty


class FieldType(StrEnum):
    """Value types a form field can hold; each has a validator in the dialogue core."""

    TEXT = "text"
    NAME = "name"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    DATE = "date"
    ENUM = "enum"
    NUMBER = "number"
    ADDRESS = "address"
    EMAIL = "email"


class PIIClass(StrEnum):
    """How sensitive a field's value is; drives masking in logs and encryption at rest."""

    NONE = "none"
    NAME = "name"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    ADDRESS = "address"
    OTHER = "other"


class FormField(_Model):
    """One field of an application form that the assistant fills in through dialogue."""

    name: Identifier
    label: NonEmpty
    type: FieldType
    required: bool = True
    pii: PIIClass = PIIClass.NONE
    options: list[NonEmpty] = Field(default_factory=list)
    pattern: str | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    example: str | None = None
    help: str | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None
        return value


class ApplicationForm(_Model):
    """申请表: the fields the dialogue core pre-fills."""

    title: NonEmpty
    fields: list[FormField] = Field(min_length=1)


class ServiceGuide(_Model):
    """A 政务服务事项 and everything a citizen needs to get it done."""

    id: Annotated[str, StringConstraints(pattern=GUIDE_ID_PATTERN)]
    title: NonEmpty
    aliases: list[NonEmpty] = Field(default_factory=list)
    department: NonEmpty
    theme: NonEmpty
    audience: list[Audience] = Field(min_length=1)
    summary: NonEmpty
    conditions: list[NonEmpty] = Field(default_factory=list)
    materials: list[Material] = Field(default_factory=list)
    steps: list[NonEmpty] = Field(default_factory=list)
    time_limit: TimeLimit
    fees: Fee
    locations: list[Location] = Field(default_factory=list)
    online: OnlineService
    phone: NonEmpty
    legal_basis: list[NonEmpty] = Field(default_factory=list)
    faqs: list[FAQ] = Field(default_factory=list)
    form: ApplicationForm | None = None
    related: list[str] = Field(default_factory=list)  # ids of related guides
    source_url: str | None = None
    updated_at: date


class Department(_Model):
    """An entry of the departments catalogue used by routing and by the department console."""

    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")]
    id_prefix: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,6}$")]
    name: NonEmpty
    duties: NonEmpty
    keywords: list[NonEmpty] = Field(default_factory=list)
    phone: NonEmpty
    address: NonEmpty
    hours: NonEmpty


class SynonymGroup(_Model):
    """Words citizens use interchangeably; the first is the canonical term."""

    canonical: NonEmpty
    variants: list[NonEmpty] = Field(min_length=1)
