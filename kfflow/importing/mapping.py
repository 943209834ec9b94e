"""The heading → field mapping of `workflows/import_mapping.yaml`, and vocabulary look-ups with aliases."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field

from kfflow.errors import WorkflowDefinitionError
from kfflow.workflow import get_workflows
from kfflow.workflow.attributes import MEASURE
from kfflow.workflow.definition import Option
from kfflow.workflow.loader import Errors, Label, Strict, parse_file, read_yaml

MAPPING_FILE = "import_mapping.yaml"
# The fields a column may fill: what kfflow/importing/plan.py reads from a row.
COLUMN_FIELDS = ("id", "title", "description", "category", "working_group", "owner", "state", "status", "started",
                 "due_date", "expected_effect", "indicator")


class MappingColumn(Strict):
    field: str
    headings: Annotated[list[Label], Field(min_length=1)]
    vocabulary: str | None = None
    required: bool = False


class ImportMappingFile(Strict):
    measure_columns: Annotated[list[MappingColumn], Field(min_length=1)]


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


def load_import_mapping(folder: Path, vocabularies: dict[str, tuple[Option, ...]]) -> tuple[Column, ...]:
    """The spreadsheet columns of `folder`/import_mapping.yaml, validated strictly (`kfflow workflows check`):
    known keys and fields, existing vocabularies, every heading in one column only."""
    path = Path(folder) / MAPPING_FILE
    errors = Errors()
    spec = parse_file(ImportMappingFile, path.name, read_yaml(path, errors), errors) if path.exists() else None
    if spec is None and not errors.lines:
        errors.add(path.name, "missing")
    headings: dict[str, str] = {}
    fields: set[str] = set()
    for column in spec.measure_columns if spec else ():
        where = f"{path.name}, column {column.field!r}"
        if column.field not in COLUMN_FIELDS:
            errors.add(where, f"unknown field {column.field!r} (known: {', '.join(COLUMN_FIELDS)})")
        if column.field in fields:
            errors.add(where, "the field has two columns")
        fields.add(column.field)
        if column.vocabulary is not None and column.vocabulary not in vocabularies:
            errors.add(where, f"unknown vocabulary {column.vocabulary!r}")
        for heading in column.headings:
            if normalise(heading) in headings:
                errors.add(where, f"heading {heading!r} also belongs to {headings[normalise(heading)]!r}")
            headings[normalise(heading)] = column.field
    if errors.lines:
        raise WorkflowDefinitionError("\n".join(errors.lines))
    return tuple(_column(c) for c in spec.measure_columns)


def _column(spec: MappingColumn) -> Column:
    """A column of the file; a measure attribute's vocabulary and whether it is required come from its one
    declaration (kfflow/workflow/attributes.py), so the import, the forms and the API cannot disagree."""
    declared = MEASURE.get(spec.field)
    return Column(field=spec.field, headings=tuple(spec.headings),
                  vocabulary=declared.vocabulary if declared else spec.vocabulary,
                  required=declared.required if declared else spec.required)


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[Column, ...]:
    return load_import_mapping(path, get_workflows().vocabularies)


def measure_columns() -> tuple[Column, ...]:
    return _load(Path(get_workflows().path))


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
