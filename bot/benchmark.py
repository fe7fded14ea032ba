"""Latency/throughput of a running Rasa server (+ action server): `python -m bot.benchmark`.

Sends the same message mix sequentially from fresh senders and prints messages/s and p50/p95
per kind: chit-chat (NLU + rules only) and questions (NLU + custom action + search).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import httpx

MIX = {
    "chitchat": ["你好", "谢谢", "再见", "讲个笑话", "转人工"],
    "question": ["居住证怎么办", "社保卡丢了怎么补办", "结婚登记要带什么材料", "护照在哪里办"],
}


def measure(url: str, texts: list[str], rounds: int, fresh: bool = False) -> list[float]:
    """Latencies of `rounds` passes over `texts`; `fresh`: a new conversation per message."""
    latencies = []
    sender = f"bench:{uuid.uuid4().hex[:8]}"
    with httpx.Client(timeout=60) as client:
        for _ in range(rounds):
            for text in texts:
                if fresh:
                    sender = f"bench:{uuid.uuid4().hex[:8]}"
                body = {"sender": sender, "message": text}
                started = time.perf_counter()
                client.post(f"{url}/webhooks/rest/webhook", json=body).raise_for_status()
                latencies.append(time.perf_counter() - started)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    measure(args.rasa_url, ["你好", "居住证怎么办"], 1)  # warm-up
    for fresh in (False, True):
        for kind, texts in MIX.items():
            lat = sorted(measure(args.rasa_url, texts, args.rounds, fresh))
            p95 = lat[int(0.95 * (len(lat) - 1))]
            label = f"{kind} ({'new conversation' if fresh else 'same conversation'})"
            print(  # noqa: T201
                f"{label:32s} n={len(lat)} {len(lat) / sum(lat):.1f} msg/s "
                f"p50={statistics.median(lat) * 1000:.0f} ms p95={p95 * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
