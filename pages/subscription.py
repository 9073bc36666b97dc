"""Abonnement (hidden page, deep link `?id=`): modalité d'accès, API credentials, notifications, activation."""

from datetime import datetime

import streamlit as st

from core.clock import utcnow
from core.config import get_settings
from core.db import session_scope
from core.errors import DomainError
from core.models import AccessMode, NotificationFrequency, SubscriptionStatus
from core.services.actors import load_actor
from core.services.subscription_changes import (
    SubscriptionSettings,
    activate_subscription,
    choose_access_mode,
    regenerate_api_secret,
    suspend_subscription,
    update_subscription_settings,
)
from core.services.subscriptions import SubscriptionView, subscription_view
from pages.components.format import fields
from pages.components.session import set_flash, show_flash, signed_in_account_id

account_id = signed_in_account_id()

SECRET_KEY = "subscription_secret"
NO_DELEGATE = "Aucun"
CONSEQUENCES = {
    AccessMode.PORTAIL: (
        "En choisissant ce mode, les télédossiers seront uniquement disponibles et consultables dans le portail. "
        "Si vous recevez les télédossiers de cette démarche dans votre logiciel métier, cette réception sera "
        "interrompue. Vous pourrez reprendre l'intégration dans votre logiciel en choisissant la modalité « API »."
    ),
    AccessMode.API: (
        "Les télédossiers seront intégrés dans votre logiciel métier, qui doit obligatoirement disposer du module "
        "de raccordement à HubEE pour cette démarche : vérifiez-le auprès de votre éditeur. Un identifiant client "
        "et une clé secrète sont créés pour votre logiciel."
    ),
}
SWITCH_NOTE = "Les télédossiers déjà reçus passent en lecture seule dans le portail."
FREQUENCY_HELP = (
    "Unitaire : un courriel par télédossier (le seul qui contient le numéro du télédossier) ; Quotidienne : "
    "un récapitulatif par jour ; Biquotidienne : deux par jour ; Aucune : pas de courriel."
)
SHARED_ADDRESS = (
    "Les notifications ne partent qu'à une seule adresse : indiquez une adresse fonctionnelle partagée "
    "(par exemple etat-civil@…), pour que toute l'équipe voie arriver les télédossiers."
)


def _local(moment: datetime | None) -> str | None:
    return moment.astimezone(get_settings().zone).strftime("%d/%m/%Y") if moment else None


def _target_id() -> int | None:
    try:
        return int(st.query_params.get("id", ""))
    except ValueError:
        return None


def _act(view: SubscriptionView, action, success: str, **kwargs):
    """Run one change in its own unit of work; the French error on failure, the service's result otherwise."""
    try:
        with session_scope() as s:
            result = action(s, actor=load_actor(s, account_id), subscription_id=view.id, now=utcnow(), **kwargs)
    except DomainError as exc:
        st.error(exc.message)
        return None
    set_flash(success, kind="success")
    return result or True


def _status_line(view: SubscriptionView) -> str:
    line = view.status.value
    if view.status is not SubscriptionStatus.ACTIF and view.activation_date and view.activation_date > view.today:
        line += f" — activation prévue le {view.activation_date:%d/%m/%Y}"
    if view.suspension_date and view.status is SubscriptionStatus.ACTIF:
        line += f" — suspension à partir du {view.suspension_date:%d/%m/%Y}"
    return line


def _summary(view: SubscriptionView) -> None:
    fields(
        [
            ("Opérateur", view.operator),
            ("Service instructeur", f"{view.organization_name} (N° SIRET : {view.organization_siret})"),
            ("Administrateur local responsable", view.responsible_admin),
            ("Numéro Data Pass", view.datapass),
            ("Date de validation", _local(view.validated_at)),
            ("Mis à jour le", _local(view.updated_at)),
            ("Statut", _status_line(view)),
            ("Date d'activation", view.activation_date and f"{view.activation_date:%d/%m/%Y}"),
            ("Date de suspension", view.suspension_date and f"{view.suspension_date:%d/%m/%Y}"),
        ]
    )


def _credentials_once(view: SubscriptionView) -> None:
    """The secret just issued, shown once: it leaves the tab's state as soon as it is drawn."""
    credentials = st.session_state.pop(f"{SECRET_KEY}_{view.id}", None)
    if credentials is None:
        return
    st.success("Copiez la clé secrète maintenant : elle ne sera plus jamais affichée (seule son empreinte est gardée).")
    st.write("Identifiant client\u00a0:")
    st.code(credentials.client_id, language=None)
    st.write("Clé secrète\u00a0:")
    st.code(credentials.secret, language=None)


def _keep_credentials(view: SubscriptionView, credentials) -> None:
    if credentials and credentials is not True:
        st.session_state[f"{SECRET_KEY}_{view.id}"] = credentials


def _modality(view: SubscriptionView) -> None:
    st.subheader("Modalité d'accès")
    modes = [m.value for m in AccessMode]
    current = modes.index(view.access_mode.value) if view.access_mode else None
    if not view.may_configure:
        st.write(view.access_mode.value if view.access_mode else "Aucune modalité choisie.")
        return
    chosen = st.radio(
        "Modalité d'accès aux télédossiers", modes, index=current, horizontal=True, key="subscription_mode"
    )
    if view.access_mode is None and chosen is None:
        st.caption("Sélection obligatoire avant l'activation.")
    if chosen is None or (view.access_mode and chosen == view.access_mode.value):
        return
    mode = AccessMode(chosen)
    st.warning("Attention, cette opération comporte des risques. " + CONSEQUENCES[mode])
    if view.access_mode is not None:
        st.warning(SWITCH_NOTE)
    confirmed = st.checkbox(
        "Je confirme avoir pris connaissance des conséquences de ce choix.", key="subscription_mode_confirmed"
    )
    if st.button("Valider", type="primary", key="subscription_mode_submit"):
        credentials = _act(
            view,
            choose_access_mode,
            f"Modalité d'accès « {chosen} » enregistrée.",
            access_mode=mode,
            confirmed=confirmed,
        )
        if credentials:
            _keep_credentials(view, credentials)
            st.session_state.pop("subscription_mode_confirmed", None)
            st.rerun()


def _api(view: SubscriptionView) -> None:
    st.subheader("Identifiants de votre logiciel métier")
    _credentials_once(view)
    fields(
        [
            ("Identifiant client", view.api_client_id),
            ("Clé secrète", "masquée (créée le " + (_local(view.api_secret_issued_at) or "—") + ")"),
        ]
    )
    st.caption(
        "La clé secrète n'est affichée qu'une fois, à sa création : elle ne peut pas être relue. "
        "Régénérez-la en cas de problème de sécurité ou de changement de logiciel : l'ancienne cesse aussitôt de fonctionner."
    )
    if view.may_manage and st.button("Régénérer la clé secrète", key="subscription_regenerate"):
        credentials = _act(view, regenerate_api_secret, "Nouvelle clé secrète créée ; l'ancienne ne fonctionne plus.")
        if credentials:
            _keep_credentials(view, credentials)
            st.rerun()


def _settings_form(view: SubscriptionView) -> SubscriptionSettings | None:
    frequencies = [f.value for f in NotificationFrequency]
    delegates = {NO_DELEGATE: None, **{label: i for i, label in view.delegates}}
    current_delegate = next((label for label, i in delegates.items() if i == view.technical_delegate_id), NO_DELEGATE)
    api = view.access_mode is AccessMode.API
    with st.form("subscription_settings", border=True):
        editor, delegate = view.editor_name, view.technical_delegate_id
        if api and view.may_configure:
            st.markdown("**Éditeur et délégation technique**")
            editor = st.text_input(
                "Éditeur du logiciel métier", value=view.editor_name or "", key="subscription_editor"
            )
            label = st.selectbox(
                "Délégué technique",
                list(delegates),
                index=list(delegates).index(current_delegate),
                key="subscription_delegate",
            )
            delegate = delegates[label]
        st.markdown("**Notifications**")
        frequency = st.radio(
            "Fréquence de notifications",
            frequencies,
            horizontal=True,
            help=FREQUENCY_HELP,
            index=frequencies.index(view.notification_frequency.value),
            key="subscription_frequency",
        )
        email = st.text_input("Adresse email notifiée *", value=view.notification_email or "", key="subscription_email")
        st.caption(SHARED_ADDRESS)
        submitted = st.form_submit_button("Enregistrer les modifications", type="primary", key="subscription_save")
    if not submitted:
        return None
    return SubscriptionSettings(NotificationFrequency(frequency), email, editor, delegate)


def _settings(view: SubscriptionView) -> None:
    if not view.may_manage:
        fields(
            [
                ("Éditeur", view.editor_name),
                ("Délégué technique", view.technical_delegate),
                ("Fréquence de notifications", view.notification_frequency.value),
                ("Adresse email notifiée", view.notification_email),
            ]
        )
        return
    settings = _settings_form(view)
    if settings and _act(view, update_subscription_settings, "Modifications enregistrées.", settings=settings):
        st.rerun()


def _activation(view: SubscriptionView) -> None:
    if not view.may_manage:
        return
    if view.status in (SubscriptionStatus.INACTIF, SubscriptionStatus.SUSPENDU):
        st.subheader("Activer l'abonnement")
        st.caption(
            "Choisissez la date à partir de laquelle vous êtes prêt à recevoir les télédossiers : les comptes des "
            "agents qui les traiteront doivent exister avant cette date."
        )
        chosen = st.date_input(
            "Date d'activation",
            value=view.today,
            min_value=view.today,
            format="DD/MM/YYYY",
            key="subscription_activation_date",
        )
        if st.button("Activer l'abonnement", type="primary", key="subscription_activate"):
            outcome = _act(view, activate_subscription, "Abonnement activé.", activation_date=chosen)
            if outcome:
                if outcome.effective_now is False:
                    set_flash(f"Activation enregistrée : l'abonnement sera actif le {chosen:%d/%m/%Y}.", kind="success")
                if outcome.warning:
                    st.session_state["subscription_warning"] = outcome.warning
                st.rerun()
    elif view.status is SubscriptionStatus.ACTIF and view.suspension_date is None:
        st.subheader("Suspendre l'abonnement")
        st.caption("À partir de demain, aucun nouveau télédossier ; ceux déjà reçus restent à traiter.")
        confirmed = st.checkbox("Je confirme la suspension de cet abonnement.", key="subscription_suspend_confirmed")
        clicked = st.button("Suspendre l'abonnement", disabled=not confirmed, key="subscription_suspend")
        if clicked and _act(view, suspend_subscription, "Suspension enregistrée : elle prend effet demain."):
            st.rerun()


if st.button("← Retour aux abonnements", type="tertiary", key="subscription_back"):
    st.switch_page("pages/subscriptions.py")
target = _target_id()
if target is None:
    st.error("Aucun abonnement n'est indiqué : ouvrez-en un depuis la liste des abonnements.")
    st.stop()
try:
    with session_scope() as s:
        view = subscription_view(s, actor=load_actor(s, account_id), subscription_id=target, now=utcnow())
except DomainError as exc:
    st.error(exc.message)
    st.stop()

st.title(f"Abonnement - {view.process_label}")
st.caption("Informations détaillées sur l'abonnement")
show_flash()
if warning := st.session_state.pop("subscription_warning", None) or view.warning:
    st.warning(warning)
if not view.may_manage:
    st.info(f"Consultation seule : {view.read_only_reason}")
_summary(view)
st.divider()
_modality(view)
if view.access_mode is AccessMode.API:
    st.divider()
    _api(view)
st.divider()
_settings(view)
st.divider()
_activation(view)
