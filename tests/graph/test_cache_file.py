"""One cache file format for both of orch's disk caches: what it trusts, what it ignores."""

from pathlib import Path

from orch_graph.cache_file import read_cache, write_cache


def test_a_cache_reads_back_only_under_its_own_tag_and_whole(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "cache.bin"
    value = {"a.py": (10, 20, ("a", (), (), (), "message"))}
    write_cache(path, b"tag-1:", value)
    assert read_cache(path, b"tag-1:") == value
    assert read_cache(path, b"tag-2:") is None  # another format or Python version
    data = path.read_bytes()
    path.write_bytes(data[:-3])  # cut short by a crash
    assert read_cache(path, b"tag-1:") is None
    assert read_cache(tmp_path / "absent.bin", b"tag-1:") is None
    assert read_cache(None, b"tag-1:") is None
    assert [p.name for p in path.parent.iterdir()] == ["cache.bin"]  # no temporary left


def test_a_cache_that_cannot_be_written_is_not_kept(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    write_cache(blocker / "cache.bin", b"tag:", {"x": 1})  # no error: simply not kept
    assert read_cache(blocker / "cache.bin", b"tag:") is None
