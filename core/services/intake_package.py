"""Reading one dropped package: a ZIP holding `manifest.json` and the files it lists (docs/operations.md).

Everything is checked before anything is stored: the archive's names (no directories, no `..`, no links), its
size and compression ratio (a ZIP bomb is refused from the declared sizes and again while reading), the
manifest's fields, and each file's SHA-256. Every refusal is an `InvalidInput` whose French message becomes
the quarantine reason.
"""

import hashlib
import json
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInput
from core.services.folders import IncomingFile, IncomingFolder, Recipient
from core.storage import SHA256_HEX
from core.validation import normalize_email, normalize_siret, required_text

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_FILES = 50
MAX_PACKAGE_BYTES = 100 * 1024 * 1024
# Past this ratio a large member is a ZIP bomb, not a document (PDF and XML compress far less).
MAX_RATIO = 100
RATIO_CHECK_FROM = 1024 * 1024
MIB = 1024 * 1024


@dataclass(frozen=True)
class Package:
    incoming: IncomingFolder
    sha256: str  # of the whole ZIP: the same package dropped twice has the same one


def _refuse(message: str, field: str | None = None) -> InvalidInput:
    return InvalidInput(message, field=field)


def _check_member(info: zipfile.ZipInfo, max_file_bytes: int) -> None:
    name = info.filename
    if name.startswith(("/", "\\")) or "\\" in name or "/" in name or name in ("", ".", "..") or ":" in name:
        raise _refuse(f"Nom de fichier refusé dans l'archive : « {name} » (pas de dossier ni de chemin).")
    if stat.S_ISLNK(info.external_attr >> 16) or info.is_dir():
        raise _refuse(f"L'archive contient un lien ou un dossier (« {name} ») : seuls des fichiers sont acceptés.")
    if info.flag_bits & 0x1:
        raise _refuse(f"Le fichier « {name} » est chiffré : l'archive ne doit pas avoir de mot de passe.")
    if info.file_size > RATIO_CHECK_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise _refuse(f"Le fichier « {name} » a un taux de compression anormal (archive piégée, « bombe ZIP »).")
    limit = MAX_MANIFEST_BYTES if name == MANIFEST else max_file_bytes
    if info.file_size > limit:
        raise _refuse(f"Le fichier « {name} » dépasse la taille maximale autorisée ({limit // MIB} Mo).")


def _check_archive(archive: zipfile.ZipFile, max_file_bytes: int) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_FILES + 1:
        raise _refuse(f"L'archive contient trop de fichiers ({len(infos)}) : au plus {MAX_FILES} pièces jointes.")
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        _check_member(info, max_file_bytes)
        if info.filename in members:
            raise _refuse(f"Le fichier « {info.filename} » figure deux fois dans l'archive.")
        members[info.filename] = info
    if sum(i.file_size for i in infos) > MAX_PACKAGE_BYTES:
        raise _refuse(
            f"Le contenu de l'archive dépasse la taille maximale d'un paquet ({MAX_PACKAGE_BYTES // MIB} Mo)."
        )
    if MANIFEST not in members:
        raise _refuse("Le fichier manifest.json est absent de l'archive (il doit être à sa racine).")
    return members


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    # Declared sizes can lie: never read more than the limit, whatever the header says.
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise _refuse(f"Le fichier « {info.filename} » dépasse la taille maximale autorisée ({limit // MIB} Mo).")
    return data


def _manifest(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict:
    try:
        data = json.loads(_read(archive, info, MAX_MANIFEST_BYTES).decode("utf-8"))
    except UnicodeDecodeError:
        raise _refuse("manifest.json n'est pas un texte UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise _refuse(
            f"manifest.json n'est pas un JSON valide (ligne {exc.lineno}, colonne {exc.colno} : {exc.msg})."
        ) from None
    if not isinstance(data, dict):
        raise _refuse("manifest.json doit contenir un objet JSON ({ … }).")
    return data


def _at(data: dict, path: str, check: Callable[[object], object], *, optional: bool = False):
    """The value at `path` ("applicant.lastName"), checked; a refusal naming the manifest field otherwise."""
    value: object = data
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if optional and (value is None or value == ""):
        return None
    if value is not None and not isinstance(value, str | list | dict):
        value = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    try:
        return check(value)
    except InvalidInput as exc:
        raise _refuse(f"manifest.json, champ « {path} » : {exc.message}", field=path) from None


def _text(label: str, max_length: int) -> Callable[[object], str]:
    return lambda value: required_text(value if isinstance(value, str) else None, label, "", max_length)


def _items(label: str) -> Callable[[object], list]:
    def check(value: object) -> list:
        if not isinstance(value, list) or not value or not all(isinstance(item, dict) for item in value):
            raise InvalidInput(f"une liste non vide d'objets est attendue ({label}).")
        return value

    return check


def _sha256(value: object) -> str:
    text = value.lower() if isinstance(value, str) else ""
    if not SHA256_HEX.match(text):
        raise InvalidInput("une empreinte SHA-256 de 64 caractères hexadécimaux est attendue.")
    return text


def _recipients(data: dict) -> tuple[Recipient, ...]:
    cases = _at(data, "cases", _items("destinataires"))
    recipients = tuple(
        Recipient(
            siret=_at(case, "siret", lambda v: normalize_siret(v if isinstance(v, str) else "")),
            case_external_id=_at(case, "externalId", _text("numéro du télédossier", 100)),
        )
        for case in cases
    )
    if len({r.case_external_id for r in recipients}) < len(recipients):
        raise _refuse("manifest.json, champ « cases » : deux destinataires ont le même numéro de télédossier.")
    return recipients


def _files(data: dict, archive: zipfile.ZipFile, members: dict, max_file_bytes: int) -> tuple[IncomingFile, ...]:
    files = []
    for entry in _at(data, "attachments", _items("pièces jointes")):
        name = _at(entry, "fileName", _text("nom du fichier", 255))
        expected = _at(entry, "sha256", _sha256)
        if name not in members or name == MANIFEST:
            raise _refuse(f"Le fichier « {name} » annoncé dans manifest.json est absent de l'archive.")
        content = _read(archive, members[name], max_file_bytes)
        if hashlib.sha256(content).hexdigest() != expected:
            raise _refuse(f"L'empreinte SHA-256 du fichier « {name} » ne correspond pas à celle de manifest.json.")
        recipients = entry.get("recipients")
        files.append(
            IncomingFile(
                file_name=name,
                type=_at(entry, "type", _text("type", 100)),
                mime_type=_at(entry, "mimeType", _text("type MIME", 255)),
                content=content,
                recipients=tuple(str(r) for r in recipients) if isinstance(recipients, list) and recipients else None,
            )
        )
    unlisted = sorted(set(members) - {MANIFEST} - {f.file_name for f in files})
    if unlisted:
        raise _refuse(f"Le fichier « {unlisted[0]} » est dans l'archive mais pas dans manifest.json.")
    if len({f.file_name for f in files}) < len(files):
        raise _refuse("manifest.json annonce deux fois le même fichier.")
    return tuple(files)


def _incoming(data: dict, files: tuple[IncomingFile, ...]) -> IncomingFolder:
    return IncomingFolder(
        process_code=_at(data, "processCode", _text("code de la démarche", 30)),
        external_id=_at(data, "externalId", _text("numéro du télédossier", 30)),
        applicant_first_name=_at(data, "applicant.firstName", _text("prénom du demandeur", 255)),
        applicant_last_name=_at(data, "applicant.lastName", _text("nom du demandeur", 255)),
        applicant_email=_at(
            data, "applicant.email", lambda v: normalize_email(v if isinstance(v, str) else ""), optional=True
        ),
        subject_name=_at(data, "personneConcernee", _text("personne concernée", 255), optional=True),
        partner_attributes=_at(data, "partnerAttributes", _text("partnerAttributes", 1024), optional=True),
        recipients=_recipients(data),
        files=files,
    )


def read_package(path: Path, *, max_file_bytes: int) -> Package:
    """The folder a package describes, after every check; InvalidInput with the French reason otherwise."""
    if path.stat().st_size > MAX_PACKAGE_BYTES:
        raise _refuse(f"Le paquet dépasse la taille maximale autorisée ({MAX_PACKAGE_BYTES // MIB} Mo).")
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        while chunk := raw.read(MIB):
            digest.update(chunk)
    try:
        with zipfile.ZipFile(path) as archive:
            members = _check_archive(archive, max_file_bytes)
            data = _manifest(archive, members[MANIFEST])
            incoming = _incoming(data, _files(data, archive, members, max_file_bytes))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise _refuse(f"Ce fichier n'est pas une archive ZIP lisible ({exc}).") from None
    except InvalidInput:
        raise
    except Exception as exc:  # whatever else a malformed archive provokes is still the package's fault
        raise _refuse(f"Paquet illisible ({type(exc).__name__} : {exc}).") from None
    return Package(incoming=incoming, sha256=digest.hexdigest())
