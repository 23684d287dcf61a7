"""Reading which tables a script creates, from many threads at once as a fleet does."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from orch_core.runtime.version_probe import tables_created_by


def test_many_threads_read_a_scripts_tables_at_once(tmp_path: Path) -> None:
    nested = "f(" * 20 + "1" + ")" * 20  # deep calls: long conversions to Python objects
    body = "\n".join(f"    x{k} = {nested}" for k in range(40))
    script = tmp_path / "a1_base.py"
    script.write_text(
        "from alembic import op\n\n\ndef upgrade():\n"
        f"{body}\n    op.create_table('users')\n    op.create_table('orders')\n"
    )

    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: tables_created_by(script), range(64)))

    assert found == {("users", "orders")}
