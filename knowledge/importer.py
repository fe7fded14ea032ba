"""Import service guides from a spreadsheet export (one row per 事项, the usual column names).

Good rows become YAML guide files; bad rows are reported by their spreadsheet row number
(the header is row 1) with every reason, and skipped: an empty title, a department or theme
not in the catalogue, a 事项编码 without the department's id prefix, a title the knowledge base
(or an earlier row) already has. An existing guide file is replaced only with `force`, by a row
naming its 事项编码.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge.loader import GUIDES_DIR, parse_corpus
from knowledge.schema import GUIDE_ID_PATTERN, THEMES, Department, ServiceGuide

# Column headings seen in portal exports, mapped to our field names.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("事项编码", "基本编码", "实施编码"),
    "title": ("事项名称",),
    "department": ("实施主体", "办理部门", "实施机构"),
    "conditions": ("办理条件", "受理条件", "申请条件"),
    "materials": ("申请材料", "材料清单"),
    "time_limit": ("办理时限", "承诺时限", "承诺办结时限"),
    "legal_days": ("法定时限", "法定办结时限"),
    "fees": ("收费标准", "是否收费"),
    "location": ("办理地点",),
    "hours": ("办理时间",),
    "phone": ("咨询电话", "咨询方式"),
    "steps": ("办理流程",),
    "legal_basis": ("设定依据", "法律依据"),
    "online": ("网上办理地址", "在线办理地址"),
    "theme": ("主题分类", "主题"),
    "audience": ("服务对象",),
    "aliases": ("别名", "常用名称"),
    "summary": ("事项简介", "服务内容"),
}
_ITEM_SPLIT = re.compile(r"[\n；;]+|(?<=[。\s])(?=\d+[、.．)）])")
_NUMBERING = re.compile(r"^\s*\d+[、.．)）]\s*")
_DAYS = re.compile(r"(\d+)\s*个?工作日")


@dataclass
class ImportReport:
    """What an import did: files written, and bad rows with reasons."""

    written: list[Path] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a .csv (UTF-8 or GBK) or .xlsx file as dicts keyed by heading."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        if sheet is None:
            return []
        rows = [
            [("" if c is None else str(c)).strip() for c in r]
            for r in sheet.iter_rows(values_only=True)
        ]
        header, body = (rows[0], rows[1:]) if rows else ([], [])
        return [dict(zip(header, r, strict=False)) for r in body]
    if path.suffix.lower() != ".csv":
        raise ValueError(f"{path}: unsupported file type '{path.suffix}', expected .csv or .xlsx")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"{path}: neither UTF-8 nor GBK text")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in reader]


def _cell(row: dict[str, str], key: str) -> str:
    return next((row[c] for c in COLUMNS[key] if row.get(c)), "")


def _items(text: str) -> list[str]:
    parts = (_NUMBERING.sub("", part).strip(" 。，,") for part in _ITEM_SPLIT.split(text) if part)
    return [part for part in parts if part]


def _material(text: str) -> dict[str, Any]:
    form = (
        "原件和复印件"
        if "原件" in text and "复印" in text
        else "复印件"
        if "复印" in text
        else "原件"
    )
    count = re.search(r"(\d+)\s*份", text)
    name = re.sub(r"[（(][^）)]*[）)]", "", text).strip() or text
    return {"name": name, "form": form, "count": int(count.group(1)) if count else 1}


def _days(text: str) -> int | None:
    if "即办" in text or "当场" in text:
        return 0
    match = _DAYS.search(text)
    return int(match.group(1)) if match else None


def row_to_guide(row: dict[str, str], department_prefix: str, guide_id: str) -> dict[str, Any]:
    """Map one spreadsheet row to the ServiceGuide YAML structure."""
    title = _cell(row, "title")
    fees = _cell(row, "fees") or "不收费"
    promised = _days(_cell(row, "time_limit"))
    online_url = _cell(row, "online")
    del department_prefix
    return {
        "id": guide_id,
        "title": title,
        "aliases": _items(_cell(row, "aliases")),
        "department": _cell(row, "department"),
        "theme": _cell(row, "theme") or "其他",
        "audience": [a for a in ("个人", "法人") if a in (_cell(row, "audience") or "个人")]
        or ["个人"],
        "summary": _cell(row, "summary") or f"{title}，由{_cell(row, 'department')}办理。",
        "conditions": _items(_cell(row, "conditions")),
        "materials": [_material(m) for m in _items(_cell(row, "materials"))],
        "steps": _items(_cell(row, "steps")),
        "time_limit": {"legal_days": _days(_cell(row, "legal_days")), "promised_days": promised}
        if promised is not None
        else None,
        "fees": {"free": any(w in fees for w in ("不收费", "免费", "否")), "description": fees},
        "locations": [
            {
                "name": _cell(row, "location"),
                "address": _cell(row, "location"),
                "hours": _cell(row, "hours") or "工作日 9:00-17:00",
            }
        ]
        if _cell(row, "location")
        else [],
        "online": {
            "available": bool(online_url),
            "url": online_url or None,
            "description": "可在线办理" if online_url else "暂不支持网上办理，请到窗口办理",
        },
        "phone": _cell(row, "phone"),
        "legal_basis": _items(_cell(row, "legal_basis")),
        "faqs": [],
        "updated_at": date.today().isoformat(),
    }


def _next_id(prefix: str, taken: set[str]) -> str:
    n = 1
    while f"{prefix}-{n:03d}" in taken:
        n += 1
    return f"{prefix}-{n:03d}"


class _Import:
    """What the knowledge base (and the rows imported so far) already holds."""

    def __init__(self, kb_root: Path, force: bool) -> None:
        corpus = parse_corpus(kb_root)
        self.root, self.force = kb_root, force
        self.departments = {d.name: d for d, _ in corpus.departments}
        guides = corpus.guides + corpus.invalid_guides
        self.files = {p.stem: p for p in (kb_root / GUIDES_DIR).rglob("*.y*ml")}
        self.ids = {g.id: str(d.path.relative_to(kb_root)) for g, d in guides if g.id} | {
            stem: str(p.relative_to(kb_root)) for stem, p in self.files.items()
        }
        self.titles = {g.title: f"{g.id} ({d.path.relative_to(kb_root)})" for g, d in guides}
        self.rows: set[str] = set()  # ids written by this import

    def row_problems(self, row: dict[str, str], dept: Department | None) -> list[str]:
        """Every reason the row cannot be imported as far as its cells say (no schema yet)."""
        problems = [] if _cell(row, "title") else ["事项名称 is empty"]
        if dept is None:
            name = _cell(row, "department")
            problems.append(f"实施主体 '{name}' is not in the departments catalogue")
        theme = _cell(row, "theme")
        if theme and theme not in THEMES:
            problems.append(f"主题分类 '{theme}' is not a theme; one of: {'、'.join(THEMES)}")
        given = _cell(row, "id")
        if dept is not None and re.fullmatch(GUIDE_ID_PATTERN, given):
            if not given.startswith(dept.id_prefix + "-"):
                problems.append(
                    f"事项编码 '{given}' must start with '{dept.id_prefix}-' for {dept.name}"
                )
            problems += self._id_problems(given, dept)
        title = _cell(row, "title")
        if title in self.titles and not self._replaces(given, self.titles[title]):
            problems.append(f"事项名称 '{title}' already exists: {self.titles[title]}")
        return problems

    def _replaces(self, guide_id: str, where: str) -> bool:
        return self.force and where.startswith(f"{guide_id} (") and guide_id not in self.rows

    def _id_problems(self, guide_id: str, dept: Department) -> list[str]:
        if guide_id in self.rows:
            return [f"事项编码 '{guide_id}' repeats {self.ids[guide_id]}"]
        if guide_id not in self.ids:
            return []
        target = f"{GUIDES_DIR}/{dept.code}/{guide_id}.yaml"
        if self.ids[guide_id] != target:
            return [f"事项编码 '{guide_id}' is already {self.ids[guide_id]}"]
        return [] if self.force else [f"{target} exists; use --force to replace it"]

    def new_id(self, row: dict[str, str], dept: Department) -> str:
        given = _cell(row, "id")
        if re.fullmatch(GUIDE_ID_PATTERN, given):
            return given
        return _next_id(dept.id_prefix, set(self.ids))

    def record(self, guide: ServiceGuide, number: int) -> None:
        self.ids[guide.id] = f"row {number}"
        self.titles[guide.title] = f"row {number}"
        self.rows.add(guide.id)


def _guide(row: dict[str, str], state: _Import) -> ServiceGuide | str:
    """The row as a valid guide, or every reason it is not one."""
    dept = state.departments.get(_cell(row, "department"))
    problems = state.row_problems(row, dept)
    if problems or dept is None:
        return "; ".join(problems)
    data = row_to_guide(row, dept.id_prefix, state.new_id(row, dept))
    try:
        guide = ServiceGuide.model_validate(data)
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    keys = ("conditions", "materials", "steps", "location")
    missing = [COLUMNS[k][0] for k in keys if not _cell(row, k)]
    return f"{'、'.join(missing)} is empty" if missing else guide


def import_guides(source: Path, kb_root: Path, force: bool = False) -> ImportReport:
    """Import every good row of `source` into the KB at `kb_root`; report the bad ones."""
    state = _Import(kb_root, force)
    report = ImportReport()
    for number, row in enumerate(read_rows(source), start=2):
        if not any(row.values()):
            continue
        guide = _guide(row, state)
        if isinstance(guide, str):
            report.errors.append((number, guide))
            continue
        state.record(guide, number)
        dept = state.departments[guide.department]
        target = kb_root / GUIDES_DIR / dept.code / f"{guide.id}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dump_guide(guide), encoding="utf-8")
        report.written.append(target)
    return report


def dump_guide(guide: ServiceGuide) -> str:
    """A guide as human-editable YAML (Chinese kept readable, None values left out)."""
    data = guide.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
