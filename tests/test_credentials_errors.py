"""Missing, partial or expired AWS credentials are named as such, with how to provide them (Keys item 4)."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.aws.session import AwsSession, AwsTarget, translate
from services.errors import CredentialsExpired, NoCredentials

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An environment where botocore finds nothing: no variables, empty ~/.aws, no instance metadata."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".aws").mkdir()
    return tmp_path


def _call(moto: str, **target) -> Exception:
    session = AwsSession(AwsTarget(region="us-east-1", endpoint_url=moto, **target))
    with pytest.raises(Exception) as caught:
        session.call("logs", "describe_log_groups")
    return caught.value


def test_no_credentials_says_what_is_missing_and_how_to_provide_it(moto, no_credentials) -> None:
    error = _call(moto)
    assert isinstance(error, NoCredentials) and not error.retry  # waiting will not create credentials
    text = str(error)
    assert text.startswith("no AWS credentials")
    assert "access denied" not in text
    for remedy in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "--aws-profile", "aws sso login"):
        assert remedy in text, remedy


def test_partial_credentials_name_the_missing_variable(moto, no_credentials, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    error = _call(moto)
    assert isinstance(error, NoCredentials)
    assert "missing: AWS_SECRET_ACCESS_KEY" in str(error) and "AKIAEXAMPLE" not in str(error)


def test_an_unknown_aws_profile_is_named(moto, no_credentials) -> None:
    error = _call(moto, profile="prod-readonly")
    assert isinstance(error, NoCredentials)
    assert "prod-readonly" in str(error) and "--aws-profile" in str(error)


def test_an_expired_sso_session_asks_for_aws_sso_login_with_its_profile(moto, no_credentials) -> None:
    start_url = "https://example.awsapps.com/start"
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        "[profile ops]\n"
        f"sso_start_url = {start_url}\nsso_region = us-east-1\nsso_account_id = 123456789012\n"
        "sso_role_name = ReadOnly\nregion = us-east-1\n")
    cache = no_credentials / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    token = {"startUrl": start_url, "region": "us-east-1", "accessToken": "token", "expiresAt": "2020-01-01T00:00:00Z"}
    (cache / f"{hashlib.sha1(start_url.encode()).hexdigest()}.json").write_text(json.dumps(token))
    error = _call(moto, profile="ops")
    assert isinstance(error, CredentialsExpired)
    assert "aws sso login --profile ops" in str(error)


def test_token_retrieval_errors_are_expired_credentials() -> None:
    from botocore.exceptions import TokenRetrievalError

    error = translate(TokenRetrievalError(provider="sso", error_msg="Token has expired and refresh failed"),
                      "logs.describe_log_groups")
    assert isinstance(error, CredentialsExpired)
    assert "Token has expired" in str(error) and "aws sso login" in str(error)


def test_cockpit_plan_without_credentials_says_so(moto, no_credentials) -> None:
    from services.demo.catalog import scenario_profile_path

    result = subprocess.run(
        [sys.executable, "-m", "tui.cli.main", "plan", "lambda.set-timeout", "customer-sentra-scanner", "timeout=600",
         "--profile", str(scenario_profile_path("sentra-scanner")), "--endpoint-url", moto],
        check=False, capture_output=True, text=True, timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("cockpit plan: no AWS credentials"), result.stderr
    assert "AWS_ACCESS_KEY_ID" in result.stderr and "access denied" not in result.stderr
