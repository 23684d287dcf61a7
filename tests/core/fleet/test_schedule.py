"""The schedule of a run over many databases, computed from the configuration alone."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence

import pytest

from orch_core.config import DatabaseConfig
from orch_core.errors import DatabaseCycle
from orch_core.fleet.schedule import Need, Schedule
from orch_graph.plan import Direction
from orch_graph.view import ExternalRequirement


def database(name: str, *services: str, after: Sequence[str] = ()) -> DatabaseConfig:
    return DatabaseConfig(name, f"sqlite:///{name}.db", services or (name,), tuple(after))


def schedule(
    databases: Sequence[DatabaseConfig],
    requirements: Mapping[str, Sequence[ExternalRequirement]] | None = None,
    direction: Direction = "up",
    targets: Mapping[str, str] | None = None,
) -> Schedule:
    chosen = targets if targets is not None else {d.name: "heads" for d in databases}
    return Schedule.build(direction, chosen, databases, requirements or {})


# The demo's shape: billing's invoices depend on a users revision; catalog comes after users.
DEMO = [database("billing"), database("catalog", after=["users"]), database("users")]
INVOICES = {"billing": [ExternalRequirement("b2", "u2", "users")]}


def test_databases_start_after_what_they_depend_on_ties_by_name() -> None:
    plan = schedule([*DEMO, database("audit")], INVOICES)
    # First every database that waits for none, by name; then those that waited for them.
    assert plan.order == ("audit", "users", "billing", "catalog")


def test_a_whole_database_is_waited_for_only_when_it_comes_after_it() -> None:
    plan = schedule(DEMO, INVOICES)
    assert plan.follows == {"billing": (), "catalog": ("users",), "users": ()}
    assert plan.needs_before("billing", "b2") == (Need("b2", "users", "u2"),)
    assert plan.needs_before("billing", "b1") == ()
    assert plan.needs_before("users", "u2") == ()


def test_every_database_carrying_the_service_provides_the_revision() -> None:
    tenants = [database("tenant_a", "users"), database("tenant_b", "users"), database("billing")]
    plan = schedule(tenants, INVOICES)
    assert plan.needs_before("billing", "b2") == (
        Need("b2", "tenant_a", "u2"),
        Need("b2", "tenant_b", "u2"),
    )
    assert plan.order == ("tenant_a", "tenant_b", "billing")


def test_databases_outside_the_run_are_not_waited_for() -> None:
    # `--db billing --db catalog`: users is not migrated, so nobody waits for it.
    plan = schedule(DEMO, INVOICES, targets={"billing": "heads", "catalog": "heads"})
    assert plan.order == ("billing", "catalog")
    assert plan.follows == {"billing": (), "catalog": ()}
    assert plan.needs_before("billing", "b2") == ()
    assert plan.groups == (("billing",), ("catalog",))


def test_each_database_gets_its_own_target_and_only_those_concerned_run() -> None:
    plan = schedule(DEMO, INVOICES, targets={"users": "users@head"})
    assert plan.targets == {"users": "users@head"}
    assert plan.order == ("users",)


def test_going_down_dependants_go_first_and_wait_for_no_revision() -> None:
    plan = schedule([*DEMO, database("audit")], INVOICES, direction="down")
    assert plan.order == ("audit", "billing", "catalog", "users")
    # users goes down only once everything built on it has.
    assert plan.follows["users"] == ("billing", "catalog")
    assert plan.follows["billing"] == ()
    assert plan.needs_before("billing", "b2") == ()


def test_groups_are_databases_with_no_wait_between_them() -> None:
    plan = schedule([*DEMO, database("audit"), database("search", after=["audit"])], INVOICES)
    assert plan.groups == (("audit", "search"), ("billing", "catalog", "users"))


def test_shares_deal_the_largest_groups_first_each_in_run_order() -> None:
    databases = [
        *DEMO,
        database("audit"),
        database("search", after=["audit"]),
        database("mail"),
    ]
    plan = schedule(databases, INVOICES)
    assert plan.shares(2) == (("users", "billing", "catalog"), ("audit", "mail", "search"))
    assert plan.shares(8) == (("users", "billing", "catalog"), ("audit", "search"), ("mail",))


def test_databases_that_wait_for_each_other_are_refused_by_name() -> None:
    databases = [
        database("one", after=["two"]),
        database("two"),
        database("three", after=["two"]),
    ]
    requirements = {"two": [ExternalRequirement("t1", "o2", "one")]}
    with pytest.raises(DatabaseCycle) as caught:
        schedule(databases, requirements)
    # Only the databases in the circle: three merely waits behind it.
    assert caught.value.databases == ["one", "two"]
    assert str(caught.value).endswith("in a cycle: one, two")


def test_a_fleet_where_nothing_waits_is_scheduled_without_importing_networkx() -> None:
    # networkx costs 0.12 s to import: a fleet of independent tenants must not pay it.
    code = (
        "import sys\n"
        "from orch_core.config import DatabaseConfig\n"
        "from orch_core.fleet.schedule import Schedule\n"
        "fleet = [DatabaseConfig(f't{i}', 'sqlite://', ('users',)) for i in (2, 1, 3)]\n"
        "plan = Schedule.build('up', {d.name: 'heads' for d in fleet}, fleet, {})\n"
        "assert plan.order == ('t1', 't2', 't3'), plan.order\n"
        "assert plan.groups == (('t1',), ('t2',), ('t3',)), plan.groups\n"
        "assert 'networkx' not in sys.modules, 'networkx was imported'\n"
    )
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_providers_are_every_database_waited_for_directly_or_not() -> None:
    chained = [*DEMO, database("reports", after=["billing"]), database("audit")]
    plan = schedule(chained, INVOICES)
    assert plan.providers(["reports"]) == {"billing", "users"}
    assert plan.providers(["catalog", "users"]) == set()
    assert plan.providers(["audit"]) == set()


def test_a_stage_of_the_schedule_waits_only_for_its_own_databases() -> None:
    plan = schedule([*DEMO, database("audit")], INVOICES)
    later = plan.only(["billing", "catalog"])
    assert later.order == ("billing", "catalog")
    assert later.needs == {} and later.follows == {"billing": (), "catalog": ()}
    assert later.groups == (("billing", "catalog"),)  # a group cut down stays one group
    first = plan.only(["users", "billing"])
    assert first.needs_before("billing", "b2") == (Need("b2", "users", "u2"),)
