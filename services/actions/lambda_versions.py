"""Lambda versions and aliases: move an alias to another published version (a rollback).

Runbook 004's recovery is "review recent deployments, consider rollback". With published
versions behind an alias, a rollback is one ``update-alias``: the callers of the alias run
the earlier code from their next request, and moving the alias back undoes it.
"""
from __future__ import annotations

from typing import Any

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk
from services.actions.common import ParamsModel, aws_cli, error_code, missing_as
from services.actions.lambda_config import FunctionAction
from services.errors import BadInput

LATEST = "$LATEST"


def _number(version: str) -> int | None:
    return int(version) if version.isdigit() else None


class Rollback(FunctionAction["Rollback.Params"]):
    id = "lambda.rollback"
    title = "Move a Lambda alias to another published version (roll back a deployment)"
    risk = Risk.HIGH

    class Params(ParamsModel):
        alias: str = Field(pattern=r"^[A-Za-z0-9_-]{1,128}$",
                           description="the alias callers invoke (the profile's resource alias, e.g. live)")
        version: int | None = Field(default=None, ge=1, le=2_147_483_647,
                                    description="published version to point it at; default: the one before its current version")

    def alias(self, alias: str) -> dict[str, Any]:
        """The alias as Lambda holds it; ``BadInput`` naming the function's aliases when it has none so named."""
        self.configuration()  # "no such function" first: the alias's error would say the same code
        try:
            return self.session.call("lambda", "get_alias", FunctionName=self.target, Name=alias)
        except BadInput as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
        names = [a["Name"] for page in self.session.paginate("lambda", "list_aliases", FunctionName=self.target)
                 for a in page.get("Aliases", [])]
        raise BadInput(f"{self.id}: {self.target} has no alias {alias!r} (aliases: {', '.join(names) or 'none'})")

    def versions(self) -> dict[str, dict[str, Any]]:
        """Every version of the function ($LATEST included) by its name, with its code hash and date."""
        with missing_as(f"no Lambda function named {self.target!r}", "ResourceNotFoundException"):
            pages = list(self.session.paginate("lambda", "list_versions_by_function", FunctionName=self.target))
        return {str(v["Version"]): v for page in pages for v in page.get("Versions", [])}

    def _previous(self, alias: str, current: str, versions: dict[str, dict[str, Any]]) -> int:
        published = sorted(n for n in (_number(v) for v in versions) if n is not None)
        now = _number(current)
        earlier = published if now is None else [n for n in published if n < now]  # $LATEST: the newest published
        if not earlier:
            raise BadInput(f"{self.id}: alias {alias} points to version {current}: there is no earlier published version")
        return earlier[-1]

    def plan(self) -> Plan:
        alias = self.params.alias
        held = self.alias(alias)
        current = str(held["FunctionVersion"])
        versions = self.versions()
        wanted = self.params.version if self.params.version is not None else self._previous(alias, current, versions)
        if str(wanted) not in versions:
            published = ", ".join(v for v in versions if v != LATEST) or "none"
            raise BadInput(f"{self.id}: {self.target} has no published version {wanted} (published: {published})")
        now, then = versions.get(current, {}), versions[str(wanted)]
        earlier = _number(current) is None or wanted < int(current)
        summary = (f"{self.target}: alias {alias} already points to version {wanted}: nothing changes"
                   if current == str(wanted) else
                   f"{'Roll back' if earlier else 'Move forward'} {self.target}: alias {alias} from version {current} "
                   f"to version {wanted}")
        notes = [f"version {v}: published {info.get('LastModified')}, code {info.get('CodeSha256')}"
                 + (f", {info['Description']!r}" if info.get("Description") else "")
                 for v, info in ((current, now), (str(wanted), then))]
        notes.append(f"Only callers of alias {alias} move (its ARN ends in :{alias}); the unqualified function name "
                     "and $LATEST keep the newest code.")
        weights = (held.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        if weights:
            shares = ", ".join(f"{share:.0%} to version {v}" for v, share in weights.items())
            notes.append(f"The alias also routes {shares}: that weighting is kept.")
        return self.make_plan(
            [FieldChange(f"alias {alias}", current, str(wanted)),
             FieldChange("code sha256", now.get("CodeSha256"), then.get("CodeSha256")),
             FieldChange("version date", now.get("LastModified"), then.get("LastModified"))],
            command=aws_cli("lambda", "update-alias", ("--function-name", self.target), ("--name", alias),
                            ("--function-version", wanted)),
            summary=summary,
            reversible=current != LATEST,  # the model takes published versions only: $LATEST cannot be restored by it
            params=self.Params(alias=alias, version=wanted), notes=tuple(notes))

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        answer = self.session.call("lambda", "update_alias", FunctionName=self.target, Name=params.alias,
                                   FunctionVersion=str(params.version))
        return {"alias": answer.get("Name"), "version": answer.get("FunctionVersion")}

    def observe(self, plan: Plan) -> dict[str, Any]:
        alias = self.resolved(plan).alias
        version = str(self.alias(alias)["FunctionVersion"])
        config = self.session.call("lambda", "get_function_configuration", FunctionName=self.target, Qualifier=version)
        return {f"alias {alias}": version, "code sha256": config.get("CodeSha256"), "version date": config.get("LastModified")}

    def inverse(self, plan: Plan) -> Rollback:
        alias = self.resolved(plan).alias
        return self.sibling(Rollback, self.target, {"alias": alias, "version": int(plan.changes[0].before)})
