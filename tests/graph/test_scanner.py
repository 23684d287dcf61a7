"""The scanner reads headers without importing scripts, and caches them by path, size, mtime."""

import os
from pathlib import Path

import pytest

from orch_graph.errors import ScriptHeaderError
from orch_graph.scanner import scan_revisions


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


PLAIN = '''"""Create users

Revision ID: a1
"""
import this_module_does_not_exist

revision = "a1"
down_revision = None
branch_labels = "users"
depends_on = None


def upgrade():
    pass
'''

ANNOTATED = '''"""add email"""
from typing import Sequence, Union

revision: str = "b2"
down_revision: Union[str, None] = "a1"
branch_labels: Union[str, Sequence[str], None] = ("x", "y")
depends_on: Union[str, Sequence[str], None] = ["c3"]


def upgrade() -> None:
    revision = "not me"
'''


def test_reads_plain_and_annotated_headers_without_importing(tmp_path: Path) -> None:
    write(tmp_path, "a1_create.py", PLAIN)
    write(tmp_path / "nested" / "deeper", "b2_email.py", ANNOTATED)
    revisions = scan_revisions({"users": tmp_path}, None)
    by_id = {r.revision: r for r in revisions}
    assert by_id["a1"].down_revisions == ()
    assert by_id["a1"].branch_labels == ("users",)
    assert by_id["a1"].message == "Create users"
    assert by_id["a1"].service == "users"
    assert by_id["b2"].down_revisions == ("a1",)
    assert by_id["b2"].branch_labels == ("x", "y")
    assert by_id["b2"].depends_on == ("c3",)
    assert by_id["b2"].message == "add email"
    assert by_id["b2"].path == tmp_path / "nested" / "deeper" / "b2_email.py"


def test_merge_revision_with_tuple_and_list(tmp_path: Path) -> None:
    write(tmp_path, "m.py", 'revision = "m"\ndown_revision = ("a", "b")\n')
    write(tmp_path, "n.py", 'revision = "n"\ndown_revision = ["m", "c"]\n')
    by_id = {r.revision: r for r in scan_revisions({"s": tmp_path})}
    assert by_id["m"].down_revisions == ("a", "b")
    assert by_id["n"].down_revisions == ("m", "c")


def test_init_and_other_files_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "__init__.py", 'revision = "nope"\n')
    write(tmp_path, "notes.txt", 'revision = "nope"\n')
    assert scan_revisions({"s": tmp_path}) == []


def test_a_script_without_a_revision_is_reported_by_name(tmp_path: Path) -> None:
    write(tmp_path, "a.py", 'revision = "a"\ndown_revision = None\n')
    helper = write(tmp_path, "helpers.py", "X = 1\n")
    with pytest.raises(ScriptHeaderError) as caught:
        scan_revisions({"s": tmp_path})
    assert caught.value.path == helper
    assert "declares no revision" in str(caught.value)


@pytest.mark.parametrize(
    "before",
    [
        "class Status(enum.Enum):\n    A = 1\n\n\n",
        "def helper():\n    return 1\n\n\n",
        "@dataclass\nclass Row:\n    x: int\n\n\n",
    ],
)
def test_a_header_after_a_class_or_function_is_read(tmp_path: Path, before: str) -> None:
    header = 'revision = "b2"\ndown_revision = "a1"\nbranch_labels = None\ndepends_on = None\n'
    write(tmp_path, "b2.py", f'"""Add rows."""\nimport enum\n\n{before}{header}')
    (found,) = scan_revisions({"s": tmp_path})
    assert (found.revision, found.down_revisions, found.message) == ("b2", ("a1",), "Add rows.")


def test_a_down_revision_after_a_class_is_not_taken_for_a_base(tmp_path: Path) -> None:
    source = 'revision = "b2"\n\n\nclass T:\n    pass\n\n\ndown_revision = "a1"\n'
    write(tmp_path, "b2.py", source)
    (found,) = scan_revisions({"s": tmp_path})
    assert found.down_revisions == ("a1",)


def test_non_literal_header_is_read_by_importing_that_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.py",
        'import os\nrevision = "a"\ndown_revision = None\n'
        'branch_labels = (os.path.basename("x/" + "expand"),)\n',
    )
    (found,) = scan_revisions({"s": tmp_path})
    assert found.branch_labels == ("expand",)


def test_non_literal_header_that_fails_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.py",
        'import app_that_is_missing\n\nrevision = "a"\n'
        "branch_labels = (app_that_is_missing.LABEL,)\n",
    )
    with pytest.raises(ScriptHeaderError) as caught:
        scan_revisions({"s": tmp_path})
    assert caught.value.path == path
    assert caught.value.line == 4
    assert str(path) in str(caught.value)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.py", 'revision = "a"\ndown_revision = (\n')
    with pytest.raises(ScriptHeaderError) as caught:
        scan_revisions({"s": tmp_path})
    assert caught.value.path == path
    assert caught.value.line is not None


@pytest.mark.parametrize("value", ["3", "('a', 3)", "''"])
def test_header_of_the_wrong_type_is_an_error(tmp_path: Path, value: str) -> None:
    text = f'revision = "a"\ndown_revision = {value}\n'
    if value == "''":
        text = "revision = ''\n"
    write(tmp_path, "a.py", text)
    with pytest.raises(ScriptHeaderError):
        scan_revisions({"s": tmp_path})


def test_several_services_keep_their_names(tmp_path: Path) -> None:
    write(tmp_path / "u", "a.py", 'revision = "a"\n')
    write(tmp_path / "b", "b.py", 'revision = "b"\ndepends_on = "a"\n')
    found = {
        r.revision: r.service
        for r in scan_revisions({"users": tmp_path / "u", "billing": tmp_path / "b"})
    }
    assert found == {"a": "users", "b": "billing"}


def test_missing_folder_yields_nothing(tmp_path: Path) -> None:
    assert scan_revisions({"s": tmp_path / "absent"}) == []


def test_cache_is_used_when_files_are_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "scripts"
    path = write(folder, "a.py", 'revision = "a"\n')
    cache = tmp_path / "cache" / "headers.bin"
    first = scan_revisions({"s": folder}, cache)
    assert cache.exists()
    # Prove the cache is read: a file whose content changed while size and mtime did not.
    stat = path.stat()
    path.write_text('revision = "z"\n')
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert scan_revisions({"s": folder}, cache) == first


def test_stale_entry_is_reparsed(tmp_path: Path) -> None:
    folder = tmp_path / "scripts"
    path = write(folder, "a.py", 'revision = "a"\n')
    cache = tmp_path / "headers.bin"
    scan_revisions({"s": folder}, cache)
    path.write_text('revision = "bb"\ndown_revision = None\n')
    (found,) = scan_revisions({"s": folder}, cache)
    assert found.revision == "bb"


@pytest.mark.parametrize("garbage", [b"", b"\x00\x01garbage", b"\xe9" * 50])
def test_corrupt_cache_is_ignored_and_rebuilt(tmp_path: Path, garbage: bytes) -> None:
    folder = tmp_path / "scripts"
    write(folder, "a.py", 'revision = "a"\ndown_revision = None\n')
    cache = tmp_path / "headers.bin"
    cache.write_bytes(garbage)
    (found,) = scan_revisions({"s": folder}, cache)
    assert found.revision == "a"
    assert cache.read_bytes() != garbage
    assert scan_revisions({"s": folder}, cache) == [found]


def test_cache_with_a_changed_byte_is_not_trusted(tmp_path: Path) -> None:
    folder = tmp_path / "scripts"
    write(folder, "a.py", 'revision = "abc"\n')
    cache = tmp_path / "headers.bin"
    scan_revisions({"s": folder}, cache)
    data = cache.read_bytes()
    assert b"abc" in data
    cache.write_bytes(data.replace(b"abc", b"abd"))
    # Keep the file's size and mtime so only the checksum can tell.
    (found,) = scan_revisions({"s": folder}, cache)
    assert found.revision == "abc"


def test_cache_of_another_version_is_ignored(tmp_path: Path) -> None:
    import marshal

    folder = tmp_path / "scripts"
    path = write(folder, "a.py", 'revision = "a"\n')
    stat = path.stat()
    cache = tmp_path / "headers.bin"
    header = ("zzz", (), (), (), "")
    cache.write_bytes(marshal.dumps((2, {str(path): (stat.st_size, stat.st_mtime_ns, header)})))
    (found,) = scan_revisions({"s": folder}, cache)
    assert found.revision == "a"
