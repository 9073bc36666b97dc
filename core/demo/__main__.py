"""`python -m core.demo`: load the demo data into the configured database and say what was created."""

import time

from core.clock import utcnow
from core.db import session_scope
from core.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo_data

LABELS = {
    "organizations": "services instructeurs",
    "accounts": "comptes",
    "subscription_requests": "demandes d'abonnement",
    "subscriptions": "abonnements",
    "folders": "envois d'opérateurs",
    "cases": "télédossiers",
    "attachments": "pièces jointes",
    "events": "événements d'historique",
}


def main() -> None:
    started = time.perf_counter()
    with session_scope() as s:
        created = load_demo_data(s, now=utcnow())
    if not any(created.values()):
        print("Données de démonstration déjà présentes : rien n'a été ajouté.")
        return
    print(f"Données de démonstration chargées en {time.perf_counter() - started:.1f} s :")
    for key, label in LABELS.items():
        print(f"  {created.get(key, 0):>5} {label}")
    print(f"\nComptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
    for email, who in DEMO_LOGINS:
        print(f"  {email:<46} {who}")


if __name__ == "__main__":
    main()
