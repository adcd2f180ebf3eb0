"""Helpers for the runbook scenarios' tests: seed one into the emptied moto server, load its profile."""
from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

NAMES = ["mantissa-log", "lambda-cost-reporting", "cloud-remediator-sage"]
WITH_CONTAINER = {"cloud-remediator-sage"}
"""Scenarios that run a container on podman (in the emulator, or when the test passes ``docker_host``)."""
HISTORY_MINUTES = 20  # enough for every tile's range, a fraction of the demo's three hours


def seed_scenario(name: str, boto: Callable[[str], Any], **options: Any) -> Any:
    """The scenario seeded now; its health server (if any) on a free port, no container unless asked
    (``docker_host=...``: on that engine)."""
    from services.demo.emulator import SERVICES
    from services.demo.scenarios import SCENARIOS
    from services.demo.scenarios.common import utcnow

    if name == "cloud-remediator-sage":  # its engines (podman, Prometheus) where the test is marked for them
        options.setdefault("containers", "docker_host" in options)
        options.setdefault("prometheus", bool(options["containers"] or "docker_host" in options))
        options.setdefault("prometheus_port", 0)
    scenario = SCENARIOS[name]({service: boto(service) for service in SERVICES}, rng=random.Random(11),
                               history_minutes=HISTORY_MINUTES, health_port=0, **options)
    scenario.seed(utcnow())
    return scenario


def engine_marked(names: list[str]) -> list[Any]:
    """``names`` as parameters, those with a container marked ``engines``: a test that starts podman
    for them (``request.getfixturevalue``, the emulator's own) is not seen by the fixture-based marking."""
    return [pytest.param(name, marks=pytest.mark.engines) if name in WITH_CONTAINER else name for name in names]


def profile_of(scenario: Any) -> Any:
    """The scenario's shipped profile; health and Prometheus URLs pointed at the ports the test's servers got."""
    from services.demo.catalog import scenario_profile_path
    from services.profile import load_profile

    profile = load_profile(scenario_profile_path(scenario.name))
    url = getattr(scenario, "health_url", "")
    if url and profile.health:
        profile = profile.model_copy(update={"health": [spec.model_copy(update={"url": url}) for spec in profile.health]})
    prometheus = getattr(scenario, "prometheus_url", "")
    if prometheus and profile.prometheus is not None:
        profile = profile.model_copy(update={"prometheus": profile.prometheus.model_copy(update={"url": prometheus})})
    return profile


def tick(scenario: Any, times: int = 1) -> None:
    from services.demo.scenarios.common import utcnow

    for _ in range(times):
        scenario.tick(utcnow())


def jump_to_incident(scenario: Any) -> None:
    """The next tick is the first of the incident (or of its escalation, where it has one)."""
    start = getattr(scenario, "ESCALATION", scenario.INCIDENT[0])
    scenario.tick_count = start - 1
