"""Rule files beside the lifecycles (lagesbild.yaml, follow_up.yaml …): read strictly with a pydantic model,
errors naming the file and the key, and read once per loaded set of lifecycles."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticError

from kfflow.errors import WorkflowDefinitionError

Rules = TypeVar("Rules", bound=BaseModel)


class StrictRules(BaseModel):
    """A rule file's part: a misspelt key is an error, and the loaded rules cannot change."""
    model_config = ConfigDict(extra="forbid", frozen=True)


def read_rule_file(folder: Path | str, filename: str, model: type[Rules]) -> Rules:
    """`folder`/`filename` as `model`; WorkflowDefinitionError names the file and each bad key."""
    path = Path(folder) / filename
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise WorkflowDefinitionError(f"{filename}: {exc}") from None
    except PydanticError as exc:
        raise WorkflowDefinitionError("\n".join(
            f"{filename}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None


def check_measure_states(filename: str, key: str, states, workflows) -> None:
    """WorkflowDefinitionError naming the file and key when `states` holds a state the measure lifecycle lacks."""
    unknown = [s for s in states if s not in workflows.current("measure").states]
    if unknown:
        raise WorkflowDefinitionError(f"{filename}: {key}: no measure state {', '.join(unknown)}")


def cached_per_workflows(load: Callable) -> Callable:
    """`load(folder, workflows)` as a function of no arguments: the rules beside the loaded lifecycles, read
    once per loaded set (a test or a start-up that configures other lifecycles reads them again)."""
    loaded: dict[int, object] = {}

    def rules():
        from kfflow.workflow import get_workflows

        workflows = get_workflows()
        if id(workflows) not in loaded:
            loaded[id(workflows)] = load(workflows.path, workflows)
        return loaded[id(workflows)]
    return rules
