"""Loading a hooks module: by module name or file, typed, and every mistake named by its key."""

from pathlib import Path

import pytest

from orch_core.config.hooks import load_database_hooks, load_hooks, load_service_hooks
from orch_core.config.loader import load_config
from orch_core.errors import ConfigError

CONFIG = """
[orch]
hooks = "{project}"

[services.app]
scripts = "app"
{service}

[databases.main]
url = "sqlite:///main.db"
services = ["app"]
"""

HOOKS = """
calls = []

def before_step(connection, step):
    calls.append(("before", step.revision))

def include_object(object, name, type_, reflected, compare_to):
    return name != "skipped"

def helper_that_is_no_hook():
    pass
"""


def config(tmp_path: Path, project: str, service: str = "") -> Path:
    path = tmp_path / "orch.toml"
    path.write_text(CONFIG.format(project=project, service=service))
    return path


def test_a_hooks_file_is_loaded_into_typed_hooks(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "hooks.py").write_text(HOOKS)
    loaded = load_config(config(tmp_path, "migrations/hooks.py"), environ={})
    assert loaded.hooks is not None
    hooks = load_hooks(loaded.hooks)
    assert hooks.source == "migrations/hooks.py"
    assert hooks.include_object is not None
    assert hooks.include_object(None, "skipped", "table", False, None) is False
    assert hooks.before_step is not None
    assert hooks.after_step is None and hooks.password is None


def test_a_hooks_module_is_imported_by_name_next_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "adopt_hooks_by_name.py").write_text(HOOKS)
    loaded = load_config(config(tmp_path, "adopt_hooks_by_name"), environ={})
    assert loaded.hooks is not None
    assert load_hooks(loaded.hooks).before_step is not None


def test_a_services_hooks_win_over_the_projects_for_its_revisions(tmp_path: Path) -> None:
    (tmp_path / "project.py").write_text(HOOKS)
    (tmp_path / "service.py").write_text("def before_step(connection, step):\n    pass\n")
    loaded = load_config(config(tmp_path, "project.py", 'hooks = "service.py"'), environ={})
    hooks = load_database_hooks(loaded.databases["main"].hooks)
    app, other = hooks.for_service("app"), hooks.for_service("other")
    assert app.before_step is not None and other.before_step is not None
    assert app.before_step.__module__ != other.before_step.__module__
    assert app.include_object is other.include_object  # the project's, where the service has none
    autogenerate = load_service_hooks(loaded, "app")
    assert autogenerate.before_step is app.before_step
    assert autogenerate.include_object is app.include_object


@pytest.mark.parametrize(
    ("target", "files", "fragment"),
    [
        ("missing/hooks.py", {}, "hooks file"),
        ("no_such_hooks_module_anywhere", {}, "no module named 'no_such_hooks_module_anywhere'"),
        ("bad.py", {"bad.py": "before_step = 3\n"}, "before_step in bad.py must be a function"),
        ("broken.py", {"broken.py": "import no_such_app\n"}, "importing the hooks module"),
    ],
)
def test_a_bad_hooks_module_names_the_key_and_file(
    tmp_path: Path, target: str, files: dict[str, str], fragment: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    loaded = load_config(config(tmp_path, target), environ={})
    assert loaded.hooks is not None
    with pytest.raises(ConfigError) as caught:
        load_hooks(loaded.hooks)
    assert caught.value.key == "orch.hooks"
    assert caught.value.path == tmp_path / "orch.toml"
    assert fragment in str(caught.value)


def test_a_service_may_not_set_up_connections(tmp_path: Path) -> None:
    (tmp_path / "project.py").write_text(HOOKS)
    (tmp_path / "service.py").write_text("def password(database):\n    return 'x'\n")
    loaded = load_config(config(tmp_path, "project.py", 'hooks = "service.py"'), environ={})
    with pytest.raises(ConfigError) as caught:
        load_database_hooks(loaded.databases["main"].hooks)
    assert caught.value.key == "services.app.hooks"
    assert "only the project's hooks module" in str(caught.value)
