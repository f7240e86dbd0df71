"""Reads suite files (format v1, or Rasa e2e test files) into :class:`LoadedSuite`\\ s.

Every mistake is a :class:`SuiteError` naming the file, the case and the key, so an
evaluator can fix a suite written outside the project without reading this code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from eval.errors import SuiteError
from eval.rasa_e2e import is_rasa_e2e, suite_from_rasa
from eval.spec import SuiteSpec

__all__ = ["SUITE_SUFFIXES", "LoadedSuite", "find_suite_files", "load_suite", "load_suites"]

SUITE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedSuite:
    spec: SuiteSpec
    file: Path
    #: "suite" for format v1, "rasa" for a Rasa e2e test file
    kind: Literal["suite", "rasa"] = "suite"

    @property
    def folder(self) -> Path:
        return self.file.parent

    def resolve(self, relative: str) -> Path:
        """A setup path as written in the suite, relative to the suite file."""
        return (self.folder / relative).resolve()


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (the second would win)."""


def _mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def find_suite_files(paths: Iterable[Path]) -> list[Path]:
    """The suite files named, and those under named folders (sorted, recursively)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix in SUITE_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            found.append(path)
        else:
            raise SuiteError(path, None, None, "文件或目录不存在")
    if not found:
        raise SuiteError(None, None, None, "没有找到测试套件文件（*.yaml / *.yml）")
    return list(dict.fromkeys(found))


def _case_of(data: Any, loc: Sequence[int | str]) -> str | None:
    """The id of the case an error location points into, if any."""
    if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
        cases = data.get("cases") if isinstance(data, dict) else None
        if isinstance(cases, list) and loc[1] < len(cases):
            case = cases[loc[1]]
            if isinstance(case, dict) and case.get("id") is not None:
                return str(case["id"])
            return f"#{loc[1] + 1}"
    return None


def _key_path(loc: Sequence[int | str]) -> str:
    parts = list(loc[2:] if len(loc) >= 2 and loc[0] == "cases" else loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text


def _validation_error(path: Path, data: Any, exc: ValidationError) -> SuiteError:
    problems = []
    for error in exc.errors():
        loc = error["loc"]
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(SuiteError(path, _case_of(data, loc), _key_path(loc) or None, message))
    first = problems[0]
    if len(problems) > 1:
        return SuiteError(
            path, first.case, first.key, first.reason, more=[str(p) for p in problems[1:]]
        )
    return first


def _duplicate_ids(path: Path, data: dict[str, Any]) -> None:
    seen: set[str] = set()
    for case in data.get("cases") or []:
        if isinstance(case, dict) and case.get("id") is not None:
            case_id = str(case["id"])
            if case_id in seen:
                raise SuiteError(path, case_id, "id", "duplicate case id")
            seen.add(case_id)


def load_suite(path: Path) -> LoadedSuite:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(path, None, None, f"cannot read the file: {exc}") from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise SuiteError(path, None, None, f"bad YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SuiteError(path, None, None, "a suite is a mapping with suite, cases, …")
    kind: Literal["suite", "rasa"] = "suite"
    if is_rasa_e2e(data):
        data = suite_from_rasa(path, data)
        kind = "rasa"
    _duplicate_ids(path, data)
    try:
        spec = SuiteSpec.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(path, data, exc) from exc
    return LoadedSuite(spec, path.resolve(), kind)


def load_suites(paths: Iterable[Path]) -> list[LoadedSuite]:
    """Every suite under ``paths``; raises the first :class:`SuiteError` met."""
    return [load_suite(path) for path in find_suite_files(paths)]
