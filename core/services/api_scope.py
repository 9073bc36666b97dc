"""Isolation of API clients: what an SI's software or an operator may reach, never revealing the rest.

An SI client reaches the cases of its own subscription (organization × démarche); an operator, the folders it
sent and the cases of its démarches. A case or folder out of reach gets the same NotFound as one that does
not exist; an operation of the other scope is Forbidden.
"""

import uuid

from sqlmodel import Session

from core.errors import NotFound
from core.models import ApiClientKind, Case, Folder, Process
from core.permissions import Verdict, deny, require
from core.services.api_clients import ApiClient

CASE_NOT_FOUND = "Ce télédossier (case) n'existe pas."
FOLDER_NOT_FOUND = "Ce dossier (folder) n'existe pas."
SCOPE_NAMES = {
    ApiClientKind.SI: "services instructeurs (périmètre SI)",
    ApiClientKind.OSL: "opérateurs (périmètre OSL)",
}


def may_use_scope(client: ApiClient, kind: ApiClientKind) -> Verdict:
    if client.kind is kind:
        return Verdict(True)
    return deny(f"Cette opération est réservée aux {SCOPE_NAMES[kind]}.")


def require_scope(client: ApiClient, kind: ApiClientKind) -> None:
    """Forbidden unless the client holds this scope."""
    require(may_use_scope(client, kind))


def as_uuid(value, message: str) -> uuid.UUID:
    """A path identifier as a UUID; NotFound with `message` when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(message) from None


def reaches_case(client: ApiClient, case: Case, process: Process) -> bool:
    if client.kind is ApiClientKind.SI:
        return case.organization_id == client.organization_id and case.process_id == client.process_id
    return process.operator_id == client.operator_id


def case_for(session: Session, client: ApiClient, case_id) -> tuple[Case, Process]:
    """The case and its démarche if this client may reach it; NotFound otherwise, whether it exists or not."""
    case = session.get(Case, as_uuid(case_id, CASE_NOT_FOUND))
    process = session.get(Process, case.process_id) if case else None
    if case is None or not reaches_case(client, case, process):
        raise NotFound(CASE_NOT_FOUND)
    return case, process


def folder_for(session: Session, client: ApiClient, folder_id) -> Folder:
    """A folder this operator sent; Forbidden for an SI client, NotFound for anyone else's folder."""
    require_scope(client, ApiClientKind.OSL)
    folder = session.get(Folder, as_uuid(folder_id, FOLDER_NOT_FOUND))
    if folder is None or folder.operator_id != client.operator_id:
        raise NotFound(FOLDER_NOT_FOUND)
    return folder
