"""Importing the MetaData a service names, from many threads at once as a fleet does."""

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from orch_core.config.loader import load_config
from orch_core.config.models import load_service_metadata

CONFIG = """
[orch]
python_path = ["src"]

[services.users]
scripts = "users"
metadata = "fleet_models_{tag}:metadata"

[services.plain]
scripts = "plain"

[databases.main]
url = "sqlite:///main.db"
services = ["users", "plain"]
"""


def test_many_threads_load_a_services_models_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = tmp_path.name.replace("-", "_")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / f"fleet_models_{tag}.py").write_text(
        "import sqlalchemy as sa\n"
        "metadata = sa.MetaData(naming_convention={'ix': 'ix_%(column_0_label)s'})\n"
    )
    (tmp_path / "orch.toml").write_text(CONFIG.replace("{tag}", tag))
    config = load_config(tmp_path / "orch.toml", environ={})
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "path_importer_cache", dict(sys.path_importer_cache))
    missing = [str(tmp_path / f"missing{k}.zip") for k in range(50)]

    def load(_: int) -> tuple[sa.MetaData, ...]:
        # What imports leave in the cache for a path entry with no finder (a zip not there):
        # the entries that concurrent invalidate_caches() calls would both delete.
        sys.path_importer_cache.update(dict.fromkeys(missing))
        return load_service_metadata(config, "users")

    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(load, range(400)))

    assert {len(metadatas) for metadatas in found} == {1}
    assert {id(metadatas[0]) for metadatas in found} == {id(found[0][0])}
    assert found[0][0].naming_convention["ix"] == "ix_%(column_0_label)s"
    assert load_service_metadata(config, "plain") == ()
