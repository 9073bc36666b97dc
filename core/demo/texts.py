"""What agents write in the demo dossiers: messages to the usager, refusal reasons, internal comments."""

COMPLEMENT_REQUESTS = {
    "EtatCivil": [
        "Bonjour, merci de nous préciser les noms et prénoms des parents du titulaire de l'acte afin que nous puissions retrouver l'acte.",
        "Bonjour, la date de l'acte indiquée ne correspond à aucun acte de nos registres. Pouvez-vous la vérifier ?",
    ],
    "depotDossierPACS": [
        "Bonjour, l'acte de naissance du partenaire 2 date de plus de trois mois. Merci d'en transmettre un récent.",
        "Bonjour, merci de joindre la copie de la pièce d'identité des deux partenaires.",
    ],
    "recensementCitoyen": [
        "Bonjour, le livret de famille joint est illisible. Merci de le transmettre à nouveau.",
        "Bonjour, merci de joindre un justificatif de domicile de moins de trois mois.",
    ],
    "JeChangeDeCoordonnees": [
        "Bonjour, le numéro de voie de votre nouvelle adresse semble manquer. Pouvez-vous le préciser ?",
    ],
    "HebergementTourisme": [
        "Bonjour, merci de préciser la période de location et la capacité d'accueil de votre hébergement.",
        "Bonjour, merci de joindre la décision de classement de votre meublé.",
    ],
}

REFUSAL_REASONS = {
    "EtatCivil": [
        "L'acte demandé n'est pas détenu par notre commune : veuillez vous adresser à la commune de naissance.",
        "Le demandeur n'a pas qualité pour obtenir une copie intégrale de cet acte.",
    ],
    "depotDossierPACS": ["Les partenaires ne résident pas sur la commune : le Pacs doit être enregistré ailleurs."],
    "recensementCitoyen": ["Le jeune n'est pas domicilié sur la commune : il doit se faire recenser à son domicile."],
    "JeChangeDeCoordonnees": ["Déclaration en double : elle a déjà été enregistrée sous un autre numéro."],
    "HebergementTourisme": ["L'hébergement déclaré n'est pas situé sur le territoire de la commune."],
    "CERTDC": ["Certificat transmis par erreur : le décès n'a pas eu lieu sur la commune."],
    "FormulaireQF": ["Le foyer ne réside pas sur la commune : le quotient familial ne peut pas être pris en compte."],
}

DONE_MESSAGES = {
    "EtatCivil": ["L'acte vous a été envoyé par courrier.", "Votre acte est disponible à l'accueil de la mairie."],
    "depotDossierPACS": ["Dossier complet. Rendez-vous en mairie fixé pour l'enregistrement du Pacs."],
    "recensementCitoyen": ["Votre attestation de recensement est disponible dans votre espace personnel."],
    "JeChangeDeCoordonnees": ["Vos nouvelles coordonnées ont été enregistrées. Bienvenue dans la commune !"],
    "HebergementTourisme": ["Votre déclaration est enregistrée ; le récépissé vous est adressé par courriel."],
    "CERTDC": ["Décès transcrit sur les registres de l'état civil."],
    "FormulaireQF": ["Quotient familial enregistré pour la facturation de la cantine et du périscolaire."],
}

COMMENTS = [
    "Dossier vu avec Mme la Maire, à traiter en priorité.",
    "Usager appelé ce matin : il passera en mairie jeudi.",
    "Vérification faite dans les registres, RAS.",
    "En attente du retour du service scolaire.",
    "Doublon possible avec un dossier du mois dernier, à vérifier.",
    "Pièces conformes.",
]

INTEGRATION_ERRORS = [
    "Rejet à l'intégration : code INSEE du lieu de l'acte inconnu du référentiel.",
    "Rejet à l'intégration : fichier XML non conforme au schéma attendu.",
]


def pick(rng, texts: dict[str, list[str]], process_code: str, default: str) -> str:
    return rng.choice(texts.get(process_code) or [default])
