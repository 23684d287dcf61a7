"""The autogenerate keys: Alembic's names and defaults, [orch] for all services, a service's own."""

from pathlib import Path

import pytest

from orch_core.config.autogenerate import AutogenerateConfig
from orch_core.config.loader import load_config
from orch_core.errors import ConfigError

CONFIG = """
[orch]
python_path = ["src", "lib"]
compare_server_default = true
exclude_tables = ["spatial_ref_sys"]
file_template = "%(year)d_%(rev)s_%(slug)s"

[services.users]
scripts = "users"
metadata = "users.models:Base.metadata"
compare_type = false
render_as_batch = true

[services.billing]
scripts = "billing"
metadata = ["billing.models:metadata", "billing.audit:metadata"]
user_module_prefix = "mytypes."

[services.plain]
scripts = "plain"

[databases.main]
url = "sqlite:///main.db"
services = ["users", "billing", "plain"]
"""


def test_keys_are_typed_and_a_service_overrides_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "orch.toml").write_text(CONFIG)
    config = load_config(tmp_path / "orch.toml", environ={})
    assert config.python_path == (tmp_path / "src", tmp_path / "lib")
    assert config.file_template == "%(year)d_%(rev)s_%(slug)s"
    assert config.truncate_slug_length == 40
    users = config.services["users"].autogenerate
    assert users == AutogenerateConfig(
        metadata=("users.models:Base.metadata",),
        compare_type=False,
        compare_server_default=True,
        render_as_batch=True,
        exclude_tables=("spatial_ref_sys",),
    )
    billing = config.services["billing"].autogenerate
    assert billing.metadata == ("billing.models:metadata", "billing.audit:metadata")
    assert billing.compare_type is True  # Alembic's default since 1.12
    assert billing.render_as_batch is None  # decided by the database: on for SQLite
    assert billing.user_module_prefix == "mytypes."
    assert config.services["plain"].autogenerate.metadata == ()


@pytest.mark.parametrize(
    ("line", "key", "reason"),
    [
        ('compare_type = "yes"', "services.users.compare_type", "must be a boolean"),
        ("metadata = 3", "services.users.metadata", "must be a string or a list"),
        ("metadata = [3]", "services.users.metadata", "must be a list of strings"),
    ],
)
def test_a_wrong_value_names_the_key(tmp_path: Path, line: str, key: str, reason: str) -> None:
    text = CONFIG.replace("compare_type = false\n", "").replace(
        'metadata = "users.models:Base.metadata"', line
    )
    (tmp_path / "orch.toml").write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "orch.toml", environ={})
    assert error.value.key == key
    assert reason in error.value.reason
