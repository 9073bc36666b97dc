"""The box's management command, for the person running it from a shell: `python -m core.cli --help`."""

from pathlib import Path
from typing import Annotated

import typer

from core.clock import utcnow
from core.config import get_settings
from core.db import session_scope
from core.errors import DomainError
from core.migrate import schema_version, upgrade_to_head
from core.models import ActorType, Civility, OrganizationKind, TokenPurpose

app = typer.Typer(help="Administration de HubEE Box en ligne de commande.", no_args_is_help=True, add_completion=False)


def _fail(error: DomainError) -> None:
    typer.secho(f"Erreur : {error.message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@app.command()
def migrate() -> None:
    """Met la base de données à jour (schéma et catalogue)."""
    upgrade_to_head()
    get_settings().secret_key()  # generated into data/ on first start, never committed
    current, head = schema_version()
    typer.echo(f"Base de données à jour (version {current}).")


@app.command("db-version")
def db_version() -> None:
    """Affiche la version du schéma de la base et celle attendue par le code."""
    current, head = schema_version()
    typer.echo(f"Version de la base : {current or 'aucune (base vide)'}")
    typer.echo(f"Version du code    : {head}")
    if current != head:
        typer.echo("La base n'est pas à jour : lancez `python -m core.cli migrate`.")
        raise typer.Exit(code=2)


@app.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Ne rien faire si la base contient déjà des comptes.")
    ] = False,
) -> None:
    """Charge les données de démonstration (sans doublon si on relance)."""
    from core.demo import load_demo_data
    from core.services.portal_setup import has_any_account

    with session_scope() as s:
        if if_empty and has_any_account(s):
            typer.echo("Base déjà initialisée : données de démonstration non chargées.")
            return
        created = load_demo_data(s, now=utcnow())
    total = sum(created.values())
    typer.echo("Données de démonstration chargées." if total else "Données de démonstration déjà présentes.")


@app.command()
def welcome() -> None:
    """Affiche les adresses de la box et les comptes de démonstration."""
    from core.demo import DEMO_LOGINS, DEMO_PASSWORD, demo_is_loaded

    settings = get_settings()
    typer.echo("")
    typer.echo(f"  Portail HubEE Box : {settings.public_base_url}")
    with session_scope() as s:
        loaded = demo_is_loaded(s)
    if loaded:
        typer.echo(f"  Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for email, who in DEMO_LOGINS:
            typer.echo(f"    {email:<42} {who}")
    typer.echo(f"  Courriels envoyés par la box (liens d'activation, codes) : {settings.data_dir / 'mail'}")
    _welcome_api(settings, loaded)
    typer.echo("  Arrêt : Ctrl-C")
    typer.echo("")


@app.command("create-organization")
def create_organization(
    siret: Annotated[str, typer.Option(help="SIRET (14 chiffres)")],
    name: Annotated[str, typer.Option(help="Nom du service instructeur")],
    insee: Annotated[str, typer.Option(help="Code INSEE (code guichet)")],
    kind: Annotated[OrganizationKind, typer.Option(help="Nature")] = OrganizationKind.COMMUNE,
) -> None:
    """Crée un service instructeur (commune, groupement, autre administration)."""
    from core.services.organizations import create_organization as create

    try:
        with session_scope() as s:
            org = create(s, actor=None, siret=siret, name=name, branch_code=insee, kind=kind)
    except DomainError as error:
        _fail(error)
    typer.echo(f"Service instructeur créé : {org.name} (SIRET {org.siret}).")


@app.command("create-platform-admin")
def create_platform_admin(
    email: Annotated[str, typer.Option(help="Adresse électronique professionnelle (identifiant)")],
    first_name: Annotated[str, typer.Option("--prenom", help="Prénom")],
    last_name: Annotated[str, typer.Option("--nom", help="Nom")],
    phone: Annotated[str, typer.Option("--telephone", help="Téléphone")],
    civility: Annotated[Civility, typer.Option("--civilite", help="Civilité")] = Civility.MADAME,
) -> None:
    """Crée l'administrateur de la plateforme et affiche son lien d'activation (usage unique, 48 heures)."""
    from core.services.accounts import create_account
    from core.tokens import issue_token

    now = utcnow()
    try:
        with session_scope() as s:
            account = create_account(
                s,
                actor=None,
                email=email,
                civility=civility,
                first_name=first_name,
                last_name=last_name,
                phone=phone,
                actor_type=ActorType.PLATFORM_ADMIN,
                organization_id=None,
                now=now,
            )
            token = issue_token(s, account, TokenPurpose.ACTIVATION, now=now)
    except DomainError as error:
        _fail(error)
    base = get_settings().public_base_url.rstrip("/")
    typer.echo(f"Compte créé : {account.email}")
    typer.echo(f"Lien d'activation (usage unique, valable 48 heures) :\n  {base}/?activation={token}")


@app.command()
def backup(
    to: Annotated[Path, typer.Option("--to", help="Dossier où écrire l'archive")] = Path("backups"),
) -> None:
    """Sauvegarde la base et les pièces jointes dans une archive datée."""
    from core.backup import create_backup

    report = create_backup(get_settings(), to, now=utcnow())
    typer.echo(f"Sauvegarde écrite : {report.archive} (base {report.backend}, {report.attachments} fichiers).")


@app.command()
def restore(archive: Annotated[Path, typer.Argument(help="Archive produite par `backup`")]) -> None:
    """Restaure une archive dans un dossier de données (et une base) vides."""
    from core.backup import restore_backup

    if not archive.is_file():
        typer.secho(f"Erreur : l'archive {archive} n'existe pas.", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    try:
        manifest = restore_backup(get_settings(), archive)
    except DomainError as error:
        _fail(error)
    typer.echo(
        f"Sauvegarde du {manifest['created_at']} restaurée. Lancez `python -m core.cli migrate` si le code est plus récent."
    )


def _stop_on_sigterm(_signum, _frame) -> None:
    raise KeyboardInterrupt


@app.command()
def serve() -> None:
    """Démarre la box : courriel local, traitements, API et portail ; Ctrl-C arrête tout."""
    import signal
    import subprocess
    import sys
    import time

    settings = get_settings()
    commands = {
        "courriel": [sys.executable, "-m", "core.mailsink"],
        "traitements": [sys.executable, "-m", "jobs"],
        "api": [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(settings.api_port),
        ],
        "portail": [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(settings.portal_port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
    }
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # a service manager stops the box like Ctrl-C does
    processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
    try:
        while all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
        stopped = next(name for name, p in processes.items() if p.poll() is not None)
        typer.secho(f"Le processus « {stopped} » s'est arrêté : arrêt de la box.", fg=typer.colors.RED, err=True)
    except KeyboardInterrupt:
        typer.echo("Arrêt de la box…")
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _welcome_api(settings, demo_loaded: bool) -> None:
    from core.demo import DEMO_API_CLIENT_ID, DEMO_API_SECRET, DEMO_OSL_CLIENT_ID, DEMO_OSL_SECRET

    base = f"http://localhost:{settings.api_port}"
    typer.echo(f"  API HubEE (Folder API 1.2.7) : {base}/teledossiers/v1 — jeton : {base}/oauth2/token (docs/api.md)")
    if demo_loaded:
        typer.echo(f"    opérateur DILA (scope OSL)        : {DEMO_OSL_CLIENT_ID} / {DEMO_OSL_SECRET}")
        typer.echo(f"    logiciel métier de Montclar (SI)  : {DEMO_API_CLIENT_ID} / {DEMO_API_SECRET}")


api_client_app = typer.Typer(help="Clients API des opérateurs (scope OSL).", no_args_is_help=True)
app.add_typer(api_client_app, name="api-client")


@api_client_app.command("create")
def api_client_create(
    operator: Annotated[str, typer.Option("--operator", help="Code de l'opérateur : DILA, DGS, DINUM")],
    label: Annotated[str | None, typer.Option("--label", help="Libellé (qui utilise ce client)")] = None,
) -> None:
    """Crée un client API pour un opérateur et affiche sa clé secrète, une seule fois."""
    from core.services.api_operator_clients import create_operator_client

    try:
        with session_scope() as s:
            client, secret = create_operator_client(s, actor=None, operator_code=operator, label=label, now=utcnow())
    except DomainError as error:
        _fail(error)
    typer.echo(f"Client créé pour {operator.upper()}.")
    typer.echo(f"  Identifiant client : {client.client_id}")
    typer.echo(f"  Clé secrète        : {secret}")
    typer.echo("Notez la clé secrète maintenant : elle n'est conservée que sous forme d'empreinte.")


@api_client_app.command("list")
def api_client_list() -> None:
    """Liste les clients API des opérateurs."""
    from core.services.api_operator_clients import list_operator_clients

    with session_scope() as s:
        rows = list_operator_clients(s, actor=None)
    for row in rows:
        state = f"révoqué le {row.revoked_at:%d/%m/%Y}" if row.revoked_at else "actif"
        typer.echo(f"{row.client_id:<32} {row.operator_code:<6} {state:<22} {row.label or ''}")
    if not rows:
        typer.echo("Aucun client API d'opérateur.")


@api_client_app.command("regenerate")
def api_client_regenerate(client_id: Annotated[str, typer.Argument(help="Identifiant client")]) -> None:
    """Remplace la clé secrète d'un client (l'ancienne et ses jetons cessent de fonctionner) et l'affiche."""
    from core.services.api_operator_clients import regenerate_operator_client_secret

    try:
        with session_scope() as s:
            secret = regenerate_operator_client_secret(s, actor=None, client_id=client_id, now=utcnow())
    except DomainError as error:
        _fail(error)
    typer.echo(f"Nouvelle clé secrète de {client_id} : {secret}")


@api_client_app.command("revoke")
def api_client_revoke(client_id: Annotated[str, typer.Argument(help="Identifiant client")]) -> None:
    """Révoque un client API d'opérateur et ses jetons."""
    from core.services.api_operator_clients import revoke_operator_client

    try:
        with session_scope() as s:
            revoke_operator_client(s, actor=None, client_id=client_id, now=utcnow())
    except DomainError as error:
        _fail(error)
    typer.echo(f"Client {client_id} révoqué.")


if __name__ == "__main__":
    app()
