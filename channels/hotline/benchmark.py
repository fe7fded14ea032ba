"""Hotline assist latency on a running gateway: `python -m channels.hotline.benchmark`.

Opens calls and streams caller utterances one after another, as a speech recogniser would, and
prints p50/p95/max of the time until the agent's console has its suggestions (the HTTP round
trip of `POST /api/hotline/calls/{id}/utterances`, intent + search + routing + ticket draft),
the server's own `latency_ms`, and how many results left a late step out (`degraded`). The
target is 300 ms (issue #4); record the numbers in docs/BENCHMARKS.md with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import httpx
import numpy as np

# One call per list: questions, complaints and fragments typical of transcribed speech.
CALLS = [
    ["你好", "我想问一下居住证怎么办理", "要带什么材料", "在哪里办"],
    ["我要投诉", "我们小区楼下烧烤店每天晚上吵到一两点", "在东城区幸福路那边", "我电话13800001234"],
    ["社保卡丢了", "怎么补办啊", "要多少钱", "能不能网上办"],
    ["公积金提取需要什么条件", "我是租房的", "多久能到账"],
    ["建议一下", "地铁站出口那里能不能多装几个共享单车停放点", "现在停得乱七八糟"],
    ["营业执照怎么申请", "个体户", "要几天"],
    ["我家孩子明年上小学", "户口不在这里", "入学要准备什么"],
    ["驾驶证到期了", "换证在哪里办", "周末上班吗"],
]


def run(base: str, token: str, rounds: int) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token}"}
    wall: list[float] = []
    server: list[float] = []
    degraded = 0
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(rounds):
            for call in CALLS:
                opened = client.post("/api/hotline/calls", json={})
                opened.raise_for_status()
                call_id = opened.json()["call_id"]
                for text in call:
                    started = time.perf_counter()
                    response = client.post(
                        f"/api/hotline/calls/{call_id}/utterances",
                        json={"speaker": "caller", "text": text},
                    )
                    wall.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                    body = response.json()
                    server.append(float(body["latency_ms"]))
                    degraded += bool(body.get("degraded"))
    return {
        "utterances": len(wall),
        "wall_p50_ms": round(statistics.median(wall), 1),
        "wall_p95_ms": round(float(np.percentile(wall, 95)), 1),
        "wall_max_ms": round(max(wall), 1),
        "server_p50_ms": round(statistics.median(server), 1),
        "server_p95_ms": round(float(np.percentile(server, 95)), 1),
        "degraded": degraded,
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="http://127.0.0.1:8000")
    parser.add_argument("--token", default=os.environ.get("AGENT_TOKEN", "agent-dev-token"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run(args.host, args.token, 1)  # warm-up: connections, caches, the router's first call
    for key, value in run(args.host, args.token, args.rounds).items():
        print(f"{key:>15}: {value}")  # noqa: T201


if __name__ == "__main__":
    main()
