"""The profile: one system described in TOML, validated by pydantic.

``load_profile(path)`` returns a :class:`Profile` or raises :class:`ProfileError`,
whose lines each name the file, the line and the field.
"""
from services.profile.loader import ProfileError, load_profile, parse_profile
from services.profile.model import (
    AlarmsSpec,
    AwsSpec,
    CockpitSettings,
    LogSpec,
    MetricSpec,
    Playbook,
    PlaybookStep,
    Profile,
    QuerySpec,
)

__all__ = [
    "AlarmsSpec",
    "AwsSpec",
    "CockpitSettings",
    "LogSpec",
    "MetricSpec",
    "Playbook",
    "PlaybookStep",
    "Profile",
    "ProfileError",
    "QuerySpec",
    "load_profile",
    "parse_profile",
]
