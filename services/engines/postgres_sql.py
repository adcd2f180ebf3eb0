"""The SQL the cockpit reads PostgreSQL with (PostgreSQL 12 and later).

``pg_blocking_pids`` takes the lock manager's locks: it is called only for backends
that are waiting on a lock, not for every row of a busy server.
"""
from __future__ import annotations

_BACKEND_COLUMNS = """
    pid, usename, application_name, client_addr, datname, state, wait_event_type, wait_event,
    EXTRACT(EPOCH FROM (now() - query_start)) AS query_seconds,
    EXTRACT(EPOCH FROM (now() - xact_start)) AS xact_seconds,
    query, query_start, xact_start,
    CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) ELSE '{}'::int[] END AS blocked_by
"""

ACTIVITY = f"""
SELECT {_BACKEND_COLUMNS}
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
ORDER BY xact_start NULLS LAST
LIMIT 1000
"""

ACTIVITY_OF_PID = f"""
SELECT {_BACKEND_COLUMNS}
FROM pg_stat_activity
WHERE pid = %s
"""

LOCKS = """
SELECT l.pid, l.locktype, l.mode, l.granted,
       CASE WHEN l.relation IS NOT NULL THEN l.relation::regclass::text END AS relation,
       l.transactionid::text AS xid, l.page, l.tuple
FROM pg_locks l
WHERE l.pid = ANY(%s) AND l.locktype <> 'virtualxid'
ORDER BY l.pid, l.granted, l.locktype
"""

OVERVIEW = """
SELECT current_database() AS database,
       pg_database_size(current_database()) AS size_bytes,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS connections,
       current_setting('max_connections')::int AS max_connections,
       (SELECT blks_hit::float8 / NULLIF(blks_hit + blks_read, 0)
          FROM pg_stat_database WHERE datname = current_database()) AS cache_hit_ratio,
       longest.seconds AS longest_xact_seconds, longest.pid AS longest_xact_pid
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT pid, EXTRACT(EPOCH FROM (now() - xact_start))::float8 AS seconds
    FROM pg_stat_activity
    WHERE xact_start IS NOT NULL AND backend_type = 'client backend' AND pid <> pg_backend_pid()
    ORDER BY xact_start LIMIT 1
) AS longest ON true
"""

DEAD_TUPLES = """
SELECT format('%I.%I', schemaname, relname) AS name, n_dead_tup AS dead, n_live_tup AS live,
       last_vacuum, last_autovacuum
FROM pg_stat_user_tables
ORDER BY n_dead_tup DESC, relname
LIMIT 5
"""

DATABASE_TABLE_STATS = """
SELECT count(*) AS tables, coalesce(sum(n_dead_tup), 0) AS dead, coalesce(sum(n_live_tup), 0) AS live,
       coalesce(sum(vacuum_count), 0) AS vacuum_count, current_database() AS database
FROM pg_stat_user_tables
"""

TABLE_STATS = """
SELECT format('%%I.%%I', schemaname, relname) AS name, n_dead_tup AS dead, n_live_tup AS live,
       last_vacuum, last_analyze, vacuum_count, analyze_count
FROM pg_stat_user_tables
WHERE relid = to_regclass(%s)
"""
