"""The PostgreSQL engine on the real server: rows, READ ONLY (a write changes nothing), timeout, stop, CLI."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import psycopg
import pytest

from services.errors import BadInput
from services.profile import parse_profile
from services.queries import Engines, run_to_end
from services.queries.params import BadParameter
from services.queries.postgres import PostgresEngine
from tests.support.paths import COCKPIT
from tests.support.waiting import wait_for

HEAD = '[system]\nname = "SentraScan"\n[postgres]\ndsn_env = "SENTRASCAN_PG_DSN"\n'


@pytest.fixture
def scans(pg_dsn: str) -> str:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS scans")
        conn.execute("CREATE TABLE scans (id int PRIMARY KEY, status text NOT NULL, owner text, "
                     "started_at timestamptz NOT NULL, cost numeric(8, 2))")
        conn.execute("INSERT INTO scans VALUES (1, 'running', 'O''Brien', now() - interval '2 hours', 1.50), "
                     "(2, 'running', 'ana', now() - interval '5 minutes', NULL), "
                     "(3, 'failed', 'ana', now() - interval '3 hours', 2)")
    return pg_dsn


def _count(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM scans").fetchone()
        assert row is not None
        return int(row[0])


def _run(query: str, params: dict[str, str] | None = None, extra: str = ""):
    profile = parse_profile(HEAD + f'[[queries]]\nid = "q"\nengine = "postgres"\nquery = """{query}"""\n{extra}')
    spec = profile.queries[0]
    return run_to_end(Engines(profile).engine_for(spec), spec, params or {}, timeout=60)


def test_stuck_scans_come_back_as_plain_values(scans: str) -> None:
    result = _run("SELECT id, status, owner, started_at, cost FROM scans "
                  "WHERE status = 'running' AND started_at < now() - interval '1 hour'")
    assert result.status == "complete", result.error
    assert result.columns == ["id", "status", "owner", "started_at", "cost"]
    [row] = result.rows
    assert (row["id"], row["owner"], row["cost"]) == (1, "O'Brien", 1.5)
    assert isinstance(row["started_at"], str) and row["started_at"][:2] == "20"  # ISO 8601


def test_every_run_is_read_only_with_a_statement_timeout(scans: str) -> None:
    result = _run("SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS t")
    assert result.rows == [{"ro": "on", "t": "30s"}]
    custom = _run("SELECT current_setting('statement_timeout') AS t", extra='timeout = "2s"')
    assert custom.rows == [{"t": "2s"}]


@pytest.mark.parametrize("writing", [
    "DELETE FROM scans",
    "UPDATE scans SET status = 'done'",
    "INSERT INTO scans VALUES (9, 'x', 'x', now(), 0) RETURNING id",
    "WITH gone AS (DELETE FROM scans RETURNING id) SELECT count(*) FROM gone",
    "DROP TABLE scans",
    "SELECT 1; COMMIT; DELETE FROM scans",
    "COMMIT; DELETE FROM scans",
])
def test_a_query_that_writes_fails_in_the_database_and_changes_nothing(scans: str, writing: str) -> None:
    result = _run(writing)
    assert result.status == "failed"
    assert isinstance(result.error, BadInput), result.error
    assert "read-only" in str(result.error) or "one statement" in str(result.error)
    assert _count(scans) == 3


def test_a_parameter_inside_quotes_cannot_end_the_string(scans: str) -> None:
    query = "SELECT id FROM scans WHERE owner = '{owner}' ORDER BY id"
    assert _run(query, {"owner": "O'Brien"}).rows == [{"id": 1}]
    assert _run(query, {"owner": "x' OR '1'='1"}).rows == []
    with pytest.raises(BadParameter):
        _run("SELECT id FROM scans WHERE id = {id}", {"id": "1 OR true"})
    assert _run("SELECT id FROM scans WHERE id = {id}", {"id": "3"}).rows == [{"id": 3}]


def test_percent_signs_and_duplicate_column_names_survive(scans: str) -> None:
    result = _run("SELECT 'a%' AS pct, 1, 2 FROM scans WHERE owner LIKE 'an%' LIMIT 1")
    assert result.columns == ["pct", "?column?", "?column?_2"]
    assert result.rows == [{"pct": "a%", "?column?": 1, "?column?_2": 2}]


def test_rows_stop_at_the_limit(scans: str) -> None:
    result = _run("SELECT g FROM generate_series(1, 10) AS g", extra="limit = 4")
    assert [row["g"] for row in result.rows] == [1, 2, 3, 4] and result.truncated
    assert not _run("SELECT 1 AS one").truncated


def test_the_statement_timeout_ends_a_slow_query(scans: str) -> None:
    result = _run("SELECT pg_sleep(30)", extra='timeout = "1s"')
    assert result.status == "failed"
    assert "1000 ms" in str(result.error)
    assert result.elapsed < 20


def test_stop_cancels_the_backend(scans: str) -> None:
    profile = parse_profile(HEAD + '[[queries]]\nid = "slow"\nengine = "postgres"\nquery = "SELECT pg_sleep(60)"\n')
    spec = profile.queries[0]
    engine = Engines(profile).engine_for(spec)
    assert isinstance(engine, PostgresEngine)
    handle = engine.start(spec, {})
    pid = engine.backend_pid(handle)
    with psycopg.connect(scans, autocommit=True) as probe:
        def active() -> bool:
            row = probe.execute("SELECT state, query FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
            return row is not None and row[0] == "active" and "pg_sleep" in row[1]

        wait_for(active, timeout=30, what="the query to run")
        assert engine.stop(handle) is True
        wait_for(lambda: engine.poll(handle).done, timeout=30, what="the query to end")
        assert engine.poll(handle).status == "cancelled"
        assert not active()
    assert engine.stop(handle) is False  # over: nothing to stop


def test_a_missing_dsn_variable_is_bad_input_naming_it(scans: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENTRASCAN_PG_DSN")
    with pytest.raises(BadInput, match="SENTRASCAN_PG_DSN is not set"):
        _run("SELECT 1")


def test_a_profile_without_postgres_is_told_so() -> None:
    profile = parse_profile('[system]\nname = "x"\n[[queries]]\nid = "q"\nengine = "postgres"\nquery = "SELECT 1"\n')
    with pytest.raises(BadInput, match=r"no \[postgres\] dsn_env"):
        Engines(profile).start(profile.queries[0], {})


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "sentrascan.toml"
    path.write_text(HEAD + '[[queries]]\nid = "by_owner"\nengine = "postgres"\n'
                    "query = \"SELECT id, status FROM scans WHERE owner = '{owner}' ORDER BY id\"\n"
                    'params = { owner = "ana" }\n'
                    '[[queries]]\nid = "wipe"\nengine = "postgres"\nquery = "DELETE FROM scans"\n')
    return subprocess.run([str(COCKPIT), "query", *args, "--profile", str(path)], capture_output=True, text=True,
                          timeout=60, check=False)


def test_the_cli_runs_with_defaults_and_params_and_never_shows_the_dsn(scans: str, tmp_path: Path) -> None:
    result = _cli(tmp_path, "by_owner", "--json")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [{"id": 2, "status": "running"},
                                                                          {"id": 3, "status": "failed"}]
    other = _cli(tmp_path, "by_owner", "--param", "owner=O'Brien")
    assert other.returncode == 0 and other.stdout.split() == ["id", "status", "1", "running"]
    wipe = _cli(tmp_path, "wipe")
    assert wipe.returncode == 1 and "read-only" in wipe.stderr and _count(scans) == 3
    from tests.support.engines import PG_PASSWORD

    assert all(PG_PASSWORD not in text for text in (result.stderr, wipe.stdout, wipe.stderr))


def test_the_cli_refuses_unknown_ids_and_parameters_with_exit_2(scans: str, tmp_path: Path) -> None:
    for args, words in ((["nope"], "no query 'nope'"), (["by_owner", "--param", "who=x"], "no parameter 'who'"),
                        (["by_owner", "--param", "owner"], "expected NAME=VALUE")):
        result = _cli(tmp_path, *args)
        assert result.returncode == 2, result.stderr
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_cli_refuses_a_postgres_query_without_the_section_with_exit_2() -> None:
    from tests.support.paths import DATA

    result = subprocess.run([str(COCKPIT), "query", "stuck_scans", "--profile", str(DATA / "profile.investigate.toml")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == ("cockpit query: query 'stuck_scans' is a postgres query and the profile has no "
                                     "[postgres] dsn_env")


def test_ctrl_c_stops_the_query_in_the_database(scans: str, tmp_path: Path) -> None:
    import signal

    path = tmp_path / "slow.toml"
    path.write_text(HEAD + '[[queries]]\nid = "slow"\nengine = "postgres"\nquery = "SELECT pg_sleep(120)"\n')
    process = subprocess.Popen([str(COCKPIT), "query", "slow", "--profile", str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        with psycopg.connect(scans, autocommit=True) as probe:
            def sleeping() -> bool:
                return probe.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                                     "AND state = 'active' AND query LIKE %s",
                                     ("incident-cockpit query", "%pg_sleep(120)%")).fetchone() == (1,)

            wait_for(sleeping, timeout=30, what="the query to run")
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=30)
            assert process.returncode == 130 and "the query was stopped" in stderr
            wait_for(lambda: not sleeping(), timeout=10, what="the backend to stop sleeping")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
