"""The box's log line: ISO time, level, process, logger, request id when there is one, message — one line."""

import logging
import re
import sys

import pytest

from core import logging_setup
from core.logging_setup import REQUEST_ID, OneLineFormatter, configure_logging

LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00) (?P<level>[A-Z]+) (?P<process>\S+) (?P<logger>\S+)"
    r"(?: \[req=(?P<req>[^\]]+)\])? : (?P<message>.*)$"
)


def record(message: str, *args, level=logging.INFO, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("core.mail", level, __file__, 1, message, args, exc_info)


def test_a_record_is_one_line_with_time_level_process_logger_and_message():
    line = OneLineFormatter("jobs").format(record("Courriel %s envoyé", "42", level=logging.WARNING))
    fields = LINE.match(line).groupdict()
    assert fields | {"time": "…"} == {
        "time": "…",
        "level": "WARNING",
        "process": "jobs",
        "logger": "core.mail",
        "req": None,
        "message": "Courriel 42 envoyé",
    }


def test_the_request_id_is_written_while_it_is_set():
    token = REQUEST_ID.set("abc123def456")
    try:
        line = OneLineFormatter("api").format(record("Jeton délivré"))
    finally:
        REQUEST_ID.reset(token)
    assert LINE.match(line)["req"] == "abc123def456"
    assert "[req=" not in OneLineFormatter("api").format(record("après la requête"))


def test_a_traceback_stays_on_the_same_line():
    try:
        raise ValueError("ligne 1\nligne 2")
    except ValueError:
        line = OneLineFormatter("portal").format(record("Échec", level=logging.ERROR, exc_info=sys.exc_info()))
    assert "\n" not in line
    assert line.endswith("ValueError: ligne 1 ⏎ ligne 2")
    assert " ⏎ Traceback (most recent call last):" in line


@pytest.fixture
def fresh_root(monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(logging_setup, "_configured", False)
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def test_configure_installs_one_handler_once_at_the_given_level(fresh_root, capsys):
    configure_logging("portal", level="warning")
    configure_logging("autre")  # a second call (Streamlit rerun) changes nothing
    ours = [h for h in fresh_root.handlers if getattr(h, "hubee", False)]
    assert len(ours) == 1 and fresh_root.level == logging.WARNING
    logging.getLogger("pages.test").info("pas écrit")
    logging.getLogger("pages.test").warning("écrit")
    lines = capsys.readouterr().err.splitlines()
    assert [LINE.match(line)["message"] for line in lines] == ["écrit"]
    assert LINE.match(lines[0])["process"] == "portal"
    configure_logging("api", force=True)
    assert len([h for h in fresh_root.handlers if getattr(h, "hubee", False)]) == 1
