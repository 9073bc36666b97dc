"""Read-only helpers of the dossier page: the business content of a dossier's data files.

Reading the files to show their content is not a download: nothing is recorded and the status does not move
(the right to see the dossier is enough, as for its header). Only files that may be data (XML, JSON, or an
unnamed type) are read; PDFs and images are never opened here.
"""

from dataclasses import replace

from sqlmodel import Session

from core.documents import BusinessContent, render_business_content
from core.documents.reading import data_kind
from core.models import Attachment
from core.permissions import Actor
from core.services.case_actions import case_attachments, visible_case
from core.services.case_files import unavailable_reason
from core.storage import AttachmentStore, CorruptedFile, get_store

# A head that sniffs as data: `data_kind` then answers from the file's name and MIME type alone.
_DATA_HEAD = b"{"


def _may_be_data(attachment: Attachment) -> bool:
    if unavailable_reason(attachment) is not None:
        return False
    return data_kind(attachment.file_name, attachment.mime_type, _DATA_HEAD) is not None


def dossier_business_content(
    session: Session, *, actor: Actor, case_id, store: AttachmentStore | None = None
) -> BusinessContent:
    """The dossier's XML/JSON files rendered for a human (core.documents); files missing on disk become problems."""
    opened = visible_case(session, actor=actor, case_id=case_id)
    store = store or get_store()
    files, problems = [], []
    for attachment in case_attachments(session, opened.case):
        if not _may_be_data(attachment):
            continue
        try:
            files.append((attachment.file_name, attachment.mime_type, store.read_bytes(attachment.sha256)))
        except CorruptedFile:
            problems.append(f"Le fichier {attachment.file_name} est altéré sur le serveur : il n'est pas affiché.")
        except FileNotFoundError:
            problems.append(f"Le fichier {attachment.file_name} est introuvable sur le serveur.")
    content = render_business_content(opened.process.code, files)
    return replace(content, problems=(*problems, *content.problems)) if problems else content
