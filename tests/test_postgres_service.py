"""PostgreSQL service and actions against a real server: activity, a real lock conflict, the tree, the fixes."""
from __future__ import annotations

import psycopg
import pytest

from services.actions.postgres import Cancel, Terminate, Vacuum
from services.engines.postgres import PostgresSource, Reconnecting, redact_query, shorten_query
from services.errors import BadInput
from tests.support.engines import PG_PASSWORD
from tests.support.waiting import wait_for


async def test_activity_lists_backends_sorted_by_transaction_age(pg_dsn: str) -> None:
    source = PostgresSource("SENTRASCAN_PG_DSN")
    old = psycopg.connect(pg_dsn, application_name="old-tx")
    old.execute("SELECT 1")  # opens a transaction: idle in transaction from here on
    young = psycopg.connect(pg_dsn, application_name="young-tx")
    young.execute("SELECT 2")
    try:
        snapshot = await source.activity()
        names = [b.application for b in snapshot.backends]
        assert names.index("old-tx") < names.index("young-tx")
        old_backend = next(b for b in snapshot.backends if b.application == "old-tx")
        assert old_backend.idle_in_transaction and old_backend.xact_seconds is not None
        assert old_backend.query == "SELECT 1" and old_backend.user == "postgres"
        assert snapshot.server.startswith("PostgreSQL ")
        assert all(b.application != "incident-cockpit" for b in snapshot.backends)  # its own session is left out
    finally:
        old.close()
        young.close()
        await source.close()


async def test_the_blocking_tree_of_a_real_row_lock(pg_dsn: str, lock_conflict) -> None:
    source = PostgresSource("SENTRASCAN_PG_DSN")
    try:
        detail = await source.detail()
    finally:
        await source.close()
    assert len(detail.tree) == 1
    root = detail.tree[0]
    assert root.backend.pid == lock_conflict.holder_pid
    assert root.backend.idle_in_transaction and root.waits_for == ""
    assert any("RowExclusiveLock on accounts" in held for held in root.holds)
    (child,) = root.blocks
    assert child.backend.pid == lock_conflict.waiter_pid
    assert child.backend.blocked_by == (lock_conflict.holder_pid,)
    assert child.waits_for.startswith("ShareLock on transaction")
    assert "of accounts" in child.waits_for
    overview = detail.overview
    assert overview.database == "sentrascan" and overview.max_connections == 300
    assert overview.connections >= 2 and overview.size_bytes > 1_000_000
    assert overview.longest_xact_pid == lock_conflict.holder_pid
    assert 0 <= (overview.cache_hit_ratio or 0) <= 1


def test_terminating_the_blocker_lets_the_waiter_proceed(pg_dsn: str, lock_conflict) -> None:
    source = PostgresSource("SENTRASCAN_PG_DSN")
    action = Terminate.build(source, str(lock_conflict.holder_pid), {})
    plan = action.plan()
    assert plan.command == f"SELECT pg_terminate_backend({lock_conflict.holder_pid});"
    assert plan.risk.needs_typed_target and not plan.reversible
    assert plan.changes[0].after == "terminated" and plan.changes[1].after == "(rolled back)"
    assert not lock_conflict.waiter_done.is_set()
    action.run(plan)
    verification = action.verify(plan)
    assert verification.ok, verification.detail
    assert lock_conflict.waiter_done.wait(10) and lock_conflict.waiter_error is None
    with psycopg.connect(pg_dsn) as check:  # the holder's -1 was rolled back, the waiter's +1 committed
        assert check.execute("SELECT balance FROM accounts WHERE id = 1").fetchone() == (101,)


def test_cancel_ends_the_waiting_query(pg_dsn: str, lock_conflict) -> None:
    source = PostgresSource("SENTRASCAN_PG_DSN")
    action = Cancel.build(source, str(lock_conflict.waiter_pid), {})
    plan = action.plan()
    assert plan.command == f"SELECT pg_cancel_backend({lock_conflict.waiter_pid});"
    assert "UPDATE accounts" in plan.changes[1].before
    action.run(plan)
    assert action.verify(plan).ok
    assert lock_conflict.waiter_done.wait(10)
    assert isinstance(lock_conflict.waiter_error, psycopg.errors.QueryCanceled)


def test_vacuum_analyze_a_table(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS scans")
        conn.execute("CREATE TABLE scans (id int, body text)")
        conn.execute("INSERT INTO scans SELECT g, repeat('x', 100) FROM generate_series(1, 2000) g")
        conn.execute("DELETE FROM scans WHERE id % 2 = 0")
    source = PostgresSource("SENTRASCAN_PG_DSN")
    wait_for(lambda: Vacuum.build(source, "scans", {}).plan().changes[0].before >= 1000, what="dead tuples counted")
    action = Vacuum.build(source, "scans", {})
    plan = action.plan()
    assert plan.command == "VACUUM (ANALYZE) public.scans;"
    action.run(plan)
    verification = action.verify(plan)
    assert verification.ok and verification.observed["dead_tuples"] < 1000
    with pytest.raises(BadInput, match="no table"):
        Vacuum.build(source, "no_such_table", {}).plan()


def test_a_missing_backend_or_variable_is_bad_input(pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source = PostgresSource("SENTRASCAN_PG_DSN")
    with pytest.raises(BadInput, match="no backend with pid 999999"):
        Terminate.build(source, "999999", {}).plan()
    with pytest.raises(BadInput, match="pid"):
        Cancel.build(source, "abc", {}).plan()
    monkeypatch.delenv("SENTRASCAN_PG_DSN")
    with pytest.raises(BadInput, match="SENTRASCAN_PG_DSN is not set"):
        source.backend_sync(1)


async def test_errors_never_carry_the_password(pg_server, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = pg_server.dsn.replace(PG_PASSWORD, "Wrong-Passw0rd")
    monkeypatch.setenv("SENTRASCAN_PG_DSN", wrong)
    source = PostgresSource("SENTRASCAN_PG_DSN")
    with pytest.raises(Exception) as caught:
        await source.activity()
    assert "password authentication failed" in str(caught.value)
    assert "Wrong-Passw0rd" not in str(caught.value)
    monkeypatch.setenv("SENTRASCAN_PG_DSN", pg_server.dsn.replace(str(pg_server.port), "9"))
    with pytest.raises(Reconnecting):
        await source.activity()


def test_query_text_is_shortened_and_passwords_masked() -> None:
    assert redact_query("ALTER ROLE app PASSWORD 'hunter2'") == "ALTER ROLE app PASSWORD '***'"
    text = shorten_query("SELECT *\n  FROM scans\n WHERE id = 1" + " AND x = 1" * 30, 60)
    assert len(text) == 60 and text.endswith("…") and "\n" not in text


def test_vacuum_analyze_the_whole_database_as_runbook_003_does(pg_dsn: str) -> None:
    from services.actions.postgres import VacuumDatabase

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for table in ("scans", "findings"):
            conn.execute(f"DROP TABLE IF EXISTS {table}")
            conn.execute(f"CREATE TABLE {table} (id int, body text)")
            conn.execute(f"INSERT INTO {table} SELECT g, repeat('x', 100) FROM generate_series(1, 2000) g")
            conn.execute(f"DELETE FROM {table} WHERE id % 2 = 0")
        row = conn.execute("SELECT current_database()").fetchone()
        assert row is not None
        database = row[0]
    source = PostgresSource("SENTRASCAN_PG_DSN")
    wait_for(lambda: VacuumDatabase.build(source, database, {}).plan().changes[0].before >= 2000, what="dead tuples counted")
    action = VacuumDatabase.build(source, database, {})
    plan = action.plan()
    assert plan.command == "VACUUM (ANALYZE);" and f"database {database}" in plan.summary
    action.run(plan)
    verification = action.verify(plan)
    assert verification.ok and verification.observed["dead_tuples"] < 2000, verification
    with pytest.raises(BadInput, match="the profile's database is"):
        VacuumDatabase.build(source, "not-this-one", {}).plan()
