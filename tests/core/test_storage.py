"""The attachment store (core.storage): content addressing, atomic writes, hash-checked reads, safe names."""

import hashlib
import io
import os
from pathlib import Path

import pytest

from core.errors import InvalidInput
from core.storage import MAX_FILE_NAME, AttachmentStore, CorruptedFile, safe_file_name

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- Content addressing ----------------------------------------------------------------------------------------


def test_same_bytes_same_key_and_one_file(store: AttachmentStore):
    first = store.put_bytes(PDF)
    second = store.put_stream(io.BytesIO(PDF))
    assert first == second
    assert first.sha256 == sha(PDF) and first.size == len(PDF)
    assert all_files(store.root) == [store.root / first.sha256[:2] / first.sha256[2:4] / first.sha256]
    assert store.read_bytes(first.sha256) == PDF


def test_different_bytes_different_keys(store: AttachmentStore):
    a, b = store.put_bytes(b"acte de naissance"), store.put_bytes(b"acte de mariage")
    assert a.sha256 != b.sha256
    assert set(store.stored_hashes()) == {a.sha256, b.sha256}
    assert store.exists(a.sha256) and store.exists(b.sha256)


def test_path_is_ab_cd_sha(store: AttachmentStore):
    key = sha(b"x")
    assert store.path_for(key) == store.root / key[:2] / key[2:4] / key


def test_empty_file_is_stored(store: AttachmentStore):
    stored = store.put_bytes(b"")
    assert stored.size == 0 and stored.sha256 == sha(b"")
    assert store.read_bytes(stored.sha256) == b""


def test_delete(store: AttachmentStore):
    stored = store.put_bytes(PDF)
    store.delete(stored.sha256)
    assert not store.exists(stored.sha256)
    store.delete(stored.sha256)  # deleting twice is harmless
    assert list(store.stored_hashes()) == []


# --- Atomic writes ---------------------------------------------------------------------------------------------


def test_no_temporary_file_left_after_success(store: AttachmentStore):
    stored = store.put_bytes(PDF)
    assert [p.name for p in all_files(store.root)] == [stored.sha256]


def test_a_file_exactly_at_the_limit_is_accepted(tmp_path: Path):
    store = AttachmentStore(tmp_path / "a", max_bytes=1000)
    assert store.put_bytes(b"x" * 1000).size == 1000


def test_oversize_file_stores_nothing(store: AttachmentStore):
    too_big = b"x" * (store.max_bytes + 1)
    with pytest.raises(InvalidInput) as raised:
        store.put_bytes(too_big)
    assert raised.value.field == "size"
    assert "taille maximale" in raised.value.message
    assert all_files(store.root) == []
    assert not store.exists(sha(too_big))


def test_oversize_stream_read_in_chunks_stores_nothing(tmp_path: Path):
    store = AttachmentStore(tmp_path / "a", max_bytes=3 * 1024 * 1024)
    with pytest.raises(InvalidInput):
        store.put_stream(io.BytesIO(b"y" * (3 * 1024 * 1024 + 1)))
    assert all_files(store.root) == []


def test_expected_digest_mismatch_stores_nothing(store: AttachmentStore):
    with pytest.raises(InvalidInput) as raised:
        store.put_stream(io.BytesIO(PDF), expected_sha256=sha(b"something else"))
    assert raised.value.field == "digest"
    assert "SHA-256" in raised.value.message
    assert all_files(store.root) == []


def test_expected_digest_is_case_insensitive(store: AttachmentStore):
    stored = store.put_stream(io.BytesIO(PDF), expected_sha256=sha(PDF).upper())
    assert stored.sha256 == sha(PDF)


class BrokenStream(io.RawIOBase):
    """A client that hangs up after sending some bytes."""

    def __init__(self):
        self.sent = False

    def read(self, size=-1):
        if not self.sent:
            self.sent = True
            return b"partial"
        raise ConnectionResetError("client went away")


def test_a_stream_failing_halfway_leaves_nothing(store: AttachmentStore):
    with pytest.raises(ConnectionResetError):
        store.put_stream(BrokenStream())
    assert all_files(store.root) == []


def test_a_failed_write_keeps_the_good_copy_already_there(store: AttachmentStore):
    stored = store.put_bytes(PDF)
    with pytest.raises(InvalidInput):
        store.put_stream(io.BytesIO(PDF), expected_sha256="0" * 64)
    assert store.read_bytes(stored.sha256) == PDF
    assert [p.name for p in all_files(store.root)] == [stored.sha256]


# --- Reads check the hash --------------------------------------------------------------------------------------


def test_a_corrupted_file_is_never_served(store: AttachmentStore):
    stored = store.put_bytes(PDF)
    path = store.path_for(stored.sha256)
    path.write_bytes(PDF[:-1] + b"\x00")
    with pytest.raises(CorruptedFile):
        store.read_bytes(stored.sha256)


def test_a_truncated_file_is_never_served(store: AttachmentStore):
    stored = store.put_bytes(PDF)
    with open(store.path_for(stored.sha256), "r+b") as f:
        f.truncate(10)
    with pytest.raises(CorruptedFile):
        store.read_bytes(stored.sha256)


# --- No way out of the store -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "../" * 10 + "etc/passwd",
        "../../" + "a" * 58,
        "/etc/passwd",
        "",
        None,
        "a" * 63,
        "a" * 65,
        "A" * 64,  # upper case is not how keys are written
        "g" * 64,
        "a" * 62 + "/.",
        "a" * 63 + "\n",
    ],
)
def test_path_for_refuses_anything_but_a_sha256(store: AttachmentStore, key):
    with pytest.raises(InvalidInput):
        store.path_for(key)
    with pytest.raises(InvalidInput):
        store.read_bytes(key)
    with pytest.raises(InvalidInput):
        store.delete(key)


def test_files_outside_the_layout_are_not_reported(store: AttachmentStore):
    stored = store.put_bytes(PDF)
    (store.root / "ab" / "cd").mkdir(parents=True, exist_ok=True)
    (store.root / "ab" / "cd" / "notes.txt").write_text("x")
    (store.root / ".incoming-crash").write_bytes(b"partial")
    assert list(store.stored_hashes()) == [stored.sha256]


def test_the_store_writes_only_under_its_root(tmp_path: Path):
    store = AttachmentStore(tmp_path / "root", max_bytes=1024)
    store.put_bytes(b"hello")
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and store.root not in p.parents]
    assert outside == []
    assert os.listdir(tmp_path) == ["root"]


# --- Safe file names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\Windows\\system32\\cmd.exe", "cmd.exe"),
        ("C:\\Users\\agent\\Acte.pdf", "Acte.pdf"),
        ("dossier/sous-dossier/pièce.pdf", "pièce.pdf"),
        ("acte\x00\x07\n\r\tnaissance.pdf", "actenaissance.pdf"),
        ("Acte de naissance Hélène Ñúñez.pdf", "Acte de naissance Hélène Ñúñez.pdf"),
        ("Pièce jointe (1).pdf", "Pièce jointe (1).pdf"),
        ("e\u0301tat civil.xml", "état civil.xml"),  # decomposed accents become composed
        ('a:b*c?d"e<f>g|h.pdf', "a_b_c_d_e_f_g_h.pdf"),
        ("  .hidden.pdf. ", "hidden.pdf"),
        ("FormulaireQF.json", "FormulaireQF.json"),
    ],
)
def test_safe_file_name(name: str, safe: str):
    assert safe_file_name(name) == safe


@pytest.mark.parametrize("name", ["", None, "   ", ".", "..", "../", "/", "\\", "dossier/", "\x00\x01", " . . "])
def test_empty_file_names_are_refused(name):
    with pytest.raises(InvalidInput) as raised:
        safe_file_name(name)
    assert raised.value.field == "fileName"
    assert "nom du fichier" in raised.value.message


def test_long_names_keep_their_extension():
    name = safe_file_name("é" * 400 + ".pdf")
    assert len(name) <= MAX_FILE_NAME == 255
    assert name.endswith(".pdf") and name.startswith("é")
    no_extension = safe_file_name("x" * 400)
    assert set(no_extension) == {"x"} and 250 <= len(no_extension) <= 255
    absurd_extension = safe_file_name("acte." + "y" * 400)
    assert len(absurd_extension) <= 255 and absurd_extension.startswith("acte")


@pytest.mark.parametrize("name", ["../" * 50 + "a" * 300 + ".pdf", "\x00" * 10 + "b" * 254 + ".xml"])
def test_safe_names_are_always_bounded_and_flat(name: str):
    safe = safe_file_name(name)
    assert 0 < len(safe) <= 255
    assert "/" not in safe and "\\" not in safe and ".." not in safe
    assert all(ch.isprintable() for ch in safe)
