"""The Logs Insights adapter on moto's server: the common interface over services/aws/insights.py, and the CLI."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from services.errors import Unsupported
from services.profile import parse_profile
from services.queries import Engines, run_to_end
from services.queries.params import BadParameter
from tests.support.paths import COCKPIT

GROUP = "/aws/lambda/mantissa-detection-engine"
PROFILE = f'''[system]
name = "Mantissa Log"
[aws]
region = "us-east-1"

[[queries]]
id = "recent"
groups = ["{GROUP}"]
since = "1h"
query = "fields @timestamp, @message | sort @timestamp desc | limit {{n}}"
params = {{ n = 3 }}
'''


@pytest.fixture
def logs(boto) -> None:
    client = boto("logs")
    client.create_log_group(logGroupName=GROUP)
    client.create_log_stream(logGroupName=GROUP, logStreamName="s")
    now = int(time.time() * 1000)
    client.put_log_events(logGroupName=GROUP, logStreamName="s",
                          logEvents=[{"timestamp": now - 60_000 + number, "message": f"event {number}"}
                                     for number in range(5)])


def test_an_insights_query_runs_through_the_common_interface(logs: None, aws_session) -> None:
    profile = parse_profile(PROFILE)
    spec = profile.queries[0]
    assert spec.engine == "insights" and spec.params == {"n": "3"}  # a TOML number is a default like any other
    engine = Engines(profile, aws_session).engine_for(spec)
    result = run_to_end(engine, spec, {}, timeout=30)
    assert result.status == "complete", result.error
    assert result.columns == ["@timestamp", "@message"]
    assert [row["@message"] for row in result.rows] == ["event 4", "event 3", "event 2"]
    assert len(run_to_end(engine, spec, {"n": "5"}, timeout=30).rows) == 5
    with pytest.raises(BadParameter):  # outside quotes: a bare token only
        engine.start(spec, {"n": "3 | display @logStream"})
    with pytest.raises(Unsupported):  # moto has no StopQuery; the caller says so
        engine.stop(engine.start(spec, {}))


def test_the_cli_runs_an_insights_query(logs: None, moto: str, tmp_path: Path) -> None:
    path = tmp_path / "mantissa.toml"
    path.write_text(PROFILE)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    result = subprocess.run([str(COCKPIT), "query", "recent", "--profile", str(path), "--endpoint-url", moto,
                             "--json", "--param", "n=2"], capture_output=True, text=True, timeout=60, env=env,
                            check=False)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["@message"] for row in rows] == ["event 4", "event 3"]
    assert all(set(row) == {"@timestamp", "@message"} for row in rows)  # @ptr is not a column
