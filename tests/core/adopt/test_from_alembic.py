"""orch.toml from alembic.ini and env.py: each setting carried over or named as not."""

from pathlib import Path

import pytest

from orch_core.adopt import adopt_alembic
from orch_core.config.loader import load_config


def project(root: Path, alembic: str, env_py: str = "") -> Path:
    (root / "migrations").mkdir(exist_ok=True)
    (root / "migrations" / "env.py").write_text(env_py)
    ini = root / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = migrations\n" + alembic)
    return ini


@pytest.mark.parametrize(
    "locations",
    [
        "path_separator = os\nversion_locations = %(here)s/model_a:%(here)s/model_b",
        "path_separator = space\nversion_locations = model_a model_b",
        "version_locations = model_a, model_b",  # Alembic's legacy splitting
    ],
)
def test_several_version_locations_become_services_of_one_database(
    tmp_path: Path, locations: str
) -> None:
    adoption = adopt_alembic(project(tmp_path, locations + "\nsqlalchemy.url = sqlite:///a.db\n"))
    adoption.path.write_text(adoption.text)
    config = load_config(adoption.path, environ={})
    assert {n: s.scripts for n, s in config.services.items()} == {
        "model_a": tmp_path / "model_a",
        "model_b": tmp_path / "model_b",
    }
    assert config.databases["app"].services == ("model_a", "model_b")
    assert config.databases["app"].url == f"sqlite:///{tmp_path}/a.db"


def test_env_py_literals_are_carried_and_the_rest_named(tmp_path: Path) -> None:
    env_py = (
        "from alembic import context\n"
        "context.configure(version_table='v', version_table_pk=False, "
        "transaction_per_migration=True, render_item=render, tag='x', **extra)\n"
    )
    adoption = adopt_alembic(project(tmp_path, "", env_py))
    adoption.path.write_text(adoption.text)
    database = load_config(adoption.path, environ={"APP_DATABASE_URL": "sqlite://"}).databases
    main = database["app"]
    assert (main.version_table, main.version_table_pk) == ("v", False)
    skipped = {note.setting: note.detail for note in adoption.not_carried}
    assert skipped["render_item"].startswith("render_item=render: orch renders")
    assert skipped["tag"].startswith("tag='x': not supported")
    assert skipped["**extra"].startswith("**extra=")
    assert skipped["sqlalchemy.url"] == "not set (env.py builds it): set APP_DATABASE_URL"
    assert adoption.variables == ("APP_DATABASE_URL",)


def test_scripts_alembic_would_skip_in_subfolders_are_named(tmp_path: Path) -> None:
    nested = tmp_path / "migrations" / "versions" / "old"
    nested.mkdir(parents=True)
    (nested / "x1_old.py").write_text("revision = 'x1'\n")
    adoption = adopt_alembic(project(tmp_path, "sqlalchemy.url = sqlite://\n"))
    notes = {note.setting: note.detail for note in adoption.not_carried}
    assert "1 script(s) below migrations/versions" in notes["recursive_version_locations"]


def test_alembic_1_16_settings_in_pyproject_toml_are_read(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text("[alembic]\nsqlalchemy.url = sqlite:///a.db\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        "[tool.alembic]\n"
        'script_location = "%(here)s/migrations"\n'
        'version_locations = ["%(here)s/one", "two"]\n'
        'post_write_hooks = [{name = "ruff", type = "exec"}]\n'
    )
    adoption = adopt_alembic(tmp_path / "alembic.ini")
    adoption.path.write_text(adoption.text)
    config = load_config(adoption.path, environ={})
    assert {s.scripts for s in config.services.values()} == {tmp_path / "one", tmp_path / "two"}
    skipped = {note.setting: note.detail for note in adoption.not_carried}
    assert skipped["post_write_hooks"].startswith("ruff:")


def test_the_multidb_templates_other_engines_are_named(tmp_path: Path) -> None:
    ini = project(tmp_path, "databases = engine1, engine2\n")
    skipped = {note.setting: note.detail for note in adopt_alembic(ini).not_carried}
    assert skipped["databases"].startswith("engine1, engine2: the multidb template")
