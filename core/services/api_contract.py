"""Rows of the transport model as the Folder API 1.2.7 shows them: plain dicts with the contract's names.

The API returns these as JSON without translation; the services build them so that no query runs outside
core. Internal comments are for the SI only (the contract says so): an operator never sees them.
"""

from datetime import UTC, datetime

from core.models import (
    ApiClientKind,
    Attachment,
    Case,
    Event,
    EventAction,
    Folder,
    Operator,
    Organization,
    PartyKind,
    Process,
)

PARTNER_KEYS = ("editorName", "applicationName", "softwareVersion")
# The portal's own history entries (transmission, consultation, purge) are not events of the contract.
CONTRACT_ACTIONS = frozenset(
    {
        EventAction.STATUS_UPDATE,
        EventAction.ATTACH_DEPOSIT,
        EventAction.ATTACH_DL,
        EventAction.ATTACH_DL_ALL,
        EventAction.COM_ADD,
        EventAction.SENDING_MESSAGE,
    }
)


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with milliseconds, e.g. 2026-03-16T08:45:00.000Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def si_identifier(organization: Organization) -> dict:
    return {"type": "SI", "companyRegister": organization.siret, "branchCode": organization.branch_code}


def osl_identifier(operator: Operator) -> dict:
    return {"type": "OSL", "companyRegister": operator.siret, "branchCode": operator.branch_code}


def partner_info(stored: dict | None) -> dict | None:
    """The editorName / applicationName / softwareVersion headers kept with a folder or an event."""
    info = {key: (stored or {}).get(key) for key in PARTNER_KEYS}
    return info if any(info.values()) else None


def attachment_view(attachment: Attachment, all_cases: list[str] | None = None) -> dict:
    view = {
        "id": str(attachment.id),
        "status": attachment.status.value,
        "fileName": attachment.file_name,
        "type": attachment.type,
        "size": attachment.size,
        "mimeType": attachment.mime_type,
    }
    if all_cases is not None:  # a folder's file names its cases; None in the model means all of them
        view["recipients"] = list(attachment.recipients or all_cases)
    return view


def applicant_view(folder: Folder) -> dict:
    return {
        "firstName": folder.applicant_first_name,
        "lastName": folder.applicant_last_name,
        "email": folder.applicant_email,
    }


def folder_case_view(case: Case, organization: Organization) -> dict:
    return {
        "id": str(case.id),
        "status": case.status.value,
        "recipient": si_identifier(organization),
        "externalId": case.external_id,
        "updateDateTime": iso(case.updated_at),
        "transmissionDateTime": iso(case.transmitted_at),
        "partnerAttributes": case.partner_attributes,
    }


def folder_view(folder: Folder, process: Process, cases: list[dict], attachments: list[Attachment]) -> dict:
    """A folder with its cases (already shown with `folder_case_view`, or planned) and its files."""
    numbers = [c["externalId"] for c in cases]
    return {
        "id": str(folder.id),
        "globalStatus": folder.status.value,
        "processCode": process.code,
        "externalId": folder.external_id,
        "createDateTime": iso(folder.created_at),
        "updateDateTime": iso(folder.updated_at),
        "closeDateTime": iso(folder.closed_at),
        "applicant": applicant_view(folder),
        "partnerInfo": partner_info(folder.partner_info),
        "cases": cases,
        "attachments": [attachment_view(a, numbers) for a in attachments],
    }


def event_view(
    event: Event,
    transmitter: dict,
    attachments: list[Attachment],
    *,
    viewer: ApiClientKind,
) -> dict:
    return {
        "id": str(event.id),
        "transmitter": transmitter,
        "message": event.message,
        "comment": event.comment if viewer is ApiClientKind.SI else None,
        "actionType": event.action_type.value,
        "author": event.author,
        "notification": event.notify,
        "createDateTime": iso(event.created_at),
        "updateDateTime": iso(event.updated_at),
        "status": event.status.value,
        "caseCurrentStatus": event.case_status_before.value if event.case_status_before else None,
        "caseNewStatus": event.case_status_after.value if event.case_status_after else None,
        "partnerAttributes": event.partner_attributes,
        "attachments": [attachment_view(a) for a in attachments],
        "partnerInfo": partner_info(event.partner_info),
    }


def transmitter_of(event: Event, organization: Organization, operator: Operator) -> dict:
    return si_identifier(organization) if event.transmitter_kind is PartyKind.SI else osl_identifier(operator)


def case_view(
    case: Case,
    folder: Folder,
    process: Process,
    organization: Organization,
    *,
    attachments: list[Attachment] | None,
    events: list[dict] | None,
) -> dict:
    """A case as the contract shows it; `lite` views pass None for attachments and events."""
    view = {
        "id": str(case.id),
        "status": case.status.value,
        "recipient": si_identifier(organization),
        "externalId": case.external_id,
        "updateDateTime": iso(case.updated_at),
        "transmissionDateTime": iso(case.transmitted_at),
        "processCode": process.code,
        "createDateTime": iso(case.created_at),
        "closeDateTime": iso(case.closed_at),
        "partnerAttributes": case.partner_attributes,
        "applicant": applicant_view(folder),
    }
    if attachments is not None:
        view["attachments"] = [attachment_view(a) for a in attachments]
    if events is not None:
        view["events"] = events
    return view


def notification_view(notification, recipient: dict, transmitter: dict, process_code: str) -> dict:
    """`notification`: a Notification, or a row with its id, case_id, event_id and created_at."""
    return {
        "id": str(notification.id),
        "recipient": recipient,
        "transmitter": transmitter,
        "processCode": process_code,
        "caseId": str(notification.case_id) if notification.case_id else None,
        "eventId": str(notification.event_id) if notification.event_id else None,
        "dateTime": iso(notification.created_at),
    }
