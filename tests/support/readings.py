"""A resource reading's fields for assertions: a missing field fails naming the fields that were read."""
from __future__ import annotations

from services.aws.resources.reading import Field, ResourceReading


def field_of(reading: ResourceReading, label: str) -> Field:
    """The field labelled ``label`` (``reading.field`` is None when the reader did not produce it)."""
    found = reading.field(label)
    assert found is not None, f"no field {label!r} in {[item.label for item in reading.fields]}"
    return found
