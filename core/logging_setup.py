"""One log format for the three processes (portal, api, jobs): one line per record, grep-friendly.

`2026-03-02T09:30:00.123+00:00 INFO api api.calls [req=4f1c…] : message` — UTC time, level, process, logger,
the request id when the record is written while serving an API request (`REQUEST_ID`, set by
api/request_id.py), then the message. A traceback stays on the same line (newlines written as « ⏎ »), so that
one line is always one record for log shippers and `grep`.
"""

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

from core.config import get_settings

REQUEST_ID: ContextVar[str | None] = ContextVar("hubee_request_id", default=None)
# Libraries that talk a lot at INFO: their warnings are enough.
QUIET_LOGGERS = ("apscheduler", "alembic", "httpx", "httpcore")
# Servers that install their own handlers: their records go through ours instead.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
_configured = False


class OneLineFormatter(logging.Formatter):
    """time level process logger [req=…] : message, on one line."""

    def __init__(self, process_name: str):
        super().__init__()
        self.process_name = process_name

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        request_id = REQUEST_ID.get()
        request = f" [req={request_id}]" if request_id else ""
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        if record.stack_info:
            message = f"{message}\n{record.stack_info}"
        text = f"{moment} {record.levelname} {self.process_name} {record.name}{request} : {message}"
        return text.replace("\r\n", " ⏎ ").replace("\n", " ⏎ ")


def configure_logging(process_name: str, *, level: str | None = None, force: bool = False) -> None:
    """Send every record of this process to stderr in the box's format, at `log_level`; once per process."""
    global _configured
    if _configured and not force:
        return  # Streamlit runs app.py at every interaction: configure once
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "hubee", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.hubee = True  # ours: replaced by a later call, other handlers (pytest's) are left alone
    handler.setFormatter(OneLineFormatter(process_name))
    root.addHandler(handler)
    root.setLevel((level or get_settings().log_level).upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    _configured = True
