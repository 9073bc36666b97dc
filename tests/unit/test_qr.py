"""QR codes: exactly 480×480, and the pixels carry qrcode's own module matrix (no blurring resize)."""

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from core.qr import qr_image

URI = "otpauth://totp/HubEE%20Box:admin%40mairie.test?secret=JBSWY3DPEHPK3PXP&issuer=HubEE%20Box"


def test_image_is_480_square_and_matches_the_matrix():
    image = qr_image(URI).convert("L")
    assert image.size == (480, 480)
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=1)
    code.add_data(URI)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone
    box = 480 // len(matrix)
    offset = (480 - box * len(matrix)) // 2
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            pixel = image.getpixel((offset + col * box + box // 2, offset + row * box + box // 2))
            assert (pixel < 128) == dark, (row, col)
