"""Loading orch.toml: overlays, interpolation, and an error naming file and key for each mistake."""

from pathlib import Path

import pytest

from orch_core.config import TransactionMode
from orch_core.config.loader import load_config
from orch_core.errors import ConfigError, ConfigNotFound

GOOD = """
[orch]
audit_log = ".orch/audit.jsonl"
concurrency = 2

[services.users]
scripts = "services/users"

[services.billing]
scripts = "services/billing"

[databases.users]
url = "sqlite:///.orch/users.db"
services = ["users"]

[databases.billing]
url = "${BILLING_URL:-sqlite:///.orch/billing.db}"
services = ["billing"]
after = ["users"]
history_table = false
transaction_mode = "per-run"
"""


def write(folder: Path, text: str, name: str = "orch.toml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_good_config_is_typed_with_paths_relative_to_it(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), environ={})
    assert config.concurrency == 2
    assert config.audit_log == tmp_path / ".orch/audit.jsonl"
    assert config.services["users"].scripts == tmp_path / "services/users"
    billing = config.databases["billing"]
    assert billing.url == f"sqlite:///{tmp_path}/.orch/billing.db"
    assert billing.after == ("users",)
    assert billing.history_table is None
    assert billing.transaction_mode is TransactionMode.PER_RUN
    assert config.databases["users"].history_table == "orch_history"
    # A relative SQLite path is relative to the config file, not to the working directory.
    assert config.databases["users"].url == f"sqlite:///{tmp_path}/.orch/users.db"


def test_interpolation_takes_the_environment(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), environ={"BILLING_URL": "postgresql://u:p@h/b"})
    assert config.databases["billing"].url == "postgresql://u:p@h/b"


def test_unset_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD.replace("concurrency = 2\n", "")), environ={})
    assert config.concurrency == 8


def test_found_from_a_subfolder_and_in_pyproject(tmp_path: Path) -> None:
    text = "\n".join(
        "[tool.orch." + line[1:] if line.startswith("[") else line for line in GOOD.splitlines()
    )
    write(tmp_path, '[project]\nname = "x"\n' + text, "pyproject.toml")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    config = load_config(start=tmp_path / "deep" / "er", environ={})
    assert config.path == (tmp_path / "pyproject.toml").resolve()
    assert set(config.databases) == {"users", "billing"}


def test_env_overlay_merges_key_by_key(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    write(tmp_path, '[databases.users]\nurl = "postgresql://db/users"\n', "envs/ci.toml")
    config = load_config(path, env="ci", environ={})
    assert config.databases["users"].url == "postgresql://db/users"
    assert config.databases["users"].services == ("users",)
    assert (
        load_config(path, environ={"ORCH_ENV": "ci"}).databases["users"].url.startswith("postgres")
    )


def error_for(tmp_path: Path, text: str, **kwargs: object) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), environ={}, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_missing_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigNotFound, match=r"no orch\.toml found"):
        load_config(start=tmp_path, environ={})
    with pytest.raises(ConfigNotFound, match="does not exist"):
        load_config(tmp_path / "nope.toml", environ={})


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    error = error_for(tmp_path, "[orch]\nconcurrency = = 4\n")
    assert error.path == tmp_path / "orch.toml"
    assert error.line == 2
    assert "TOML syntax error" in str(error)


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("[orch]\nconcurency = 4\n", "orch.concurency", "unknown key"),
        ("[databse.x]\n", "databse", "unknown key"),
        ('[orch]\nconcurrency = "4"\n', "orch.concurrency", "must be an integer"),
        ("[services.a]\nscripts = 1\n", "services.a.scripts", "must be a string"),
        ("[databases.a]\nservices = []\n", "databases.a.url", "is required"),
    ],
)
def test_bad_keys_and_types_are_named(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    error = error_for(tmp_path, text)
    assert error.key == key
    assert fragment in str(error)
    assert str(tmp_path / "orch.toml") in str(error)


def test_unknown_service(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.replace('services = ["billing"]', 'services = ["biling"]'))
    assert error.key == "databases.billing.services"
    assert "unknown service 'biling'" in str(error)


def test_unknown_database_in_after(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD.replace('after = ["users"]', 'after = ["usres"]'))
    assert error.key == "databases.billing.after"
    assert "unknown database 'usres'" in str(error)


def test_cycle_in_after_is_shown(tmp_path: Path) -> None:
    text = GOOD.replace('services = ["users"]', 'services = ["users"]\nafter = ["billing"]')
    error = error_for(tmp_path, text)
    assert "cycle" in str(error)
    assert "users" in str(error) and "billing" in str(error)


def test_missing_env_overlay(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD, env="staging")
    assert "envs/staging.toml" in str(error)


def test_undefined_variable_without_default(tmp_path: Path) -> None:
    error = error_for(
        tmp_path, GOOD.replace("${BILLING_URL:-sqlite:///.orch/billing.db}", "${NOPE}")
    )
    assert error.key == "databases.billing.url"
    assert "NOPE" in str(error)


def test_unknown_key_in_overlay_names_the_overlay(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    overlay = write(tmp_path, "[databases.users]\nulr = 'x'\n", "envs/ci.toml")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env="ci", environ={})
    assert caught.value.path == overlay
    assert caught.value.key == "databases.users.ulr"
