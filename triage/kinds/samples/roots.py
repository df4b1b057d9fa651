"""Server-side sample paths, allowed only under folders an administrator configures.

``TRIAGE_DATA_ROOTS`` lists the folders (separated by ``os.pathsep``, ":" on Linux). A path a
person types is resolved (symlinks followed, ``..`` collapsed, relative paths taken from the first
root) and accepted only when the result lies inside one of the resolved roots. So ``..``, a
symlink pointing out of a root and an absolute path elsewhere are all refused, with a message
naming the roots. Globs are checked on their fixed part (the folders before the first wildcard)
and on every file they match. This module never imports streamlit.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from triage.tabular import InputError

__all__ = ["ROOTS_ENV", "data_roots", "resolve_data_path"]

ROOTS_ENV = "TRIAGE_DATA_ROOTS"
_WILDCARDS = "*?["


def data_roots(environ: dict[str, str] | None = None) -> list[Path]:
    """The configured roots, resolved; empty when none are configured (server paths are off)."""
    text = (os.environ if environ is None else environ).get(ROOTS_ENV, "")
    return [Path(part).expanduser().resolve() for part in text.split(os.pathsep) if part.strip()]


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def resolve_data_path(text: str, roots: list[Path]) -> str:
    """The resolved path (or glob) when it lies under a root; InputError saying what is allowed
    otherwise."""
    allowed = ", ".join(str(root) for root in roots)
    if not roots:
        raise InputError(f"Server-side paths are switched off: an administrator sets {ROOTS_ENV} to "
                         "the folders samples may be read from. Upload the files instead.")
    text = text.strip()
    if not text:
        raise InputError(f"Type a path under one of the allowed folders: {allowed}.")
    if "\x00" in text or "://" in text:
        raise InputError(f"{text!r} is not a path; only files and folders under {allowed} can be read.")
    raw = Path(text).expanduser()
    if not raw.is_absolute():
        raw = roots[0] / raw
    parts = raw.parts
    fixed_count = next((i for i, part in enumerate(parts) if any(c in part for c in _WILDCARDS)),
                       len(parts))
    fixed = Path(*parts[:fixed_count]).resolve()
    refused = InputError(f"{text!r} is outside the folders samples may be read from ({allowed}). "
                         "Give a path inside one of them; '..' and links that lead out are refused.")
    if not _inside(fixed, roots) or ".." in parts[fixed_count:]:
        raise refused
    if fixed_count == len(parts):
        if not fixed.exists():
            raise InputError(f"{text!r}: no such file or folder under {allowed}.")
        for inner in (fixed.rglob("*") if fixed.is_dir() else ()):
            if not _inside(inner.resolve(), roots):
                raise refused
        return str(fixed)
    pattern = str(fixed / Path(*parts[fixed_count:]))
    matches = glob.glob(pattern, recursive=True)
    if not matches:
        raise InputError(f"{text!r} matches no file under {allowed}.")
    if any(not _inside(Path(match).resolve(), roots) for match in matches):
        raise refused
    return pattern
