"""Every command's --json: one document on stdout, valid against its schema, true to the disk.

The schemas under orch_cli/schemas/ are derived from documents.py; a stale file fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from orch_cli.documents import DOCUMENTS
from orch_cli.json_schema import SCHEMAS, schema_file, schema_text
from orch_graph.scanner import read_header
from tests.cli.conftest import Invoke
from tests.support.projects import Database, Script, write_project

# Each document, the command line that prints it (on the project of _project), in an order
# that leaves the databases where the next line expects them.
RUNS: list[tuple[str, tuple[str, ...]]] = [
    ("heads", ("heads", "--json")),
    ("branches", ("branches", "--json")),
    ("history", ("history", "--json")),
    ("show", ("show", "a1", "--json")),
    ("upgrade --dry-run", ("upgrade", "--all-dbs", "--dry-run", "--json")),
    ("upgrade --sql", ("upgrade", "--all-dbs", "--sql", "--json")),
    ("upgrade", ("upgrade", "--all-dbs", "--json")),
    ("current", ("current", "--all-dbs", "--json")),
    ("status", ("status", "--all-dbs", "--json")),
    ("verify", ("verify", "--all-dbs", "--json")),
    ("check", ("check", "--all-dbs", "--json")),
    ("graph", ("graph", "--all-dbs", "--json")),
    ("downgrade --dry-run", ("downgrade", "--db", "users", "a1", "--dry-run", "--json")),
    ("downgrade --sql", ("downgrade", "--db", "users", "a2:a1", "--sql", "--json")),
    ("downgrade", ("downgrade", "--db", "users", "a1", "--json")),
    ("stamp", ("stamp", "--db", "users", "a2", "--json")),
    ("revision", ("revision", "--service", "shop", "-m", "add orders", "--json")),
    ("merge", ("merge", "a2", "b1", "-m", "join", "--json")),
    ("error", ("show", "nope", "--json")),
]


def _project(tmp_path: Path) -> Path:
    return write_project(
        tmp_path,
        {
            "users": [Script("a1", labels=("users",)), Script("a2", "a1")],
            "shop": [Script("b1", labels=("shop",), depends="a1")],
        },
        {
            "users": Database("sqlite:///users.db", ["users"]),
            "shop": Database("sqlite:///shop.db", ["shop"], after=["users"]),
        },
    )


def _validated(command: str, stdout: str) -> Any:
    document = json.loads(stdout)
    schema = json.loads(schema_file(command).read_text())
    Draft202012Validator(schema).validate(document)
    return document


def test_the_schema_files_are_the_ones_documents_py_derives() -> None:
    assert {path.name for path in SCHEMAS.glob("*.json")} == {
        schema_file(command).name for command in DOCUMENTS
    }
    for command in DOCUMENTS:
        stale = "stale: run `uv run python -m orch_cli.json_schema`"
        assert schema_file(command).read_text() == schema_text(command), stale
        Draft202012Validator.check_schema(json.loads(schema_text(command)))


def test_every_document_validates_against_its_schema(orch: Invoke, tmp_path: Path) -> None:
    _project(tmp_path)
    assert {command for command, _ in RUNS} | {"init", "init --from-alembic"} == set(DOCUMENTS)
    for command, args in RUNS:
        result = orch(*args)
        assert result.exit_code == (2 if command == "error" else 0), (args, result.output)
        _validated(command, result.stdout)


def test_init_json_names_the_files_it_wrote(orch: Invoke, tmp_path: Path) -> None:
    result = orch("init", "proj", "--service", "shop", "--json")
    assert result.exit_code == 0, result.output
    document = _validated("init", result.stdout)
    assert [Path(p).name for p in document["created"]][:2] == ["orch.toml", "local.toml"]
    assert all((tmp_path / path).is_file() for path in document["created"])
    base = document["revision"]
    assert base["path"] == document["created"][2]
    header = read_header(tmp_path / base["path"])
    assert base["revision"] == header["revision"]
    assert (base["down_revisions"], base["branch_labels"]) == ([], ["shop"])
    assert (base["service"], document["service"]) == ("shop", "shop")


def test_revision_and_merge_json_are_the_scripts_on_disk(orch: Invoke, tmp_path: Path) -> None:
    _project(tmp_path)
    made = orch("revision", "--service", "users", "-m", "add email", "--rev-id", "a3", "--json")
    assert made.exit_code == 0, made.output
    document = _validated("revision", made.stdout)
    written = document["revision"]
    assert Path(written["path"]).is_file()
    header = read_header(written["path"])
    assert written["revision"] == header["revision"] == "a3"
    assert written["down_revisions"] == header["down_revision"] == ["a2"]
    assert (written["service"], written["message"], document["changes"]) == (
        "users",
        "add email",
        [],
    )
    merged = orch("merge", "a3", "b1", "-m", "join", "--json")
    assert merged.exit_code == 0, merged.output
    merge = _validated("merge", merged.stdout)["revision"]
    assert read_header(merge["path"])["down_revision"] == merge["down_revisions"] == ["a3", "b1"]
    heads = json.loads(orch("heads", "--json").stdout)["heads"]
    assert [head["revision"] for head in heads] == [merge["revision"]]


def test_upgrade_sql_json_is_the_sql_text_prints(orch: Invoke, tmp_path: Path) -> None:
    _project(tmp_path)
    text = orch("upgrade", "--db", "users", "--sql").stdout
    document = _validated(
        "upgrade --sql", orch("upgrade", "--db", "users", "--sql", "--json").stdout
    )
    users = document["databases"]["users"]
    assert text.startswith(f"-- orch: database users ({users['url']})")
    assert "\n".join(users["lines"]) in text
    assert "CREATE TABLE t_a2" in "\n".join(users["lines"])


def test_graph_json_has_the_boxes_and_arrows_mermaid_draws(orch: Invoke, tmp_path: Path) -> None:
    _project(tmp_path)
    document = _validated("graph", orch("graph", "--json").stdout)
    mermaid = orch("graph").stdout
    assert {node["id"] for node in document["nodes"]} == {"a1", "a2", "b1"}
    assert all(node["id"] in mermaid for node in document["nodes"])
    kinds = {(edge["source"], edge["target"]): edge["kind"] for edge in document["edges"]}
    assert set(kinds) >= {("a1", "a2"), ("a1", "b1")}


ALEMBIC_INI = """[alembic]
script_location = %(here)s/migrations
sqlalchemy.url = sqlite:///legacy.db
"""


def test_init_from_alembic_json_says_what_was_carried(orch: Invoke, tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "a1_rev.py").write_text(Script("a1", op_module="alembic").text())
    (tmp_path / "alembic.ini").write_text(ALEMBIC_INI)
    result = orch("init", ".", "--from-alembic", "--service", "legacy", "--json")
    assert result.exit_code == 0, result.output
    document = _validated("init --from-alembic", result.stdout)
    assert [Path(p).resolve() for p in document["created"]] == [tmp_path.resolve() / "orch.toml"]
    assert "[services.legacy]" in (tmp_path / "orch.toml").read_text()
    assert any(note["setting"] == "sqlalchemy.url" for note in document["carried"])
    again = orch("init", ".", "--from-alembic", "--json")
    assert again.exit_code == 2
    assert "already exists" in _validated("error", again.stdout)["error"]["message"]
