"""Profiles for the engine panes: containers, PostgreSQL and health, no AWS."""
from __future__ import annotations

from pathlib import Path


def write_profile(tmp_path: Path, *, docker_url: str | None = None, health_url: str | None = None,
                  postgres: bool = False) -> Path:
    """``tmp_path/profile.toml`` with the sections asked for (PostgreSQL's DSN in ``$SENTRASCAN_PG_DSN``)."""
    text = '[system]\nname = "SentraScan Platform"\n'
    if docker_url:
        text += f'\n[docker]\nhost = "{docker_url}"\nproject = "sentrascan"\n'
    if postgres:
        text += '\n[postgres]\ndsn_env = "SENTRASCAN_PG_DSN"\n'
    if health_url:
        text += f'\n[[health]]\nname = "API"\nurl = "{health_url}"\nexpect = {{ status = "ok" }}\ninterval = 1\n'
    path = tmp_path / "profile.toml"
    path.write_text(text)
    return path
