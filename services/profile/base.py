"""The base of the profile's models: unknown fields are errors (a typo gets a line number), values frozen."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
