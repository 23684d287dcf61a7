"""docs/configuration.md lists exactly the keys the loader accepts, with their types."""

import inspect
import re
from pathlib import Path

import pytest

from orch_core.config.alembic_keys import NOT_KEYS
from orch_core.config.hooks import CONNECTION_HOOKS, SERVICE_HOOKS
from orch_core.config.keys import accepted_keys

REFERENCE = Path(__file__).parents[1] / "docs" / "configuration.md"
_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "list of strings"}


def section(title: str) -> list[list[str]]:
    """Return the rows of the first table under the `## title` heading, cells stripped."""
    text = REFERENCE.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    rows = []
    for line in text[start : end if end > 0 else None].splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows[1:]  # without the header row


def documented_type(types: tuple[type, ...]) -> str:
    """Return the loader's types as the reference writes them ("number" covers int and float)."""
    names = [_NAMES[t] for t in types if not (t is int and float in types)]
    return " or ".join(names)


@pytest.mark.parametrize(
    ("table", "title"),
    [
        ("orch", "[orch]"),
        ("services", "[services.NAME]"),
        ("databases", "[databases.NAME]"),
        ("fleets", "[fleets.NAME]"),
    ],
)
def test_every_key_the_loader_accepts_is_documented_with_its_type(table: str, title: str) -> None:
    rows = section(title)
    documented = {row[0].strip("`"): row[1] for row in rows}
    accepted = accepted_keys(table)
    assert set(documented) == set(accepted)
    for key, types in accepted.items():
        assert documented[key] == documented_type(types), key
    assert all(row[2] and row[3] for row in rows)  # a default and a meaning for each


def test_every_hook_function_is_documented() -> None:
    documented = {row[0].strip("`") for row in section("Hooks")}
    assert documented == {*SERVICE_HOOKS, *CONNECTION_HOOKS}


def test_every_alembic_option_that_is_no_key_is_documented() -> None:
    documented = set()
    for row in section("Alembic options that are not keys"):
        documented |= set(re.findall(r"`(\w+)`", row[0]))
    assert documented == set(NOT_KEYS)


def test_every_option_of_alembics_configure_is_a_key_or_refused() -> None:
    from alembic.runtime.environment import EnvironmentContext

    options = set(inspect.signature(EnvironmentContext.configure).parameters) - {"self", "kw"}
    # The autogenerate keys are the autogenerate package's (compare_type, render_as_batch, ...).
    autogenerate = {
        "compare_type",
        "compare_server_default",
        "include_schemas",
        "render_as_batch",
        "user_module_prefix",
    }
    assert options - set(accepted_keys("orch")) - set(NOT_KEYS) - autogenerate == set()
