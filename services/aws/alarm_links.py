"""Which tile an alarm watches, which alarms watch a tile, which playbooks list an alarm.

An alarm names a metric by namespace, name and dimensions; a tile is a profile metric
with the same three, or an expression over such metrics (an alarm on a hidden input,
``errors``, belongs to the tiles computed from it, ``error_rate``).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from services.aws.metric_math import referenced_ids
from services.models import Alarm, MetricKey
from services.profile.model import MetricSpec, Playbook


def spec_key(spec: MetricSpec) -> MetricKey | None:
    if spec.namespace is None or spec.metric is None:
        return None
    return MetricKey(spec.namespace, spec.metric, tuple(sorted(spec.dimensions.items())))


def metric_inputs(spec: MetricSpec, specs: dict[str, MetricSpec]) -> set[str]:
    """``spec`` and every metric it is computed from, transitively."""
    seen = {spec.id}
    pending = [spec]
    while pending:
        current = pending.pop()
        for ref in referenced_ids(current.expression or ""):
            if ref in specs and ref not in seen:
                seen.add(ref)
                pending.append(specs[ref])
    return seen


def tiles_for_alarm(alarm: Alarm, specs: Sequence[MetricSpec]) -> list[str]:
    """Ids of the visible tiles that show what ``alarm`` watches, direct matches first."""
    by_id = {spec.id: spec for spec in specs}
    watched = set(alarm.watches)
    direct = [spec.id for spec in specs if spec_key(spec) in watched]
    tiles = [spec_id for spec_id in direct if not by_id[spec_id].hidden]
    for spec in specs:
        if spec.hidden or spec.id in tiles or spec.expression is None:
            continue
        if metric_inputs(spec, by_id) & set(direct):
            tiles.append(spec.id)
    return tiles


def alarms_for_tile(spec_id: str, specs: Sequence[MetricSpec], alarms: Iterable[Alarm]) -> list[Alarm]:
    """The alarms watching the tile's metric or any metric it is computed from."""
    by_id = {spec.id: spec for spec in specs}
    if spec_id not in by_id:
        return []
    keys = {spec_key(by_id[ref]) for ref in metric_inputs(by_id[spec_id], by_id)} - {None}
    return [alarm for alarm in alarms if keys & set(alarm.watches)]


def playbooks_for_alarm(name: str, playbooks: Iterable[Playbook]) -> list[Playbook]:
    return [playbook for playbook in playbooks if name in playbook.alarms]
