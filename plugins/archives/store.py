"""The content-addressed store: a blob's name is its SHA-256, so a changed byte is caught.

The store is closed: a name becomes a path only when it is exactly 64 lowercase hex
digits, and the path it makes must resolve inside the store's folder (a symlink planted
in the store pointing elsewhere is refused too). A digest read from a backup or from the
database is never trusted to be one: `archive restore` with a crafted document whose
"sha256" is `../../etc/passwd` is refused, `archive destroy` never unlinks outside the
store, and `archive verify` answers "invalid digest" without looking at the disk, so it
cannot be used to probe whether a path exists.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from core.kit import DomainError

DIGEST = re.compile(r"[0-9a-f]{64}")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_digest(value: object) -> bool:
    """Exactly 64 lowercase hex digits (what `digest` makes), nothing else."""
    return isinstance(value, str) and DIGEST.fullmatch(value) is not None


def path_of(root: Path, sha: str) -> Path:
    """The blob's path, refused (field `sha256`) unless `sha` is a digest and the path
    resolves inside the store."""
    if not is_digest(sha):
        raise DomainError("sha256", f"{str(sha)[:80]!r} is not a SHA-256 digest "
                          "(64 lowercase hex digits)")
    base = root.resolve()
    target = (base / sha[:2] / sha).resolve()
    if not target.is_relative_to(base):
        raise DomainError("sha256", f"blob {sha[:12]}… resolves outside the archive store")
    return target


def put(root: Path, data: bytes) -> str:
    """Store the bytes once (same content, same blob); written atomically."""
    sha = digest(data)
    root.mkdir(parents=True, exist_ok=True)
    target = path_of(root, sha)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return sha


def check(root: Path, sha: str) -> str | None:
    """None when the blob is present and intact, else what is wrong. A name that is not a
    digest is "invalid digest", decided without touching the disk."""
    if not is_digest(sha):
        return "invalid digest"
    try:
        target = path_of(root, sha)
    except DomainError:
        return "outside the store"
    if not target.is_file():
        return "missing"
    if digest(target.read_bytes()) != sha:
        return "checksum mismatch"
    return None


def get(root: Path, sha: str) -> bytes | None:
    """The blob's bytes, or None when missing, tampered with or not a digest."""
    try:
        target = path_of(root, sha)
    except DomainError:
        return None
    if not target.is_file():
        return None
    data = target.read_bytes()
    return data if digest(data) == sha else None


def remove(root: Path, sha: str) -> bool:
    """Unlink the blob; never anything outside the store (refused, field `sha256`)."""
    target = path_of(root, sha)
    if target.is_file():
        target.unlink()
        return True
    return False
