"""The resources screen against moto's server: every resource read live, opened from the key, a tile, an
alarm, the palette's entry and a playbook's ``resource:ID``; a denied permission granted from its finding."""
from __future__ import annotations

import json
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, OptionList

from services.aws.resource_links import resources_for_metric
from services.aws.session import AwsTarget
from services.demo.engines import free_port
from services.profile.loader import parse_profile
from tests.support.apps import current_screen
from tests.support.lambda_functions import code, make_function
from tests.support.waiting import until
from tui.app import CockpitApp
from tui.screens.choice import ChoiceScreen
from tui.screens.confirm_action import ConfirmActionScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.resources import ResourcesScreen
from widgets.alarm_table import AlarmTable
from widgets.metric_tile import MetricTile
from widgets.resource_detail import ResourceDetail
from widgets.resource_list import ResourceList

QUEUE = "mantissa-alerts"
ROLE = "mantissa-detection-role"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:123456789012:{QUEUE}"
PROFILE = f'''[system]
name = "Mantissa Log"

[aws]
region = "us-east-1"

[[metrics]]
id = "queue_age"
label = "Oldest alert"
namespace = "AWS/SQS"
metric = "ApproximateAgeOfOldestMessage"
dimensions = {{ QueueName = "{QUEUE}" }}
stat = "Maximum"
period = 60

[alarms]
prefixes = ["mantissa-"]

[[resources]]
id = "alerts_queue"
type = "sqs"
name = "{QUEUE}"

[[resources]]
id = "detection_role"
type = "iam-role"
name = "{ROLE}"
needs = ["sqs:SendMessage {QUEUE_ARN}"]

[[resources]]
id = "alert_table"
type = "dynamodb"
name = "mantissa-log-alerts"

[[playbooks]]
id = "alerts_stuck"
title = "Alerts are not delivered"
alarms = ["mantissa-alerts-age"]
diagnosis = ["resource:detection_role"]
'''
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def seed(boto) -> None:
    url = boto("sqs").create_queue(QueueName=QUEUE)["QueueUrl"]
    for body in ("a", "b", "c"):
        boto("sqs").send_message(QueueUrl=url, MessageBody=body)
    boto("iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))
    boto("cloudwatch").put_metric_alarm(
        AlarmName="mantissa-alerts-age", Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
        Dimensions=[{"Name": "QueueName", "Value": QUEUE}], Statistic="Maximum", Period=60, EvaluationPeriods=1,
        Threshold=300, ComparisonOperator="GreaterThanThreshold")


async def _connected(app: CockpitApp, pilot: Pilot[Any]) -> DashboardScreen:
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.cockpit is not None
                and app.cockpit.connected, what="connected")
    return current_screen(app, DashboardScreen)


async def _resources(app: CockpitApp, pilot: Pilot[Any]) -> ResourcesScreen:
    await until(pilot, lambda: isinstance(app.screen, ResourcesScreen) and bool(app.screen.query(ResourceList)),
                what="the resources screen")
    screen = current_screen(app, ResourcesScreen)
    listing = screen.query_one(ResourceList)
    await until(pilot, lambda: all(row.state != "reading" for row in listing.row_data.values()),
                what=lambda: f"every resource read: {listing.row_data}")
    return screen


def typing_focused(app: CockpitApp) -> bool:
    """The high-risk confirmation's name field has focus: keys typed now land in it, not on a button."""
    fields = app.screen.query("#typed")
    return bool(fields) and fields.first().has_focus


def test_a_tile_is_about_the_resource_its_dimension_names() -> None:
    profile = parse_profile(PROFILE)
    assert resources_for_metric("queue_age", profile.metrics, profile.resources) == ["alerts_queue"]
    assert resources_for_metric("no_such_tile", profile.metrics, profile.resources) == []


async def test_o_reads_every_resource_and_shows_the_highlighted_one(boto, aws_target) -> None:
    seed(boto)
    app = CockpitApp(parse_profile(PROFILE), aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        await _connected(app, pilot)
        await pilot.press("o")
        screen = await _resources(app, pilot)
        rows = screen.query_one(ResourceList).row_data
        assert rows["alerts_queue"].state == "read" and rows["alerts_queue"].level != "fail"
        assert rows["detection_role"].level == "fail" and "sqs:SendMessage" in rows["detection_role"].note
        assert rows["alert_table"].status == "not found" and rows["alert_table"].level == "fail"
        detail = screen.query_one(ResourceDetail)
        assert detail.data is not None and detail.data.id == "alerts_queue"  # the first row, highlighted
        assert "Visible: 3" in detail.text() or "3" in detail.data.fields[0].value, detail.text()
        await pilot.press("down")
        await until(pilot, lambda: detail.data is not None and detail.data.id == "detection_role", what="the role")
        assert "fix (x): iam.grant mantissa-detection-role sqs:SendMessage" in detail.text()
        title = screen.query_one("#resources-title")
        await until(pilot, lambda: "3 resource(s)" in str(title.render()), what=lambda: str(title.render()))
        assert "2 failing" in str(title.render())
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="back on the dashboard")


async def test_o_on_a_tile_or_an_alarm_opens_on_its_resource(boto, aws_target) -> None:
    seed(boto)
    app = CockpitApp(parse_profile(PROFILE), aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        dashboard = await _connected(app, pilot)
        dashboard.query_one(MetricTile).focus()
        await pilot.press("o")
        screen = await _resources(app, pilot)
        assert screen.query_one(ResourceList).cursor_key == "alerts_queue"
        await pilot.press("escape")
        table = dashboard.query_one(AlarmTable)
        await until(pilot, lambda: table.select_alarm("mantissa-alerts-age"), what="the alarm listed")
        table.focus()
        await pilot.press("o")
        screen = await _resources(app, pilot)
        assert screen.query_one(ResourceList).cursor_key == "alerts_queue"


async def test_a_playbook_reference_and_the_palette_open_the_resource(boto, aws_target) -> None:
    seed(boto)
    app = CockpitApp(parse_profile(PROFILE), aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        dashboard = await _connected(app, pilot)
        dashboard.open_reference("resource:detection_role")
        screen = await _resources(app, pilot)
        assert screen.query_one(ResourceList).cursor_key == "detection_role"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        from tui.commands import CockpitCommands

        provider = CockpitCommands(app.screen)
        names = [name for name, _, _ in provider._entries()]
        assert "Resource: alert_table (dynamodb mantissa-log-alerts)" in names
        assert any(name.startswith("Resources (o)") for name in names)


async def test_a_denied_permission_is_granted_from_its_finding_then_reads_allowed(boto, aws_target) -> None:
    seed(boto)
    app = CockpitApp(parse_profile(PROFILE), aws_target)
    async with app.run_test(size=(120, 40)) as pilot:
        await _connected(app, pilot)
        await pilot.press("o")
        screen = await _resources(app, pilot)
        screen.select("detection_role")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the actions on the role")
        options = app.screen.query_one(OptionList)
        assert options.get_option_at_index(0).id == "offer-0"  # the fix first
        assert "iam.grant" in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        # the form, filled from the finding: enter accepts it; then the plan
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen) or bool(app.screen.query("#plan")),
                    what=lambda: f"the form or the plan, not {type(app.screen).__name__}")
        if not isinstance(app.screen, ConfirmActionScreen):
            app.screen.query_one("#plan", Button).press()
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen) and typing_focused(app),
                    what="the confirmation screen, its typed-name field focused")
        plan = current_screen(app, ConfirmActionScreen).plan
        assert plan.action_id == "iam.grant" and plan.target == ROLE
        assert boto("iam").list_role_policies(RoleName=ROLE)["PolicyNames"] == []  # shown, not run
        await pilot.press(*ROLE, "enter")  # a high-risk plan runs once the role's name is typed
        await until(pilot, lambda: boto("iam").list_role_policies(RoleName=ROLE)["PolicyNames"] == ["cockpit-grants"],
                    what="the grant")
        await until(pilot, lambda: isinstance(app.screen, ResourcesScreen), what="back on the resources")
        await pilot.press("r")
        listing = screen.query_one(ResourceList)
        await until(pilot, lambda: listing.row_data["detection_role"].level == "ok",
                    what=lambda: f"the check allowed now: {listing.row_data['detection_role']}")


async def test_an_unreachable_endpoint_is_one_line_and_each_row_says_so(aws_target) -> None:
    dead = AwsTarget(region="us-east-1", endpoint_url=f"http://127.0.0.1:{free_port()}")  # nobody listens
    app = CockpitApp(parse_profile(PROFILE), dead)
    async with app.run_test(size=(80, 24)) as pilot:
        await _connected(app, pilot)
        await pilot.press("o")
        screen = await _resources(app, pilot)
        title = screen.query_one("#resources-title")
        await until(pilot, lambda: "retrying in" in str(title.render()), what=lambda: str(title.render()))
        assert "\n" not in str(title.render())
        assert all(row.state == "failed" for row in screen.query_one(ResourceList).row_data.values())


LAMBDA_PROFILE = '''[system]
name = "Cloud Remediator Sage"

[aws]
region = "us-east-1"

[[resources]]
id = "ingest"
type = "lambda"
name = "mantissa-detection-engine"
alias = "prod"
'''


async def test_a_deployment_just_out_is_rolled_back_from_its_finding(boto, aws_target) -> None:
    make_function(boto, Publish=True)
    lam = boto("lambda")
    lam.update_function_code(FunctionName="mantissa-detection-engine", ZipFile=code("x = 2\n"), Publish=True)
    lam.create_alias(FunctionName="mantissa-detection-engine", Name="prod", FunctionVersion="2")
    app = CockpitApp(parse_profile(LAMBDA_PROFILE), aws_target)
    async with app.run_test(size=(80, 24)) as pilot:
        await _connected(app, pilot)
        await pilot.press("o")
        screen = await _resources(app, pilot)
        assert "version 1 is the rollback" in screen.query_one(ResourceDetail).text()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the actions on the function")
        assert app.screen.query_one(OptionList).get_option_at_index(0).id == "offer-0"
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.screen.query("#plan")), what="the form")
        app.screen.query_one("#plan", Button).press()
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen) and typing_focused(app),
                    what="the confirmation screen, its typed-name field focused")
        plan = current_screen(app, ConfirmActionScreen).plan
        assert plan.action_id == "lambda.rollback" and (plan.changes[0].before, plan.changes[0].after) == ("2", "1")
        assert lam.get_alias(FunctionName="mantissa-detection-engine", Name="prod")["FunctionVersion"] == "2"
        await pilot.press(*"mantissa-detection-engine", "enter")
        await until(pilot, lambda: lam.get_alias(FunctionName="mantissa-detection-engine",
                                                 Name="prod")["FunctionVersion"] == "1", what="the rollback")
