"""EC2 network ACLs: block a CIDR with a DENY entry, or remove an entry."""
from __future__ import annotations

import ipaddress
from abc import abstractmethod
from typing import Any

from pydantic import Field, field_validator

from services.actions.base import FieldChange, ParamsT, Plan, Risk
from services.actions.common import ParamsModel, ReadBackAction, aws_cli, missing_as
from services.errors import BadInput

_PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
_LAST_RULE = 32766  # 32767 is the ACL's own catch-all deny, which cannot be changed


def describe_entry(entry: dict[str, Any]) -> str:
    """``deny all from 203.0.113.42/32``: one entry as a person reads it."""
    protocol = _PROTOCOLS.get(str(entry.get("Protocol")), f"protocol {entry.get('Protocol')}")
    ports = entry.get("PortRange") or {}
    if ports:
        low, high = ports.get("From"), ports.get("To")
        protocol += f" port {low}" if low == high else f" ports {low}-{high}"
    cidr = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")
    return f"{entry.get('RuleAction')} {protocol} {'to' if entry.get('Egress') else 'from'} {cidr}"


def _direction(egress: bool) -> str:
    return "egress" if egress else "ingress"


class NaclAction(ReadBackAction[ParamsT]):
    target_kind = "network ACL id (acl-…)"

    def entries(self, egress: bool) -> list[dict[str, Any]]:
        if not self.target.startswith("acl-"):
            raise BadInput(f"{self.target!r}: a network ACL id starts with 'acl-'")
        # moto answers an unknown ACL id with a route-table error code; AWS with the ACL one.
        with missing_as(f"no network ACL {self.target!r}", "InvalidNetworkAclID.NotFound", "InvalidRouteTableID.NotFound"):
            acls = self.session.call("ec2", "describe_network_acls", NetworkAclIds=[self.target])["NetworkAcls"]
        if not acls:
            raise BadInput(f"no network ACL {self.target!r}")
        return [entry for entry in acls[0].get("Entries", []) if bool(entry.get("Egress")) == egress]

    def entry(self, rule_number: int, egress: bool) -> dict[str, Any] | None:
        return next((e for e in self.entries(egress) if e.get("RuleNumber") == rule_number), None)

    @abstractmethod
    def rule(self, plan: Plan) -> tuple[int, bool]:
        """The plan's entry: its rule number, and whether it is an egress one."""

    def observe(self, plan: Plan) -> dict[str, Any]:
        entry = self.entry(*self.rule(plan))
        return {plan.changes[0].field: describe_entry(entry) if entry else None}


class NaclDeny(NaclAction["NaclDeny.Params"]):
    id = "ec2.nacl-deny"
    title = "Block a CIDR in a network ACL (DENY entry)"
    risk = Risk.HIGH

    class Params(ParamsModel):
        cidr: str = Field(description="IPv4 or IPv6 address or network, e.g. 203.0.113.42/32")
        rule_number: int | None = Field(default=None, ge=1, le=_LAST_RULE,
                                        description="default: the lowest free number, before every ALLOW")
        egress: bool = Field(default=False, description="block outbound traffic to the CIDR instead of inbound")

        @field_validator("cidr")
        @classmethod
        def _network(cls, value: str) -> str:
            try:
                return str(ipaddress.ip_network(value.strip(), strict=True))
            except ValueError as error:
                if "host bits set" in str(error):
                    suggestion = ipaddress.ip_network(value.strip(), strict=False)
                    raise ValueError(f"{value!r} has host bits set: did you mean {suggestion}?") from None
                raise ValueError(f"{value!r} is not an IP address or CIDR") from None

    def plan(self) -> Plan:
        params = self.params
        network = ipaddress.ip_network(params.cidr)
        entries = self.entries(params.egress)
        for entry in entries:
            if entry.get("RuleAction") == "deny" and str(entry.get("Protocol")) == "-1" \
                    and (entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")) == params.cidr:
                raise BadInput(f"{self.id}: {params.cidr} is already denied by {_direction(params.egress)} "
                               f"rule {entry['RuleNumber']} of {self.target}")
        taken = {entry["RuleNumber"] for entry in entries}
        first_allow = min((e["RuleNumber"] for e in entries if e.get("RuleAction") == "allow"), default=_LAST_RULE + 1)
        number = params.rule_number
        if number is None:
            number = next((n for n in range(1, first_allow) if n not in taken), None)
            if number is None:
                raise BadInput(f"{self.id}: no free rule number before ALLOW rule {first_allow} of {self.target}; "
                               "give rule_number")
        elif number in taken:
            raise BadInput(f"{self.id}: {_direction(params.egress)} rule {number} of {self.target} already exists")
        notes = [f"NACLs are evaluated in rule-number order: rule {number} comes before ALLOW rule {first_allow}."
                 if number < first_allow else
                 f"Rule {number} comes after ALLOW rule {first_allow}: traffic that rule allows is NOT blocked.",
                 "Established connections through the subnets of this ACL are cut too (NACLs are stateless)."]
        block = ("--ipv6-cidr-block" if network.version == 6 else "--cidr-block", params.cidr)
        after = describe_entry({"RuleAction": "deny", "Protocol": "-1", "Egress": params.egress,
                                "CidrBlock" if network.version == 4 else "Ipv6CidrBlock": params.cidr})
        return self.make_plan(
            [FieldChange(f"{_direction(params.egress)} rule {number}", None, after)],
            command=aws_cli("ec2", "create-network-acl-entry", ("--network-acl-id", self.target),
                            "--egress" if params.egress else "--ingress", ("--rule-number", number),
                            ("--protocol", "-1"), ("--rule-action", "deny"), block),
            summary=f"Block all {'outbound traffic to' if params.egress else 'inbound traffic from'} {params.cidr} "
                    f"in {self.target} (rule {number})",
            reversible=True, params=self.Params(cidr=params.cidr, rule_number=number, egress=params.egress),
            notes=tuple(notes))

    def rule(self, plan: Plan) -> tuple[int, bool]:
        params = self.resolved(plan)
        if params.rule_number is None:  # plan() always resolves it: a plan without one was not made here
            raise BadInput(f"{self.id}: the plan has no rule_number")
        return params.rule_number, params.egress

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        rule_number, egress = self.rule(plan)
        block = "Ipv6CidrBlock" if ipaddress.ip_network(params.cidr).version == 6 else "CidrBlock"
        self.session.call("ec2", "create_network_acl_entry", NetworkAclId=self.target, RuleNumber=rule_number,
                          Protocol="-1", RuleAction="deny", Egress=egress, **{block: params.cidr})
        return {"rule_number": rule_number}

    def inverse(self, plan: Plan) -> NaclRemove:
        rule_number, egress = self.rule(plan)
        return self.sibling(NaclRemove, self.target, {"rule_number": rule_number, "egress": egress})


class NaclRemove(NaclAction["NaclRemove.Params"]):
    id = "ec2.nacl-remove"
    title = "Remove an entry from a network ACL"
    risk = Risk.LOW
    risk_detail = "high when the entry is an ALLOW: traffic it admitted is then denied"

    class Params(ParamsModel):
        rule_number: int = Field(ge=1, le=_LAST_RULE, description="the entry's rule number")
        egress: bool = Field(default=False, description="an outbound entry instead of an inbound one")

    def plan(self) -> Plan:
        params = self.params
        entry = self.entry(params.rule_number, params.egress)
        field = f"{_direction(params.egress)} rule {params.rule_number}"
        if entry is None:
            raise BadInput(f"{self.id}: {self.target} has no {field}")
        allow = entry.get("RuleAction") == "allow"
        return self.make_plan(
            [FieldChange(field, describe_entry(entry), None)],
            command=aws_cli("ec2", "delete-network-acl-entry", ("--network-acl-id", self.target),
                            "--egress" if params.egress else "--ingress", ("--rule-number", params.rule_number)),
            summary=f"Remove {field} ({describe_entry(entry)}) from {self.target}",
            reversible=self._restorable(entry), risk=Risk.HIGH if allow else Risk.LOW,
            notes=("Traffic this entry allowed now falls through to the next rules.",) if allow else ())

    def rule(self, plan: Plan) -> tuple[int, bool]:
        params = self.resolved(plan)
        return params.rule_number, params.egress

    @staticmethod
    def _restorable(entry: dict[str, Any]) -> bool:
        """Only what ec2.nacl-deny creates can be put back exactly by it."""
        return entry.get("RuleAction") == "deny" and str(entry.get("Protocol")) == "-1" and not entry.get("PortRange")

    def run(self, plan: Plan) -> dict[str, Any]:
        params = self.resolved(plan)
        self.session.call("ec2", "delete_network_acl_entry", NetworkAclId=self.target,
                          RuleNumber=params.rule_number, Egress=params.egress)
        return {"removed": params.rule_number}

    def inverse(self, plan: Plan) -> NaclDeny | None:
        if not plan.reversible:
            return None
        params = self.resolved(plan)
        cidr = str(plan.changes[0].before).rsplit(" ", 1)[-1]
        return self.sibling(NaclDeny, self.target, {"cidr": cidr, "rule_number": params.rule_number, "egress": params.egress})
