"""The dashboard reader against moto's server: widgets, their titles and metrics (shorthand expanded)."""
from __future__ import annotations

import json

from services.aws.resources import read_resource
from services.aws.resources.dashboard import metric_rows
from services.profile.resources import ResourceSpec
from tests.support.readings import field_of

SPEC = ResourceSpec(id="board", type="dashboard", name="SentraScanner")
BODY = {"widgets": [
    {"type": "metric", "properties": {"title": "Lambda", "metrics": [
        ["AWS/Lambda", "Errors", "FunctionName", "sentra-scanner"],
        [".", "Invocations", ".", "."],
        [{"expression": "100 * m1 / m2", "label": "Error rate"}]]}},
    {"type": "log", "properties": {"title": "Errors",
                                   "query": "SOURCE '/aws/lambda/sentra-scanner'\n| filter @message like /ERROR/"}},
    {"type": "alarm", "properties": {"title": "Alarms", "alarms": [
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:sentra-lambda-errors"]}},
    {"type": "metric", "properties": {"metrics": []}},
    {"type": "text", "properties": {"markdown": "# Sentra"}},
]}


def test_widgets_titles_and_metrics(boto, aws_session) -> None:
    boto("cloudwatch").put_dashboard(DashboardName="SentraScanner", DashboardBody=json.dumps(BODY))

    reading = read_resource(aws_session, SPEC)

    widgets = field_of(reading, "Widgets")
    assert widgets.value == "5 (1 alarm, 1 log, 2 metric, 1 text)"
    assert widgets.detail == (
        ("metric 'Lambda': AWS/Lambda Errors FunctionName=sentra-scanner; AWS/Lambda Invocations "
         "FunctionName=sentra-scanner; expression Error rate: 100 * m1 / m2"),
        "log 'Errors': SOURCE '/aws/lambda/sentra-scanner' | filter @message like /ERROR/",
        "alarm 'Alarms': sentra-lambda-errors",
        "metric (untitled): no metrics",
        "text (untitled): 8 characters of text",
    )
    assert [(f.level, f.text) for f in reading.findings] == [("warn", "metric widget (untitled) shows no metric")]


def test_the_three_dots_repeat_the_previous_row_up_to_the_new_values() -> None:
    widget = {"properties": {"metrics": [["AWS/EC2", "CPUUtilization", "InstanceId", "i-1"], ["...", "i-2"],
                                         ["...", "AutoScalingGroupName", "web"]]}}
    assert metric_rows(widget) == ["AWS/EC2 CPUUtilization InstanceId=i-1", "AWS/EC2 CPUUtilization InstanceId=i-2",
                                   "AWS/EC2 CPUUtilization AutoScalingGroupName=web"]


def test_a_dashboard_that_does_not_exist(aws_session) -> None:
    reading = read_resource(aws_session, SPEC)
    assert reading.status == "not found" and reading.findings[0].text == "dashboard SentraScanner does not exist"
