"""The first admin's generated password, kept where its owner can read it again.

As Jenkins and Grafana do, the password anfang chose for ``admin`` is written to a file
only the user running anfang can read (mode 0600, in the data directory) and stays there
until the admin sets a password of their own; a failed first start no longer locks
anyone out. The file never holds a password a person chose.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_NAME = "initial-admin-password"


def path(data_dir: Path) -> Path:
    """Where the initial admin password is kept."""
    return data_dir / FILE_NAME


def write(data_dir: Path, password: str) -> Path:
    """Keep ``password`` in the file, readable by the owner only; its path."""
    target = path(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(password + "\n")
    os.replace(tmp, target)
    return target


def read(data_dir: Path) -> str | None:
    """The kept password, or ``None`` when there is none (already changed)."""
    try:
        return path(data_dir).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def forget(data_dir: Path) -> None:
    """Remove the file (the admin chose a password of their own)."""
    with contextlib.suppress(FileNotFoundError):
        path(data_dir).unlink()
