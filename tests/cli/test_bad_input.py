"""Each kind of bad input: one `error:` line, a hint, the right exit code, no traceback."""

import json
from pathlib import Path

import pytest

from orch_cli.errors import describe
from orch_core.errors import ConfigError, ConfigNotFound, LockTimeout, UnknownDialect
from orch_graph.errors import LabelConflict, MultipleHeads
from tests.cli.conftest import Invoke, no_traceback
from tests.support.projects import Database, Script, write_project


def demo(tmp_path: Path, scripts: list[Script] | None = None, **db: object) -> Path:
    scripts = scripts or [Script("aa01", labels=("users",)), Script("aa02", "aa01")]
    database = Database(str(db.get("url", f"sqlite:///{tmp_path}/u.db")), ["users"])
    return write_project(tmp_path, {"users": scripts}, {"users": database})


def test_missing_config(orch: Invoke) -> None:
    result = orch("heads")
    assert result.exit_code == 2
    no_traceback(result)
    assert "no orch.toml found" in result.stderr
    assert "orch init" in result.stderr


def test_toml_syntax_error(orch: Invoke, tmp_path: Path) -> None:
    (tmp_path / "orch.toml").write_text("[orch]\nconcurrency = = 2\n")
    result = orch("heads")
    assert result.exit_code == 2
    no_traceback(result)
    assert "orch.toml:2:" in result.stderr


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda t: t.replace("[orch]", "[orch]\nconcurency = 2"), "orch.concurency: unknown key"),
        (lambda t: t.replace('services = ["users"]', 'services = ["userz"]'), "unknown service"),
        (
            lambda t: t.replace('services = ["users"]', 'services = ["users"]\nafter = ["users"]'),
            "cycle",
        ),
    ],
)
def test_config_mistakes_name_file_and_key(
    orch: Invoke, tmp_path: Path, edit, fragment: str
) -> None:
    config = demo(tmp_path)
    config.write_text(edit(config.read_text()))
    result = orch("--config", str(config), "heads")
    assert result.exit_code == 2
    no_traceback(result)
    assert fragment in result.stderr
    assert str(config) in result.stderr


def test_unknown_database(orch: Invoke, tmp_path: Path) -> None:
    result = orch("--config", str(demo(tmp_path)), "upgrade", "--db", "nope")
    assert result.exit_code == 2
    no_traceback(result)
    assert "unknown database 'nope'" in result.stderr


def test_missing_env_overlay(orch: Invoke, tmp_path: Path) -> None:
    result = orch("--config", str(demo(tmp_path)), "--env", "staging", "heads")
    assert result.exit_code == 2
    no_traceback(result)
    assert "envs/staging.toml" in result.stderr


def test_unknown_target(orch: Invoke, tmp_path: Path) -> None:
    result = orch("--config", str(demo(tmp_path)), "upgrade", "--all-dbs", "zz99")
    assert result.exit_code == 2
    no_traceback(result)
    assert "zz99" in result.stderr


def test_databases_that_depend_on_each_other(orch: Invoke, tmp_path: Path) -> None:
    # Revision by revision there is no cycle (a1 <- b1 <- a2), database by database there is.
    services = {
        "a": [Script("a1", labels=("a",)), Script("a2", "a1", depends="b1")],
        "b": [Script("b1", labels=("b",), depends="a1")],
    }
    databases = {
        "one": Database(f"sqlite:///{tmp_path}/one.db", ["a"]),
        "two": Database(f"sqlite:///{tmp_path}/two.db", ["b"]),
    }
    config = write_project(tmp_path, services, databases)
    result = orch("--config", str(config), "upgrade", "--all-dbs", "heads")
    assert result.exit_code == 2
    no_traceback(result)
    assert "in a cycle: one, two" in result.stderr
    assert not (tmp_path / "one.db").exists()
    assert not (tmp_path / "two.db").exists()


def test_ambiguous_partial_id_lists_candidates(orch: Invoke, tmp_path: Path) -> None:
    result = orch("--config", str(demo(tmp_path)), "show", "aa")
    assert result.exit_code == 2
    no_traceback(result)
    assert "aa01, aa02" in result.stderr


def test_head_with_several_heads(orch: Invoke, tmp_path: Path) -> None:
    scripts = [Script("aa01", labels=("users",)), Script("bb01", "aa01"), Script("cc01", "aa01")]
    result = orch("--config", str(demo(tmp_path, scripts)), "upgrade", "--all-dbs", "head")
    assert result.exit_code == 2
    no_traceback(result)
    assert "bb01" in result.stderr and "cc01" in result.stderr


def test_a_bad_target_for_one_database_stops_the_run_before_any_database_moves(
    orch: Invoke, tmp_path: Path
) -> None:
    # `head` is fine for billing (one head) but ambiguous for users (two): refused up front,
    # not after billing has migrated and users has failed.
    services = {
        "users": [
            Script("aa01", labels=("users",)),
            Script("bb01", "aa01"),
            Script("cc01", "aa01"),
        ],
        "billing": [Script("dd01", labels=("billing",))],
    }
    databases = {
        "billing": Database(f"sqlite:///{tmp_path}/billing.db", ["billing"]),
        "users": Database(f"sqlite:///{tmp_path}/users.db", ["users"]),
    }
    config = write_project(tmp_path, services, databases)
    for command in (["upgrade", "--all-dbs", "head"], ["downgrade", "--all-dbs", "heads"]):
        result = orch("--config", str(config), *command)
        assert result.exit_code == 2, command
        no_traceback(result)
        assert "several heads (bb01, cc01)" in result.stderr
        assert "hint: name one head" in result.stderr
        # `heads` was asked for: the hint does not offer it back.
        assert ("use `heads`" in result.stderr) == (command[-1] == "head")
        assert not (tmp_path / "billing.db").exists()
        assert not (tmp_path / "users.db").exists()


def test_a_script_that_does_not_compile(orch: Invoke, tmp_path: Path) -> None:
    config = demo(tmp_path)
    broken = tmp_path / "services" / "users" / "aa02_rev.py"
    broken.write_text(broken.read_text().replace("def upgrade():", "def upgrade(:"))
    result = orch("--config", str(config), "upgrade", "--all-dbs")
    assert result.exit_code == 2
    assert "aa02_rev.py:12" in result.stderr  # file and line
    assert "does not compile" in result.stderr
    # Nothing ran: aa01 compiles, but the run stopped before its first step.
    status = orch("--config", str(config), "current", "--json")
    assert json.loads(status.stdout)["databases"]["users"]["current"] == []


def test_a_header_that_does_not_compile(orch: Invoke, tmp_path: Path) -> None:
    config = demo(tmp_path)
    broken = tmp_path / "services" / "users" / "aa02_rev.py"
    broken.write_text(broken.read_text().replace("revision = ", "revision == = "))
    result = orch("--config", str(config), "heads")
    assert result.exit_code == 2
    no_traceback(result)
    assert "aa02_rev.py:" in result.stderr


def test_duplicate_revision_id(orch: Invoke, tmp_path: Path) -> None:
    config = demo(tmp_path)
    folder = tmp_path / "services" / "users"
    (folder / "copy.py").write_text((folder / "aa02_rev.py").read_text())
    result = orch("--config", str(config), "heads")
    assert result.exit_code == 2
    no_traceback(result)
    assert "aa02 is declared twice" in result.stderr


def test_unreachable_database_masks_the_password(orch: Invoke, tmp_path: Path) -> None:
    url = "postgresql+psycopg://orch:s3cret-pw@127.0.0.1:1/nowhere"
    result = orch("--config", str(demo(tmp_path, url=url)), "upgrade", "--all-dbs")
    assert result.exit_code == 2, result.output
    no_traceback(result)
    assert "s3cret-pw" not in result.output
    assert "cannot connect" in result.stderr


def test_errors_as_json(orch: Invoke, tmp_path: Path) -> None:
    result = orch("--config", str(demo(tmp_path)), "show", "aa", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "ambiguous_revision"
    assert "aa01" in error["message"]
    assert error["hint"]


@pytest.mark.parametrize(
    ("rev_range", "fragment"),
    [("abc", "expected START:END"), ("current:", "see `orch current`")],
)
def test_a_bad_history_range(orch: Invoke, tmp_path: Path, rev_range: str, fragment: str) -> None:
    result = orch("--config", str(demo(tmp_path)), "history", "-r", rev_range)
    assert result.exit_code == 2
    no_traceback(result)
    assert fragment in result.stderr
    assert "bug in orch" not in result.stderr


@pytest.mark.parametrize(
    ("error", "code", "hint", "exit_code"),
    [
        (ConfigNotFound("no orch.toml found", None), "config_not_found", "orch init", 2),
        (ConfigError("bad", None, "orch.x"), "config_error", "fix the key", 2),
        (LockTimeout("users", 1.0, None), "lock_timeout", "raise lock_timeout", 3),
        (UnknownDialect("nosuchdb"), "unknown_dialect", "see the message above", 1),
        (MultipleHeads(["a", "b"], "head"), "multiple_heads", "use `heads`", 2),
        (MultipleHeads(["a", "b"], "heads"), "multiple_heads", "or use label@head", 2),
        (
            LabelConflict("users", ["a", "b"], "is used twice"),
            "label_conflict",
            "fix the revision",
            2,
        ),
        (KeyError("x"), "internal_error", "a bug in orch", 1),
    ],
)
def test_each_error_type_has_its_code_hint_and_exit_code(
    error: Exception, code: str, hint: str, exit_code: int
) -> None:
    described = describe(error)
    assert (described.code, described.exit_code) == (code, exit_code)
    assert hint in described.hint
