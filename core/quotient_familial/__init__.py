"""Quotient familial (SPEC §8): providers, the citizen's form, the dossier's files, the communication kit."""

from core.config import Settings, get_settings
from core.quotient_familial.base import QFProvider


def get_provider(settings: Settings | None = None) -> QFProvider:
    """The provider named by `qf_provider` in the settings: the sandbox (default) or API Particulier."""
    settings = settings or get_settings()
    if settings.qf_provider == "api_particulier":
        from core.quotient_familial.api_particulier import ApiParticulierProvider

        return ApiParticulierProvider(
            settings.api_particulier_url, settings.api_particulier_token, timeout=settings.api_particulier_timeout
        )
    from core.quotient_familial.sandbox import SandboxProvider

    return SandboxProvider()
