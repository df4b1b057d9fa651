"""Learning content as data: the glossary and the communication guide.

Both live in ``data/learn/`` as YAML, read with ``yaml.safe_load`` and validated on load. Every
problem found is reported at once, each naming the file and the entry (``glossary.yaml: entry 3
(psi): missing field 'short'``), so an author can fix a file in one pass.

Plain Python: no streamlit here; ``ui/learn_views.py`` draws what this module returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LEARN_DIR = Path(__file__).resolve().parent.parent / "data" / "learn"
GLOSSARY_PATH = LEARN_DIR / "glossary.yaml"
GUIDE_PATH = LEARN_DIR / "communication.yaml"

TERM_FIELDS = ("id", "term", "short", "explanation", "see_also")
SECTION_FIELDS = ("id", "title", "points", "say", "avoid")
HINT_NAMES = ("plan_summary", "impact_range", "rollback", "waiting_vs_working")


class LearnContentError(ValueError):
    """A learning-content file could not be used; carries every problem found."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path.name}: {p}" for p in problems))


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    short: str
    explanation: str
    see_also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    points: tuple[str, ...]
    say: tuple[str, ...]
    avoid: tuple[str, ...]


@dataclass(frozen=True)
class Guide:
    sections: tuple[Section, ...]
    hints: dict[str, str]

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(f"no communication-guide section {section_id!r}")


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LearnContentError(path, [f"cannot read the file ({exc.strerror or exc})"]) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        raise LearnContentError(path, [f"not valid YAML{where}: {problem}"]) from exc


def _label(index: int, raw: Any) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"entry {index + 1} ({ident})" if isinstance(ident, str) and ident else f"entry {index + 1}"


def _text(raw: dict, name: str, where: str, problems: list[str]) -> str:
    value = raw.get(name)
    if name not in raw or value is None:
        problems.append(f"{where}: missing field {name!r}")
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: field {name!r} must be non-empty text")
        return ""
    return value.strip()


def _texts(raw: dict, name: str, where: str, problems: list[str], *, allow_empty: bool = False) -> tuple:
    if name not in raw or raw.get(name) is None:
        if allow_empty and name in raw:
            return ()
        problems.append(f"{where}: missing field {name!r}")
        return ()
    value = raw[name]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: field {name!r} must be a list of non-empty texts")
        return ()
    if not value and not allow_empty:
        problems.append(f"{where}: field {name!r} must not be empty")
    return tuple(v.strip() for v in value)


def _unknown_fields(raw: dict, allowed: tuple[str, ...], where: str, problems: list[str]) -> None:
    extra = sorted(str(k) for k in raw if k not in allowed)
    if extra:
        problems.append(f"{where}: unknown field(s) {', '.join(map(repr, extra))}")


def load_glossary(path: str | Path | None = None) -> list[Term]:
    """Read and validate the glossary; raises :class:`LearnContentError` listing every problem."""
    path = Path(path) if path is not None else GLOSSARY_PATH
    data = _read_yaml(path)
    if not isinstance(data, list) or not data:
        raise LearnContentError(path, ["expected a non-empty list of terms at the top level"])
    problems: list[str] = []
    terms: list[Term] = []
    where_of: list[str] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data):
        where = _label(index, raw)
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a mapping with fields {', '.join(TERM_FIELDS)}")
            continue
        _unknown_fields(raw, TERM_FIELDS, where, problems)
        values = {name: _text(raw, name, where, problems) for name in TERM_FIELDS[:-1]}
        see_also = _texts(raw, "see_also", where, problems, allow_empty=True)
        ident = values["id"]
        if ident:
            if ident in seen:
                problems.append(f"{where}: duplicate id {ident!r} (first used by entry {seen[ident] + 1})")
                continue
            seen[ident] = index
        terms.append(Term(id=ident, term=values["term"], short=values["short"],
                          explanation=values["explanation"], see_also=see_also))
        where_of.append(where)
    for where, t in zip(where_of, terms, strict=True):
        for ref in t.see_also:
            if ref not in seen:
                problems.append(f"{where}: see_also refers to unknown id {ref!r}")
            elif ref == t.id:
                problems.append(f"{where}: see_also refers to itself")
    if problems:
        raise LearnContentError(path, problems)
    return terms


def load_guide(path: str | Path | None = None) -> Guide:
    """Read and validate the communication guide; raises :class:`LearnContentError`."""
    path = Path(path) if path is not None else GUIDE_PATH
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise LearnContentError(path, ["expected a mapping with 'sections' and 'hints' at the top level"])
    problems: list[str] = []
    extra = sorted(str(k) for k in data if k not in ("sections", "hints"))
    if extra:
        problems.append(f"unknown top-level field(s) {', '.join(map(repr, extra))}")
    raw_sections = data.get("sections")
    sections: list[Section] = []
    if not isinstance(raw_sections, list) or not raw_sections:
        problems.append("'sections' must be a non-empty list")
        raw_sections = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_sections):
        where = f"section {_label(index, raw).removeprefix('entry ')}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a mapping with fields {', '.join(SECTION_FIELDS)}")
            continue
        _unknown_fields(raw, SECTION_FIELDS, where, problems)
        ident = _text(raw, "id", where, problems)
        title = _text(raw, "title", where, problems)
        lists = {name: _texts(raw, name, where, problems) for name in ("points", "say", "avoid")}
        if ident:
            if ident in seen:
                problems.append(f"{where}: duplicate id {ident!r} (first used by section {seen[ident] + 1})")
                continue
            seen[ident] = index
        sections.append(Section(id=ident, title=title, **lists))
    raw_hints = data.get("hints")
    hints: dict[str, str] = {}
    if not isinstance(raw_hints, dict):
        problems.append("'hints' must be a mapping of hint name to text")
    else:
        for name in HINT_NAMES:
            if name not in raw_hints:
                problems.append(f"hints: missing hint {name!r}")
        for name, text in raw_hints.items():
            if not isinstance(text, str) or not text.strip():
                problems.append(f"hints: hint {name!r} must be non-empty text")
            else:
                hints[str(name)] = text.strip()
    if problems:
        raise LearnContentError(path, problems)
    return Guide(sections=tuple(sections), hints=hints)


@lru_cache(maxsize=4)
def _glossary_index(path: str, mtime_ns: int) -> dict[str, Term]:
    return {t.id: t for t in load_glossary(path)}


@lru_cache(maxsize=4)
def _guide_cached(path: str, mtime_ns: int) -> Guide:
    return load_guide(path)


def _stamp(path: Path) -> tuple[str, int]:
    return str(path), path.stat().st_mtime_ns


def glossary_index(path: str | Path | None = None) -> dict[str, Term]:
    """The glossary by id, re-read when the file changes."""
    return _glossary_index(*_stamp(Path(path) if path is not None else GLOSSARY_PATH))


def term(term_id: str, path: str | Path | None = None) -> Term:
    """One glossary term by id; ``KeyError`` naming the id when it is not in the glossary."""
    index = glossary_index(path)
    try:
        return index[term_id]
    except KeyError:
        raise KeyError(f"no glossary term with id {term_id!r}") from None


def hint(name: str, path: str | Path | None = None) -> str:
    """A short communication hint (``plan_summary``, ``impact_range``, ``rollback``, ...)."""
    guide = _guide_cached(*_stamp(Path(path) if path is not None else GUIDE_PATH))
    try:
        return guide.hints[name]
    except KeyError:
        raise KeyError(f"no communication hint named {name!r}; known: {', '.join(sorted(guide.hints))}") \
            from None
