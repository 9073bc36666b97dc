"""QR codes as images: the TOTP enrolment code, and the communication kit of the quotient familial."""

import io

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M


def qr_image(data: str, size: int = 480) -> Image.Image:
    """A square image of exactly `size` pixels: whole-pixel modules centred on white (resizing would blur them)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=1)
    code.add_data(data)
    code.make(fit=True)
    modules = code.modules_count + 2 * code.border
    box = max(size // modules, 1)
    code.box_size = box
    matrix = code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    canvas = Image.new("RGB", (size, size), "white")
    canvas.paste(matrix, ((size - matrix.width) // 2, (size - matrix.height) // 2))
    return canvas


def qr_bytes(data: str, size: int = 480, image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    qr_image(data, size).save(buffer, format=image_format)
    return buffer.getvalue()
