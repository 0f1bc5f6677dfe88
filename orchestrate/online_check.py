"""``python -m orchestrate.preflight --online``: the preflight's checks that need the network.

- Callio: one login per tenant (an API token: one page of one staff record), each within
  ONLINE_TIMEOUT_S seconds. A login is what a job does too: Callio lets one session live per
  account, so a check while a job runs makes that job log in again once (it does so by itself).
- The warehouse: BigQuery's host answers and the key can read the raw dataset; a DuckDB file is
  not held by another process.

Each failure is one line naming the tenant or the host and where it is configured; never a secret.
"""

from __future__ import annotations

from pathlib import Path

import requests

from orchestrate import bigquery_project, project_files, tap_rules, warehouse, warehouse_probe

ONLINE_TIMEOUT_S = 10.0
TAP = "tap-callio"


def callio_problems(environment: str) -> list[str]:
    api = project_files.configured(environment, TAP, "api_url")
    base = str(api.value).rstrip("/")
    listed, where = tap_rules.configured_accounts(environment)
    found = []
    with requests.Session() as session:
        for account in listed:
            tenant = account["tenant"]
            try:
                if account.get("password"):
                    answer = session.post(f"{base}/auth/login", timeout=ONLINE_TIMEOUT_S,
                                          json={"email": account.get("email"), "password": account["password"]})
                    refused = answer.status_code >= 400 or not _has_token(answer)
                    what = f"the login of {account.get('email')}"
                else:
                    answer = session.get(f"{base}/user", params={"page": 1, "pageSize": 1}, timeout=ONLINE_TIMEOUT_S,
                                         headers={"token": account["token"]})
                    refused = answer.status_code >= 400
                    what = "its API token"
            except requests.RequestException as exc:
                found.append(f"tenant {tenant}: Callio at {base} ({api.label(TAP, 'api_url')}) cannot be reached: "
                             f"{type(exc).__name__}")
                continue
            if refused:
                found.append(f"tenant {tenant}: Callio refused {what} (HTTP {answer.status_code}), configured in {where}")
    return found


def _has_token(answer: requests.Response) -> bool:
    try:
        return bool(answer.json().get("token"))
    except (ValueError, AttributeError):
        return False


def warehouse_problems(environment: str, job: str | None) -> list[str]:
    bigquery = any(p in ("target-bigquery", "dbt-bigquery") for p in project_files.plugins_of_job(job)) if job \
        else environment == "prod"
    if not bigquery:
        path = project_files.configured(environment, "target-duckdb", "filepath").value
        holder = warehouse_probe.duckdb_holder(Path(str(path)).expanduser()) if path else None
        return [f"the warehouse file {path} is held by another process: {holder.describe()}"] if holder else []
    if problem := warehouse_probe.bigquery_problem():
        return [problem]
    store = warehouse.connect(environment, bigquery=True)
    try:
        store.client.get_dataset(f"{store.client.project}.{store.raw}", timeout=ONLINE_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - any answer but the dataset is the line to print
        return [f"BigQuery dataset {store.client.project}.{store.raw} (BQ_RAW_DATASET_ID, project from "
                f"{bigquery_project.choose().note.split(', ', 1)[-1]}) cannot be read: {type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:200]}"]
    return []


def problems(environment: str, job: str | None) -> list[str]:
    return [*callio_problems(environment), *warehouse_problems(environment, job)]

