"""Intake of dossiers dropped as files in the inbound folder (SPEC §7; format in docs/operations.md).

Each ready `*.zip` is read and checked whole (core/services/intake_package.py), then delivered in its own
transaction through `deliver_folder`, exactly as the API delivers, with the démarche's operator as sender.
After the commit the ZIP moves to `done/`; a refused one moves to `quarantine/` beside a `.reason.txt` in
French, with nothing imported. The same package dropped again (same bytes) goes to `done/` without a second
folder; another package reusing an imported folder number is quarantined.

Like the outbox sender, this service takes the engine, not a session: every package is its own transaction,
so that one bad package never rolls back the good ones.
"""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core import audit
from core.config import Settings, get_settings
from core.db import session_scope
from core.errors import Conflict, DomainError
from core.models import AuditEntry, Folder, Operator
from core.services.folders import deliver_folder, process_by_code
from core.services.intake_package import Package, read_package
from core.storage import AttachmentStore, get_store

log = logging.getLogger(__name__)

# A package still being copied keeps changing; one untouched this long is complete (writers should still copy
# under another name, e.g. `.name.zip.part`, and rename into place).
READY_AFTER = timedelta(seconds=30)
PER_RUN = 100
DONE, QUARANTINE = "done", "quarantine"
IMPORTED = "intake.imported"


@dataclass(frozen=True)
class IntakeReport:
    imported: int = 0
    already_imported: int = 0
    quarantined: int = 0
    waiting: int = 0


class IntakeError(RuntimeError):
    """Some packages could not be handled for a reason that is not theirs (database down…): kept for next run."""


def ready_packages(inbound: Path, *, now: datetime) -> tuple[list[Path], int]:
    """(ZIPs old enough to read, oldest first, how many are still too young)."""
    ready, waiting = [], 0
    for path in inbound.iterdir() if inbound.is_dir() else ():
        if path.name.startswith(".") or path.suffix.lower() != ".zip" or not path.is_file():
            continue
        if path.stat().st_mtime <= (now - READY_AFTER).timestamp():
            ready.append(path)
        else:
            waiting += 1
    ready.sort(key=lambda p: (p.stat().st_mtime, p.name))
    return ready, waiting


def _free_name(folder: Path, name: str, stamp: datetime) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    n = 1
    while target.exists() or target.with_name(target.name + ".reason.txt").exists():
        stem, suffix = os.path.splitext(name)
        target = folder / f"{stem}-{stamp:%Y%m%d%H%M%S}-{n}{suffix}"
        n += 1
    return target


def quarantine(path: Path, reason: str, *, stamp: datetime) -> Path:
    """Move a refused package to quarantine/ and write why beside it (`<name>.reason.txt`)."""
    target = _free_name(path.parent / QUARANTINE, path.name, stamp)
    os.replace(path, target)
    local = stamp.astimezone(get_settings().zone)
    text = (
        f"Paquet : {path.name}\n"
        f"Mis en quarantaine le {local:%d/%m/%Y à %H:%M:%S} (heure de Paris)\n"
        f"Motif : {reason}\n\n"
        "Rien n'a été importé. Corrigez le paquet et déposez-le de nouveau dans le dossier d'entrée.\n"
    )
    reason_file = target.with_name(target.name + ".reason.txt")
    tmp = reason_file.with_name("." + reason_file.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, reason_file)
    return target


def _already_imported(session: Session, package: Package) -> bool:
    return (
        session.exec(
            select(AuditEntry.id).where(
                AuditEntry.action == IMPORTED,
                AuditEntry.target_type == "intake_package",
                AuditEntry.target_id == package.sha256,
            )
        ).first()
        is not None
    )


def import_package(session: Session, *, package: Package, name: str, now: datetime, store: AttachmentStore) -> bool:
    """Deliver one checked package; False when these very bytes were imported before (nothing is created)."""
    incoming = package.incoming
    process = process_by_code(session, incoming.process_code)
    operator = session.get(Operator, process.operator_id)
    existing = session.exec(
        select(Folder).where(Folder.operator_id == operator.id, Folder.external_id == incoming.external_id)
    ).first()
    if existing is not None:
        if _already_imported(session, package):
            return False
        raise Conflict(
            f"Un télédossier de numéro {incoming.external_id} a déjà été reçu de {operator.code} "
            "avec un contenu différent : ce paquet n'a pas été importé (aucun doublon n'est créé)."
        )
    folder = deliver_folder(session, operator=operator, incoming=incoming, now=now, store=store)
    audit.record(
        session,
        IMPORTED,
        target_type="intake_package",
        target_id=package.sha256,
        details={"package": name, "folder_id": str(folder.id), "external_id": incoming.external_id},
        now=now,
    )
    return True


def _handle(engine: Engine, path: Path, stamp: datetime, store: AttachmentStore, max_bytes: int) -> str:
    try:
        package = read_package(path, max_file_bytes=max_bytes)
        with session_scope(engine) as s:
            created = import_package(s, package=package, name=path.name, now=stamp, store=store)
    except DomainError as refusal:
        quarantine(path, refusal.message, stamp=stamp)
        log.warning("Paquet %s mis en quarantaine : %s", path.name, refusal.message)
        return "quarantined"
    os.replace(path, _free_name(path.parent / DONE, path.name, stamp))
    return "imported" if created else "already_imported"


def import_inbound_packages(
    engine: Engine,
    *,
    now: datetime,
    clock: Callable[[], datetime] | None = None,
    settings: Settings | None = None,
    store: AttachmentStore | None = None,
) -> IntakeReport:
    """Import every ready package of the inbound folder; refused ones go to quarantine with their reason.

    `now` decides which files are ready; each package is stamped with `clock()` when given (the jobs process
    passes the real clock), so that a long run never stamps a late commit with an early time.
    """
    settings = settings or get_settings()
    inbound = settings.resolved_inbound_dir
    for sub in (inbound, inbound / DONE, inbound / QUARANTINE):
        sub.mkdir(parents=True, exist_ok=True)
    store = store or get_store()
    ready, waiting = ready_packages(inbound, now=now)
    counts = {"imported": 0, "already_imported": 0, "quarantined": 0, "waiting": waiting + max(len(ready) - PER_RUN, 0)}
    failures = []
    for path in ready[:PER_RUN]:
        try:
            counts[_handle(engine, path, clock() if clock else now, store, settings.max_attachment_bytes)] += 1
        except Exception as exc:  # not the package's fault: leave it for the next run, go on with the others
            log.exception("Paquet %s non traité", path.name)
            failures.append(f"{path.name} ({type(exc).__name__} : {exc})")
    if failures:
        raise IntakeError(
            f"{len(failures)} paquet(s) laissé(s) dans le dossier d'entrée pour le prochain passage "
            f"({counts['imported']} importé(s), {counts['quarantined']} en quarantaine) : " + " ; ".join(failures)
        )
    return IntakeReport(**counts)
