"""``[[queries]]`` on every engine in the profile: each mistake is one line with its file:line; parameters filled safely."""
from __future__ import annotations

import re

import pytest

from services.profile import ProfileError, parse_profile
from services.queries.params import BadParameter, fill, parse_assignments, resolve

HEAD = '[system]\nname = "x"\n[prometheus]\nurl = "http://127.0.0.1:9090"\n'


def _errors(text: str) -> list[str]:
    with pytest.raises(ProfileError) as caught:
        parse_profile(HEAD + text, "p.toml")
    return caught.value.lines


@pytest.mark.parametrize(("body", "expected"), [
    ('engine = "athena"\nquery = "SELECT 1"\ntable = "alerts"\n',
     r"^p\.toml:9: queries\[0\] \(id 'q'\)\.table: table is a field of dynamodb queries, not of athena"),
    ('engine = "dynamodb"\ntable = "alerts"\nindex = "by_status"\n',
     r"^p\.toml:9: queries\[0\] \(id 'q'\)\.index: index needs key"),
    ('engine = "dynamodb"\ntable = "alerts"\nquery = "SELECT 1"\n',
     r"^p\.toml:9: queries\[0\] \(id 'q'\)\.query: a dynamodb query has no query text"),
    ('engine = "dynamodb"\nkey = { id = "1" }\n',
     r"^p\.toml:5: queries\[0\] \(id 'q'\)\.table: required field is missing"),
    ('engine = "mongo"\nquery = "x"\n',
     r"^p\.toml:7: queries\[0\] \(id 'q'\)\.engine: Input should be 'insights', 'athena'"),
    ('engine = "athena"\n',
     r"^p\.toml:5: queries\[0\] \(id 'q'\)\.query: required field is missing"),
    ('query = "fields @message"\n',
     r"^p\.toml:5: queries\[0\] \(id 'q'\)\.groups: required field is missing"),
    ('engine = "postgres"\nquery = "SELECT \'{a}\'"\nparams = { b = "1" }\n',
     r"^p\.toml:9: queries\[0\] \(id 'q'\)\.params\.b: parameter 'b' is not used: nothing says \{b\}"),
    ('engine = "prometheus"\nquery = "up"\nstep = "1m"\n',
     r"^p\.toml:9: queries\[0\] \(id 'q'\)\.step: step is the resolution of a range query"),
    ('engine = "prometheus"\nquery = "up"\ngroups = ["/g"]\n',
     r"^p\.toml:9: queries\[0\] \(id 'q'\)\.groups: groups is a field of insights queries, not of prometheus"),
    ('engine = "athena"\nquery = "SELECT 1"\nworkgroupp = "primary"\n',
     r"^p\.toml:9: queries\[0\] \(id 'q'\)\.workgroupp: unknown field 'workgroupp' \(expected one of: .*workgroup"),
    ('engine = "athena"\nquery = "SELECT 1"\noutput = "mantissa-results"\n',
     r"^p\.toml:9: queries\[0\] \(id 'q'\)\.output: String should match pattern"),
])
def test_a_wrong_engine_field_is_one_error_on_its_line(body: str, expected: str) -> None:
    lines = _errors(f'[[queries]]\nid = "q"\n{body}')
    assert len(lines) == 1, lines
    assert re.match(expected, lines[0]), lines[0]


def test_a_prometheus_query_or_metric_needs_the_prometheus_section() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile('[system]\nname = "x"\n[[queries]]\nid = "q"\nengine = "prometheus"\nquery = "up"\n'
                      '[[metrics]]\nid = "m"\nsource = "prometheus"\nquery = "up"\n', "p.toml")
    assert caught.value.lines == ["p.toml:5: queries[0] (id 'q').engine: a prometheus query needs [prometheus] url",
                                  "p.toml:9: metrics[0] (id 'm').source: a source = \"prometheus\" metric needs "
                                  "[prometheus] url"]


def test_a_prometheus_metric_takes_a_query_and_nothing_of_cloudwatch() -> None:
    [line] = _errors('[[metrics]]\nid = "m"\nsource = "prometheus"\nquery = "up"\nnamespace = "AWS/Lambda"\n')
    assert 'a source = "prometheus" metric has a query, not namespace' in line
    [line] = _errors('[[metrics]]\nid = "m"\nnamespace = "A"\nmetric = "B"\nstat = "Sum"\nperiod = 60\nquery = "up"\n')
    assert "query is for source = \"prometheus\" metrics" in line


def test_health_headers_and_severities_are_validated() -> None:
    [line] = _errors('[[health]]\nid = "api"\nurl = "http://127.0.0.1:1/"\nheaders = { "X-Key" = "env:not-a-name" }\n')
    assert line.startswith("p.toml:8: health[0] (id 'api').headers:") and "env: names an environment variable" in line
    [line] = _errors('[[incident.severities]]\nid = "P0"\nname = "Critical"\n'
                     '[[incident.severities]]\nid = "P0"\nname = "Again"\n')
    assert "duplicate severity id(s) P0" in line
    profile = parse_profile(HEAD + '[[health]]\nname = "old style"\nurl = "http://127.0.0.1:1/"\n')
    assert profile.health[0].name == "old style" and profile.health[0].id is None


def _spec(text: str):
    return parse_profile(HEAD + f'[[queries]]\nid = "q"\n{text}').queries[0]


def test_parameters_resolve_from_defaults_and_given_values() -> None:
    spec = _spec('engine = "athena"\nquery = "SELECT * FROM t WHERE ip = \'{ip}\' AND n > {n}"\nparams = { ip = "1.2.3.4" }\n')
    assert spec.parameters == ["ip", "n"]
    assert resolve(spec, {"n": "5"}) == {"ip": "1.2.3.4", "n": "5"}
    assert resolve(spec, {"n": "5", "ip": "9.9.9.9"})["ip"] == "9.9.9.9"
    with pytest.raises(BadParameter, match="needs a value for 'n'"):
        resolve(spec, {})
    with pytest.raises(BadParameter, match=r"no parameter 'host' \(it takes: ip, n\)"):
        resolve(spec, {"n": "1", "host": "x"})
    assert parse_assignments(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(BadParameter):
        parse_assignments(["novalue"])


def test_values_are_escaped_for_the_string_they_stand_in() -> None:
    values = {"v": "it's \"x\" \\ y", "n": "42"}
    assert fill("WHERE a = '{v}' AND b = \"{v}\" AND c = {n}", values, "sql") == \
        "WHERE a = 'it''s \"x\" \\ y' AND b = \"it's \"\"x\"\" \\ y\" AND c = 42"
    assert fill("WHERE a = E'{v}'", values, "sql") == "WHERE a = E'it''s \"x\" \\\\ y'"
    assert fill("SELECT 'it''s', '{n}'", values, "sql") == "SELECT 'it''s', '42'"  # a doubled quote stays inside
    assert fill('up{job="{v}"}', values, "promql") == 'up{job="it\'s \\"x\\" \\\\ y"}'
    assert fill("filter @message like '{v}'", values, "insights") == "filter @message like 'it\\'s \"x\" \\\\ y'"
    assert fill('{"a": 1} {n} {{n}}', values, "plain") == '{"a": 1} 42 {42}'
    assert fill("{unknown} stays", values, "sql") == "{unknown} stays"
    with pytest.raises(BadParameter, match="is not a number"):
        fill("LIMIT {v}", values, "sql")
    with pytest.raises(BadParameter, match="is not a number, a duration or a name"):
        fill("rate(x[{v}])", values, "promql")


def test_the_engines_load_their_sdks_only_when_a_query_runs() -> None:
    from tests.support.imports import imported_after

    imported = imported_after("import services.queries, services.queries.athena, services.queries.dynamodb, "
                              "services.queries.postgres, services.queries.prometheus, services.queries.insights, "
                              "tui.cli.query")
    assert "services.queries.athena" in imported
    assert not {"boto3", "botocore", "psycopg", "textual"} & imported
