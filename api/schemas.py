"""Bodies of the Folder API 1.2.7, as pydantic models: requests are parsed with them, responses documented.

Read-only fields of the contract (ids, statuses, dates) are accepted in requests and ignored, since clients
written for HubEE may send back what they read. Responses are built by core in the contract's shape.
"""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ContractModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class OrganizationIdentifier(ContractModel):
    type: str = Field(max_length=20, examples=["SI"])
    companyRegister: str = Field(pattern=r"^[0-9]{14}$", examples=["21260395000016"])
    branchCode: str | None = Field(default=None, max_length=10, examples=["26395"])


class Applicant(ContractModel):
    firstName: str = Field(min_length=1, max_length=255)
    lastName: str = Field(min_length=1, max_length=255)
    email: str | None = Field(default=None, max_length=320)


class AttachmentIn(ContractModel):
    fileName: str = Field(min_length=1, max_length=255)
    type: str = Field(min_length=1, max_length=100)
    size: int = Field(ge=0)
    mimeType: str = Field(min_length=1, max_length=255)
    recipients: list[str] | None = Field(default=None, description="Numéros (externalId) des cases destinataires")


class FolderCaseIn(ContractModel):
    recipient: OrganizationIdentifier
    externalId: str = Field(min_length=1, max_length=100)
    partnerAttributes: str | None = Field(default=None, max_length=1024)


class FolderIn(ContractModel):
    processCode: str = Field(min_length=1, max_length=30)
    externalId: str = Field(min_length=1, max_length=30)
    applicant: Applicant
    cases: list[FolderCaseIn] = Field(min_length=1)
    attachments: list[AttachmentIn] = Field(min_length=1)


class FolderStatusIn(ContractModel):
    globalStatus: str = Field(max_length=50, examples=["HUBEE_COMPLETED"])
    closeDateTime: datetime | None = None


class CaseStatusIn(ContractModel):
    status: str = Field(max_length=50, examples=["SI_RECEIVED"])


class EventIn(ContractModel):
    actionType: str | None = Field(default=None, max_length=100, examples=["STATUS_UPDATE"])
    message: str | None = Field(default=None, max_length=1000)
    comment: str | None = Field(default=None, max_length=1000)
    author: str | None = Field(default=None, max_length=255)
    notification: bool | None = None
    caseCurrentStatus: str | None = Field(default=None, max_length=15)
    caseNewStatus: str | None = Field(default=None, max_length=15)
    partnerAttributes: str | None = Field(default=None, max_length=1024)
    attachments: list[AttachmentIn] = Field(default_factory=list)


class EventStatusIn(ContractModel):
    status: str = Field(max_length=12, examples=["RECEIVED"])


# --- Responses (documentation only: core builds them) -----------------------------------------------


class PartnerInfo(ContractModel):
    editorName: str | None = None
    applicationName: str | None = None
    softwareVersion: str | None = None


class AttachmentOut(ContractModel):
    id: str
    status: str = Field(examples=["RECEIVED"])
    fileName: str
    type: str
    size: int
    mimeType: str


class FolderAttachmentOut(AttachmentOut):
    recipients: list[str]


class FolderCaseOut(ContractModel):
    id: str
    status: str
    recipient: OrganizationIdentifier
    externalId: str
    updateDateTime: datetime | None = None
    transmissionDateTime: datetime | None = None
    partnerAttributes: str | None = None


class FolderOut(ContractModel):
    id: str
    globalStatus: str
    processCode: str
    externalId: str
    createDateTime: datetime
    updateDateTime: datetime | None = None
    closeDateTime: datetime | None = None
    applicant: Applicant
    partnerInfo: PartnerInfo | None = None
    cases: list[FolderCaseOut]
    attachments: list[FolderAttachmentOut]


class EventOut(ContractModel):
    id: str
    transmitter: OrganizationIdentifier
    message: str | None = None
    comment: str | None = None
    actionType: str
    author: str | None = None
    notification: bool | None = None
    createDateTime: datetime
    updateDateTime: datetime
    status: str = Field(examples=["SENT"])
    caseCurrentStatus: str | None = None
    caseNewStatus: str | None = None
    partnerAttributes: str | None = None
    attachments: list[AttachmentOut] = []
    partnerInfo: PartnerInfo | None = None


class CaseOut(ContractModel):
    id: str
    status: str = Field(examples=["HUBEE_NOTIFIED"])
    recipient: OrganizationIdentifier
    externalId: str
    updateDateTime: datetime | None = None
    transmissionDateTime: datetime | None = None
    processCode: str
    createDateTime: datetime
    closeDateTime: datetime | None = None
    partnerAttributes: str | None = None
    applicant: Applicant
    attachments: list[AttachmentOut] | None = None
    events: list[EventOut] | None = None


class NotificationOut(ContractModel):
    id: str
    recipient: OrganizationIdentifier
    transmitter: OrganizationIdentifier
    processCode: str
    caseId: str | None = None
    eventId: str | None = None
    dateTime: datetime | None = None
    event: EventOut | None = Field(default=None, description="Avec eventDetails=true : l'événement notifié")


class ErrorItem(ContractModel):
    code: int
    message: str


class Error(ContractModel):
    errors: list[ErrorItem]


class Token(ContractModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int = 3600
    scope: str = Field(examples=["SI"])
