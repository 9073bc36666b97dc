"""The catalogue of démarches (SPEC §2): read by every list's filters, edited by the platform administrator.

A démarche's code is what operators and business software send (HubEE contract): it never changes.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from core import audit
from core.errors import NotFound
from core.models import Operator, Process
from core.permissions import Actor, may_administer_platform, require
from core.services.forms import FieldChecks
from core.validation import required_text


@dataclass(frozen=True)
class CatalogueChoices:
    """For the filters of the lists: operators (id, code) and démarches (id, label)."""

    operators: tuple[tuple[int, str], ...]
    processes: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ProcessRow:
    id: int
    code: str
    label: str
    short_label: str
    operator: str
    allows_complement: bool
    allows_file_to_usager: bool
    active: bool


@dataclass(frozen=True)
class ProcessChanges:
    label: str
    short_label: str
    allows_complement: bool
    allows_file_to_usager: bool
    active: bool


def catalogue_choices(session: Session) -> CatalogueChoices:
    """Operators and démarches, in the order a person looks for them."""
    return CatalogueChoices(
        operators=tuple(session.exec(select(Operator.id, Operator.code).order_by(Operator.code))),
        processes=tuple(session.exec(select(Process.id, Process.label).order_by(Process.label))),
    )


def list_catalogue(session: Session, *, actor: Actor) -> list[ProcessRow]:
    """Every démarche with its operator and capabilities."""
    require(may_administer_platform(actor))
    rows = session.exec(
        select(Process, Operator.code).join(Operator, Operator.id == Process.operator_id).order_by(Process.code)
    )
    return [
        ProcessRow(
            p.id, p.code, p.label, p.short_label, operator, p.allows_complement, p.allows_file_to_usager, p.active
        )
        for p, operator in rows
    ]


def update_process(
    session: Session, *, actor: Actor, process_id: int, changes: ProcessChanges, now: datetime
) -> Process:
    """Label, short label, capabilities (complément request, file to the usager) and whether it can be requested."""
    require(may_administer_platform(actor))
    process = session.get(Process, process_id)
    if process is None:
        raise NotFound("Cette démarche n'existe pas dans le catalogue.")
    checks = FieldChecks()
    label = checks.run(required_text, changes.label, "Libellé", "label", 200)
    short_label = checks.run(required_text, changes.short_label, "Libellé court", "short_label", 20)
    checks.raise_if_any()
    process.label, process.short_label, process.active = label, short_label, changes.active
    process.allows_complement = changes.allows_complement
    process.allows_file_to_usager = changes.allows_file_to_usager
    session.flush()
    audit.record(
        session,
        "catalogue.update",
        account_id=actor.id,
        target_type="process",
        target_id=process.code,
        details={
            "label": label,
            "short_label": short_label,
            "allows_complement": changes.allows_complement,
            "allows_file_to_usager": changes.allows_file_to_usager,
            "active": changes.active,
        },
        now=now,
    )
    return process
