"""One generator per démarche: `build(rng, commune, sent_at, number) -> DemoDossier`.

The files follow the formats of the operators' sample dossiers (root elements, element names, structure)
with invented people and values.
"""

from core.demo.documents import coordonnees, deces, etatcivil, pacs, quotient, recensement, tourisme
from core.demo.documents.common import Commune, DemoDossier

GENERATORS = {
    "EtatCivil": etatcivil.build,
    "depotDossierPACS": pacs.build,
    "recensementCitoyen": recensement.build,
    "JeChangeDeCoordonnees": coordonnees.build,
    "CERTDC": deces.build,
    "HebergementTourisme": tourisme.build,
    "FormulaireQF": quotient.build,
}

__all__ = ["GENERATORS", "Commune", "DemoDossier", "coordonnees"]
