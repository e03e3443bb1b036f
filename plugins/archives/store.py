"""The content-addressed store: a blob's name is its SHA-256, so a changed byte is caught."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path_of(root: Path, sha: str) -> Path:
    return root / sha[:2] / sha


def put(root: Path, data: bytes) -> str:
    """Store the bytes once (same content, same blob); written atomically."""
    sha = digest(data)
    target = path_of(root, sha)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return sha


def check(root: Path, sha: str) -> str | None:
    """None when the blob is present and intact, else what is wrong."""
    target = path_of(root, sha)
    if not target.exists():
        return "missing"
    if digest(target.read_bytes()) != sha:
        return "checksum mismatch"
    return None


def get(root: Path, sha: str) -> bytes | None:
    """The blob's bytes, or None when missing or tampered with."""
    target = path_of(root, sha)
    if not target.exists():
        return None
    data = target.read_bytes()
    return data if digest(data) == sha else None


def remove(root: Path, sha: str) -> None:
    path_of(root, sha).unlink(missing_ok=True)
