"""Generated phantom studies kept on disk, keyed by the generator's own source code.

A study is generated into a temporary folder and renamed into place when complete, so a crash or a
concurrent run never leaves a half-written study that looks finished. The key is a hash of the
generator's source files and the parameters, so a changed generator never serves stale files.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from phantoms import anatomy, series

_GENERATOR_MODULES = (anatomy, series)
_DONE = ".complete.json"  # hidden: folder scans skip it


def _source_bytes(module: ModuleType) -> bytes:
    try:
        return Path(str(module.__file__)).read_bytes()
    except OSError:  # a frozen build ships bytecode only: fingerprint the code itself
        code = module.__loader__.get_code(module.__name__)  # type: ignore[union-attr]
        return marshal.dumps(code)


def generator_fingerprint() -> str:
    h = hashlib.sha256()
    for module in _GENERATOR_MODULES:
        h.update(_source_bytes(module))
    return h.hexdigest()[:12]


def data_root() -> Path:
    env = os.environ.get("YUNYING_DATA_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("yunying", appauthor=False))


def ensure(
    name: str,
    build: Callable[[str], object],
    params: dict[str, object] | None = None,
    root: Path | None = None,
) -> Path:
    """The folder of generated dataset ``name``; ``build(folder)`` fills it if not there yet."""
    key = hashlib.sha256(
        json.dumps(
            {"gen": generator_fingerprint(), "params": params or {}}, sort_keys=True
        ).encode()
    ).hexdigest()[:12]
    base = (root or data_root()) / "phantoms"
    target = base / f"{name}-{key}"
    if (target / _DONE).exists():
        return target
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=base))
    try:
        build(str(tmp))
        (tmp / _DONE).write_text(json.dumps({"name": name, "params": params or {}}))
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / _DONE).exists():  # someone else finished first: theirs is as good
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def demo_study(root: Path | None = None, light: bool = False) -> Path:
    """The built-in demo study (CT + PET + oblique + tilted CT, MR head), generated once."""
    specs = series.demo_specs(light=light)
    return ensure(
        "demo-light" if light else "demo",
        lambda folder: series.write_study(specs, folder),
        {"light": light},
        root,
    )
