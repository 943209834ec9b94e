"""The heading → field mapping of `workflows/import_mapping.yaml`, and vocabulary look-ups with aliases."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from kfflow.errors import WorkflowDefinitionError
from kfflow.workflow import get_workflows
from kfflow.workflow.attributes import MEASURE
from kfflow.workflow.definition import Option

MAPPING_FILE = "import_mapping.yaml"


@dataclass(frozen=True)
class Column:
    field: str
    headings: tuple[str, ...]
    vocabulary: str | None = None
    required: bool = False

    @property
    def heading(self) -> str:
        """The heading export writes."""
        return self.headings[0]


def normalise(text: str) -> str:
    """Casefolded with whitespace collapsed: how headings, titles and choices are compared."""
    return " ".join(str(text).split()).casefold()


def _column(spec: dict) -> Column:
    """A column of the file; a measure attribute's vocabulary and whether it is required come from its one
    declaration (kfflow/workflow/attributes.py), so the import, the forms and the API cannot disagree."""
    declared = MEASURE.get(spec["field"])
    return Column(field=spec["field"], headings=tuple(spec["headings"]),
                  vocabulary=declared.vocabulary if declared else spec.get("vocabulary"),
                  required=declared.required if declared else bool(spec.get("required", False)))


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[Column, ...]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        columns = tuple(_column(c) for c in data["measure_columns"])
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise WorkflowDefinitionError(f"{path}: the import mapping cannot be read ({exc})") from None
    return columns


def measure_columns() -> tuple[Column, ...]:
    return _load(Path(get_workflows().path) / MAPPING_FILE)


def match_headings(headings: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
    """(field → column index, unknown headings, errors) for a file's heading row."""
    by_heading = {normalise(h): c for c in measure_columns() for h in c.headings}
    found: dict[str, int] = {}
    unknown, errors = [], []
    for index, heading in enumerate(headings):
        if not heading:
            continue
        column = by_heading.get(normalise(heading))
        if column is None:
            unknown.append(heading)
        elif column.field in found:
            errors.append(f"kolumnerna ”{headings[found[column.field]]}” och ”{heading}” betyder samma sak; "
                          "ta bort den ena")
        else:
            found[column.field] = index
    for column in measure_columns():
        if column.required and column.field not in found:
            errors.append(f"kolumnen {column.heading} saknas (eller {', '.join(column.headings[1:])})")
    return found, unknown, errors


def choice_lookup(options: tuple[Option, ...]) -> dict[str, str]:
    """normalised value, label or alias → stored value."""
    lookup = {}
    for option in options:
        for name in (option.value, option.label, *option.aliases):
            lookup.setdefault(normalise(name), option.value)
    return lookup


def vocabulary(name: str) -> tuple[Option, ...]:
    return get_workflows().vocabulary(name)
