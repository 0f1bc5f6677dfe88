"""A BigQuery client with the credentials dbt-bigquery uses (transform/profiles.yml's variables):
the report, the schema-change record and the freshness check read the same warehouse the same way.

``endpoint`` is an emulator's address (anonymous credentials then); otherwise a service-account
key, inline JSON or a file, else Google's application default credentials.
"""

from __future__ import annotations

import json


def client(project: str, location: str | None = None, key_file: str | None = None, key_json: str | None = None,
           endpoint: str | None = None):
    from google.cloud import bigquery  # noqa: PLC0415 (DuckDB-only servers never import it)

    options = {"api_endpoint": endpoint} if endpoint else None
    if endpoint:
        from google.auth.credentials import AnonymousCredentials  # noqa: PLC0415

        credentials = AnonymousCredentials()
    elif key_json:
        from google.oauth2 import service_account  # noqa: PLC0415

        credentials = service_account.Credentials.from_service_account_info(json.loads(key_json.strip().strip("'")))
    elif key_file:
        from google.oauth2 import service_account  # noqa: PLC0415

        credentials = service_account.Credentials.from_service_account_file(key_file)
    else:
        credentials = None  # application default credentials
    return bigquery.Client(project=project, credentials=credentials, location=location, client_options=options)
