"""Random configs, URLs, targets and revision headers: a clean error or success, never a crash.

Each property drives the real app (CliRunner, exceptions not caught: a crash fails the test
with its traceback) and asserts exit 0, or `error:` + `hint:` with exit 2 (1 where a migration
ran and failed), and never "this is a bug in orch"."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from orch_cli.app import app
from tests.support.projects import Database, Script, write_project

FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
RUNNER = CliRunner()


def run_cleanly(args: Sequence[str], migrated: bool = False) -> None:
    """Run orch; assert success or a clean error (exit 1 only where a migration may have failed,
    or where status and current name a database they could not reach, showing the others)."""
    result = RUNNER.invoke(app, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    assert "this is a bug in orch" not in result.output, result.output
    if result.exit_code == 0:
        return
    if result.exit_code == 1 and {"status", "current"} & set(args):
        assert "unreachable" in result.stdout, result.output
        return
    assert result.exit_code in ({1, 2} if migrated else {2}), (args, result.output)
    if result.stderr.startswith("Usage: "):  # click's own: an option it does not know
        assert result.exit_code == 2 and "\nError: " in result.stderr, result.output
        return
    assert result.stderr.startswith("error: "), result.output
    assert "\nhint: " in result.stderr, result.output


TWO_BRANCHES = [
    Script("a1", labels=("users",)),
    Script("a2", "a1"),
    Script("b1", labels=("orders",)),
    Script("b2", "b1", depends=("a2",)),
]


def project(root: Path, url: str | None = None, scripts: Sequence[Script] = TWO_BRANCHES) -> Path:
    """Write a two-branch project on SQLite (or on url) under root; return its config."""
    database = Database(url or f"sqlite:///{root}/app.db", ["app"])
    return write_project(root, {"app": scripts}, {"main": database})


# --- configs --------------------------------------------------------------------------------

KEYS = [
    "url",
    "services",
    "after",
    "scripts",
    "concurrency",
    "audit_log",
    "version_table",
    "history_table",
    "lock_timeout",
    "transaction_mode",
    "hooks",
    "version_table_pk",
    "header_cache",
    "python_path",
    "fleets",
    "x",
    "depends_on",
    "label",
]
SCALARS = st.one_of(
    st.text(max_size=12),
    st.integers(-3, 100),
    st.booleans(),
    st.floats(allow_nan=True),
    st.lists(st.text(max_size=6), max_size=3),
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode().replace('"', '\\"') + '"'
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)  # TOML spells infinity `inf` too
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


@st.composite
def configs(draw: st.DrawFn) -> str:
    """Return orch.toml text: tables orch knows or not, keys and values of any type."""
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        table = draw(
            st.sampled_from(
                [
                    "orch",
                    "services.app",
                    "databases.main",
                    "databases.x",
                    "services",
                    "fleets.all",
                    "other",
                ]
            )
        )
        lines.append(f"[{table}]")
        for key in draw(st.lists(st.sampled_from(KEYS), max_size=4, unique=True)):
            lines.append(f"{key} = {_toml_value(draw(SCALARS))}")
    if draw(st.booleans()):
        lines.append(draw(st.text(max_size=30)))  # anything, even not TOML
    return "\n".join(lines) + "\n"


@FAST
@given(text=configs(), command=st.sampled_from([("heads",), ("status",), ("history",)]))
def test_any_config(text: str, command: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "orch.toml"
        (Path(folder) / "services" / "app").mkdir(parents=True)
        config.write_text(text, encoding="utf-8", errors="surrogatepass")
        run_cleanly(["--config", str(config), *command])


# --- urls -----------------------------------------------------------------------------------

PIECE = st.text(alphabet=st.characters(codec="ascii", exclude_characters="\x00"), max_size=8)
SCHEMES = st.sampled_from(
    [
        "sqlite",
        "postgresql",
        "postgresql+psycopg",
        "mysql+pymysql",
        "mysql",
        "postgresql+nodriver",
        "oracle",
        "nosuch",
        "sqlite+pysqlite",
        "",
    ]
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    """Return a URL that is often wrong: its scheme, user, password, host, port, query."""
    scheme = draw(SCHEMES)
    if draw(st.booleans()):
        return draw(st.text(max_size=30))
    user = draw(PIECE)
    password = draw(st.one_of(st.none(), PIECE))
    userinfo = f"{user}:{password}@" if password is not None else (f"{user}@" if user else "")
    # Hosts that answer at once: nothing listens on port 1, and the rest never resolve.
    port = draw(st.sampled_from(["1", "", "abc", "-1", "99999", "1.5"]))
    host = draw(st.sampled_from(["127.0.0.1", "", "[::1]", "host name"]))
    query = draw(st.sampled_from(["", "?password=x", "?charset=utf8&&", "?=", "?a=1&a=2"]))
    database = draw(PIECE).replace("/", "")
    if scheme.startswith("sqlite"):
        return f"{scheme}://{userinfo}/{database}{query}" if draw(st.booleans()) else f"{scheme}://"
    return f"{scheme}://{userinfo}{host}:{port}/{database}{query}"


@FAST
@given(url=urls(), command=st.sampled_from([("status",), ("current",), ("upgrade", "--sql")]))
def test_any_url(url: str, command: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = project(Path(folder), url=url)
        run_cleanly(["--config", str(config), *command])


# --- targets --------------------------------------------------------------------------------

TARGET_PARTS = st.sampled_from(
    [
        "a1",
        "a2",
        "b1",
        "b2",
        "a",
        "users",
        "orders",
        "app",
        "heads",
        "head",
        "base",
        "@",
        "+",
        "-",
        ":",
        "1",
        "2",
        "-1",
        "+2",
        "@head",
        "@base",
        " ",
        ",",
        "..",
        "zz",
        "%",
        "users@",
    ]
)
TARGETS = st.lists(TARGET_PARTS, min_size=1, max_size=5).map("".join)


@FAST
@given(
    target=TARGETS,
    command=st.sampled_from(
        [
            ("upgrade", "--dry-run"),
            ("downgrade", "--dry-run"),
            ("upgrade", "--sql"),
            ("stamp",),
            ("show",),
            ("history", "-r"),
        ]
    ),
)
def test_any_target(target: str, command: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = project(Path(folder))
        run_cleanly(["--config", str(config), *command, target])


# --- revision headers -----------------------------------------------------------------------

IDS = st.sampled_from(["a1", "a2", "b1", "", "a1 a2", "base", "heads", "x@y", "a1,a2", "-1"])
LITERALS = st.one_of(
    IDS.map(repr),
    st.just("None"),
    st.lists(IDS, max_size=3).map(lambda ids: repr(tuple(ids))),
    st.lists(IDS, max_size=3).map(repr),
    st.sampled_from(["1", "b'a1'", "f'a{1}'", "object()", "{'a1'}", "('a1',) * 2", "undefined"]),
)


HEADER = """from orch_core import op
revision = {revision}
down_revision = {down}
branch_labels = {labels}
depends_on = {depends}
def upgrade():
    pass
def downgrade():
    pass
"""


@st.composite
def headers(draw: st.DrawFn) -> str:
    """Return a script whose revision, down_revision, branch_labels and depends_on are anything."""
    return HEADER.format(
        **{key: draw(LITERALS) for key in ("revision", "down", "labels", "depends")}
    )


@FAST
@given(
    script=headers(),
    command=st.sampled_from([("heads",), ("history",), ("upgrade", "heads"), ("status",)]),
)
def test_any_revision_header(script: str, command: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = project(Path(folder), scripts=[Script("a1", labels=("users",))])
        (Path(folder) / "services" / "app" / "a2_any.py").write_text(script)
        run_cleanly(["--config", str(config), *command], migrated=command[0] == "upgrade")
