"""A closed content-addressed store: a blob's name is its SHA-256, its path never leaves
the store's folder.

Every digest that becomes a path (from a request, a database row or a backup) is checked
to be exactly 64 lowercase hex characters, and the resolved path must lie inside the root
(OWASP path traversal): a crafted "digest" such as ../../etc/passwd is refused, never
opened, tested or unlinked.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from core.errors import DomainError

DIGEST = re.compile(r"[0-9a-f]{64}")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Blobs under `root/<first two hex>/<digest>`, written atomically, read verified."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        if not isinstance(sha, str) or not DIGEST.fullmatch(sha):
            raise DomainError("digest", f"not a SHA-256 digest: {str(sha)[:80]!r}")
        root = self.root.resolve()
        target = (root / sha[:2] / sha).resolve()
        if not target.is_relative_to(root):  # a symlinked folder pointing out
            raise DomainError("digest", f"{sha} resolves outside the store")
        return target

    def put(self, data: bytes) -> str:
        """Store the bytes once (same content, same blob)."""
        sha = digest(data)
        target = self.path(sha)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        return sha

    def get(self, sha: str) -> bytes | None:
        """The blob's bytes; None when missing or altered."""
        target = self.path(sha)
        if not target.exists():
            return None
        data = target.read_bytes()
        return data if digest(data) == sha else None

    def check(self, sha: str) -> str | None:
        """None when present and intact, else what is wrong."""
        target = self.path(sha)
        if not target.exists():
            return "missing"
        return None if digest(target.read_bytes()) == sha else "checksum mismatch"

    def remove(self, sha: str) -> None:
        self.path(sha).unlink(missing_ok=True)
