"""The resources screen's pass: the Sentra Scanner demo's five resources read against moto's
server, one at a time and four at a time (what the screen does), and the calls per pass.

On a slow link each call is a round trip: the four-at-a-time ratio is what a responder waits less.
Figures on a loaded 2-core machine are noisy: compare the ratio within one run.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ROUNDS = 5
RTT = 0.05  # seconds added to each call in the second measurement: a region 50 ms away


def main() -> list[tuple[str, object, str, str]]:
    import boto3
    from moto.server import ThreadedMotoServer

    from services.aws.resources import read_resource
    from services.aws.session import AwsSession, AwsTarget
    from services.demo.catalog import scenario_profile_path
    from services.demo.emulator import SERVICES
    from services.demo.scenarios.sentra_scanner import SentraScanner, utcnow
    from services.profile import load_profile
    from tui.screens.resources import READERS_AT_ONCE

    for name, value in (("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench")):
        os.environ.setdefault(name, value)  # the emulator's placeholders, as the demo sets them
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        credentials = {"region_name": "us-east-1", "aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
        SentraScanner({name: boto3.client(name, endpoint_url=endpoint, **credentials) for name in SERVICES},
                      rng=random.Random(1)).seed(utcnow())
        specs = load_profile(scenario_profile_path("sentra-scanner")).resources
        session = AwsSession(AwsTarget(region="us-east-1", endpoint_url=endpoint))
        calls: list[Any] = []
        original = session.call
        delay = [0.0]

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls.append(args[:2])
            time.sleep(delay[0])  # the link's round trip, modelled
            return original(*args, **kwargs)

        session.call = counted  # type: ignore[method-assign]
        for spec in specs:  # warm: clients built, first connections open
            read_resource(session, spec)
        calls.clear()
        def passes() -> tuple[float, float]:
            serial, parallel = [], []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                for spec in specs:
                    read_resource(session, spec)
                serial.append(time.perf_counter() - started)
                started = time.perf_counter()
                with ThreadPoolExecutor(max_workers=READERS_AT_ONCE) as pool:
                    list(pool.map(lambda spec: read_resource(session, spec), specs))
                parallel.append(time.perf_counter() - started)
            return statistics.median(serial), statistics.median(parallel)

        one, four = passes()
        per_pass = len(calls) / (2 * ROUNDS)
        delay[0] = RTT
        far_one, far_four = passes()
    finally:
        server.stop()
    return [
        (f"resources: a pass over {len(specs)}, one at a time", round(one * 1000), "ms", "median of 5"),
        (f"resources: a pass over {len(specs)}, {READERS_AT_ONCE} at a time", round(four * 1000), "ms", "what the screen does"),
        ("resources: one-at-a-time / four-at-a-time, loopback", round(one / four, 2), "x", "≈ 1 (moto shares the GIL)"),
        (f"resources: a pass, {RTT * 1000:.0f} ms per call, one at a time", round(far_one * 1000), "ms", ""),
        (f"resources: a pass, {RTT * 1000:.0f} ms per call, {READERS_AT_ONCE} at a time", round(far_four * 1000), "ms", ""),
        (f"resources: one-at-a-time / four-at-a-time, {RTT * 1000:.0f} ms", round(far_one / far_four, 2), "x", "> 1"),
        ("resources: SDK calls per pass", round(per_pass), "calls", "each a round trip"),
    ]


if __name__ == "__main__":
    for row in main():
        print(row)
