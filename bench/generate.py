"""Generate synthetic migration projects that both Alembic and orch run unchanged.

A project is a folder holding one script folder per service (Alembic's script format), an
Alembic environment (``alembic.ini`` + ``alembic/env.py``) and an ``orch.toml`` over the same
scripts. Each service is a branch with its own label; inside it the chain forks and merges
again every ``fork_every`` revisions, and each service after the first depends on the first.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"

ENV_PY = '''"""Alembic environment for a generated bench project."""
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
'''

MAKO = '''"""${message}"""
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


@dataclass(frozen=True)
class Script:
    """One generated revision: its header and the body of upgrade()/downgrade()."""

    revision: str
    down: tuple[str, ...]
    labels: tuple[str, ...]
    depends: tuple[str, ...]
    service: str
    index: int
    upgrade: tuple[str, ...]
    downgrade: tuple[str, ...]


@dataclass(frozen=True)
class Project:
    """A generated project on disk."""

    root: Path
    services: tuple[str, ...]
    databases: tuple[str, ...]
    revisions: int
    urls: dict[str, str] = field(default_factory=dict)

    @property
    def orch_toml(self) -> Path:
        """Return the orch config file."""
        return self.root / "orch.toml"

    def alembic_ini(self, database: str) -> Path:
        """Return the Alembic config file that points at one database."""
        return self.root / f"alembic-{database}.ini"

    @property
    def header_cache(self) -> Path:
        """Return where orch keeps its header cache for this project."""
        return self.root / ".orch" / "header-cache.json"


def _rev_id(*parts: object) -> str:
    return hashlib.sha1("-".join(map(str, parts)).encode()).hexdigest()[:12]


def _ops(
    service: str, index: int, table: str, create: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (upgrade, downgrade) op lines for one step; tables, columns, indexes in turn."""
    kind = index % 4 if create or index % 4 else 1
    if kind == 0:
        new = f"{service}_t{index}"
        return (
            (
                f"op.create_table({new!r}, sa.Column('id', sa.Integer, primary_key=True),"
                f" sa.Column('name', sa.String(50), nullable=False))",
            ),
            (f"op.drop_table({new!r})",),
        )
    col = f"c{index}"
    if kind == 3:
        ix = f"ix_{service}_{index}"
        return (
            (
                f"op.add_column({table!r}, sa.Column({col!r}, sa.Integer, nullable=True))",
                f"op.create_index({ix!r}, {table!r}, [{col!r}])",
            ),
            (f"op.drop_index({ix!r}, table_name={table!r})", f"op.drop_column({table!r}, {col!r})"),
        )
    return (
        (f"op.add_column({table!r}, sa.Column({col!r}, sa.String(40), nullable=True))",),
        (f"op.drop_column({table!r}, {col!r})",),
    )


def service_scripts(
    service: str, count: int, fork_every: int, depends: tuple[str, ...]
) -> list[Script]:
    """Return ``count`` scripts for one service: a chain that forks and merges again."""
    scripts: list[Script] = []
    heads: tuple[str, ...] = ()
    table = f"{service}_t0"
    i = 0
    while i < count:
        forking = (
            fork_every and i > 0 and i % fork_every == 0 and count - i >= 3 and len(heads) == 1
        )
        width = 2 if forking else 1
        new_heads = []
        for _ in range(width):
            if i >= count:
                break
            if i % 4 == 0 and not forking:
                table = f"{service}_t{i}"
            up, down = _ops(service, i, table, create=not forking)
            rev = _rev_id(service, i)
            scripts.append(
                Script(
                    revision=rev,
                    down=heads,
                    labels=(service,) if i == 0 else (),
                    depends=depends if i == 1 else (),
                    service=service,
                    index=i,
                    upgrade=up,
                    downgrade=down,
                )
            )
            new_heads.append(rev)
            i += 1
        if len(new_heads) == 2 and i < count:
            rev = _rev_id(service, i, "merge")
            scripts.append(Script(rev, tuple(new_heads), (), (), service, i, (), ()))
            new_heads = [rev]
            i += 1
        heads = tuple(new_heads)
    return scripts


def _render(script: Script) -> str:
    down: object
    if not script.down:
        down = None
    elif len(script.down) == 1:
        down = script.down[0]
    else:
        down = script.down
    labels = script.labels or None
    depends = script.depends or None
    kind = "merge" if len(script.down) > 1 else "step"
    up = "\n    ".join(script.upgrade) or "pass"
    dn = "\n    ".join(script.downgrade) or "pass"
    return (
        f'"""{script.service} {kind} {script.index}\n\n'
        f"Revision ID: {script.revision}\nRevises: {', '.join(script.down)}\n"
        f'Create Date: 2026-01-01 00:00:00\n\n"""\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f"revision = {script.revision!r}\ndown_revision = {down!r}\n"
        f"branch_labels = {labels!r}\ndepends_on = {depends!r}\n\n\n"
        f"def upgrade() -> None:\n    {up}\n\n\n"
        f"def downgrade() -> None:\n    {dn}\n"
    )


def _write_alembic(project: Project, svc_dirs: list[Path]) -> None:
    env = project.root / "alembic"
    env.mkdir(exist_ok=True)
    (env / "env.py").write_text(ENV_PY)
    (env / "script.py.mako").write_text(MAKO)
    locations = " ".join(str(d) for d in svc_dirs)
    for db, url in project.urls.items():
        project.alembic_ini(db).write_text(
            "[alembic]\n"
            f"script_location = {env}\n"
            f"version_locations = {locations}\n"
            "path_separator = space\n"
            f"sqlalchemy.url = {url}\n"
        )


def _orch_head(project: Project) -> list[str]:
    # orch's defaults, concurrency included: the bench runs orch as a user's config would.
    lines = ["[orch]", 'header_cache = ".orch/header-cache.json"', ""]
    for svc in project.services:
        lines += [f"[services.{svc}]", f'scripts = "services/{svc}"', ""]
    return lines


def _write_orch(project: Project) -> None:
    lines = _orch_head(project)
    for db, url in project.urls.items():
        services = ", ".join(f'"{s}"' for s in project.services)
        lines += [f"[databases.{db}]", f'url = "{url}"', f"services = [{services}]", ""]
    project.orch_toml.write_text("\n".join(lines))


def generate(
    name: str,
    *,
    services: int,
    revisions: int,
    fork_every: int = 25,
    databases: int = 1,
    url_template: str = "sqlite:///{root}/db/{db}.db",
    work: Path = WORK,
) -> Project:
    """Write a project of ``revisions`` scripts over ``services`` services and N databases."""
    names = tuple(f"s{k}" for k in range(services))
    per = [revisions // services + (1 if k < revisions % services else 0) for k in range(services)]
    first_dep: tuple[str, ...] = ()
    scripts: dict[str, list[Script]] = {}
    for svc, count in zip(names, per, strict=True):
        scripts[svc] = service_scripts(svc, count, fork_every, first_dep)
        if not first_dep and len(scripts[svc]) > 1:
            first_dep = (scripts[svc][1].revision,)
    return write_project(name, scripts, databases, url_template, work)


def write_project(
    name: str,
    scripts: dict[str, list[Script]],
    databases: int = 1,
    url_template: str = "sqlite:///{root}/db/{db}.db",
    work: Path = WORK,
) -> Project:
    """Write each service's scripts, an Alembic environment and an orch.toml under work/name."""
    root = work / name
    if root.exists():
        shutil.rmtree(root)
    (root / "db").mkdir(parents=True)
    dbs = tuple(f"db{k}" for k in range(databases))
    urls = {db: url_template.format(root=root, db=db) for db in dbs}
    total = sum(len(found) for found in scripts.values())
    project = Project(root, tuple(scripts), dbs, total, urls)
    svc_dirs = []
    for svc, found in scripts.items():
        folder = root / "services" / svc
        folder.mkdir(parents=True)
        svc_dirs.append(folder)
        for script in found:
            (folder / f"{script.revision}_{svc}_{script.index}.py").write_text(_render(script))
    _write_alembic(project, svc_dirs)
    _write_orch(project)
    return project


def write_fleet(project: Project, url: str, schema: str | None = None) -> Path:
    """Declare the project's databases as one fleet `tenants` (instances from a file) instead.

    ``url`` (and ``schema``, for a schema per tenant) contain ``{name}``; the instances file
    lists the project's database names, one a line. Return the instances file.
    """
    names = project.root / "tenants.txt"
    names.write_text("".join(f"{db}\n" for db in project.databases))
    services = ", ".join(f'"{s}"' for s in project.services)
    lines = [*_orch_head(project), "[fleets.tenants]", f'url = "{url}"']
    lines += [f'schema = "{schema}"'] if schema else []
    lines += [f"services = [{services}]", f'instances_file = "{names.name}"', ""]
    project.orch_toml.write_text("\n".join(lines))
    return names


def demo_alembic(repo: Path, work: Path = WORK) -> Path:
    """Write an Alembic environment over the repository's demo scripts; return its ini."""
    root = work / "demo"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    svc_dirs = sorted((repo / "examples" / "services").glob("*/migrations"))
    project = Project(root, (), ("demo",), 0, {"demo": f"sqlite:///{root}/demo.db"})
    _write_alembic(project, svc_dirs)
    return project.alembic_ini("demo")


def render_floor(project: Project, database: str, out: Path) -> Path:
    """Render ``upgrade heads --sql`` once with Alembic and split it into per-step transactions."""
    alembic = Path(sys.executable).parent / "alembic"
    sql = subprocess.run(
        [str(alembic), "-c", str(project.alembic_ini(database)), "upgrade", "heads", "--sql"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    steps: list[list[str]] = [[]]
    current: list[str] = []
    for line in sql.splitlines():
        if line.startswith("-- Running"):
            steps.append([])
            continue
        if not line.strip() or line.startswith("--") or line.strip() in ("BEGIN;", "COMMIT;"):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            steps[-1].append("\n".join(current).rstrip().rstrip(";"))
            current = []
    out.write_text(json.dumps([s for s in steps if s]))
    return out
