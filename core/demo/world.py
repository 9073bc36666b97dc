"""The demo's communes and the people who work there (all invented; the domains are `.test`)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from core.demo.documents import Commune
from core.demo.people import Place
from core.models import Account, ActorType, Civility, Organization, Role
from core.services.accounts import create_account
from core.services.folders import process_by_code
from core.services.organizations import create_organization


@dataclass(frozen=True)
class CommuneSpec:
    key: str
    name: str
    siret: str
    place: Place
    domain: str

    @property
    def commune(self) -> Commune:
        return Commune(self.name, self.place)


# SIRETs are invented (SIREN of the commune type "21…"), 14 digits and Luhn-valid.
ROCHEFOURCHAT = CommuneSpec(
    "rochefourchat",
    "Rochefourchat",
    "21260271000015",
    Place("ROCHEFOURCHAT", "26340", "26271", "Drôme"),
    "mairie-rochefourchat.test",
)
MONTCLAR = CommuneSpec(
    "montclar",
    "Montclar-sur-Roubion",
    "21260395000016",
    Place("MONTCLAR-SUR-ROUBION", "26450", "26395", "Drôme"),
    "mairie-montclar-sur-roubion.test",
)
BEAULIEU = CommuneSpec(
    "beaulieu",
    "Beaulieu-les-Vignes",
    "21070352000010",
    Place("BEAULIEU-LES-VIGNES", "07460", "07352", "Ardèche"),
    "mairie-beaulieu-les-vignes.test",
)
COMMUNES = (ROCHEFOURCHAT, MONTCLAR, BEAULIEU)


@dataclass(frozen=True)
class AccountSpec:
    email: str
    civility: Civility
    first_name: str
    last_name: str
    phone: str
    function: str
    actor_type: ActorType
    commune: str | None  # CommuneSpec.key; None for the platform administrator and the délégué technique
    description: str  # who this is, in French, for the list of demo logins
    roles: frozenset[Role] | None = None  # None: the defaults of the actor type
    habilitations: tuple[str, ...] = ()
    active: bool = True


ADMIN_ROLES = frozenset({Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION})
M, MME, AG, AL = Civility.MONSIEUR, Civility.MADAME, ActorType.AGENT, ActorType.ADMIN_LOCAL
PLATFORM_ADMIN = AccountSpec("plateforme@hubee.test", MME, "Nadia", "Berthier", "0475000000",
                             "Administratrice de la plateforme", ActorType.PLATFORM_ADMIN, None,
                             "Administratrice de la plateforme (tous les services instructeurs)")  # fmt: skip
TECHNICAL_DELEGATE = AccountSpec("dt@editeur-logiciel.test", M, "Julien", "Faure", "0475819020",
                                 "Chef de projet, Opale Informatique", ActorType.DELEGUE_TECHNIQUE, None,
                                 "Délégué technique (éditeur de logiciel), abonnement API de Montclar-sur-Roubion")  # fmt: skip
ACCOUNTS = (
    AccountSpec("admin@mairie-rochefourchat.test", MME, "Hélène", "Garnier", "0475276110", "Secrétaire de mairie",
                AL, "rochefourchat", "Administratrice locale, Rochefourchat (voit tous les télédossiers)",
                roles=ADMIN_ROLES | {Role.DOSSIERS_GESTION}),
    AccountSpec("agent@mairie-rochefourchat.test", M, "Lucas", "Reynaud", "0475276111", "Agent d'accueil", AG,
                "rochefourchat", "Agent, Rochefourchat : état civil, Pacs, recensement",
                habilitations=("EtatCivil", "depotDossierPACS", "recensementCitoyen")),
    AccountSpec("admin@mairie-montclar-sur-roubion.test", M, "Pascal", "Chabert", "0475530200",
                "Directeur général des services", AL, "montclar",
                "Administrateur local, Montclar-sur-Roubion (consultation des télédossiers)",
                roles=ADMIN_ROLES | {Role.DOSSIERS_CONSULTATION}),
    AccountSpec("s.teyssier@mairie-montclar-sur-roubion.test", MME, "Sophie", "Teyssier",
                "0475530201", "Responsable du service population", AL, "montclar",
                "Seconde administratrice locale, Montclar-sur-Roubion (sans accès aux télédossiers)"),
    AccountSpec("m.peyron@mairie-montclar-sur-roubion.test", MME, "Manon", "Peyron", "0475530210",
                "Officier d'état civil", AG, "montclar",
                "Agente, Montclar-sur-Roubion : décès, Pacs, recensement, changements de coordonnées",
                habilitations=("CERTDC", "depotDossierPACS", "recensementCitoyen", "JeChangeDeCoordonnees")),
    AccountSpec("t.vernet@mairie-montclar-sur-roubion.test", M, "Thomas", "Vernet", "0475530220",
                "Chargé de la taxe de séjour", AG, "montclar",
                "Agent, Montclar-sur-Roubion : hébergements de tourisme uniquement",
                habilitations=("HebergementTourisme",)),
    AccountSpec("j.sauvan@mairie-montclar-sur-roubion.test", MME, "Julie", "Sauvan", "0475530230",
                "Stagiaire", AG, "montclar",
                "Agente en consultation seule, Montclar-sur-Roubion : décès, changements de coordonnées",
                roles=frozenset({Role.DOSSIERS_CONSULTATION}), habilitations=("CERTDC", "JeChangeDeCoordonnees")),
    AccountSpec("b.mazet@mairie-montclar-sur-roubion.test", M, "Bernard", "Mazet", "0475530240",
                "Ancien agent d'état civil", AG, "montclar", "Compte désactivé (la connexion est refusée)",
                habilitations=("CERTDC",), active=False),
    AccountSpec("admin@mairie-beaulieu-les-vignes.test", MME, "Agnès", "Bouvier", "0475370500",
                "Secrétaire générale", AL, "beaulieu",
                "Administratrice locale, Beaulieu-les-Vignes (voit tous les télédossiers)",
                roles=ADMIN_ROLES | {Role.DOSSIERS_GESTION}),
    AccountSpec("c.jullien@mairie-beaulieu-les-vignes.test", MME, "Claire", "Jullien", "0475370510",
                "Officier d'état civil", AG, "beaulieu", "Agente, Beaulieu-les-Vignes : état civil uniquement",
                habilitations=("EtatCivil",)),
    AccountSpec("r.chaix@mairie-beaulieu-les-vignes.test", M, "Rémi", "Chaix", "0475370520", "Agent polyvalent",
                AG, "beaulieu",
                "Agent, Beaulieu-les-Vignes : Pacs, recensement, coordonnées, quotient familial",
                habilitations=("depotDossierPACS", "recensementCitoyen", "JeChangeDeCoordonnees", "FormulaireQF")),
    PLATFORM_ADMIN,
    TECHNICAL_DELEGATE,
)  # fmt: skip


def create_communes(session: Session, *, now: datetime) -> dict[str, Organization]:
    """The three communes, created as the box's operator would from the shell."""
    created_at = now - timedelta(days=180)
    return {
        spec.key: create_organization(
            session,
            actor=None,
            siret=spec.siret,
            name=f"Commune de {spec.name}",
            branch_code=spec.place.insee,
            email=f"mairie@{spec.domain}",
            now=created_at,
        )
        for spec in COMMUNES
    }


def create_person(
    session: Session,
    spec: AccountSpec,
    organizations: dict[str, Organization],
    *,
    password_hash: str,
    now: datetime,
    created_at: datetime,
) -> Account:
    """One account with its roles and habilitations, a known password, and a recent login."""
    organization = organizations[spec.commune] if spec.commune else None
    account = create_account(
        session,
        actor=None,
        email=spec.email,
        civility=spec.civility,
        first_name=spec.first_name,
        last_name=spec.last_name,
        phone=spec.phone,
        function=spec.function,
        actor_type=spec.actor_type,
        organization_id=organization.id if organization else None,
        roles=spec.roles,
        habilitations=frozenset(process_by_code(session, code).id for code in spec.habilitations),
        now=created_at,
    )
    account.password_hash = password_hash
    account.password_set_at = now
    if spec.active:
        # A recent login keeps the inactivity rules (60/90/120 days) from firing on the demo accounts.
        account.last_login_at = now - timedelta(days=1 + len(spec.email) % 9, hours=len(spec.last_name))
    else:
        account.active = False
        account.deactivated_at = now - timedelta(days=35)
    return account
