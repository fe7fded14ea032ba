"""Run the locust scenario at increasing concurrency; print one table (req/s, p50/p95/p99, errors).

    .venv/bin/python scripts/loadtest.py --host http://127.0.0.1:8000 --users 1,10,30,50
    .venv/bin/python scripts/loadtest.py --host http://127.0.0.1:5005 --bare-rasa   # the ceiling
    .venv/bin/python scripts/loadtest.py --rasa-host http://127.0.0.1:5005 --trivial
        # one run: at each concurrency the whole stack, bare Rasa REST with our model, and bare
        # Rasa REST serving a trivial bot (tests/load/trivial_bot, trained once, served here)

Needs the assistant running (`make demo`, or the processes of docs/DEPLOYMENT.md). Traffic goes
only to the given hosts on this machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
TRIVIAL = ROOT / "tests" / "load" / "trivial_bot"
TRIVIAL_PORT = 5095


@contextmanager
def trivial_rasa() -> Iterator[str]:
    """Train the trivial bot once (var/loadtest/trivial.tar.gz) and serve it; yields its URL."""
    out = ROOT / "var" / "loadtest"
    model = out / "trivial.tar.gz"
    if not model.exists():
        print("training the trivial bot (once, about a minute) …", flush=True)
        subprocess.run(
            [str(RASA), "train", "--config", "config.yml", "--domain", "domain.yml",
             "--data", "data", "--out", str(out), "--fixed-model-name", "trivial"],
            cwd=TRIVIAL, check=True, capture_output=True,
        )  # fmt: skip
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.Popen(
        [str(RASA), "run", "--model", str(model), "--port", str(TRIVIAL_PORT),
         "--interface", "127.0.0.1"],
        cwd=TRIVIAL, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{TRIVIAL_PORT}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"{url}/", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the trivial bot did not start") from None
                time.sleep(1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_level(host: str, users: int, seconds: int, bare_rasa: bool) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "stats")
        env = {**os.environ, "LOAD_BARE_RASA": "1" if bare_rasa else "0"}
        cmd = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "tests" / "load" / "locustfile.py"),
            "--host",
            host,
            "--headless",
            "-u",
            str(users),
            "-r",
            str(max(1, users // 2)),
            "-t",
            f"{seconds}s",
            "--csv",
            prefix,
            "--only-summary",
        ]
        if bare_rasa:
            cmd.append("WebChatUser")
        subprocess.run(cmd, env=env, check=False, capture_output=True, timeout=seconds + 120)
        with open(prefix + "_stats.csv", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        with open(prefix + "_failures.csv", encoding="utf-8") as fh:
            failures = [
                f"{r['Name']}: {r['Error']} ×{r['Occurrences']}" for r in csv.DictReader(fh)
            ]
    row = next(r for r in rows if r["Name"] == "Aggregated")
    row["failures"] = "; ".join(failures)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="http://127.0.0.1:8000")
    parser.add_argument("--users", default="1,10,30,50")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--bare-rasa", action="store_true", help="post straight to Rasa's REST webhook"
    )
    parser.add_argument(
        "--rasa-host",
        default="",
        help="also load bare Rasa REST here at each level, in the same run (latency ratio)",
    )
    parser.add_argument(
        "--trivial",
        action="store_true",
        help="also load bare Rasa REST serving a trivial bot (the ceiling), in the same run",
    )
    args = parser.parse_args()
    if args.trivial:
        with trivial_rasa() as trivial_url:
            _run(args, trivial_url)
    else:
        _run(args, "")


def _run(args: argparse.Namespace, trivial_url: str) -> None:
    print(
        f"host {args.host}  {'bare Rasa REST' if args.bare_rasa else 'whole stack, mixed channels'}"
        + (f"; bare Rasa REST at {args.rasa_host}" if args.rasa_host else "")
    )
    print("| target | users | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for users in (int(u) for u in args.users.split(",")):
        runs = [("stack" if not args.bare_rasa else "bare Rasa", args.host, args.bare_rasa)]
        if args.rasa_host:
            runs.append(("bare Rasa", args.rasa_host, True))
        if trivial_url:
            runs.append(("trivial bot", trivial_url, True))
        rows = []
        for label, host, bare in runs:
            row = run_level(host, users, args.seconds, bare)
            rows.append(row)
            errors = int(row["Failure Count"])
            print(
                f"| {label} | {users} | {row['Request Count']} | {float(row['Requests/s']):.1f} "
                f"| {row['50%']} | {row['95%']} | {row['99%']} "
                f"| {errors} ({errors / max(1, int(row['Request Count'])):.1%}) |",
                flush=True,
            )
            if row["failures"]:
                print(f"|   failures: {row['failures']} | | | | | | | |", flush=True)
        if args.rasa_host and not args.bare_rasa:
            p50 = float(rows[0]["50%"]) / max(1.0, float(rows[1]["50%"]))
            p95 = float(rows[0]["95%"]) / max(1.0, float(rows[1]["95%"]))
            print(f"| stack / bare Rasa | {users} | | | ×{p50:.2f} | ×{p95:.2f} | | |", flush=True)


if __name__ == "__main__":
    main()
