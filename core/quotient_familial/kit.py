"""The communication kit of a collectivité's QF form: its address, a poster for the counter, an email to send."""

from datetime import datetime

from fpdf import FPDF

from core.config import get_settings
from core.qr import qr_image
from core.quotient_familial.documents import latin1

QR_SIZE = 480
POSTER_STEPS = (
    "Scannez ce code avec l'appareil photo de votre téléphone, ou tapez l'adresse ci-dessous.",
    "Indiquez votre nom de naissance, vos prénoms, votre date et votre lieu de naissance.",
    "Vérifiez votre quotient familial CAF ou MSA affiché, puis confirmez l'envoi.",
    "Notez le numéro de votre dossier : la mairie reçoit votre quotient familial aussitôt.",
)
FOOTER = (
    "Sans pièce justificative : votre quotient familial est obtenu auprès de la CAF ou de la MSA "
    "et transmis à votre collectivité seulement."
)
EMAIL_SUBJECT = "Transmettez-nous votre quotient familial"
EMAIL_BODY = """Madame, Monsieur,

Pour calculer votre tarif (cantine, accueil périscolaire, activités…), {name} a besoin de votre quotient familial CAF ou MSA.

Vous pouvez nous le transmettre en quelques minutes, sans pièce justificative, avec ce formulaire en ligne :

{url}

Il vous suffit d'indiquer votre nom de naissance, vos prénoms, votre date et votre lieu de naissance. Votre quotient familial est alors obtenu directement auprès de la CAF ou de la MSA ; vous le vérifiez avant de confirmer l'envoi.

Vous pouvez aussi nous l'apporter à l'accueil de la mairie, comme d'habitude.

Cordialement,
{name}
"""


def form_url(siret: str) -> str:
    """The public address of the collectivité's form, as printed and sent."""
    return f"{get_settings().public_base_url.rstrip('/')}/qf?collectivite={siret}"


def email_text(organization_name: str, url: str) -> tuple[str, str]:
    """Subject and body of the ready-to-send email."""
    return EMAIL_SUBJECT, EMAIL_BODY.format(name=organization_name, url=url)


def poster_pdf(organization_name: str, url: str, *, created: datetime) -> bytes:
    """An A4 poster for the counter: a title, the QR code, the address and four short steps."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(created)
    pdf.set_title(latin1(f"Quotient familial - {organization_name}"))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 26)
    pdf.set_y(22)
    pdf.multi_cell(0, 12, latin1("Transmettez votre quotient familial en ligne"), align="C")
    pdf.set_font("Helvetica", "", 15)
    pdf.ln(3)
    pdf.multi_cell(0, 8, latin1(organization_name), align="C")
    size = 110  # mm: scannable from across a counter
    pdf.image(qr_image(url, QR_SIZE), x=(210 - size) / 2, y=pdf.get_y() + 6, w=size, h=size)
    pdf.set_y(pdf.get_y() + size + 10)
    pdf.set_font("Courier", "B", 11)
    pdf.multi_cell(0, 6, latin1(url), align="C")
    pdf.ln(6)
    for number, step in enumerate(POSTER_STEPS, start=1):
        pdf.set_font("Helvetica", "B", 13)
        pdf.cell(12, 8, f"{number}.")
        pdf.set_font("Helvetica", "", 13)
        pdf.multi_cell(0, 8, latin1(step), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-25)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(0, 5, latin1(FOOTER), align="C")
    return bytes(pdf.output())
