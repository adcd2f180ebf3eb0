"""Revoke (or restore) an API key row, as runbook 003 does in ``psql``.

Runbook 003 (SentraScan Platform), *Authentication Issues* and *Security Incident*:
``UPDATE api_keys SET is_revoked = true WHERE name = 'compromised-key';``. The target is
the key's ``id`` (or its ``name``) in the ``api_keys`` table of the profile's
``[postgres]`` database; the plan shows the row (id, name, role, created; state
``active → revoked``) and the exact SQL, and the inverse sets ``is_revoked`` back to what it was.
"""
from __future__ import annotations

import time
from typing import Any

from pydantic import Field

from services.actions.base import Action, ActionParams, FieldChange, Plan, Risk, Verification
from services.actions.engines import postgres_source
from services.engines.postgres import PostgresSource
from services.errors import BadInput

VERIFY_SECONDS = 5.0
SELECT_KEY = ("SELECT id, name, role, is_revoked, created_at FROM api_keys WHERE id = %(key)s OR name = %(key)s "
              "ORDER BY (id = %(key)s) DESC LIMIT 1")
UPDATE_KEY = "UPDATE api_keys SET is_revoked = %s WHERE id = %s RETURNING is_revoked"


STATE = "state"


def _state(revoked: bool) -> str:
    """``is_revoked`` as the plan shows it."""
    return "revoked" if revoked else "active"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class RevokeApiKey(Action):
    id = "postgres.revoke-api-key"
    title = "Revoke an API key (api_keys.is_revoked), or restore it with revoked=false"
    risk = Risk.HIGH
    target_kind = "api key (id or name in api_keys)"
    volatile: frozenset[str] = frozenset()

    class Params(ActionParams):
        revoked: bool = Field(default=True, description="true revokes the key; false restores it")

    @property
    def source(self) -> PostgresSource:
        return postgres_source(self.session)

    def row(self) -> dict[str, Any]:
        rows = self.source.query_sync("api_keys", SELECT_KEY, {"key": str(self.target).strip()})
        if not rows:
            raise BadInput(f"no API key with id or name {self.target!r} in api_keys")
        return rows[0]

    def plan(self) -> Plan:
        key = self.row()
        wanted = self.params.revoked
        # What identifies the key, by the names runbook 003's table uses: its id (``ak_…``, what the
        # API's logs print), name, role, creation date; never its hash, which this never reads. No
        # field is called "key": a secret-looking name would be masked on the screen and the timeline.
        same = [FieldChange(name, value, value) for name, value in (
            ("id", key["id"]), ("name", key["name"]), ("role", key["role"]),
            ("created", key["created_at"].date().isoformat()))]
        if key["is_revoked"] == wanted:
            note = f"It is already {'revoked' if wanted else 'active'}: this changes nothing."
        elif wanted:
            note = "Every request made with this key is refused (401) from the API's next lookup; undo restores it."
        else:
            note = "The key works again at once: do this only if it was revoked by mistake."
        return Plan(self.id, str(self.target), {"revoked": wanted},
                    (*same, FieldChange(STATE, _state(key["is_revoked"]), _state(wanted))),
                    self.risk,
                    f"UPDATE api_keys SET is_revoked = {'true' if wanted else 'false'} WHERE id = {_literal(key['id'])};",
                    f"{'Revoke' if wanted else 'Restore'} API key {key['id']} ({key['name']}, {key['role']})",
                    reversible=True, notes=(note,))

    def run(self, plan: Plan) -> dict[str, Any]:
        key = self.row()
        rows = self.source.query_sync("UPDATE api_keys", UPDATE_KEY, (self.params.revoked, key["id"]))
        if not rows:
            raise BadInput(f"API key {key['id']} disappeared before the update")
        return {"id": key["id"], "is_revoked": rows[0]["is_revoked"]}

    def verify(self, plan: Plan) -> Verification:
        deadline = time.monotonic() + VERIFY_SECONDS
        while True:
            key = self.row()
            observed = {"is_revoked": bool(key["is_revoked"])}
            if key["is_revoked"] == self.params.revoked:
                return Verification(True, f"api_keys.is_revoked of {key['id']} is {str(key['is_revoked']).lower()}", observed)
            if time.monotonic() > deadline:
                return Verification(False, f"api_keys.is_revoked of {key['id']} is still {key['is_revoked']}", observed)
            time.sleep(0.2)  # another session may be changing it back: read again until the deadline

    def inverse(self, plan: Plan) -> Action | None:
        before = next(change.before for change in plan.changes if change.field == STATE)
        return RevokeApiKey.build(self.session, self.target, {"revoked": before == "revoked"})


ACTIONS: tuple[type[Action], ...] = (RevokeApiKey,)
