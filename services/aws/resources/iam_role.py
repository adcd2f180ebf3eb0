"""An IAM role as runbooks 000, 002 and 004 check it: trust, policies, and the profile's permission checks.

Each of the resource's ``needs`` is asked of ``iam:SimulatePrincipalPolicy`` where the
endpoint has it (AWS's own evaluation, conditions included); where it is missing (moto)
or not allowed, the role's inline, attached and boundary documents are evaluated here
(``iam_eval``). The reading says which of the two ran.
"""
from __future__ import annotations

from services.aws.resources import policy_text
from services.aws.resources.calls import call, document, is_missing, pages
from services.aws.resources.iam_eval import Policy, Verdict, evaluate, simulation_verdict
from services.aws.resources.reading import Offer, ReadingDraft, ResourceReading, not_found, when
from services.aws.session import AwsSession
from services.errors import AccessDenied, BadInput, CredentialsExpired, Unsupported
from services.profile.resources import PermissionNeed, ResourceSpec


def role_policies(session: AwsSession, role_name: str, boundary_arn: str | None = None) -> list[Policy]:
    """The role's inline and attached policies (and its permissions boundary), documents included."""
    found: list[Policy] = []
    for page in pages(session, "iam", "list_role_policies", RoleName=role_name):
        for policy_name in page.get("PolicyNames", []):
            answer = call(session, "iam", "get_role_policy", RoleName=role_name, PolicyName=policy_name)
            found.append(Policy(f"inline policy {policy_name}", document(answer.get("PolicyDocument"))))
    for page in pages(session, "iam", "list_attached_role_policies", RoleName=role_name):
        for attached in page.get("AttachedPolicies", []):
            found.append(Policy(f"managed policy {attached['PolicyName']}",
                                managed_document(session, attached["PolicyArn"])))
    if boundary_arn:
        found.append(Policy(f"permissions boundary {boundary_arn.rsplit('/', 1)[-1]}",
                            managed_document(session, boundary_arn), boundary=True))
    return found


def managed_document(session: AwsSession, policy_arn: str) -> dict:
    version = call(session, "iam", "get_policy", PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    answer = call(session, "iam", "get_policy_version", PolicyArn=policy_arn, VersionId=version)
    return document(answer["PolicyVersion"].get("Document"))


def read_iam_role(session: AwsSession, spec: ResourceSpec) -> ResourceReading:
    name = spec.name or ""
    try:
        role = call(session, "iam", "get_role", RoleName=name)["Role"]
    except BadInput as error:
        if is_missing(error, "NoSuchEntity", "NoSuchEntityException"):
            return not_found(spec, f"role {name} does not exist")
        raise
    draft = ReadingDraft(spec)
    draft.add("ARN", role["Arn"])
    draft.add("Created", when(role.get("CreateDate")))
    draft.add("Max session", f"{int(role.get('MaxSessionDuration', 3600)) // 60} min")
    trust = document(role.get("AssumeRolePolicyDocument"))
    principals = sorted({policy_text.principal_text(statement.get("Principal"))
                         for statement in trust.get("Statement", []) if isinstance(statement, dict)
                         and statement.get("Effect") == "Allow"})
    draft.add("Trust", "; ".join(principals) or "nobody", policy_text.statement_lines(trust))
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    policies = role_policies(session, name, boundary)
    for label, kind in (("Inline policies", "inline policy "), ("Attached policies", "managed policy "),
                        ("Permissions boundary", "permissions boundary ")):
        chosen = [policy for policy in policies if policy.name.startswith(kind)]
        if chosen or label != "Permissions boundary":
            draft.add(label, ", ".join(policy.name.removeprefix(kind) for policy in chosen) or "none",
                      [line for policy in chosen for line in
                       [f"{policy.name.removeprefix(kind)}: {policy_text.summary(policy.document)}",
                        *policy_text.statement_lines(policy.document, "  ")]])
    if spec.needs:
        _permission_checks(session, draft, role["Arn"], spec.permission_needs, policies)
    return draft.done("exists")


def _permission_checks(session: AwsSession, draft: ReadingDraft, role_arn: str, needs: list[PermissionNeed],
                       policies: list[Policy]) -> None:
    verdicts: list[Verdict] | None = None
    try:
        verdicts = [simulate(session, role_arn, need) for need in needs]
        method = "iam:SimulatePrincipalPolicy (AWS's evaluation of the role's policies)"
    except Unsupported:
        method = "the role's policies, evaluated here (iam:SimulatePrincipalPolicy: not supported by this endpoint)"
    except CredentialsExpired:
        raise
    except (AccessDenied, BadInput) as error:
        method = f"the role's policies, evaluated here (iam:SimulatePrincipalPolicy: {error})"
    if verdicts is None:
        verdicts = [evaluate(need.action, need.resource, policies) for need in needs]
    draft.add("Permission checks", f"{len(needs)}, by {method}")
    role_name = role_arn.rsplit("/", 1)[-1]
    for need, verdict in zip(needs, verdicts, strict=False):
        text = f"{need.action} on {need.resource}: {verdict.text()}"
        if verdict.level == "fail":
            # A missing allow is fixed by one statement; an explicit deny would still win over it.
            grantable = not verdict.reason.startswith("explicit deny")
            draft.fail(text, Offer("iam.grant", role_name, (("action", need.action), ("resource", need.resource)))
                       if grantable else None)
        else:
            getattr(draft, verdict.level)(text)


def simulate(session: AwsSession, role_arn: str, need: PermissionNeed) -> Verdict:
    answer = call(session, "iam", "simulate_principal_policy", PolicySourceArn=role_arn,
                  ActionNames=[need.action], ResourceArns=[need.resource])
    results = answer.get("EvaluationResults", [])
    return simulation_verdict(results[0]) if results else Verdict("uncertain", "the simulation returned no result")
