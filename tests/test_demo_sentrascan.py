"""The sentrascan-platform demo (runbook 003): real PostgreSQL, podman and health, its incident, its playbook."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.actions.executor import ActionExecutor, Confirmation
from services.aws.session import AwsTarget
from services.demo.catalog import scenario_profile_path
from services.demo.scenarios.common import utcnow
from services.demo.scenarios.sentrascan_platform import (
    API_CONTAINER,
    API_KEY_ENV,
    DSN_ENV,
    JOB_APPLICATION,
    LEAKED_KEY,
    SentraScanPlatform,
)
from services.engines.postgres import PostgresSource
from services.errors import NotConfirmed
from services.incident.timeline import Timeline
from services.profile import load_profile
from services.sources import Sources
from tests.support.paths import COCKPIT
from tests.support.processes import cmdline, descendants, processes_mentioning
from tests.support.screen import screen_text
from tests.support.waiting import until, wait_for
from tui.app import CockpitApp
from tui.panes.container_logs import ContainerLogsPane
from tui.panes.containers import ContainersPane
from tui.panes.health import HealthPane
from tui.panes.postgres import PostgresPane
from tui.screens.dashboard import DashboardScreen
from widgets.pane_title import PaneTitle

pytestmark = pytest.mark.engines  # every test here starts the scenario's PostgreSQL (and podman)


class Running:
    """A scenario seeded in this process and ticked about every 0.2 s from a thread (as the emulator does)."""

    def __init__(self, **kwargs) -> None:
        # No dump at seed (a module fixture has no test's state directory yet) and no corruption on a clock:
        # the recovery test takes and does both itself.
        kwargs = {"nightly_backup": False, "corrupt_after": None, **kwargs}
        self.scenario = SentraScanPlatform(health_port=0, calm_seconds=3600, recur_seconds=3600, **kwargs)
        self.stop = threading.Event()
        self.scenario.seed(utcnow())
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            self.scenario.tick(utcnow())
            self.stop.wait(0.2)  # the simulator's pace

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.scenario.close()


@pytest.fixture(scope="module")
def platform() -> Iterator[SentraScanPlatform]:
    running = Running()
    try:
        yield running.scenario
    finally:
        running.close()


@pytest.fixture
def platform_env(platform: SentraScanPlatform, monkeypatch: pytest.MonkeyPatch) -> SentraScanPlatform:
    for name, value in platform.env.items():
        monkeypatch.setenv(name, value)
    return platform


def demo_profile(tmp_path: Path, health_url: str):
    """The scenario's profile as shipped, with the API of this test's server (port 0, not 8200)."""
    text = scenario_profile_path("sentrascan-platform").read_text()
    assert "http://127.0.0.1:8200/api/v1/health" in text
    path = tmp_path / "sentrascan-platform.toml"
    path.write_text(text.replace("http://127.0.0.1:8200/api/v1/", health_url.removesuffix("health")))
    return load_profile(path)


def blocker_pid(source: PostgresSource) -> int | None:
    rows = source.query_sync("roots", "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (JOB_APPLICATION,))
    return rows[0]["pid"] if rows else None


def test_the_scenario_starts_its_engines_and_lists_itself(platform: SentraScanPlatform) -> None:
    from services.demo.catalog import SCENARIO_NAMES
    from services.demo.scenarios import SCENARIOS

    assert SCENARIOS["sentrascan-platform"] is SentraScanPlatform and "sentrascan-platform" in SCENARIO_NAMES
    assert platform.unavailable == {}
    assert set(platform.env) == {DSN_ENV, "DOCKER_HOST", API_KEY_ENV} and platform.env["DOCKER_HOST"].startswith("unix://")
    client = platform.podman.client()
    try:
        containers = {c.name: c.labels for c in client.containers.list()}
    finally:
        client.close()
    assert containers[API_CONTAINER]["com.docker.compose.service"] == "api"
    assert {labels["com.docker.compose.project"] for labels in containers.values()} == {"sentrascan"}
    profile = load_profile(scenario_profile_path("sentrascan-platform"))
    assert profile.docker is not None and profile.postgres is not None
    assert not profile.has_aws and profile.docker.host is None and profile.postgres.dsn_env == DSN_ENV


async def test_every_pane_gets_data_and_the_dsn_stays_off_screen(platform_env, tmp_path) -> None:
    platform = platform_env
    app = CockpitApp(demo_profile(tmp_path, platform.health.url), AwsTarget(), prepare_engines=lambda: platform.unavailable)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        screen = app.screen
        containers = screen.query_one(ContainersPane)
        await until(pilot, lambda: len(containers.table.row_data) == 2, timeout=40, what="the api and db containers")
        assert sorted(row.service for row in containers.table.row_data.values()) == ["api", "db"]
        assert "2/2 running" in containers.title.status
        containers.table.focus()
        containers.table.move_cursor(row=0)
        logs = screen.query_one(ContainerLogsPane)
        await until(pilot, lambda: logs.tail.line_count >= 3, timeout=40, what="the container's log lines")
        assert any("sentrascan" in line.message or "LOG:" in line.message for line in logs.tail.lines)
        pg = screen.query_one(PostgresPane)
        await until(pilot, lambda: pg.snapshot is not None and any(
            b.application == "sentrascan-api" for b in pg.snapshot.backends), timeout=40, what="the API's backends")
        health = screen.query_one(HealthPane)
        await until(pilot, lambda: "API" in health.results, timeout=40, what="a health check")
        assert health.results["API"].status == 200
        everything = screen_text(app)
        assert platform.env[DSN_ENV] not in everything and "postgresql://" not in everything
        assert platform.pg.password not in everything


def test_the_incident_and_the_playbooks_first_resolution_step(platform_env, tmp_path) -> None:
    platform = platform_env
    source = PostgresSource(DSN_ENV)
    profile = demo_profile(tmp_path, platform.health.url)
    step = profile.playbooks[0].resolution[0]
    assert (step.action, step.target) == ("postgres.terminate", "")  # the pid is asked for: it changes every run
    platform.next_incident = 0  # the retention job starts at the next tick
    wait_for(lambda: blocker_pid(source) is not None, timeout=30, what="the retention job's transaction")
    wait_for(lambda: platform.health.state == "degraded", timeout=30, what="health degraded by lock waits")
    pid = blocker_pid(source)
    waiting = source.query_sync("waiters", "SELECT count(*) AS n FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                                (pid,))
    assert waiting[0]["n"] >= 1
    writes_before = platform.writes
    executor = ActionExecutor(Sources(postgres=source), Timeline(tmp_path / "t.jsonl"), read_only=False, profile_name="demo")
    action, plan = executor.prepare(step.action, str(pid), dict(step.params))
    assert plan.command == f"SELECT pg_terminate_backend({pid});"
    assert plan.changes[2].before == "idle in transaction"
    outcome = executor.execute(action, plan, Confirmation(plan, typed_target=str(pid)))
    assert outcome.ok, outcome.verification
    wait_for(lambda: platform.writes >= writes_before + 3, timeout=30, what="the API's writes to proceed")
    wait_for(lambda: platform.health.state == "ok", timeout=30, what="health back to ok")
    assert platform.blocker is None and platform.incidents == 1


def test_revoke_api_key_plans_runs_verifies_and_undoes(platform_env, tmp_path) -> None:
    platform = platform_env
    source = PostgresSource(DSN_ENV)
    profile = demo_profile(tmp_path, platform.health.url)
    step = profile.playbooks[2].resolution[0]
    assert (step.action, step.target) == ("postgres.revoke-api-key", LEAKED_KEY)
    executor = ActionExecutor(Sources(postgres=source), Timeline(tmp_path / "t.jsonl"), read_only=False, profile_name="demo")

    def revoked() -> bool:
        return source.query_sync("key", "SELECT is_revoked FROM api_keys WHERE id = %s", (LEAKED_KEY,))[0]["is_revoked"]

    assert revoked() is False
    action, plan = executor.prepare(step.action, step.target, dict(step.params))
    assert str(plan.risk) == "high"
    assert plan.command == f"UPDATE api_keys SET is_revoked = true WHERE id = '{LEAKED_KEY}';"
    changes = {change.field: (change.before, change.after) for change in plan.changes}
    assert changes["state"] == ("active", "revoked") and changes["id"] == (LEAKED_KEY, LEAKED_KEY)
    assert changes["name"] == ("legacy-jenkins", "legacy-jenkins")
    with pytest.raises(NotConfirmed):  # high risk: the key id must be typed
        executor.execute(action, plan, Confirmation(plan, typed_target="legacy"))
    outcome = executor.execute(action, plan, Confirmation(plan, typed_target=LEAKED_KEY))
    assert outcome.ok and revoked() is True
    wait_for(lambda: (platform.state_dir / "key").read_text().strip() == "revoked", timeout=20,
             what="the API to see the key revoked")
    undo, undo_plan = executor.undo(outcome)
    assert (undo_plan.changes[-1].before, undo_plan.changes[-1].after) == ("revoked", "active")
    assert undo_plan.command == f"UPDATE api_keys SET is_revoked = false WHERE id = '{LEAKED_KEY}';"
    assert executor.execute(undo, undo_plan, Confirmation(undo_plan, typed_target=LEAKED_KEY)).ok
    assert revoked() is False
    # By name, as runbook 003 writes it; an unknown key is one clear error.
    _, by_name = executor.prepare("postgres.revoke-api-key", "legacy-jenkins", {})
    assert by_name.command.endswith(f"WHERE id = '{LEAKED_KEY}';")
    with pytest.raises(Exception, match="no API key"):
        executor.prepare("postgres.revoke-api-key", "no-such-key", {})


async def test_without_podman_the_scenario_runs_and_the_pane_says_why(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("COCKPIT_PODMAN", str(tmp_path / "no-podman"))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    running = Running(workers=1)
    try:
        scenario = running.scenario
        assert "podman is not installed" in scenario.unavailable["docker"]
        assert set(scenario.unavailable) == {"docker"} and "DOCKER_HOST" not in scenario.env
        monkeypatch.setenv(DSN_ENV, scenario.env[DSN_ENV])
        assert scenario.health is not None
        app = CockpitApp(demo_profile(tmp_path, scenario.health.url), AwsTarget(),
                         prepare_engines=lambda: scenario.unavailable)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
            containers = app.screen.query_one(ContainersPane)
            await until(pilot, lambda: "podman is not installed" in containers.title.status,
                        what=lambda: f"the reason, not {containers.title.status!r}")
            assert containers.title.status.startswith("unavailable:") and containers.engine is None
            pg = app.screen.query_one(PostgresPane)
            await until(pilot, lambda: pg.snapshot is not None, timeout=40, what="PostgreSQL still watched")
            health = app.screen.query_one(HealthPane)
            await until(pilot, lambda: "API" in health.results, timeout=40, what="health still checked")
            assert "podman is not installed" in screen_text(app)
            assert "checks" in app.screen.query_one("#health-title", PaneTitle).status
    finally:
        running.close()


def test_cockpit_demo_in_tmux_starts_the_engines_and_quitting_stops_them(tmux, tmp_path: Path) -> None:
    session = tmux.start(f"{COCKPIT} demo --scenario sentrascan-platform", size=(120, 40),
                         env={"XDG_STATE_HOME": str(tmp_path)})
    wait_for(lambda: "2/2 running" in session.capture() and "backends" in session.capture()
             and "checks ·" in session.capture(), timeout=120, what="containers, PostgreSQL and health on screen")
    screen = session.capture()
    assert "SentraScan Platform" in screen and "sentrascan-api-1" in screen and "postgresql://" not in screen
    # A process with no command line is a zombie (already ended, not yet reaped): nothing to stop.
    started = {pid: cmd for pid in descendants(session.pane_pid) if (cmd := cmdline(pid))}
    podman = [pid for pid, cmd in started.items() if "system service" in cmd and "podman" in cmd]
    assert len(podman) == 1, started
    storage_match = re.search(r"--root (\S+)/root", started[podman[0]])
    assert storage_match is not None, started
    storage = storage_match.group(1)
    conmon = [pid for pid in processes_mentioning(storage) if "conmon" in cmdline(pid)]
    assert len(conmon) == 2  # one per container, outside the cockpit's process tree
    # PostgreSQL is the db container's process (under its conmon), not the cockpit's child.
    assert not [pid for pid, cmd in started.items() if re.search(r"/postgres -D ", cmd)], started
    postgres = [pid for owner in conmon for pid in descendants(owner) if re.search(r"/postgres -D ", cmdline(pid))]
    assert postgres, [cmdline(pid) for owner in conmon for pid in descendants(owner)]
    datadir_match = re.search(r"-D (\S+)", cmdline(postgres[0]))
    assert datadir_match is not None
    datadir = datadir_match.group(1)
    started |= {pid: cmdline(pid) for pid in postgres}
    session.send("q")
    wait_for(lambda: "EXITED 0" in session.capture(), timeout=90, what="the cockpit to exit")
    alive = [pid for pid, cmd in started.items() if cmdline(pid) == cmd]
    assert not alive, f"left running: {[started[pid][:80] for pid in alive]}"
    assert not processes_mentioning(storage, datadir)
    assert not Path(storage).exists() and not Path(datadir).exists()


def test_the_runbooks_database_wide_vacuum_is_a_playbook_step(platform_env, tmp_path) -> None:
    """Runbook 003's Database Cleanup: ``VACUUM ANALYZE;`` on the demo's database, planned, run, verified."""
    platform = platform_env
    source = PostgresSource("SENTRASCAN_PG_DSN")
    profile = demo_profile(tmp_path, platform.health.url)
    step = next(step for book in profile.playbooks for step in book.resolution if step.action == "postgres.vacuum-database")
    assert step.target == "sentrascan"
    executor = ActionExecutor(Sources(postgres=source), Timeline(tmp_path / "t.jsonl"), read_only=False, profile_name="demo")
    action, plan = executor.prepare(step.action, step.target, dict(step.params))
    assert plan.command == "VACUUM (ANALYZE);" and plan.changes[0].field == "dead_tuples"
    outcome = executor.execute(action, plan, Confirmation(plan))
    assert outcome.ok, (outcome.error, outcome.verification)


async def test_the_runbooks_sql_and_api_checks_are_the_lock_playbooks_diagnosis(platform_env, tmp_path) -> None:
    """Runbook 003, Database Issues step 4 ("check for locks") as a playbook item: the saved query runs
    READ ONLY on the demo's database and shows the retention job idle in transaction; the API's
    scans list is checked with the key from $SENTRASCAN_API_KEY, which never reaches the screen."""
    from textual.widgets import DataTable

    from tui.screens.playbook import PlaybookScreen
    from tui.screens.query import QueryScreen

    platform = platform_env
    source = PostgresSource(DSN_ENV)
    profile = demo_profile(tmp_path, platform.health.url)
    book = next(book for book in profile.playbooks if book.id == "database_locks")
    assert book.diagnosis[0] == "query:active_sessions" and "health:API" in book.diagnosis
    platform.next_incident = 0
    wait_for(lambda: blocker_pid(source) is not None, timeout=30, what="the retention job's transaction")
    app = CockpitApp(profile, AwsTarget(), prepare_engines=lambda: platform.unavailable)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and bool(app.screen.query(HealthPane)),
                    what="dashboard")
        health = app.screen.query_one(HealthPane)
        await until(pilot, lambda: "scans" in health.results, timeout=40, what="the scans check")
        assert health.results["scans"].status == 200, health.results["scans"].detail  # the key was accepted
        assert health.results["scans"].detail.endswith("where passed=false")
        app.open_playbook("database_locks")
        await until(pilot, lambda: isinstance(app.screen, PlaybookScreen), what="the playbook")
        await pilot.press("enter")  # the first diagnosis item
        await until(pilot, lambda: isinstance(app.screen, QueryScreen), what="the query screen")
        screen = app.screen
        assert isinstance(screen, QueryScreen)
        await until(pilot, lambda: bool(screen.history.runs) and not screen.history.runs[-1].running, timeout=30,
                    what="the query's run")
        table = screen.query_one("#results", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
        job = [row for row in rows if JOB_APPLICATION in row]
        assert job and "idle in transaction" in job[0], rows
        assert platform.env[API_KEY_ENV] not in screen_text(app)
    if platform.blocker is not None:  # the other tests start from a calm database
        platform._end_incident()


def test_restarting_the_db_container_restarts_the_database_the_pane_watches(platform_env, tmp_path) -> None:
    """Runbook 003's "docker-compose restart db": the db container is the PostgreSQL server (no stand-in
    beside it), so the restart step restarts the database; its data stays, and the API writes again."""
    from services.engines.docker import DockerEngine

    platform = platform_env
    assert platform.database_in_container
    source = PostgresSource(DSN_ENV)

    def started() -> str:
        return str(source.query_sync("start", "SELECT pg_postmaster_start_time()::text AS t")[0]["t"])

    before, scans = started(), source.query_sync("n", "SELECT count(*) AS n FROM scans")[0]["n"]
    profile = demo_profile(tmp_path, platform.health.url)
    step = next(step for book in profile.playbooks for step in book.resolution
                if step.action == "docker.restart" and step.target.endswith("-db-1"))
    executor = ActionExecutor(Sources(docker=DockerEngine(platform.env["DOCKER_HOST"]), postgres=source),
                              Timeline(tmp_path / "t.jsonl"), read_only=False, profile_name="demo")
    action, plan = executor.prepare(step.action, step.target, dict(step.params))
    assert plan.notes[0].startswith("SIGINT, then SIGKILL")  # the container's own stop signal: a fast shutdown
    outcome = executor.execute(action, plan, Confirmation(plan, typed_target=step.target))
    assert outcome.ok, outcome.verification

    def restarted() -> bool:
        try:
            return started() != before
        except Exception:  # still starting
            return False

    wait_for(restarted, timeout=60, what="a new postmaster start time")
    assert source.query_sync("n", "SELECT count(*) AS n FROM scans")[0]["n"] == scans
    client = platform.podman.client()
    try:
        logs = client.containers.get(step.target).logs(tail=50).decode()
    finally:
        client.close()
    assert "database system is ready to accept connections" in logs  # the server's own log, in the container's
    writes = platform.writes
    wait_for(lambda: platform.writes >= writes + 3, timeout=60, what="the API's writers to reconnect")


def test_the_corrupted_scans_come_back_from_the_nightly_dump(platform_env, tmp_path) -> None:
    """Runbook 003's Data Corruption, step by step: stop the api (its writers stop), restore the latest
    backup (verified by the runbook's integrity query), start the api (writes resume)."""
    from services.engines.docker import DockerEngine

    platform = platform_env
    source = PostgresSource(DSN_ENV)
    dump = platform.take_nightly_backup()  # backup-db.sh, into this test's state directory

    def integrity() -> tuple[int, int]:
        row = source.query_sync("i", "SELECT COUNT(*) AS scans, COUNT(DISTINCT scan_id) AS unique_scans FROM scans")[0]
        return int(row["scans"]), int(row["unique_scans"])

    assert integrity() == (2000, 2000)
    platform.corrupt()
    assert integrity() == (2040, 2000)
    profile = demo_profile(tmp_path, platform.health.url)
    book = next(book for book in profile.playbooks if book.id == "data_corruption")
    assert "query:integrity" in book.diagnosis
    executor = ActionExecutor(Sources(docker=DockerEngine(platform.env["DOCKER_HOST"]), postgres=source),
                              Timeline(tmp_path / "t.jsonl"), read_only=False, profile_name="demo")
    stop, restore, start = book.resolution
    for step in (stop, restore):
        action, plan = executor.prepare(step.action, step.target, dict(step.params))
        if step is restore:
            assert plan.params["dump"] == dump  # the latest backup
            writes = platform.writes
            wait_for(lambda: not platform.api_running, timeout=30, what="the simulator to see the api stopped")
        outcome = executor.execute(action, plan, Confirmation(plan, typed_target=step.target))
        assert outcome.ok, (step.action, outcome.error, outcome.verification)
    assert platform.writes <= writes + 3  # stopped with the container (a write or two in flight)
    assert integrity() == (2000, 2000)
    action, plan = executor.prepare(start.action, start.target, dict(start.params))
    assert executor.execute(action, plan, Confirmation(plan, typed_target=start.target)).ok
    writes = platform.writes
    wait_for(lambda: platform.writes >= writes + 3, timeout=60, what="the api's writers to resume")
