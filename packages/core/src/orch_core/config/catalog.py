"""A fleet's instance names read from a catalog database by a SQL query."""

from __future__ import annotations

import sqlalchemy as sa

from orch_core.config.model import InstanceSource
from orch_core.errors import ConfigError
from orch_core.urls import mask_passwords


def query_names(source: InstanceSource) -> list[object]:
    """Return the first column of every row the fleet's catalog query returns."""
    assert source.query is not None and source.catalog_url is not None
    engine = sa.create_engine(source.catalog_url)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(sa.text(source.query))]
    except sa.exc.SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        reason = f"the catalog query on {source.catalog_url} failed: {cause}"
        raise ConfigError(mask_passwords(reason), source.origin, source.key) from exc
    finally:
        engine.dispose()
