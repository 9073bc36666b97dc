"""Télédossier (hidden page, deep link `?id=<case uuid>`): header, business content, files, actions, history.

Opening the page records one consultation per visit (the first one makes a Nouveau dossier Reçu); reruns of
the same visit record nothing. Every rule is core's: the page shows what `dossier_view` allows, and shows
core's message when an action is refused.
"""

import streamlit as st

from core.clock import utcnow
from core.db import session_scope
from core.documents import BusinessContent
from core.errors import DomainError
from core.services.actors import load_actor
from core.services.case_actions import (
    add_comment,
    change_case_status,
    edit_comment,
    open_case,
    send_message_to_usager,
)
from core.services.case_files import send_file_to_usager
from core.services.dossier_page import dossier_business_content
from core.services.dossier_view import AttachmentView, DossierView, dossier_view
from core.storage import safe_file_name
from pages.components.dossier_parts import (
    VISIT_KEY,
    attachment_bytes,
    back_to_inbox,
    built_on_click,
    business_content,
    dossier_zip_bytes,
    file_size,
    moment,
    show_file_errors,
    status_badge,
)
from pages.components.format import fields, md_escape
from pages.components.session import set_flash, show_flash, signed_in_account_id

account_id = signed_in_account_id()

NO_ID = "Aucun télédossier n'est indiqué : ouvrez-en un depuis la liste des télédossiers."
CONTENT_KEY = "dossier_content"  # (case id, file ids) → business content: read once per visit, not per rerun
CONFIRM_KEY = "dossier_status_pending"  # (case id, target status, message) waiting for « Confirmer »
TARGET_KEY = "dossier_status_target"
UPLOAD_TYPES = ["pdf", "png", "jpg", "jpeg"]
MAX_TEXT = 1000


def _act(action, success: str) -> bool:
    """Run one core action in its own transaction; its refusal is shown with core's words."""
    try:
        with session_scope() as s:
            action(s, load_actor(s, account_id))
    except DomainError as exc:
        st.error(exc.message)
        return False
    set_flash(success, kind="success")
    return True


def _open_once(case_id: str) -> None:
    """The consultation of this visit, once: later reruns of the page (any click) record nothing."""
    if st.session_state.get(VISIT_KEY) == case_id:
        return
    try:
        with session_scope() as s:
            open_case(s, actor=load_actor(s, account_id), case_id=case_id, now=utcnow())
    except DomainError as exc:
        st.error(exc.message)
        st.stop()
    st.session_state[VISIT_KEY] = case_id


def _load(case_id: str) -> DossierView:
    try:
        with session_scope() as s:
            return dossier_view(s, actor=load_actor(s, account_id), case_id=case_id)
    except DomainError as exc:
        st.error(exc.message)
        st.stop()


def _content(view: DossierView) -> BusinessContent | None:
    key = (str(view.header.id), tuple(str(a.id) for a in view.attachments))
    cached = st.session_state.get(CONTENT_KEY)
    if cached and cached[0] == key:
        return cached[1]
    try:
        with session_scope() as s:
            content = dossier_business_content(s, actor=load_actor(s, account_id), case_id=view.header.id)
    except DomainError as exc:
        st.error(exc.message)
        return None
    st.session_state[CONTENT_KEY] = (key, content)
    return content


def _header(view: DossierView) -> None:
    h = view.header
    st.title(f"Télédossier n° {md_escape(h.number)}")
    status_badge(h.status, h.status_label)
    fields(
        [
            ("Démarche", h.process_label),
            ("Personne concernée", h.subject_name),
            ("Courriel", h.subject_email),
            ("Transmis le", moment(h.transmitted_at)),
            ("Mis à jour le", moment(h.updated_at)),
            ("Opérateur", f"{h.operator_name} ({h.operator_code})"),
        ]
    )
    if view.read_only:
        st.info(view.read_only_reason, icon=":material/lock:")


def _file_line(case_id, a: AttachmentView, show_reason: bool) -> None:
    text, button = st.columns([4, 1], vertical_alignment="center")
    text.markdown(
        f"**{md_escape(a.file_name)}**  \n"
        f"{md_escape(a.type)} · {md_escape(a.origin)} · {file_size(a.size)} · {md_escape(moment(a.created_at))}"
    )
    if a.download:
        button.download_button(
            "Télécharger",
            data=built_on_click(a.file_name, lambda: attachment_bytes(account_id, case_id, a.id)),
            file_name=a.file_name,
            mime=a.mime_type,
            key=f"dossier_file_{a.id}",
            icon=":material/download:",
        )
    elif show_reason:
        button.caption(md_escape(a.download.reason))


def _attachments(view: DossierView) -> None:
    st.subheader("Pièces jointes")
    case_id = view.header.id
    if not view.attachments:
        st.caption("Ce télédossier n'a pas de pièce jointe.")
        return
    if not view.may_download:
        if not view.read_only:  # the header already says why a read-only dossier offers nothing
            st.warning(view.may_download.reason, icon=":material/block:")
    elif any(a.download for a in view.attachments):
        st.download_button(
            "Tout télécharger (ZIP)",
            data=built_on_click("Tout télécharger", lambda: dossier_zip_bytes(account_id, case_id)),
            file_name=f"{safe_file_name(view.header.number)}.zip",
            mime="application/zip",
            key="dossier_zip",
            type="primary",
            icon=":material/folder_zip:",
        )
    for a in view.attachments:
        _file_line(case_id, a, show_reason=bool(view.may_download))


def _status_form(view: DossierView) -> None:
    options = {n.status: n for n in view.next_statuses}
    target = st.selectbox(
        "Nouveau statut", list(options), format_func=lambda s: options[s].label, index=None,
        placeholder="Choisissez le nouveau statut", key=TARGET_KEY,
    )  # fmt: skip
    if target is None:
        return
    choice = options[target]
    label = choice.message_label + (" *" if choice.message_required else "")
    message = st.text_area(label, key=f"dossier_status_message_{target.value}", max_chars=MAX_TEXT)
    if st.button("Changer le statut", key="dossier_status_submit"):
        if choice.message_required and not message.strip():
            st.error(f"« {choice.message_label} » est obligatoire pour le statut « {choice.label} ».")
            return
        st.session_state[CONFIRM_KEY] = (str(view.header.id), target, message)
        st.rerun()


def _status_confirm(view: DossierView) -> None:
    """The form is not drawn meanwhile, so that it comes back empty afterwards."""
    _, target, message = st.session_state[CONFIRM_KEY]
    names = {n.status: n.label for n in view.next_statuses}
    st.warning(
        f"Le statut passera de « {view.header.status_label} » à « {names.get(target, target.value)} ». "
        "Cette action est définitive : elle ne peut pas être annulée.",
        icon=":material/warning:",
    )
    if message.strip():
        st.caption(f"Message : {md_escape(message.strip())}")
    confirm, cancel = st.columns(2)
    if cancel.button("Annuler", key="dossier_status_cancel"):
        st.session_state.pop(CONFIRM_KEY)
        st.rerun()
    if not confirm.button("Confirmer le changement de statut", type="primary", key="dossier_status_confirm"):
        return
    st.session_state.pop(CONFIRM_KEY)
    done = _act(
        lambda s, actor: change_case_status(
            s, actor=actor, case_id=view.header.id, target=target, message=message or None, now=utcnow()
        ),
        f"Le statut est maintenant « {names.get(target, target.value)} ».",
    )
    if done:
        st.rerun()


def _status(view: DossierView) -> None:
    if not view.next_statuses:
        return
    st.subheader("Changer le statut")
    pending = st.session_state.get(CONFIRM_KEY)
    if pending and pending[0] == str(view.header.id):
        _status_confirm(view)
    else:
        _status_form(view)


def _message(view: DossierView) -> None:
    st.subheader("Message à l'usager")
    if not view.may_message:
        st.caption(md_escape(view.may_message.reason))
        return
    with st.form("dossier_message", clear_on_submit=True, border=False):
        text = st.text_area(
            "Message", max_chars=MAX_TEXT, key="dossier_message_text",
            help="Transmis à l'usager par l'opérateur de la démarche.",
        )  # fmt: skip
        sent = st.form_submit_button("Envoyer le message", key="dossier_message_send", icon=":material/send:")
    if sent and _act(
        lambda s, actor: send_message_to_usager(s, actor=actor, case_id=view.header.id, message=text, now=utcnow()),
        "Le message est transmis à l'usager.",
    ):
        st.rerun()


def _comment_card(view: DossierView, comment) -> None:
    with st.container(border=True):
        edited = f" (modifié le {moment(comment.edited_at)})" if comment.edited_at else ""
        st.caption(f"{md_escape(comment.author or 'Auteur inconnu')} — {md_escape(moment(comment.at) + edited)}")
        st.markdown(md_escape(comment.text).replace("\n", "  \n"))
        if not comment.edit:
            return
        with st.expander("Modifier mon commentaire"), st.form(f"dossier_comment_{comment.id}", border=False):
            text = st.text_area("Commentaire", value=comment.text, max_chars=MAX_TEXT, key=f"comment_{comment.id}")
            saved = st.form_submit_button("Enregistrer", key=f"comment_save_{comment.id}")
        if saved and _act(
            lambda s, actor: edit_comment(s, actor=actor, event_id=comment.id, text=text, now=utcnow()),
            "Le commentaire est modifié.",
        ):
            st.rerun()


def _comments(view: DossierView) -> None:
    st.subheader("Commentaires internes")
    st.caption("Visibles seulement par votre service instructeur ; chacun peut modifier les siens jusqu'à la clôture.")
    for comment in view.comments:
        _comment_card(view, comment)
    if not view.may_comment:
        if not view.read_only:
            st.caption(md_escape(view.may_comment.reason))
        return
    with st.form("dossier_new_comment", clear_on_submit=True, border=False):
        text = st.text_area("Nouveau commentaire", max_chars=MAX_TEXT, key="dossier_comment_text")
        added = st.form_submit_button(
            "Ajouter le commentaire", key="dossier_comment_add", icon=":material/add_comment:"
        )
    if added and _act(
        lambda s, actor: add_comment(s, actor=actor, case_id=view.header.id, text=text, now=utcnow()),
        "Le commentaire est ajouté.",
    ):
        st.rerun()


def _send_file(view: DossierView) -> None:
    if not view.may_send_file:
        return  # not offered for this démarche or this person: nothing to explain beside the other actions
    st.subheader("Envoyer un fichier à l'usager")
    with st.form("dossier_file_to_usager", clear_on_submit=True, border=False):
        upload = st.file_uploader("Fichier (PDF, PNG ou JPEG)", type=UPLOAD_TYPES, key="dossier_upload")
        note = st.text_area("Message d'accompagnement (facultatif)", max_chars=MAX_TEXT, key="dossier_upload_note")
        sent = st.form_submit_button("Envoyer le fichier", key="dossier_upload_send", icon=":material/upload_file:")
    if not sent:
        return
    if upload is None:
        st.error("Choisissez le fichier à envoyer.")
        return
    if _act(
        lambda s, actor: send_file_to_usager(
            s, actor=actor, case_id=view.header.id, file_name=upload.name, content=upload.getvalue(),
            message=note, now=utcnow(),
        ),
        f"Le fichier « {upload.name} » est transmis à l'usager.",
    ):  # fmt: skip
        st.rerun()


def _history(view: DossierView) -> None:
    st.subheader("Historique")
    st.caption("Du plus ancien au plus récent (heure de Paris).")
    rows = [{"Date": moment(h.at), "Par": h.author or "—", "Événement": h.description} for h in view.history]
    st.dataframe(rows, hide_index=True, width="stretch", key="dossier_history")


if st.button("← Retour aux télédossiers", type="tertiary", key="dossier_back"):
    back_to_inbox()
dossier_id = st.query_params.get("id", "").strip()
if not dossier_id:
    st.error(NO_ID)
    st.stop()
_open_once(dossier_id)
dossier = _load(dossier_id)
_header(dossier)
show_flash()
show_file_errors()
business = _content(dossier)
if business is not None:
    business_content(business)
_attachments(dossier)
if not dossier.read_only:
    _status(dossier)
    _message(dossier)
    _send_file(dossier)
_comments(dossier)
_history(dossier)
