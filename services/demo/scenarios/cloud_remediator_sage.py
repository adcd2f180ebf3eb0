"""Cloud Remediator Sage (runbook 004): Prowler findings ingested by a Lambda into Neptune, served by an API.

``seed`` creates ``cloud-remediator-prowler-ingest``, the findings bucket, the Neptune
audit log group and alarms, with metric history (Lambda, AWS/Neptune CPU), and starts
the API's health endpoint (``GET /health``) on loopback and, where podman is installed,
the ``cloud-remediator-sage`` container (its logs follow the API's state; it burns CPU
while degraded). The incident played in a loop
is the runbook's *Lambda Function Failures* (a P2, "high error rates"): a scan of every
region makes the ingest run out of its 512 MB (``Runtime exited with error: signal:
killed``), the error alarm goes to ALARM and the API's health turns ``degraded``. The
runbook's "increase memory allocation" takes effect: at 1024 MB the ingests succeed,
health is ``ok`` again and the alarm returns to OK. So does its "review recent deployments,
consider rollback": alias ``prod`` points to version 2, which fans the scan out to every
region; moved back to version 1 (``lambda.rollback``), the big scans stop.

An engine that cannot start is named in ``unavailable`` (engine → why) and its pane says
so; where the cockpit finds the container engine is in ``env`` (``DOCKER_HOST``).
"""
from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from services.demo.scenarios.common import (
    AlarmDriver,
    RunbookScenario,
    Window,
    create_function,
    create_role,
    datum,
    iso,
    lambda_zip,
    log,
    minutes_back,
    put_metrics,
    report_line,
    request_id,
)

FUNCTION = "cloud-remediator-prowler-ingest"
LOG_GROUP = f"/aws/lambda/{FUNCTION}"
AUDIT_LOG = "/aws/neptune/audit"
ROLE = "cloud-remediator-lambda-role"
BUCKET = "cloud-remediator-findings"
CLUSTER = "cloud-remediator-neptune-prod"
FN = {"FunctionName": FUNCTION}
FN_DIMENSIONS = [{"Name": "FunctionName", "Value": FUNCTION}]
CLUSTER_DIMENSIONS = {"DBClusterIdentifier": CLUSTER}
HEALTH_PORT = 43000
"""The API's health endpoint in the demo: the runbook's port 3000, made high; the profile names it."""
HEALTH_PATH = "/health"
PROMETHEUS_PORT = 49090
"""The runbook's ``curl http://localhost:9090/api/v1/query?query=rate(errors_total[5m])``, made high."""
API_ERRORS_PER_SECOND = {"ok": 0.02, "degraded": 2.5}
"""The API's ``errors_total`` pace: a request now and then fails; with the risk graph stale, most do."""
PROJECT = CONTAINER = "cloud-remediator-sage"
APP_SCRIPT = (
    'i=0; while true; do i=$((i+1)); s=$(cat /state/health 2>/dev/null || echo ok); '
    'if [ "$s" = ok ]; then echo "{\\"level\\":\\"info\\",\\"msg\\":\\"GET /health 200\\",\\"req\\":$i}"; '
    'else echo "{\\"level\\":\\"error\\",\\"msg\\":\\"risk graph stale: prowler ingest failing\\",'
    '\\"status\\":\\"$s\\",\\"req\\":$i}"; yes > /dev/null & p=$!; sleep 1; kill $p; fi; sleep 2; done'
)
INGEST_EVERY = 2
LATEST_OUTPUT = "prowler/latest/output-all-regions.json"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")

ALARMS: list[dict[str, Any]] = [
    {"AlarmName": "cloud-remediator-prowler-ingest-errors",
         "AlarmDescription": "High error rate of the Prowler ingest Lambda (runbook 004: Lambda Function Failures)",
         "Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": FN_DIMENSIONS, "Statistic": "Sum", "Period": 300,
         "EvaluationPeriods": 1, "Threshold": 5, "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "cloud-remediator-prowler-ingest-duration",
         "AlarmDescription": "Ingest close to its 300 s timeout (runbook 004: Timeout)",
         "Namespace": "AWS/Lambda", "MetricName": "Duration", "Dimensions": FN_DIMENSIONS, "Statistic": "Maximum", "Period": 300,
         "EvaluationPeriods": 1, "Threshold": 240000, "ComparisonOperator": "GreaterThanThreshold"},
    {"AlarmName": "cloud-remediator-neptune-cpu",
         "AlarmDescription": "Neptune CPU high (runbook 004: Neptune Database Issues)",
         "Namespace": "AWS/Neptune", "MetricName": "CPUUtilization",
         "Dimensions": [{"Name": "DBClusterIdentifier", "Value": CLUSTER}], "Statistic": "Average", "Period": 300,
         "EvaluationPeriods": 1, "Threshold": 80, "ComparisonOperator": "GreaterThanThreshold"},
]


class CloudRemediatorSage(RunbookScenario):
    name = "cloud-remediator-sage"
    profile = "cloud-remediator-sage.toml"
    LOOP = 150
    INCIDENT = (40, 110)

    def __init__(self, clients: dict[str, Any], *, containers: bool = True, docker_host: str | None = None,
                 prometheus: bool = True, prometheus_port: int | None = None, **options: Any) -> None:
        """``containers=False``: no container (tests that do not need one); ``docker_host``: run it on that
        engine instead of a private podman service; ``prometheus=False``: no Prometheus scraping the API's
        ``errors_total`` (``prometheus_port=0``: on a free port)."""
        super().__init__(clients, **options)
        self.want_prometheus = prometheus
        self.prometheus_port = PROMETHEUS_PORT if prometheus_port is None else prometheus_port
        self.prometheus: Any = None
        self.prometheus_url = ""
        self.exporter: Any = None
        self.api_errors = 0.0
        self._errors_at = time.monotonic()
        self._errors_lock = threading.Lock()  # the exporter's thread counts too
        self.errors = Window(30)
        self.durations = Window(30)
        self.health: Any = None
        self.health_url = ""
        self.containers = containers
        self.docker_host = docker_host
        self.podman: Any = None
        self.env: dict[str, str] = {}
        self.unavailable: dict[str, str] = {}
        self.state_dir: Path | None = None
        self.alarms = AlarmDriver(clients["cloudwatch"], ALARMS)
        self.duration_limit: float | None = None
        self.deployed = "2"
        """The version alias prod points to (what the scheduler runs)."""

    # ------------------------------------------------------------------ seed
    def seed(self, now: datetime) -> None:
        c = self.c
        role = create_role(c["iam"], ROLE)
        create_function(c["lambda"], FUNCTION, role, timeout=300, memory=512,
                        env={"NEPTUNE_ENDPOINT": f"{CLUSTER}.cluster-demo.us-east-1.neptune.amazonaws.com",
                             "FINDINGS_BUCKET": BUCKET, "LOG_LEVEL": "INFO"})
        # Two deployments behind the prod alias, the newer one just out: runbook 004's "review recent
        # deployments, consider rollback" has something to roll back to.
        c["lambda"].publish_version(FunctionName=FUNCTION, Description="stable: single-region ingest")
        c["lambda"].update_function_code(FunctionName=FUNCTION, ZipFile=lambda_zip("main", "# regional fan-out\n"))
        second = c["lambda"].publish_version(FunctionName=FUNCTION, Description="adds regional fan-out")["Version"]
        c["lambda"].create_alias(FunctionName=FUNCTION, Name="prod", FunctionVersion=second)
        # Neptune is an RDS-API cluster: the graph the ingest writes to, one writer instance.
        c["rds"].create_db_cluster_parameter_group(DBClusterParameterGroupName="cloud-remediator-neptune",
                                                   DBParameterGroupFamily="neptune1.3",
                                                   Description="query timeout 120 s (runbook 004: Neptune issues)")
        c["rds"].create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="neptune",
                                   DBClusterParameterGroupName="cloud-remediator-neptune")
        c["rds"].create_db_instance(DBInstanceIdentifier=f"{CLUSTER}-1", DBInstanceClass="db.r5.large", Engine="neptune",
                                    DBClusterIdentifier=CLUSTER)
        c["s3"].create_bucket(Bucket=BUCKET)
        c["s3"].put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})  # runbook: S3 recovery
        # The consolidated output the API serves, overwritten by a failed ingest with an empty list: the
        # runbook's S3 bucket recovery brings back the version before (s3.restore-version).
        c["s3"].put_object(Bucket=BUCKET, Key=LATEST_OUTPUT, Body=json.dumps(
            [{"region": region, "findings": 1200 + 37 * index} for index, region in enumerate(REGIONS)]).encode())
        c["s3"].put_object(Bucket=BUCKET, Key=LATEST_OUTPUT, Body=b"[]")
        for region in REGIONS:
            c["s3"].put_object(Bucket=BUCKET, Key=f"prowler/{now:%Y-%m-%d}/output-{region}.json", Body=b"[]")
        self.alarms.create()
        self.logs.create(LOG_GROUP, now)
        self.logs.create(AUDIT_LOG, now, lambda_style=False)
        self._history(now)
        for offset in range(60, 0, -INGEST_EVERY):
            self._ingest(now - timedelta(seconds=offset), incident=False, memory=512, timeout=300)
        for offset in range(60, 0, -3):
            self._audit(now - timedelta(seconds=offset))
        self._start_health()
        self._start_container()
        self._start_prometheus()

    def _start_prometheus(self) -> None:
        """The API exports ``errors_total``; a real Prometheus scrapes it every second (runbook: High Error Rates)."""
        if not self.want_prometheus:
            self.unavailable["prometheus"] = "this run starts no Prometheus"
            return
        from services.demo.engines import EngineFailed, EngineMissing
        from services.demo.prometheus_server import MetricsExporter, start_prometheus

        self.exporter = MetricsExporter(self.exposition)
        try:
            self.prometheus = start_prometheus([self.exporter.target], job="cloud-remediator-sage",
                                               port=self.prometheus_port)
        except (EngineMissing, EngineFailed) as error:
            where = f"127.0.0.1:{self.prometheus_port}" if self.prometheus_port else "a free port"
            self.unavailable["prometheus"] = f"Prometheus did not start on {where}: {error}"
            return
        self.prometheus_url = self.prometheus.url

    def _count_errors(self) -> float:
        """``errors_total`` now: the pace of the API's state since the last count, accumulated."""
        with self._errors_lock:
            now = time.monotonic()
            state = self.health.state if self.health is not None else "ok"
            self.api_errors += API_ERRORS_PER_SECOND.get(state, 2.5) * (now - self._errors_at)
            self._errors_at = now
            return self.api_errors

    def exposition(self) -> str:
        return ("# HELP errors_total Requests the remediation API answered with an error.\n"
                "# TYPE errors_total counter\n"
                f'errors_total{{service="cloud-remediator-sage"}} {self._count_errors():.3f}\n')

    def _start_health(self) -> None:
        from services.demo.health_server import HealthServer

        port = HEALTH_PORT if self.health_port is None else self.health_port
        try:
            self.health = HealthServer(port, path=HEALTH_PATH).start()
        except OSError as error:
            self.unavailable["health"] = (f"127.0.0.1:{port} is taken ({error.strerror}): the demo API's health "
                                          "endpoint could not listen there")
            return
        self.health_url = self.health.url

    def _start_container(self) -> None:
        from services.demo.engines import EngineFailed, EngineMissing, run_container, start_podman

        if not self.containers:
            self.unavailable["docker"] = "this run starts no container engine"
            return
        try:
            if self.docker_host is None:
                self.podman = start_podman()
            host = self.docker_host or self.podman.url
            import docker

            client = docker.DockerClient(base_url=host, timeout=30)
            self.state_dir = Path(tempfile.mkdtemp(prefix="cockpit-remediator-"))
            self.state_dir.chmod(0o755)
            self._write_health_state("ok")
            try:
                run_container(client, CONTAINER, ["sh", "-c", APP_SCRIPT], project=PROJECT, service="app",
                              volumes={str(self.state_dir): {"bind": "/state", "mode": "ro"}},
                              environment={"NODE_ENV": "production", "PORT": "3000"})
            finally:
                client.close()
        except (EngineMissing, EngineFailed) as error:
            self.unavailable["docker"] = str(error)
            return
        except Exception as error:
            log.exception("could not start the cloud-remediator-sage container")
            self.unavailable["docker"] = f"the container could not start: {error}"
            return
        self.env["DOCKER_HOST"] = host

    def _write_health_state(self, state: str) -> None:
        if self.state_dir is not None:
            temporary = self.state_dir / ".health"
            temporary.write_text(state + "\n")
            temporary.chmod(0o644)
            temporary.replace(self.state_dir / "health")

    def close(self) -> None:
        """Stop Prometheus and the health server, remove the container (and a private podman), by PID, never by name."""
        if self.prometheus is not None:
            self.prometheus.close()
            self.prometheus = None
        if self.exporter is not None:
            self.exporter.close()
            self.exporter = None
        if self.health is not None:
            self.health.stop()
            self.health = None
        try:
            if self.podman is not None:
                self.podman.close()
            elif self.docker_host is not None and "DOCKER_HOST" in self.env:
                import docker

                client = docker.DockerClient(base_url=self.docker_host, timeout=30)
                try:
                    client.containers.get(CONTAINER).remove(force=True)
                finally:
                    client.close()
        except Exception:
            log.exception("stopping the cloud-remediator-sage container failed")
        self.podman = None
        if self.state_dir is not None:
            shutil.rmtree(self.state_dir, ignore_errors=True)
            self.state_dir = None

    def _history(self, now: datetime) -> None:
        lam: list[dict[str, Any]] = []
        own: list[dict[str, Any]] = []
        neptune: list[dict[str, Any]] = []
        for stamp in minutes_back(now, self.history_minutes):
            runs = 60 // INGEST_EVERY
            errors = self.rng.choice([0] * 10 + [1])
            lam += [datum("Invocations", runs, stamp, dimensions=FN), datum("Errors", errors, stamp, dimensions=FN),
                    datum("Duration", self.rng.uniform(20_000, 90_000), stamp, "Milliseconds", FN),
                    datum("ConcurrentExecutions", self.rng.randint(1, 4), stamp, dimensions=FN)]
            own.append(datum("FindingsIngested", (runs - errors) * self.rng.randint(800, 2400), stamp))
            neptune.append(datum("CPUUtilization", self.rng.uniform(22, 48), stamp, "Percent", CLUSTER_DIMENSIONS))
        cw = self.c["cloudwatch"]
        put_metrics(cw, "AWS/Lambda", lam)
        put_metrics(cw, "CloudRemediator", own)
        put_metrics(cw, "AWS/Neptune", neptune)

    # ------------------------------------------------------------------ simulation
    def tick(self, now: datetime) -> None:
        self.tick_count += 1
        if self.tick_count % 60 == 0:
            self.logs.new_stream(LOG_GROUP, now)
        ran = failed = findings = concurrent = 0
        if self.tick_count % INGEST_EVERY == 0:
            config = self.c["lambda"].get_function_configuration(FunctionName=FUNCTION)
            ran = 1
            # Version 2's regional fan-out is what scans every region at once: rolled back to
            # version 1 (lambda.rollback on alias prod), the big scans stop as surely as with more memory.
            self.deployed = self._prod_version()
            failed, findings, duration = self._ingest(now, incident=self.in_incident and self.deployed != "1",
                                                       memory=int(config.get("MemorySize", 512)),
                                                       timeout=int(config.get("Timeout", 300)))
            concurrent = self.rng.randint(2, 6) if self.in_incident else self.rng.randint(1, 3)
            self.durations.push(duration)
            self.c["cloudwatch"].put_metric_data(Namespace="AWS/Lambda", MetricData=[
                datum("Duration", duration, now, "Milliseconds", FN),
                datum("ConcurrentExecutions", concurrent, now, dimensions=FN)])
        self.errors.push(failed)
        cw = self.c["cloudwatch"]
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
            datum("Invocations", ran, now, dimensions=FN), datum("Errors", failed, now, dimensions=FN)])
        cw.put_metric_data(Namespace="CloudRemediator", MetricData=[datum("FindingsIngested", findings, now)])
        cw.put_metric_data(Namespace="AWS/Neptune", MetricData=[
            datum("CPUUtilization", self.rng.uniform(25, 50), now, "Percent", CLUSTER_DIMENSIONS)])
        if self.tick_count % 3 == 0:
            self._audit(now)
        self.alarms.want("cloud-remediator-prowler-ingest-errors", self.errors.sum() > 5, self.errors.sum())
        if self.tick_count % 5 == 0 or self.duration_limit is None:  # the alarm's threshold, as a responder left it
            self.duration_limit = self.alarms.threshold("cloud-remediator-prowler-ingest-duration")
        self.alarms.want("cloud-remediator-prowler-ingest-duration", self.durations.max() > self.duration_limit,
                         self.durations.max(), self.duration_limit)
        self.alarms.want("cloud-remediator-neptune-cpu", False, 0.0)
        state = "degraded" if self.errors.sum() >= 2 else "ok"
        if self.health is not None and self.health.state != state:
            if self.exporter is not None:
                self._count_errors()  # the old state's pace up to now
            self.health.state = state
            self._write_health_state(state)

    def _prod_version(self) -> str:
        try:
            return str(self.c["lambda"].get_alias(FunctionName=FUNCTION, Name="prod")["FunctionVersion"])
        except Exception:  # the alias removed by hand: run as deployed
            return "$LATEST"

    def _ingest(self, stamp: datetime, *, incident: bool, memory: int, timeout: int) -> tuple[int, int, float]:
        """One ingest of a Prowler output; returns failed, findings written, duration ms."""
        request = request_id(self.rng)
        at = iso(stamp)
        all_regions = incident and self.rng.random() < 0.7
        region = "all-regions" if all_regions else self.rng.choice(REGIONS)
        findings = self.rng.randint(30_000, 42_000) if all_regions else self.rng.randint(400, 2_400)
        need_mb = 180 + findings // 60
        need_ms = findings * self.rng.uniform(4.0, 6.0) * (0.5 if memory >= 1024 else 1.0) + 2_000
        key = f"prowler/{stamp:%Y-%m-%d}/output-{region}.json"

        def line(level: str, message: str) -> str:
            return f"[{level}]\t{at}\t{request}\t{message}"

        lines = [f"START RequestId: {request} Version: {self.deployed}",
                 line("INFO", f"Processing s3://{BUCKET}/{key} ({findings:,} findings)")]
        failed = written = 0
        if need_mb > memory:
            duration, used, failed = need_ms * 0.6, memory, 1
            lines += [line("ERROR", f"MemoryError while building the risk graph batch for {findings:,} findings"),
                      f"{at} {request} Error: Runtime exited with error: signal: killed Runtime.ExitError"]
        elif need_ms > timeout * 1000:
            duration, used, failed = timeout * 1000.0, need_mb, 1
            lines.append(f"{at} {request} Task timed out after {timeout:.2f} seconds")
        else:
            duration, used, written = need_ms, need_mb, findings
            lines.append(line("INFO", f"Upserted {findings:,} findings into Neptune ({CLUSTER}) in {need_ms / 1000:.1f} s"))
        lines += [f"END RequestId: {request}", report_line(request, duration, memory, min(used, memory))]
        self.logs.put(LOG_GROUP, stamp, lines)
        return failed, written, duration

    def _audit(self, stamp: datetime) -> None:
        millis = self.rng.randint(4, 60) if self.rng.random() < 0.9 else self.rng.randint(900, 4_200)
        query = self.rng.choice(["g.V().hasLabel('finding').has('severity','HIGH').count()",
                                 "g.V().hasLabel('asset').out('has_finding').limit(100)",
                                 "g.V().hasLabel('remediation').has('status','pending').valueMap()"])
        self.logs.put(AUDIT_LOG, stamp, [f"{int(stamp.timestamp() * 1000)}, 10.0.1.{self.rng.randint(10, 60)}:"
                                         f"{self.rng.randint(40000, 60000)}, 10.0.2.15:8182, HTTP_POST, [unknown], "
                                         f"[unknown], {millis} ms, {query}"])
