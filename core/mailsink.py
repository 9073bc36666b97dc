"""A local SMTP server that keeps every message as a file under data/mail/ — for `make run` and demos.

Run: `python -m core.mailsink` (listens on the settings' SMTP host and port). Open the .eml files with any
mail reader, or as text, to follow activation links and read login codes.
"""

import time
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

from core.config import get_settings


class MailDirHandler:
    def __init__(self, directory: Path):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.count += 1
        stamp = time.strftime("%Y%m%d-%H%M%S")
        message = message_from_bytes(envelope.content, policy=policy.default)
        recipient = envelope.rcpt_tos[0].replace("@", "_at_") if envelope.rcpt_tos else "inconnu"
        path = self.directory / f"{stamp}-{self.count:04d}-{recipient}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(envelope.content)
        tmp.replace(path)
        print(f"Courriel pour {', '.join(envelope.rcpt_tos)} : « {message['subject']} » → {path}", flush=True)
        return "250 Message accepted for delivery"


def start_sink(directory: Path, host: str, port: int) -> Controller:
    controller = Controller(MailDirHandler(directory), hostname=host, port=port)
    controller.start()
    return controller


def main() -> None:
    settings = get_settings()
    directory = settings.data_dir / "mail"
    controller = start_sink(directory, settings.smtp_host, settings.smtp_port)
    print(
        f"Serveur de courriel local sur {settings.smtp_host}:{settings.smtp_port}, messages dans {directory}",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
