"""The supporting files of a service-public.fr dossier, named `<référence>-<démarche>-<code>-<rang>.pdf`."""

import re

from core.documents.model import Section, section


def supporting_pieces(
    file_names: tuple[str, ...], process: str, codes: dict[str, str], others: dict[str, str] | None = None
) -> Section | None:
    """One field per supporting file: what it is (from its code) and its name, in the operator's order.

    `others` labels further files by a pattern of their name (the summary, a cerfa).
    """
    pattern = re.compile(rf"-{re.escape(process)}-([A-Za-z0-9]+)-(\d+)\.[A-Za-z]+$")
    ranked: list[tuple[int, str, str]] = []
    for name in file_names:
        match = pattern.search(name)
        if match:
            code = match.group(1)
            label = codes.get(code.lower(), f"Pièce justificative (code {code})")
            ranked.append((int(match.group(2)), label, name))
    fields = [(label, name) for _, label, name in sorted(ranked)]
    for name_pattern, label in (others or {}).items():
        fields += [(label, name) for name in file_names if re.match(name_pattern, name, re.IGNORECASE)]
    return section("Pièces jointes", fields)
