"""SentraScan's data and its API's log loop, for the demo scenario (``sentrascan_platform``).

``SCHEMA`` seeds the platform's tables as runbook 003 names them (``scans``, ``findings``,
``baselines``, ``api_keys``); ``BLOAT`` leaves ``findings`` with dead rows to vacuum;
``API_SCRIPT`` is the ``api`` container's busybox loop, writing the API's log lines from
the state files the simulator keeps (``/state/mode``, ``/state/key``).
"""
from __future__ import annotations

SCHEMA = """
CREATE TABLE scans (
    id bigserial PRIMARY KEY, scan_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    target text NOT NULL, scan_type text NOT NULL, scan_status text NOT NULL, passed boolean,
    progress int NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE findings (
    id bigserial PRIMARY KEY, scan_id bigint NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    scanner text NOT NULL, severity text NOT NULL, title text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()) WITH (autovacuum_enabled = false);
CREATE TABLE baselines (
    id bigserial PRIMARY KEY, name text NOT NULL, scan_id bigint REFERENCES scans(id),
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE api_keys (
    id text PRIMARY KEY, name text NOT NULL UNIQUE, role text NOT NULL, key_hash text NOT NULL,
    is_revoked boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO scans (target, scan_type, scan_status, passed, progress, created_at, updated_at)
SELECT 'models/' || (ARRAY['llama-guard','bert-base','resnet50','mcp-server-github','mcp-server-slack'])[1 + g % 5]
           || '@v' || (g % 40), (ARRAY['model','mcp'])[1 + g % 2],
       CASE WHEN g > 1995 THEN 'running' ELSE 'completed' END, CASE WHEN g > 1995 THEN NULL ELSE g % 9 <> 0 END,
       CASE WHEN g > 1995 THEN 10 ELSE 100 END, now() - (2000 - g) * interval '90 minutes',
       now() - (2000 - g) * interval '90 minutes'
FROM generate_series(1, 2000) AS g;
INSERT INTO findings (scan_id, scanner, severity, title, created_at)
SELECT 1 + g % 2000, (ARRAY['modelaudit','mcp-checkpoint','cisco-scanner'])[1 + g % 3],
       (ARRAY['low','medium','high','critical'])[1 + g % 4], 'finding ' || g, now() - (g % 2000) * interval '90 minutes'
FROM generate_series(1, 8000) AS g;
INSERT INTO baselines (name, scan_id) VALUES ('prod-models', 1990), ('mcp-servers', 1991);
INSERT INTO api_keys (id, name, role, key_hash, created_at) VALUES
    ('ak_1f3a9b20', 'ci-pipeline', 'scanner', 'sha256:' || md5('ci'), now() - interval '200 days'),
    ('ak_52c8e7d1', 'ops-admin', 'admin', 'sha256:' || md5('ops'), now() - interval '90 days'),
    ('ak_9b0e44f6', 'partner-acme', 'viewer', 'sha256:' || md5('acme'), now() - interval '30 days'),
    ('ak_7d41e09c', 'legacy-jenkins', 'scanner', 'sha256:' || md5('jenkins'), now() - interval '700 days');
"""
# Rescans re-wrote every finding twice; autovacuum is off on the table: 16,000 dead rows to reclaim.
BLOAT = "UPDATE findings SET title = title || ' (rescanned)'"

API_SCRIPT = r"""
trap 'say "INFO  uvicorn: Shutting down"; exit 0' TERM  # as uvicorn does: a stop is not a 10 s kill
say() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }
say "INFO  uvicorn: Started server process [1]"
say "INFO  uvicorn: Application startup complete. Uvicorn running on http://0.0.0.0:8200"
n=0
while true; do
  n=$((n + 1)); mode=$(cat /state/mode 2>/dev/null); key=$(cat /state/key 2>/dev/null); ms=$((20 + RANDOM % 90))
  if [ "$mode" = locked ]; then
    say "ERROR sentrascan.api: POST /api/v1/scans/$((1996 + RANDOM % 5))/progress 504 30002ms: database did not answer (waiting for a row lock on scans)"
    say "WARN  sentrascan.db: pool 18/20 connections busy, $((3 + RANDOM % 6)) requests queued"
  else
    say "INFO  sentrascan.api: GET /api/v1/scans?limit=10 200 ${ms}ms"
    say "INFO  sentrascan.api: POST /api/v1/scans/$((1996 + RANDOM % 5))/progress 200 $((ms / 3))ms"
  fi
  if [ $((n % 6)) = 0 ]; then
    if [ "$key" = revoked ]; then
      say "WARN  sentrascan.auth: 401 revoked API key ak_7d41e09c (legacy-jenkins) from 203.0.113.77"
    else
      say "WARN  sentrascan.auth: API key ak_7d41e09c (legacy-jenkins) used from unknown address 203.0.113.77: GET /api/v1/scans?limit=1000 200"
    fi
  fi
  sleep 1
done
"""
