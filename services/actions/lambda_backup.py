"""Lambda configuration backup and restore (runbook 000's Disaster Recovery, "Configuration Backup").

A backup is a dated folder in the cockpit's state directory,
``backups/lambda/FUNCTION-YYYYmmdd-HHMMSS/``: ``configuration.json`` (what
``get-function-configuration`` returns, minus what Lambda computes), ``policies.json`` (the
role's inline policy documents and attached policy ARNs, as ``get-role-policy`` gives them)
and the code package ``code.zip`` when its presigned ``Code.Location`` can be downloaded
(``code.json`` records its CodeSha256 either way, and why a package is missing).

A restore applies a backup's configuration with ``update-function-configuration``; its plan
is the field-by-field difference, and before it runs the current configuration is backed
up (the undo restores that one). Code is not restored here: ``update-function-code`` with
the zip is a deploy, and the plan says which package the backup holds.
"""
from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from services.actions.base import FieldChange, Plan, Risk, Verification
from services.actions.common import ParamsModel, aws_cli
from services.actions.lambda_config import FunctionAction
from services.errors import BadInput

# What update-function-configuration takes back, as get-function-configuration names it.
RESTORED = ("Role", "Handler", "Description", "Timeout", "MemorySize", "Environment", "Runtime", "Layers",
            "TracingConfig", "EphemeralStorage", "DeadLetterConfig", "VpcConfig")
_DIR = re.compile(r"^[A-Za-z0-9_-]{1,64}-(pre-restore-)?\d{8}-\d{6}(-\d+)?$")
DOWNLOAD_TIMEOUT = 20.0


def backup_root() -> Path:
    from services.paths import state_dir

    folder = state_dir() / "backups" / "lambda"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def backups_of(function: str) -> list[Path]:
    """This function's backups, newest first (by the time in their names)."""
    root = backup_root()
    found = [path for path in root.iterdir() if path.is_dir() and path.name.startswith(f"{function}-")
             and _DIR.match(path.name) and (path / "configuration.json").is_file()]
    return sorted(found, key=lambda path: re.sub(r"^.*?(\d{8}-\d{6})(-\d+)?$", r"\1\2", path.name), reverse=True)


def new_backup_name(function: str, now: datetime, *, safety: bool = False) -> str:
    base = f"{function}-{'pre-restore-' if safety else ''}{now.astimezone(UTC):%Y%m%d-%H%M%S}"
    root = backup_root()
    for attempt in range(1, 100):
        name = base if attempt == 1 else f"{base}-{attempt}"
        if not (root / name).exists():
            return name
    raise BadInput(f"too many backups named {base}*")


def restorable(configuration: dict[str, Any]) -> dict[str, Any]:
    """The fields a restore sets, in update-function-configuration's shape."""
    fields: dict[str, Any] = {}
    for name in RESTORED:
        value: Any = configuration.get(name)
        if value in (None, "", [], {}):
            continue
        if name == "Layers":
            value = [layer["Arn"] if isinstance(layer, dict) else layer for layer in value]
        if name == "VpcConfig":
            value = {"SubnetIds": value.get("SubnetIds", []), "SecurityGroupIds": value.get("SecurityGroupIds", [])}
            if not value["SubnetIds"]:
                continue
        if name == "Environment":
            value = {"Variables": dict(value.get("Variables") or {})}
        fields[name] = value
    return fields


class _Backup:
    """Reading and writing one backup folder (blocking: from a worker thread, as every action runs)."""

    def __init__(self, action: FunctionAction[Any]) -> None:
        self.action = action

    def role_policies(self, role_arn: str) -> dict[str, Any]:
        session, role = self.action.session, role_arn.rsplit("/", 1)[-1]
        inline: dict[str, Any] = {}
        for name in session.call("iam", "list_role_policies", RoleName=role).get("PolicyNames", []):
            document = session.call("iam", "get_role_policy", RoleName=role, PolicyName=name).get("PolicyDocument")
            inline[name] = json.loads(document) if isinstance(document, str) else document
        attached = [p["PolicyArn"] for p in session.call("iam", "list_attached_role_policies", RoleName=role)
                    .get("AttachedPolicies", [])]
        return {"role": role, "inline": inline, "attached": attached}

    def write(self, folder: Path, *, with_code: bool = True) -> dict[str, Any]:
        session, function = self.action.session, self.action.target
        answer = session.call("lambda", "get_function", FunctionName=function)
        configuration = answer.get("Configuration", {})
        folder.mkdir(parents=True)
        (folder / "configuration.json").write_text(json.dumps(configuration, indent=2, default=str), encoding="utf-8")
        saved: dict[str, Any] = {"configuration": sorted(restorable(configuration))}
        if configuration.get("Role"):
            policies = self.role_policies(configuration["Role"])
            (folder / "policies.json").write_text(json.dumps(policies, indent=2, default=str), encoding="utf-8")
            saved["policies"] = sorted(policies["inline"]) + policies["attached"]
        code = {"CodeSha256": configuration.get("CodeSha256"), "CodeSize": configuration.get("CodeSize")}
        location = (answer.get("Code") or {}).get("Location")
        if with_code and location and location.startswith("https://"):
            try:
                with urllib.request.urlopen(location, timeout=DOWNLOAD_TIMEOUT) as response:
                    (folder / "code.zip").write_bytes(response.read())
                code["package"] = "code.zip"
            except OSError as error:  # the presigned URL expired, or the endpoint serves none (an emulator)
                code["package"] = None
                code["why"] = f"Code.Location could not be downloaded: {getattr(error, 'reason', error)}"
        else:
            code["package"] = None
            code["why"] = "no code package to download (container image or none given)" if with_code else "not asked"
        (folder / "code.json").write_text(json.dumps(code, indent=2), encoding="utf-8")
        saved["code"] = code
        return saved


class BackupConfig(FunctionAction["BackupConfig.Params"]):
    id = "lambda.backup-config"
    title = "Back up a Lambda function: configuration, role policies and code package, dated"
    risk = Risk.LOW

    class Params(ParamsModel):
        name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}-\d{8}-\d{6}(-\d+)?$",
                                 description="the backup folder; default: FUNCTION-YYYYmmdd-HHMMSS")

    def plan(self) -> Plan:
        configuration = self.configuration()
        name = self.params.name or new_backup_name(self.target, datetime.now(UTC))
        folder = backup_root() / name
        if folder.exists():
            raise BadInput(f"{self.id}: {folder} exists already; leave the name empty for a new one")
        fields = ", ".join(sorted(restorable(configuration)))
        role = str(configuration.get("Role", "")).rsplit("/", 1)[-1]
        return self.make_plan(
            [FieldChange(f"backup {name}", None, "configuration, policies, code")],
            command=" && ".join([
                aws_cli("lambda", "get-function-configuration", ("--function-name", self.target)) + " > configuration.json",
                *([aws_cli("iam", "list-role-policies", ("--role-name", role)) + " > policies.json"] if role else []),
                aws_cli("lambda", "get-function", ("--function-name", self.target), ("--query", "Code.Location"),
                        ("--output", "text")) + " | xargs wget -O code.zip"]),
            summary=f"Back up {self.target} into {folder}", reversible=False, params=self.Params(name=name),
            notes=(f"Configuration: {fields}.",
                   *((f"Role {role}: its inline policy documents and attached policy ARNs.",) if role else ()),
                   f"Code: the package of CodeSha256 {configuration.get('CodeSha256')} "
                   f"({configuration.get('CodeSize', '?')} bytes), if its presigned URL downloads."))

    def run(self, plan: Plan) -> dict[str, Any]:
        name = str(self.resolved(plan).name)
        return _Backup(self).write(backup_root() / name)

    def observe(self, plan: Plan) -> dict[str, Any]:
        name = str(self.resolved(plan).name)
        folder = backup_root() / name
        return {f"backup {name}": "configuration, policies, code" if (folder / "configuration.json").is_file() else None}

    def verify(self, plan: Plan) -> Verification:
        name = str(self.resolved(plan).name)
        folder = backup_root() / name
        if not (folder / "configuration.json").is_file():
            return Verification(False, f"{folder} has no configuration.json", {"backup": None})
        saved = restorable(json.loads((folder / "configuration.json").read_text(encoding="utf-8")))
        if saved != restorable(self.configuration()):
            return Verification(False, "the saved configuration differs from the function's", {"backup": name})
        code = json.loads((folder / "code.json").read_text(encoding="utf-8"))
        package = "code.zip" if code.get("package") else f"no package ({code.get('why')})"
        return Verification(True, f"{folder.name}: configuration as the function's, policies, {package}",
                            {"backup": name, "code": code.get("package")})


class RestoreConfig(FunctionAction["RestoreConfig.Params"]):
    id = "lambda.restore-config"
    title = "Restore a Lambda function's configuration from a backup (lambda.backup-config)"
    risk = Risk.HIGH

    class Params(ParamsModel):
        backup: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}-(pre-restore-)?\d{8}-\d{6}(-\d+)?$",
                                   description="the backup folder's name; default: the function's newest")
        safety: str | None = Field(default=None, description="the backup of the current configuration taken first "
                                   "(undo restores it); default: FUNCTION-pre-restore-YYYYmmdd-HHMMSS")

    def chosen(self) -> Path:
        found = backups_of(self.target)
        if self.params.backup is None:
            if not found:
                raise BadInput(f"{self.id}: {self.target} has no backup (lambda.backup-config takes one)")
            return found[0]
        folder = backup_root() / self.params.backup
        if not (folder / "configuration.json").is_file():
            newest = ", ".join(path.name for path in found[:3]) or "none"
            raise BadInput(f"{self.id}: no backup {self.params.backup!r} of {self.target} (newest: {newest})")
        return folder

    def plan(self) -> Plan:
        folder = self.chosen()
        saved = restorable(json.loads((folder / "configuration.json").read_text(encoding="utf-8")))
        current = restorable(self.configuration())
        changes = [FieldChange(name, current.get(name), saved[name]) for name in RESTORED
                   if name in saved and saved[name] != current.get(name)]
        if not changes:
            raise BadInput(f"{self.id}: {self.target}'s configuration is already as in {folder.name}")
        safety = self.params.safety or new_backup_name(self.target, datetime.now(UTC), safety=True)
        options: list[Any] = [("--function-name", self.target)]
        for change in changes:
            options.append((_cli_option(change.field), change.after))
        code = json.loads((folder / "code.json").read_text(encoding="utf-8")) if (folder / "code.json").is_file() else {}
        return self.make_plan(
            changes, command=aws_cli("lambda", "update-function-configuration", *options),
            summary=f"Restore {self.target}'s configuration from {folder.name} ({len(changes)} fields)",
            reversible=True, params=self.Params(backup=folder.name, safety=safety),
            notes=(f"First the current configuration is backed up as {safety} (undo restores it).",
                   "Code is not changed: " + (f"the backup's package is {folder / 'code.zip'} "
                                              f"(CodeSha256 {code.get('CodeSha256')}); deploy it with "
                                              "aws lambda update-function-code --zip-file fileb://…"
                                              if code.get("package") else "the backup holds no package "
                                              f"(CodeSha256 {code.get('CodeSha256')})."),
                   "Role policies are not changed: compare them with policies.json in the backup."))

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        safety = backup_root() / str(params.safety)
        if not safety.exists():
            _Backup(self).write(safety, with_code=False)
        request = {change.field: change.after for change in plan.changes}
        answer = self.session.call("lambda", "update_function_configuration", FunctionName=self.target, **request)
        return {"updated": sorted(request), "last_update_status": answer.get("LastUpdateStatus"),
                "safety": safety.name}

    def observe(self, plan: Plan) -> dict[str, Any]:
        current = restorable(self.configuration())
        return {change.field: current.get(change.field) for change in plan.changes}

    def inverse(self, plan: Plan) -> RestoreConfig:
        return self.sibling(RestoreConfig, self.target, {"backup": self.resolved(plan).safety})


def _cli_option(field: str) -> str:
    return "--" + re.sub(r"(?<!^)(?=[A-Z])", "-", field).lower()

