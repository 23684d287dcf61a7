"""Small orch projects written into a temporary folder: scripts, orch.toml, databases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = '''"""{message}"""
import sqlalchemy as sa

from {op_module} import op

revision = {revision!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {depends!r}


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''


@dataclass(frozen=True)
class Script:
    """A revision script that creates one table on the way up and drops it on the way down."""

    revision: str
    down: str | tuple[str, ...] | None = None
    labels: tuple[str, ...] | None = None
    depends: str | tuple[str, ...] | None = None
    upgrade: str | None = None
    downgrade: str | None = None
    op_module: str = "orch_core"

    def text(self) -> str:
        """Return the script's source."""
        table = f"t_{self.revision}"
        up = (
            self.upgrade
            or f'op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))'
        )
        down = self.downgrade or f'op.drop_table("{table}")'
        return SCRIPT.format(
            message=f"revision {self.revision}",
            op_module=self.op_module,
            revision=self.revision,
            down=self.down,
            labels=self.labels,
            depends=self.depends,
            upgrade="\n".join("    " + line for line in up.splitlines()),
            downgrade="\n".join("    " + line for line in down.splitlines()),
        )


@dataclass(frozen=True)
class Database:
    """A database entry of orch.toml."""

    url: str
    services: Sequence[str]
    after: Sequence[str] = ()
    extra: Mapping[str, object] = field(default_factory=dict)


def write_project(
    root: Path,
    services: Mapping[str, Sequence[Script]],
    databases: Mapping[str, Database],
    orch: Mapping[str, object] | None = None,
) -> Path:
    """Write the scripts and an orch.toml under root and return the config's path."""
    lines = ["[orch]"]
    for key, value in {"audit_log": ".orch/audit.jsonl", **(orch or {})}.items():
        lines.append(f"{key} = {_toml(value)}")
    for service, scripts in services.items():
        folder = root / "services" / service
        folder.mkdir(parents=True, exist_ok=True)
        for script in scripts:
            (folder / f"{script.revision}_rev.py").write_text(script.text())
        lines += ["", f"[services.{service}]", f'scripts = "services/{service}"']
    for name, database in databases.items():
        lines += ["", f"[databases.{name}]", f"url = {_toml(database.url)}"]
        lines.append(f"services = {_toml(list(database.services))}")
        if database.after:
            lines.append(f"after = {_toml(list(database.after))}")
        lines += [f"{key} = {_toml(value)}" for key, value in database.extra.items()]
    config = root / "orch.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def chain(service: str, length: int, last_upgrade: str | None = None) -> list[Script]:
    """Return `length` scripts of one service in a line (SERVICE01, SERVICE02, ...), each
    creating its table; the last one's upgrade replaced if given."""
    scripts = [Script(f"{service}01", labels=(service,))]
    scripts += [Script(f"{service}{i:02d}", f"{service}{i - 1:02d}") for i in range(2, length + 1)]
    if last_upgrade:
        scripts[-1] = Script(scripts[-1].revision, scripts[-1].down, upgrade=last_upgrade)
    return scripts


# A step that presses Ctrl-C: SIGINT to the whole process group, as a terminal does, then half
# a second more of work, which finishes whole.
CTRL_C = "import os, signal, time\nos.killpg(os.getpgid(0), signal.SIGINT)\ntime.sleep(0.5)"


def write_ctrl_c_project(root: Path) -> Path:
    """Write SQLite databases `one` (aa01, aa02 pressing Ctrl-C, aa03) and `two` (bb01, bb02),
    `two` after `one`: one group, migrated by threads of one process. Return the config's path."""
    aa = chain("aa", 3)
    aa[1] = Script("aa02", "aa01", upgrade=CTRL_C)
    databases = {
        "one": Database(f"sqlite:///{root}/aa.db", ["aa"]),
        "two": Database(f"sqlite:///{root}/bb.db", ["bb"], after=["one"]),
    }
    return write_project(root, {"aa": aa, "bb": chain("bb", 2)}, databases)


# Service `app` whose second step is a little slow: a signal or a kill sent to a fleet's run
# lands while most tenants are still to do.
SLOW_FLEET_SCRIPTS = (
    Script("a1", labels=("app",)),
    Script(
        "a2",
        "a1",
        upgrade='__import__("time").sleep(0.2)\nop.create_table("t_a2", sa.Column("id", sa.Text))',
    ),
    Script("a3", "a2"),
)


def write_fleet(root: Path, tenants: Sequence[str], body: str) -> Path:
    """Write service `app` (SLOW_FLEET_SCRIPTS) and the fleet `tenants`, its url/schema lines
    given, its instances in tenants.txt; two databases at once. Return the config's path."""
    config = write_project(root, {"app": SLOW_FLEET_SCRIPTS}, {}, {"concurrency": 2})
    (root / "tenants.txt").write_text("\n".join(tenants) + "\n")
    fleet = f'[fleets.tenants]\n{body}services = ["app"]\ninstances_file = "tenants.txt"\n'
    config.write_text(config.read_text() + fleet)
    return config


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)
