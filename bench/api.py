"""Bench of the HubEE API over real HTTP: the operator's create flow, and notification polling.

Starts `uvicorn api.main:app` (one process as `make run` does, or `--workers N`) on a fresh database in a
temporary data directory — SQLite by default, PostgreSQL when DATABASE_URL names an empty database — with 20
communes whose EtatCivil subscription is in API mode, and DILA's operator client. Then prints, with the
machine's figures:

1. the operator's flow (create a folder with 2 attachments, upload both, complete) per second, with one
   operator and with several at once;
2. the latency of `GET /notifications` (p50/p95/p99) with 20 business software polling at once, idle and
   while an operator keeps sending.

    .venv/bin/python -m bench.api [--folders 300] [--operators 4] [--pollers 20] [--seconds 10] [--workers 1]

Client secrets are hashed with bcrypt cost 4 here (the box uses 12): only token issuance would differ, and
it is not measured.
"""

import argparse
import base64
import hashlib
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "Bench-Secret-2026"
XML = b"<EnveloppeMetierType>" + b"x" * 3000 + b"</EnveloppeMetierType>"
PDF = b"%PDF-1.4 " + b"y" * 60000


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next((line.split()[1] for line in _read("/proc/meminfo") if line.startswith("MemTotal")), "0")
    return [
        f"machine  : {cpu}, {os.cpu_count()} CPU, {int(mem) / 1024 / 1024:.1f} Gio RAM, {platform.platform()}",
        f"python   : {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]


def _read(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def prepare_environment() -> Path:
    data = Path(tempfile.mkdtemp(prefix="hubee-bench-api-"))
    os.environ["HUBEE_DATA_DIR"] = str(data)
    os.environ["HUBEE_BCRYPT_ROUNDS"] = "4"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data / 'bench.db'}")
    return data


def build_world(communes: int) -> list[tuple[str, str]]:
    """Migrate, create the communes and their API subscriptions, DILA's client; (siret, SI client id) each."""
    from datetime import date

    from core.clock import utcnow
    from core.db import session_scope
    from core.migrate import upgrade_to_head
    from core.models import AccessMode, Subscription, SubscriptionStatus
    from core.services.api_clients import hash_client_secret
    from core.services.api_operator_clients import create_operator_client
    from core.services.folders import process_by_code
    from core.services.organizations import create_organization
    from core.validation import luhn_valid

    upgrade_to_head()
    result = []
    with session_scope() as s:
        process = process_by_code(s, "EtatCivil")
        secret_hash = hash_client_secret(SECRET)
        for n in range(communes):
            base = f"2126{n:05d}0000"[:13]
            siret = next(base + str(d) for d in range(10) if luhn_valid(base + str(d)))
            organization = create_organization(
                s, actor=None, siret=siret, name=f"Commune {n}", branch_code=f"26{n:03d}", now=utcnow()
            )
            client_id = f"bench-si-{n}"
            s.add(
                Subscription(
                    organization_id=organization.id,
                    process_id=process.id,
                    status=SubscriptionStatus.ACTIF,
                    access_mode=AccessMode.API,
                    activation_date=date(2020, 1, 1),
                    api_client_id=client_id,
                    api_secret_hash=secret_hash,
                )
            )
            result.append((siret, client_id))
        create_operator_client(s, actor=None, operator_code="DILA", now=utcnow(), client_id="bench-dila", secret=SECRET)
    return result


def start_server(workers: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the API did not start")


def client(url: str, client_id: str, scope: str):
    import httpx

    token = httpx.post(
        url + "/oauth2/token", data={"grant_type": "client_credentials", "scope": scope}, auth=(client_id, SECRET)
    ).json()["access_token"]
    return httpx.Client(base_url=url + "/teledossiers/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60)


def send_folder(http, number: str, siret: str) -> None:
    """One operator flow: create (2 attachments announced), upload both with their digest, complete."""
    files = [(f"{number}.xml", XML, "application/xml"), (f"{number}.pdf", PDF, "application/pdf")]
    body = {
        "processCode": "EtatCivil",
        "externalId": number,
        "applicant": {"firstName": "Jeanne", "lastName": "Martin"},
        "cases": [
            {"recipient": {"type": "SI", "companyRegister": siret, "branchCode": "26000"}, "externalId": f"{number}-01"}
        ],
        "attachments": [
            {"fileName": name, "type": "Pièce", "size": len(content), "mimeType": mime, "recipients": [f"{number}-01"]}
            for name, content, mime in files
        ],
    }
    folder = http.post("/folders", json=body)
    assert folder.status_code == 201, folder.text
    folder = folder.json()
    contents = {name: content for name, content, _ in files}
    for attachment in folder["attachments"]:
        content = contents[attachment["fileName"]]
        digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
        put = http.put(
            f"/folders/{folder['id']}/attachments/{attachment['id']}", content=content, headers={"digest": digest}
        )
        assert put.status_code == 204, put.text
    done = http.patch(f"/folders/{folder['id']}", json={"globalStatus": "HUBEE_COMPLETED"})
    assert done.status_code == 204, done.text


def operator_run(url: str, communes, folders: int, operators: int, prefix: str) -> tuple[float, list[float]]:
    """(folders per second, seconds per folder) for `folders` flows spread over `operators` threads."""
    clients = [client(url, "bench-dila", "OSL") for _ in range(operators)]
    durations: list[float] = []

    def work(i: int) -> None:
        started = time.perf_counter()
        send_folder(clients[i % operators], f"{prefix}{i:06d}", communes[i % len(communes)][0])
        durations.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(operators) as pool:
        list(pool.map(work, range(folders)))
    elapsed = time.perf_counter() - started
    for c in clients:
        c.close()
    return folders / elapsed, durations


def polling_run(url: str, communes, seconds: float, background=None) -> list[float]:
    """Latencies of GET /notifications?maxResult=50 by one thread per commune's software for `seconds`."""
    clients = [client(url, client_id, "SI") for _, client_id in communes]
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def poll(http) -> None:
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = http.get("/notifications", params={"maxResult": 50})
            mine.append(time.perf_counter() - started)
            assert response.status_code == 200
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=poll, args=(c,)) for c in clients]
    if background:
        threads.append(threading.Thread(target=background, args=(stop,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for c in clients:
        c.close()
    return latencies


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] * 1000 if len(values) > 1 else values[0] * 1000


def keep_sending(url: str, siret: str):
    """A background operator sending folders until `stop`, for the polling run under load."""
    counter = iter(range(10**9))

    def run(stop: float) -> None:
        with client(url, "bench-dila", "OSL") as http:
            while time.monotonic() < stop:
                send_folder(http, f"BG-{next(counter):06d}", siret)

    return run


def measure(url: str, communes, args) -> list[str]:
    """Both runs, as the lines of the report."""
    rate1, flows1 = operator_run(url, communes, args.folders, 1, "B1-")
    rate4, flows4 = operator_run(url, communes, args.folders, args.operators, "B4-")
    idle = polling_run(url, communes, args.seconds)
    busy = polling_run(url, communes, args.seconds, background=keep_sending(url, communes[0][0]))
    lines = [
        "",
        "operator flow (create folder + 2 attachments of 3 KB and 60 KB + complete = 4 requests)",
        f"  1 operator            : {rate1:7.1f} folders/s   p50 {pct(flows1, 50):6.1f} ms  p95 {pct(flows1, 95):6.1f} ms",
        f"  {args.operators} operators at once : {rate4:7.1f} folders/s   p50 {pct(flows4, 50):6.1f} ms  p95 {pct(flows4, 95):6.1f} ms",
        "",
        f"GET /notifications?maxResult=50, {args.pollers} business software polling at once for {args.seconds:.0f} s "
        f"(~{2 * args.folders // len(communes)} notifications waiting each)",
    ]
    for label, values in (("idle", idle), ("while an operator sends", busy)):
        lines.append(
            f"  {label:<24}: p50 {pct(values, 50):6.1f} ms  p95 {pct(values, 95):6.1f} ms  p99 {pct(values, 99):6.1f} ms"
            f"  ({len(values) / args.seconds:6.0f} requests/s)"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=300)
    parser.add_argument("--operators", type=int, default=4)
    parser.add_argument("--pollers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (as behind a proxy)")
    args = parser.parse_args()
    data = prepare_environment()
    communes = build_world(args.pollers)
    server, url = start_server(args.workers)
    try:
        backend = os.environ["DATABASE_URL"].split(":", 1)[0]
        header = [*machine(), f"database : {backend}; API: uvicorn, {args.workers} worker process(es)"]
        print("\n".join(header + measure(url, communes, args)))
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
