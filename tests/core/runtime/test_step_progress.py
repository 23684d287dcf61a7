"""Which statements a step counts, and the digest `--resume` checks."""

from __future__ import annotations

import pytest

from orch_core.runtime.step_progress import StepProgress, classify, first_word


@pytest.mark.parametrize(
    ("sql", "word"),
    [
        ("ALTER TABLE t ADD b INT", "ALTER"),
        ("  \n create index ix on t (a)", "CREATE"),
        ("-- why\nDROP TABLE t", "DROP"),
        ("/* hint */ /* two */ INSERT INTO t VALUES (1)", "INSERT"),
        ("(SELECT 1)", ""),
        ("", ""),
    ],
)
def test_the_first_word_is_read_past_space_and_comments(sql: str, word: str) -> None:
    assert first_word(sql) == word


def test_reads_do_not_count_and_everything_else_does() -> None:
    assert not classify("SELECT pg_advisory_lock(1)").counts
    assert not classify("show tables").counts
    assert classify("UPDATE t SET a = 1").counts
    assert classify("CREATE INDEX CONCURRENTLY ix ON t (a)").counts


def test_the_digest_depends_on_each_statement_and_their_order() -> None:
    ab = StepProgress().after("A").after("B")
    assert ab.done == 2
    assert ab == StepProgress().after("A").after("B")
    assert ab != StepProgress().after("B").after("A")
    assert ab.digest != StepProgress().after("A").after("C").digest
