"""A Lambda function as runbooks 000, 002 and 004 check it: configuration, concurrency, versions, aliases.

Environment variables are read by name only: their values never leave this module.
``function_versions`` and ``version_before`` are what a rollback plans with.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.aws.resources import policy_text
from services.aws.resources.calls import call, document, is_missing, pages
from services.aws.resources.reading import Offer, ReadingDraft, ResourceReading, not_found, parse_time, when
from services.aws.session import AwsSession
from services.errors import BadInput
from services.formatting import human_bytes
from services.profile.resources import ResourceSpec

RECENT_CHANGE = timedelta(hours=24)  # "review recent deployments" (004): a change this recent is a suspect


@dataclass(frozen=True, slots=True)
class FunctionVersion:
    version: str
    last_modified: datetime
    code_sha256: str
    description: str = ""

    def line(self) -> str:
        text = f"{self.version:>4}  {when(self.last_modified)}  sha256 {self.code_sha256}"
        return f"{text}  {self.description}" if self.description else text


@dataclass(frozen=True, slots=True)
class FunctionAlias:
    name: str
    version: str
    weights: tuple[tuple[str, float], ...] = ()  # weighted routing: (other version, share)

    def line(self) -> str:
        routed = "".join(f", {share:.0%} → {version}" for version, share in self.weights)
        return f"{self.name} → {self.version}{routed}"


def function_versions(session: AwsSession, name: str) -> list[FunctionVersion]:
    """Published versions, oldest first ($LATEST is not a version)."""
    found = [FunctionVersion(item["Version"], parse_time(item["LastModified"]), item.get("CodeSha256", ""),
                             item.get("Description", ""))
             for page in pages(session, "lambda", "list_versions_by_function", FunctionName=name)
             for item in page.get("Versions", []) if item.get("Version") != "$LATEST"]
    return sorted(found, key=lambda version: int(version.version))


def function_aliases(session: AwsSession, name: str) -> list[FunctionAlias]:
    return [FunctionAlias(item["Name"], item["FunctionVersion"], tuple(
                (version, float(share)) for version, share in
                (item.get("RoutingConfig") or {}).get("AdditionalVersionWeights", {}).items()))
            for page in pages(session, "lambda", "list_aliases", FunctionName=name)
            for item in page.get("Aliases", [])]


def version_before(versions: list[FunctionVersion], current: str) -> FunctionVersion | None:
    """The published version just older than ``current``: where a rollback goes by default."""
    older = [version for version in versions if current.isdigit() and int(version.version) < int(current)]
    return older[-1] if older else None


def read_lambda(session: AwsSession, spec: ResourceSpec, now: datetime | None = None) -> ResourceReading:
    name = spec.name or ""
    try:
        function = call(session, "lambda", "get_function", FunctionName=name)
    except BadInput as error:
        if is_missing(error, "ResourceNotFoundException"):
            return not_found(spec, f"function {name} does not exist")
        raise
    config = function.get("Configuration", {})
    draft = ReadingDraft(spec)
    state = str(config.get("State") or "Active")
    _state_findings(draft, config, state)
    draft.add("Runtime", config.get("Runtime") or f"{config.get('PackageType', '?')} package")
    draft.add("Handler", config.get("Handler") or "—")
    draft.add("Timeout", f"{config.get('Timeout', '?')} s")
    draft.add("Memory", f"{config.get('MemorySize', '?')} MB")
    _concurrency(session, draft, name)
    variables = sorted((config.get("Environment") or {}).get("Variables", {}))
    draft.add("Environment", ", ".join(variables) if variables else "none")  # names: values may be secrets
    draft.add("Role", config.get("Role", "—"))
    modified = parse_time(config["LastModified"]) if config.get("LastModified") else None
    draft.add("Last modified", when(modified, now))
    if modified and (now or datetime.now(UTC)) - modified < RECENT_CHANGE:
        draft.warn(f"changed {when(modified, now)}: a recent deployment or configuration change")
    draft.add("Code", f"sha256 {config.get('CodeSha256', '?')}, {human_bytes(config.get('CodeSize'))}")
    versions = draft.attempt("Versions", lambda: function_versions(session, name))
    if versions is not None:
        newest = f" (newest {versions[-1].version})" if versions else ""
        draft.add("Versions", f"{len(versions)} published{newest}", [version.line() for version in versions])
    aliases = draft.attempt("Aliases", lambda: function_aliases(session, name))
    if aliases is not None:
        draft.add("Aliases", ", ".join(alias.line() for alias in aliases) if aliases else "none")
        if spec.alias:
            _alias(draft, name, spec.alias, aliases, versions or [], now)
    policy = draft.attempt("Resource policy", lambda: _resource_policy(session, name))
    if policy is not None:
        draft.add("Resource policy", policy_text.summary(policy) if policy else "none",
                  policy_text.statement_lines(policy))
    return draft.done(state)


def _state_findings(draft: ReadingDraft, config: dict, state: str) -> None:
    update = str(config.get("LastUpdateStatus") or "Successful")
    if state == "Failed" or update == "Failed":
        reason = config.get("StateReason") or config.get("LastUpdateStatusReason") or "no reason given"
        draft.fail(f"state {state}, last update {update}: {reason}")
    elif state != "Active" or update != "Successful":
        draft.warn(f"state {state}, last update {update}")


def _concurrency(session: AwsSession, draft: ReadingDraft, name: str) -> None:
    answer = draft.attempt("Reserved concurrency",
                           lambda: call(session, "lambda", "get_function_concurrency", FunctionName=name))
    if answer is not None:
        reserved = answer.get("ReservedConcurrentExecutions")
        draft.add("Reserved concurrency", "none (uses the account's unreserved pool)" if reserved is None else reserved)
        if reserved == 0:
            draft.fail("reserved concurrency is 0: every invocation is throttled")
    account = draft.attempt("Account concurrency", lambda: call(session, "lambda", "get_account_settings"))
    if account is not None:
        limits = account.get("AccountLimit", {})
        draft.add("Account concurrency", f"limit {limits.get('ConcurrentExecutions', '?')}, "
                                         f"unreserved {limits.get('UnreservedConcurrentExecutions', '?')}")


def _alias(draft: ReadingDraft, name: str, alias: str, aliases: list[FunctionAlias], versions: list[FunctionVersion],
           now: datetime | None) -> None:
    current = next((item for item in aliases if item.name == alias), None)
    if current is None:
        draft.add(f"Alias {alias}", "does not exist")
        draft.fail(f"alias {alias} does not exist: nothing to roll back")
        return
    by_number = {version.version: version for version in versions}
    pointed = by_number.get(current.version)
    draft.add(f"Alias {alias}", current.line(), [pointed.line()] if pointed else [])
    previous = version_before(versions, current.version)
    draft.add("Rollback target", previous.line() if previous else "none (no older published version)")
    newest = versions[-1] if versions else None
    if current.version == "$LATEST":
        draft.warn(f"alias {alias} → $LATEST: unpublished code, no version to roll back to")
    elif newest and newest.version != current.version:
        draft.warn(f"alias {alias} → version {current.version}; version {newest.version} is newer, "
                   f"published {when(newest.last_modified)}")
    elif pointed and previous and pointed.last_modified and \
            (now or datetime.now(UTC)) - pointed.last_modified < RECENT_CHANGE:
        # the newest version went out recently: the suspect of "review recent deployments", and its rollback
        draft.warn(f"alias {alias} → version {current.version}, published {when(pointed.last_modified, now)}: "
                   f"version {previous.version} is the rollback",
                   Offer("lambda.rollback", name, (("alias", alias), ("version", previous.version))))
    else:
        draft.ok(f"alias {alias} → version {current.version}, the newest")


def _resource_policy(session: AwsSession, name: str) -> dict:
    try:
        return document(call(session, "lambda", "get_policy", FunctionName=name).get("Policy"))
    except BadInput as error:
        if is_missing(error, "ResourceNotFoundException"):
            return {}
        raise
