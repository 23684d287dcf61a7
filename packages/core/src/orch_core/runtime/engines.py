"""SQLAlchemy engines as orch needs them: each database's own set-up comes from its dialect.

A url that cannot work (not a URL, a port that is not a number, an unknown dialect, a driver
that is not installed) is refused naming the database's key; a server that cannot be reached
is reported as such, naming the database, and goes to the audit."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cache
from types import MappingProxyType

import sqlalchemy as sa
import structlog

from orch_core.audit.events import Event
from orch_core.config import DatabaseConfig
from orch_core.dialects import REGISTRY, Dialect
from orch_core.dialects.base import MakeEngine
from orch_core.errors import BadDatabaseUrl, DatabaseUnreachable
from orch_core.urls import mask_passwords

# The package to install for a driver module SQLAlchemy could not import.
_DRIVER_PACKAGES = MappingProxyType(
    {
        "MySQLdb": "mysqlclient",
        "pymysql": "PyMySQL",
        "mysql": "mysql-connector-python",
        "mariadb": "mariadb",
        "psycopg": "psycopg[binary]",
        "psycopg2": "psycopg2-binary",
        "pg8000": "pg8000",
        "asyncpg": "asyncpg",
        "oracledb": "oracledb",
        "cx_Oracle": "cx_Oracle",
        "pyodbc": "pyodbc",
        "pymssql": "pymssql",
    }
)
_URL_FORM = "dialect+driver://user@host:port/database"
# The execution option by which an engine, or a view of a shared engine (shared_engines.py),
# names its database.
DATABASE_OPTION = "orch_database"


def _dialect(url: sa.URL) -> Dialect | None:
    # Only databases with a module of their own set anything up; the rest go to SQLAlchemy.
    return REGISTRY.get(url.get_backend_name())


def checked_url(database: DatabaseConfig) -> sa.URL:
    """Return the database's url parsed, its dialect and driver loadable, or BadDatabaseUrl."""
    try:
        url = sa.make_url(database.url)
    except ValueError:  # SQLAlchemy's int() of the port
        raise BadDatabaseUrl(database.name, "the port is not a number") from None
    except sa.exc.ArgumentError:
        raise BadDatabaseUrl(database.name, f"not a database URL ({_URL_FORM})") from None
    if url.host is not None and "@" in url.host:
        raise BadDatabaseUrl(
            database.name,
            "the password holds an `@` that is not percent-encoded: write it %40, or take the "
            "password from a ${VAR}, which orch encodes",
        )
    try:
        _import_driver(url.drivername)
    except sa.exc.NoSuchModuleError:
        reason = f"SQLAlchemy has no dialect {url.drivername!r} ({_URL_FORM})"
        raise BadDatabaseUrl(database.name, reason) from None
    except ImportError as exc:
        module = (exc.name or "").split(".")[0] or "?"
        reason = f"the driver of {url.drivername!r} is not installed (no module {module!r})"
        raise BadDatabaseUrl(database.name, reason, _DRIVER_PACKAGES.get(module, module)) from None
    return url


@cache
def _import_driver(drivername: str) -> None:
    """Load a url's SQLAlchemy dialect and import its driver, once per dialect+driver name
    (SQLAlchemy's lookup of a dialect's entry point is most of checking a SQLite tenant's url);
    a failure is not kept, and raised again by the next call."""
    sa.URL.create(drivername).get_dialect().import_dbapi()


def is_missing(database: DatabaseConfig) -> bool:
    """Return whether connecting to the database would create it (a SQLite file not there).

    A command that only reads (current, status, verify, --dry-run, --sql) sees such a database
    as empty instead, and leaves nothing behind."""
    url = checked_url(database)
    dialect = _dialect(url)
    return dialect is not None and dialect.is_missing is not None and dialect.is_missing(url)


def create_engine(url: str | sa.URL, make: MakeEngine = sa.create_engine) -> sa.Engine:
    """Return an engine for url, made as its dialect asks (SQLite: transactional DDL);
    make: what makes SQLAlchemy's engine (one over a reused dialect, reused_dialects.py)."""
    parsed = sa.make_url(url)
    dialect = _dialect(parsed)
    if dialect is not None and dialect.create_engine is not None:
        return dialect.create_engine(parsed, make)
    return make(parsed)


def database_engine(database: DatabaseConfig, make: MakeEngine = sa.create_engine) -> sa.Engine:
    """Return the database's engine; its url checked, a failure to connect naming it."""
    engine = unnamed_engine(database, make)
    engine.update_execution_options(**{DATABASE_OPTION: database.name})
    name_connect_failures(engine)
    return engine


def unnamed_engine(database: DatabaseConfig, make: MakeEngine = sa.create_engine) -> sa.Engine:
    """Return an engine for the database's url, checked; its failures to connect name no
    database (an engine several databases share: each names itself on its own view of it)."""
    engine = create_engine(checked_url(database), make)
    _check_driver_arguments(engine, database.name)
    return engine


def name_connect_failures(engine: sa.Engine) -> None:
    """Make a failure to connect through engine a DatabaseUnreachable naming the database
    that the engine (or a view of a shared engine) names in its DATABASE_OPTION.

    SQLAlchemy keeps handle_error listeners on the engine's dialect, which engines over a
    reused dialect share (reused_dialects.py): listened to once per dialect, the name read
    from the engine that failed. (Through the engine, SQLAlchemy would add one per engine.)"""
    dialect = engine.dialect
    if not sa.event.contains(dialect, "handle_error", connect_failure):
        sa.event.listen(dialect, "handle_error", connect_failure)


def _check_driver_arguments(engine: sa.Engine, database: str) -> None:
    """Refuse a url whose query gives the driver an argument its connect() does not take."""
    signature = _connect_signature(engine.dialect.loaded_dbapi.connect)
    if signature is None:
        return
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        reason = f"the driver of {engine.url.drivername!r} refuses the url's arguments ({exc})"
        raise BadDatabaseUrl(database, reason) from None


@cache
def _connect_signature(connect: Callable[..., object]) -> inspect.Signature | None:
    """Return a driver's connect() signature, read once per driver (a few ms each time for
    sqlite3's, parsed from its text: most of an engine's cost in a fleet of tenants)."""
    try:
        return inspect.signature(connect)
    except (TypeError, ValueError):  # a function written in C: the driver will say
        return None


def connect_failure(context: sa.engine.ExceptionContext) -> None:
    """Turn an error while connecting into DatabaseUnreachable, and tell the audit."""
    # Only a failure to connect has no connection; any other error is the database's own
    # answer to a statement (a table that exists, a lock wait) and is reported as that.
    if context.connection is not None or context.is_pre_ping or context.engine is None:
        return
    database = context.engine.get_execution_options().get(DATABASE_OPTION)
    if database is None:
        return
    error = context.original_exception
    reason = mask_passwords(str(error)).strip().splitlines()[0] if str(error) else ""
    log = structlog.get_logger("orch").bind(database=database)
    log.info(Event.DB_UNREACHABLE, error=reason or type(error).__name__)
    raise DatabaseUnreachable(database, reason or type(error).__name__) from error
