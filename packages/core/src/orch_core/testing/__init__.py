"""Testing a project's migrations: throwaway databases, schema snapshots and ready-made checks.

The pytest plugin (`orch_core.testing.plugin`, registered as `orch` through the `pytest11` entry
point) offers the fixtures; a project switches the ready-made tests on by importing them into one
of its test modules:

    from orch_core.testing.checks import *  # noqa: F403
"""
