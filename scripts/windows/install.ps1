# Install the pipeline on Windows for real use (no simulator, no demo data), then check the
# configuration. Run from any folder, in PowerShell:
#     powershell -ExecutionPolicy Bypass -File scripts\windows\install.ps1 -Environment prod
# Needs Python 3.11 (the "py" launcher). Idempotent: run it again after an update.
param(
    [ValidateSet("dev", "prod")] [string] $Environment = "prod"
)
$ErrorActionPreference = "Stop"
Set-Location (Resolve-Path (Join-Path $PSScriptRoot "..\.."))
$env:MELTANO_SEND_ANONYMOUS_USAGE_STATS = "false"

if (-not (Test-Path ".venv\Scripts\python.exe")) {
    Write-Host "==> creating .venv"
    py -3.11 -m venv .venv
}
Write-Host "==> installing requirements.txt into .venv"
& .venv\Scripts\python.exe -m pip install -q -r requirements.txt
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }

# Only the plugins the environment's jobs use (prod: BigQuery; dev: DuckDB).
if ($Environment -eq "prod") { $plugins = @("tap-callio", "target-bigquery", "dbt-bigquery") }
else { $plugins = @("tap-callio", "target-duckdb", "dbt-duckdb") }
Write-Host "==> meltano install $($plugins -join ' ')"
& .venv\Scripts\meltano.exe install @plugins
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }

New-Item -ItemType Directory -Force -Path logs | Out-Null
if (-not (Test-Path ".env")) {
    Copy-Item .env.example .env
    Write-Host "==> created .env from .env.example: fill it in, then run this script again"
    exit 1
}
Write-Host "==> preflight"
& .venv\Scripts\python.exe -m orchestrate.preflight --environment=$Environment
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Write-Host "==> ready. Schedule it with:"
Write-Host "    .venv\Scripts\python.exe -m orchestrate.schtasks --environment=$Environment > schedule.cmd"
Write-Host "    (review schedule.cmd, then run it once in an elevated prompt)"
