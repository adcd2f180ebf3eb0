"""The demo's AWS: moto's server on 127.0.0.1, seeded from a scenario, kept moving.

Run as a child process (``python -m services.demo.emulator --scenario NAME``) so that
moto's import and the simulator's work never compete with the UI for the interpreter
lock. Protocol: one JSON line on stdout, ``{"endpoint": "http://127.0.0.1:PORT"}``,
once the scenario is seeded; a scenario with engines adds ``"env"`` (variables its profile
reads: a DSN, ``DOCKER_HOST``) and ``"unavailable"`` (engine → why it could not start),
and one without AWS (``aws = False``) runs no moto server (``"endpoint": null``); the process then
simulates until SIGTERM/SIGINT or until
its stdin closes (the cockpit died), and stops the server before exiting.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

DEMO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo", "AWS_SESSION_TOKEN": "demo"}
DEMO_REGION = "us-east-1"
SERVICES = ("cloudwatch", "logs", "lambda", "s3", "sqs", "iam", "events", "dynamodb", "ec2", "cognito-idp", "sts", "ses",
            "rds", "athena")


class Emulator:
    """A moto server plus a scenario; usable in-process by tests as well."""

    def __init__(self, scenario: str, *, port: int = 0, seed: int = 7) -> None:
        from services.demo.scenarios import SCENARIOS

        if scenario not in SCENARIOS:
            raise SystemExit(f"unknown scenario {scenario!r}; known: {', '.join(sorted(SCENARIOS))}")
        self.scenario_cls = SCENARIOS[scenario]
        self.port = port
        self.seed = seed
        self.server: Any = None
        self.scenario: Any = None
        self.endpoint = ""
        self.ticks = 0
        self.errors = 0

    def start(self) -> str:
        import random

        from services.demo.scenarios.sentra_scanner import utcnow

        if not getattr(self.scenario_cls, "aws", True):  # engines only (a compose stack): no moto at all
            self.scenario = self.scenario_cls({}, rng=random.Random(self.seed))
            self.scenario.seed(utcnow())
            return self.endpoint
        import boto3
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        _lambda_without_containers(self.endpoint)
        session = boto3.session.Session(aws_access_key_id="demo", aws_secret_access_key="demo", region_name=DEMO_REGION)
        clients = {name: session.client(name, endpoint_url=self.endpoint) for name in SERVICES}
        self.scenario = self.scenario_cls(clients, rng=random.Random(self.seed))
        if hasattr(self.scenario, "athena_table"):  # moto runs no SQL: this process answers it from the scenario
            from services.demo.athena_tables import install

            install(self.scenario.athena_table, self.scenario.athena_partitions)
        self.scenario.seed(utcnow())
        return self.endpoint

    def tick(self) -> None:
        from services.demo.scenarios.sentra_scanner import utcnow

        self.ticks += 1
        self.scenario.tick(utcnow())

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Tick about once a second until ``stop`` is set; a failed tick is logged, not fatal."""
        next_tick = time.monotonic()
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # the simulator must outlive one bad tick
                self.errors += 1
                logging.getLogger("cockpit.demo").exception("simulator tick failed")
            next_tick += interval
            stop.wait(max(0.0, next_tick - time.monotonic()))

    def stop(self) -> None:
        close = getattr(self.scenario, "close", None)
        if close is not None:
            close()  # what the scenario started besides AWS (a health server)
            self.scenario = None
        if self.server is not None:
            self.server.stop()
            self.server = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.demo.emulator")
    parser.add_argument("--scenario", default="sentra-scanner")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args(argv)
    os.environ.update(DEMO_CREDENTIALS)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: stop.set())  # the terminal went away: still stop the engines it started
    emulator = Emulator(args.scenario, port=args.port)
    try:
        endpoint = emulator.start()
        sys.stdout.write(json.dumps({"endpoint": endpoint or None, "scenario": args.scenario,
                                     "env": getattr(emulator.scenario, "env", {}),
                                     "unavailable": getattr(emulator.scenario, "unavailable", {})}) + "\n")
        sys.stdout.flush()

        def watch_parent() -> None:
            # stdin closes when the cockpit exits or dies: never outlive it.
            try:
                while sys.stdin.read(4096):
                    pass
            finally:
                stop.set()

        threading.Thread(target=watch_parent, daemon=True, name="parent-watch").start()
        emulator.run(stop, args.interval)
    finally:
        emulator.stop()
    return 0


def _lambda_without_containers(endpoint: str) -> None:
    """Before anything is seeded: moto then answers invocations (``lambda.invoke``) by echoing the
    payload instead of starting a container; the setting moves Lambda to another backend."""
    import json
    import urllib.request

    body = json.dumps({"lambda": {"use_docker": False}}).encode()
    request = urllib.request.Request(f"{endpoint}/moto-api/config", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()


if __name__ == "__main__":
    raise SystemExit(main())

