"""Quotient familial: the collectivité's public form address, its QR code, a poster, an email, and the arrivals."""

import streamlit as st

from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError
from core.qr import qr_bytes
from core.services.actors import load_actor
from core.services.quotient_familial import QFKitView, qf_kit_view, qf_poster_pdf
from pages.components.session import signed_in_account_id

account_id = signed_in_account_id()

QR_SIZE = 480


def _address(kit: QFKitView) -> None:
    st.subheader("L'adresse du formulaire")
    st.caption(
        "Vos usagers y transmettent leur quotient familial CAF ou MSA sans créer de compte ; "
        "chaque envoi arrive dans vos télédossiers, démarche « Formulaire de collecte du quotient familial »."
    )
    st.code(kit.url, language=None, wrap_lines=True)
    st.link_button("Ouvrir le formulaire", kit.url, icon=":material/open_in_new:")


def _qr_code(kit: QFKitView) -> None:
    st.subheader("QR code")
    png = qr_bytes(kit.url, QR_SIZE, "PNG")
    st.image(png, width=240, caption=f"{QR_SIZE} × {QR_SIZE} pixels")
    left, right = st.columns(2)
    left.download_button("Télécharger (PNG)", png, file_name=f"qr-quotient-familial-{kit.siret}.png",
                         mime="image/png", key="qf_kit_png", on_click="ignore", icon=":material/download:")  # fmt: skip
    right.download_button("Télécharger (JPG)", qr_bytes(kit.url, QR_SIZE, "JPEG"),
                          file_name=f"qr-quotient-familial-{kit.siret}.jpg", mime="image/jpeg", key="qf_kit_jpg", on_click="ignore",
                          icon=":material/download:")  # fmt: skip


def _poster(kit: QFKitView) -> None:
    st.subheader("Affiche pour l'accueil")
    st.caption("Une page A4 avec le QR code et les étapes, à imprimer et afficher au guichet.")
    # Built only when clicked.
    st.download_button("Télécharger l'affiche (PDF)", lambda: qf_poster_pdf(kit, now=utcnow()),
                       file_name=f"affiche-quotient-familial-{kit.siret}.pdf", mime="application/pdf",
                       key="qf_kit_poster", on_click="ignore", icon=":material/print:")  # fmt: skip


def _email(kit: QFKitView) -> None:
    st.subheader("Courriel à envoyer aux familles")
    st.caption("Copiez l'objet et le texte (bouton en haut à droite de chaque cadre) dans votre messagerie.")
    st.markdown("**Objet**")
    st.code(kit.email_subject, language=None)
    st.markdown("**Message**")
    st.code(kit.email_body, language=None, wrap_lines=True)


def _arrivals(kit: QFKitView) -> None:
    st.subheader("Quotients familiaux reçus par mois")
    if kit.arrivals is None:
        st.info(
            "Votre compte ne voit pas les télédossiers de quotient familial : les arrivées ne vous sont pas présentées."
        )
        return
    total = sum(m.count for m in kit.arrivals)
    st.caption(f"{total} sur les {len(kit.arrivals)} derniers mois.")
    st.dataframe(
        {"Mois": [m.label for m in kit.arrivals], "Dossiers reçus": [m.count for m in kit.arrivals]},
        hide_index=True,
        key="qf_kit_arrivals",
    )


st.title("Quotient familial")
try:
    with session_scope() as s:
        kit = qf_kit_view(s, actor=load_actor(s, account_id), now=utcnow())
except DomainError as exc:
    st.info(exc.message)
    st.stop()
st.caption(f"Le kit de communication du formulaire de {kit.organization_name}.")
left, right = st.columns(2, gap="large")
with left:
    _address(kit)
    _email(kit)
with right:
    _qr_code(kit)
    _poster(kit)
st.divider()
_arrivals(kit)
