"""Apply one database's plan: under its lock, step by step, the version table kept truthful."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa
import structlog

from orch_core.audit.events import Event
from orch_core.config import DatabaseConfig, TransactionMode
from orch_core.config.hooks import VersionStep, load_database_hooks
from orch_core.dialects import get_dialect
from orch_core.errors import (
    ConfigError,
    MigrationFailed,
    OrchError,
    VersionTableElsewhere,
)
from orch_core.runtime.cancel import StatementHandle, cancel_statement, statement_handle
from orch_core.runtime.context import MigrationContext, run_transaction
from orch_core.runtime.engines import database_engine, is_missing
from orch_core.runtime.failures import failing_statement, failure_reason
from orch_core.runtime.history_rows import RunRows
from orch_core.runtime.hook_calls import (
    after_step,
    attach_connection_hooks,
    before_step,
    version_applied,
    version_step,
)
from orch_core.runtime.leftovers import left_half_done
from orch_core.runtime.locks import Regain, migration_lock
from orch_core.runtime.recorder import (
    HistoryOutcome,
    LastEntry,
    Made,
    Recorder,
)
from orch_core.runtime.replay import StepReplays
from orch_core.runtime.results import (
    DatabaseResult,
    Planner,
    StepHooks,
    StepResult,
    utc_now,
)
from orch_core.runtime.resume import NOTHING_TO_RESUME, ResumePoint, resume_point
from orch_core.runtime.scripts import CompiledScript, RevisionModule, ScriptLoader
from orch_core.runtime.shared_engines import SharedEngines
from orch_core.runtime.statement_counter import StatementCounter, StatementWatch
from orch_core.runtime.step_progress import ProgressLog, StepProgress
from orch_core.runtime.tenant_schema import attach_search_path
from orch_core.runtime.version_probe import probe_missing_version_table
from orch_core.urls import mask_passwords
from orch_graph.plan import Direction, Plan, Step
from orch_graph.revision import Revision


class DatabaseRunner:
    """Migrate one configured database along plans made by its planner."""

    def __init__(
        self,
        config: DatabaseConfig,
        planner: Planner,
        *,
        loader: ScriptLoader | None = None,
        run_id: str = "",
        x_arguments: Sequence[str] = (),
        models: Callable[[str], Sequence[sa.MetaData]] | None = None,
        resume: bool = False,
        replays: StepReplays | None = None,
        engines: SharedEngines | None = None,
    ) -> None:
        """models: a service's configured MetaData (its `metadata` key), imported when asked.
        resume: run the rest of a step an earlier run left half done, instead of refusing.
        replays: the run's declarative steps, rendered once and replayed (shared by the
        databases of a run; see runtime/replay.py).
        engines: the run's shared engines, used where this database may share one."""
        self.config = config
        self.resume = resume
        self.replays = replays
        self.planner = planner
        self.loader = loader or ScriptLoader()
        self.run_id = run_id
        self.x_arguments = tuple(x_arguments)
        self.recorder = Recorder(config)
        self.rows = RunRows(run_id)  # the history rows this run writes
        self.hooks = load_database_hooks(config.hooks)
        self.log = structlog.get_logger("orch").bind(run_id=run_id, database=config.name)
        self._engine: sa.Engine | None = None
        self._shared = engines
        self._owns_engine = True  # False: a view of a shared engine, which the run disposes
        self._models = models
        self._target_metadata: dict[str | None, sa.MetaData | None] = {}
        self._statements: StatementHandle | None = None  # the migration's, while it runs
        self._regain_lock: Regain = lambda: True  # the migration's lock, while it runs
        self._cancelled = False

    @property
    def url(self) -> str:
        """Return the database URL with its password masked."""
        return mask_passwords(self.config.url)

    @property
    def engine(self) -> sa.Engine:
        """Return this database's engine, created on first use."""
        if self._engine is None:
            shared = self._shared and self._shared.engine_for(self.config, self.hooks.project)
            self._owns_engine = shared is None
            self._engine = shared or self._own_engine()
        return self._engine

    def _own_engine(self) -> sa.Engine:
        hooks = self.hooks.project
        make = self._shared.dialects.maker(hooks) if self._shared else sa.create_engine
        engine = database_engine(self.config, make)
        attach_connection_hooks(engine, hooks, self.config.name)
        if self.config.schema is not None:
            attach_search_path(engine, self.config.schema)
        return engine

    def dispose(self) -> None:
        """Close this runner's connections (a shared engine's go back to its pool)."""
        if self._engine is not None:
            if self._owns_engine:
                # The pool's connections closed, not Engine.dispose(): that makes the engine a
                # new pool, and this one is dropped.
                self._engine.pool.dispose()
            self._engine = None

    def current(self) -> tuple[str, ...]:
        """Return the heads the database is at (none for a new database); creates nothing."""
        if is_missing(self.config):
            return ()
        with self.engine.connect() as conn:
            return self.recorder.current_heads(conn)

    def plan(self, direction: Direction, target: str, current: Sequence[str] | None = None) -> Plan:
        """Return the plan to move the database (or the given heads) to target; touches nothing."""
        plan_for = self._planner_for(direction)
        return plan_for(self.current() if current is None else tuple(current), target)

    def _planner_for(self, direction: Direction) -> Callable[[Sequence[str], str], Plan]:
        if direction == "up":
            return self.planner.plan_upgrade
        if direction == "down":
            return self.planner.plan_downgrade
        raise ValueError(f"unknown direction {direction!r}: expected 'up' or 'down'")

    def migrate(
        self, direction: Direction, target: str, hooks: StepHooks | None = None
    ) -> DatabaseResult:
        """Take the lock, plan from the heads found under it, and apply every step."""
        hooks = hooks or StepHooks()
        plan_for = self._planner_for(direction)  # an unknown direction touches nothing
        with (
            self.engine.connect() as conn,
            migration_lock(conn, self.config, self.log) as self._regain_lock,
            self._cancellable(conn),
        ):
            with conn.begin():
                made = self._ensure_tables(conn)
                # A table made just now holds nothing to read.
                before = () if made.version else self.recorder.heads(conn)
                last = None if made.history else self.recorder.last_entry(conn)
                if not self.resume:
                    self._refuse_if_partial(conn, last)
            plan = plan_for(before, target)
            self.log.info(Event.DB_PLANNED, steps=len(plan.steps), current=list(before))
            scripts = self.compile_all(plan)
            point = self._resume_point(last, plan, scripts) if self.resume else None
            results = self._apply_all(conn, plan, scripts, hooks, point)
            stopped = len(results) < len(plan.steps)
            # Read, not taken from the plan: a script or an on_version_apply hook may have
            # moved the version rows too, and the summary says where the database is.
            after = self._read_heads(conn)
        note = NOTHING_TO_RESUME if self.resume and point is None else None
        return DatabaseResult(self.config.name, before, after, results, stopped, note)

    def _ensure_tables(self, conn: sa.Connection) -> Made:
        """Make the version and history tables where missing; a database without the version
        table must show no sign of having been migrated elsewhere. A database that holds
        nothing at all (a SQLite file just made) has no table to look for."""
        if self._holds_nothing(conn):
            return self.recorder.ensure_tables(conn, version_exists=False, history_exists=False)
        found = self.recorder.has_version_table(conn)
        if not found:
            self._refuse_if_migrated_elsewhere(conn)
        return self.recorder.ensure_tables(conn, version_exists=found)

    def _holds_nothing(self, conn: sa.Connection) -> bool:
        is_empty = get_dialect(conn.dialect.name).is_empty
        return is_empty is not None and self.recorder.in_default_schema and is_empty(conn)

    def _read_heads(self, conn: sa.Connection) -> tuple[str, ...]:
        with conn.begin():
            return self.recorder.heads(conn)

    def _resume_point(
        self, last: LastEntry | None, plan: Plan, scripts: Sequence[CompiledScript]
    ) -> ResumePoint | None:
        """Return where the plan resumes a half-done step, its scripts' hashes those of the
        scripts compiled for this run (the ones its steps run)."""
        sha256 = {step: script.sha256 for step, script in zip(plan.steps, scripts, strict=True)}
        return resume_point(self.config.name, last, plan, sha256.__getitem__)

    @contextmanager
    def _cancellable(self, conn: sa.Connection) -> Iterator[None]:
        """While the block runs, let `cancel` reach the statements `conn` runs."""
        self._statements, self._cancelled = statement_handle(conn), False
        try:
            yield
        finally:
            self._statements = None

    def cancel(self) -> None:
        """Cancel the statement the migration is running (from another thread): its step
        fails, rolled back or recorded half done, and the run ends there."""
        handle = self._statements
        if handle is not None:
            self._cancelled = True
            cancel_statement(handle, self.engine)

    def stamp(self, target: str, purge: bool = False) -> DatabaseResult:
        """Set the version rows to target without running scripts (purge: ignore what is there)."""
        with (
            self.engine.connect() as conn,
            migration_lock(conn, self.config, self.log),
            conn.begin(),
        ):
            self.recorder.ensure_tables(conn)
            before = self.recorder.current_heads(conn)
            plan = self.planner.plan_stamp(() if purge else before, target)
            started = utc_now()
            self.recorder.replace_heads(conn, plan.heads_after)
            for revision in plan.heads_after or ("base",):
                self.recorder.record(
                    conn, self.rows.entry(revision, "stamp", started, HistoryOutcome.STAMPED)
                )
            after = self.recorder.current_heads(conn)
            stamped = VersionStep(self.config.name, target, "stamp", after, before)
            version_applied(self.hooks.project, MigrationContext.online(conn), stamped, after)
        self.log.info(Event.STAMP_APPLIED, before=list(before), after=list(after))
        return DatabaseResult(self.config.name, before, after, ())

    def target_metadata(self, service: str | None) -> sa.MetaData | None:
        """Return the MetaData whose naming convention names what a service's ops create.

        As Alembic takes it from env.py's target_metadata: the hooks module's
        target_metadata(), else the service's `metadata` key (the first one); imported once."""
        if service not in self._target_metadata:
            hook = self.hooks.for_service(service).target_metadata
            found: object = hook() if hook is not None else None
            if found is None and self._models is not None and service is not None:
                found = self._models(service)
            if isinstance(found, Sequence):  # several MetaData, as Alembic allows: the first
                found = found[0] if found else None
            if found is not None and not isinstance(found, sa.MetaData):
                kind = type(found).__name__
                raise ConfigError(f"target_metadata() returned a {kind}, not a MetaData", None)
            self._target_metadata[service] = found
        return self._target_metadata[service]

    def compile_all(self, plan: Plan) -> list[CompiledScript]:
        """Compile every script of the plan first: one that does not compile stops the run
        before any step has touched the database. Return them in the plan's order."""
        return self.loader.compile_all(self._script(step) for step in plan.steps)

    def state(self) -> tuple[tuple[str, ...], OrchError | None]:
        """Return the heads the database is at and what would make the next upgrade refuse
        to start (a step an earlier run left half done, a version table configured wrong):
        one connection, creates nothing."""
        if is_missing(self.config):
            return (), None
        with self.engine.connect() as conn:
            if not self.recorder.has_version_table(conn):
                return (), self._migrated_elsewhere(conn)
            heads = self.recorder.heads(conn)
            if not self.recorder.has_history(conn):
                return heads, None
            return heads, left_half_done(conn, self.config.name, self.recorder.last_entry(conn))

    def _refuse_if_migrated_elsewhere(self, conn: sa.Connection) -> None:
        found = self._migrated_elsewhere(conn)
        if found is not None:
            raise found

    def _migrated_elsewhere(self, conn: sa.Connection) -> VersionTableElsewhere | None:
        """Return what shows that the database, with no version table, was migrated."""
        bases = (
            Path(r.filename) for r in self.planner.revisions if not r.down_revisions and r.filename
        )
        return probe_missing_version_table(
            conn,
            self.config.name,
            self.recorder.version,
            bases,
            own_schema_only=self.config.schema is not None,
            neighbour_schemas=self.config.neighbour_schemas,
        )

    def _refuse_if_partial(self, conn: sa.Connection, last: LastEntry | None) -> None:
        pending = left_half_done(conn, self.config.name, last)
        if pending is not None:
            raise pending

    def _apply_all(
        self,
        conn: sa.Connection,
        plan: Plan,
        scripts: Sequence[CompiledScript],
        hooks: StepHooks,
        point: ResumePoint | None,
    ) -> tuple[StepResult, ...]:
        """Apply the plan's steps, each with its script as compiled before the first step
        (the code the run checked, not a file read again per step)."""
        per_run = self.config.transaction_mode is TransactionMode.PER_RUN
        results: list[StepResult] = []
        outer = run_transaction(conn) if per_run and plan.steps else nullcontext()
        with outer, StatementWatch.installed(conn) as watch:
            for step, script in zip(plan.steps, scripts, strict=True):
                if hooks.stop():
                    break
                hooks.before(step)
                resumed = point.done_before if point and point.resumes(step) else None
                results.append(self._apply(watch, step, script, nested=per_run, resumed=resumed))
                hooks.after(step)
        return tuple(results)

    def _apply(
        self,
        watch: StatementWatch,
        step: Step,
        script: CompiledScript,
        *,
        nested: bool,
        resumed: StepProgress | None,
    ) -> StepResult:
        """Run one step on the watched connection; resumed: what its earlier, half-done run
        completed (not run again)."""
        conn = watch.connection
        revision = self.planner.get(step.revision)
        started, clock = utc_now(), time.perf_counter()
        self.log.debug(Event.MIGRATION_STARTED, revision=step.revision, direction=step.direction)
        context = MigrationContext.online(
            conn,
            revision=step.revision,
            target_metadata=self.target_metadata(revision.service),
            watch=watch,
        )
        module = self.loader.load(script, context, self.x_arguments)
        sha256 = module.script.sha256
        done_before = resumed or StepProgress()
        start = self.rows.entry(
            step.revision,
            step.direction,
            started,
            HistoryOutcome.STARTED,
            sha256,
            progress=done_before,
        )
        progress = ProgressLog(self.recorder, conn, start, context.dialect.implicit_commits)
        outside = not context.dialect.transactional_ddl or not module.transactional
        if outside and not nested:
            # The step's work commits as it runs: say it has started before it does, so that
            # a process killed half-way leaves a history that tells the next run to look first.
            with conn.begin():
                progress.start()
        else:
            if not context.dialect.transactional_ddl:
                # Per-run on MariaDB, MySQL: their DDL commits on its own, unseen by orch. Said
                # now, in the run's transaction: the step's first DDL commits it with its work.
                progress.start()
            # Said with the first commit the script or an autocommit block makes, if any.
            context.before_early_commit = progress.committing
        if resumed is not None:
            self.log.info(Event.MIGRATION_RESUMED, revision=step.revision, skipped=resumed.done)
        where = (self.config.name, step.revision)
        counter = StatementCounter(watch, progress.advance, done_before, where)
        try:
            with context.transaction(module.transactional, nested=nested):
                self._run_script(context, module, step, revision, counter)
                entry = self.rows.entry(
                    step.revision,
                    step.direction,
                    started,
                    HistoryOutcome.APPLIED,
                    sha256,
                    progress=progress.progress,
                )
                self.recorder.record(conn, entry)
            if nested and progress.committed:
                # Part of the step is committed and cannot roll back: commit the rest and its
                # version row now, so that a later step's failure cannot part them from it.
                conn.commit()
                conn.begin()
        except (Exception, SystemExit, KeyboardInterrupt) as exc:
            # A script's sys.exit() or KeyboardInterrupt is its step's failure like any other:
            # recorded, and never the end of orch (signals reach orch through its handlers).
            self._fail(conn, step, started, exc, sha256, context=context, progress=progress)
        duration = int((time.perf_counter() - clock) * 1000)
        self.log.info(
            Event.MIGRATION_APPLIED,
            revision=step.revision,
            direction=step.direction,
            duration_ms=duration,
            outcome=HistoryOutcome.APPLIED,
        )
        skipped = None if resumed is None else resumed.done
        return StepResult(step.revision, step.direction, HistoryOutcome.APPLIED, duration, skipped)

    def _run_script(
        self,
        context: MigrationContext,
        module: RevisionModule,
        step: Step,
        revision: Revision,
        counter: StatementCounter,
    ) -> None:
        """Run the script between the hooks' calls, its statements counted (the hooks' run
        again on a resumed step), and move the version rows."""
        conn = context.connection
        assert conn is not None  # an online context
        hooks = self.hooks.for_service(revision.service)
        info = version_step(self.config.name, step, revision)
        before_step(hooks, conn, info)
        with counter.counting():
            if self.replays is not None and not counter.resuming:
                self.replays.run(module, step.direction, context)
            else:
                module.function(step.direction)()
        self.recorder.move_heads(conn, step.deletes, step.inserts, step.updates)
        heads = self.recorder.heads(conn) if hooks.on_version_apply else None
        version_applied(hooks, context, info, heads)
        after_step(hooks, conn, info)

    def _fail(
        self,
        conn: sa.Connection,
        step: Step,
        started: dt.datetime,
        exc: BaseException,
        sha256: str,
        *,
        context: MigrationContext,
        progress: ProgressLog,
    ) -> None:
        """Record a failed step in the history and raise MigrationFailed."""
        # The server ended the session (killed, restarted): its lock went with it.
        lost = conn.invalidated
        if conn.in_transaction():
            conn.rollback()
        partial = context.committed_early or not context.dialect.transactional_ddl
        statement = failing_statement(exc)
        reason = failure_reason(exc, cancelled=self._cancelled)
        outcome = HistoryOutcome.FAILED_PARTIAL if partial else HistoryOutcome.FAILED
        entry = replace(
            self.rows.entry(step.revision, step.direction, started, outcome, sha256),
            error=reason,
            statement=statement,
        )
        if self._may_record_after(lost):
            with conn.begin():
                # What the database kept of the count: what rolled back took its count with it.
                kept = progress.kept() if partial else None
                if kept is not None:
                    entry = replace(entry, statements_done=kept.done, statements_sha256=kept.digest)
                self.recorder.record(conn, entry)
        self.log.error(
            Event.MIGRATION_FAILED,
            revision=step.revision,
            direction=step.direction,
            outcome=outcome,
            error=reason,
            statements_done=entry.statements_done,
        )
        raise MigrationFailed(
            self.config.name,
            step.revision,
            step.direction,
            reason,
            statement=statement,
            partial=partial,
            statements_done=entry.statements_done,
        ) from exc

    def _may_record_after(self, lost: bool) -> bool:
        """Return whether the failure may be written: on a lost session only once the lock is
        taken again on the new one. Without it another migrator may be running meanwhile, and
        the history keeps what the database kept (a step's `started` row, or nothing of a
        step that rolled back with the session), as after a killed process."""
        if not lost:
            return True
        try:
            regained = self._regain_lock()
        except (sa.exc.SQLAlchemyError, OrchError):  # the server is still away
            regained = False
        self.log.warning(Event.LOCK_LOST, regained=regained)
        return regained

    def _script(self, step: Step) -> str:
        """Return the file of the step's revision; a revision without one fails the step."""
        filename = self.planner.get(step.revision).filename
        if filename is None:
            raise MigrationFailed(self.config.name, step.revision, step.direction, "no script file")
        return filename
