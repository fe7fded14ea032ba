"""The ServiceGuide schema accepts a complete guide and rejects malformed ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from knowledge.schema import FieldType, MaterialForm, ServiceGuide

SAMPLE = (
    Path(__file__).resolve().parents[2] / "knowledge" / "data" / "guides" / "police" / "GA-001.yaml"
)


@pytest.fixture
def guide_data() -> dict:
    return yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))


def test_complete_guide_parses(guide_data: dict) -> None:
    guide = ServiceGuide.model_validate(guide_data)
    assert guide.title == "居住证申领"
    assert guide.materials[0].form is MaterialForm.ORIGINAL
    assert guide.form is not None
    assert {f.type for f in guide.form.fields} >= {
        FieldType.ID_NUMBER,
        FieldType.PHONE,
        FieldType.ENUM,
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "ga_1"}, "id"),
        ({"title": "  "}, "title"),
        ({"audience": []}, "audience"),
        ({"audience": ["游客"]}, "audience"),
        ({"time_limit": {"promised_days": -1}}, "time_limit"),
        ({"materials": [{"name": "身份证", "count": 0}]}, "materials"),
        ({"materials": [{"name": "身份证", "form": "扫描件"}]}, "materials"),
        ({"unknown_key": 1}, "unknown_key"),
        ({"updated_at": "昨天"}, "updated_at"),
        (
            {
                "form": {
                    "title": "表",
                    "fields": [{"name": "Bad Name", "label": "x", "type": "text"}],
                }
            },
            "form",
        ),
        (
            {
                "form": {
                    "title": "表",
                    "fields": [{"name": "x1", "label": "x", "type": "text", "pattern": "("}],
                }
            },
            "form",
        ),
    ],
)
def test_invalid_values_are_rejected(guide_data: dict, change: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ServiceGuide.model_validate({**guide_data, **change})
    assert any(err["loc"][0] == field for err in info.value.errors())
