"""The attachment store: files on disk, content-addressed by SHA-256, written atomically.

A file is written under a temporary name, flushed to disk, then renamed into place: a crash leaves either
nothing or a complete file. Reading checks the hash, so a corrupted file is never served as good.
"""

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.errors import InvalidInput

CHUNK = 1024 * 1024
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
MAX_FILE_NAME = 255
_UNSAFE_CHARS = re.compile(r"[^\w.\- ()]+", re.UNICODE)


class CorruptedFile(Exception):
    """The stored bytes no longer match their SHA-256."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


def safe_file_name(name: str) -> str:
    """A file name safe on any disk and in a ZIP: no directories, no control characters, bounded length."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_CHARS.sub("_", name).strip(" .")
    if not name:
        raise InvalidInput("Le nom du fichier est vide ou invalide.", field="fileName")
    if len(name) > MAX_FILE_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:20] if dot else ""
        name = (stem if dot else name)[: MAX_FILE_NAME - len(ext) - 1] + (f".{ext}" if ext else "")
    return name


class AttachmentStore:
    def __init__(self, root: Path, max_bytes: int):
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path_for(self, sha256: str) -> Path:
        if not SHA256_HEX.match(sha256 or ""):
            raise InvalidInput("Empreinte SHA-256 invalide.", field="sha256")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put_bytes(self, data: bytes) -> StoredFile:
        import io

        return self.put_stream(io.BytesIO(data))

    def put_stream(self, stream: BinaryIO, expected_sha256: str | None = None) -> StoredFile:
        """Store a stream; refuse it (storing nothing) if too large or not matching `expected_sha256`."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise InvalidInput(
                            f"Le fichier dépasse la taille maximale autorisée ({self.max_bytes // (1024 * 1024)} Mo).",
                            field="size",
                        )
                    digest.update(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            sha = digest.hexdigest()
            if expected_sha256 is not None and expected_sha256.lower() != sha:
                raise InvalidInput("L'empreinte SHA-256 du fichier ne correspond pas à celle annoncée.", field="digest")
            final = self.path_for(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            # Same content, same name: an existing file is already the right one.
            os.replace(tmp_name, final)
            return StoredFile(sha256=sha, size=size)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def read_bytes(self, sha256: str) -> bytes:
        """The file's bytes, after checking they still hash to `sha256`."""
        data = self.path_for(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise CorruptedFile(sha256)
        return data

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)

    def stored_hashes(self):
        """Every hash on disk, for the orphan-cleaning job."""
        for path in self.root.glob("??/??/*"):
            if SHA256_HEX.match(path.name):
                yield path.name


def get_store() -> AttachmentStore:
    from core.config import get_settings

    settings = get_settings()
    return AttachmentStore(settings.attachments_dir, settings.max_attachment_bytes)
