@echo off
rem Run one job of this project, for Task Scheduler (see python -m orchestrate.schtasks) or by hand:
rem     scripts\windows\run_job.cmd ENVIRONMENT JOB        e.g.  run_job.cmd prod callio-all-bq
rem     scripts\windows\run_job.cmd ENVIRONMENT freshness  the hourly freshness check (orchestrate.freshness)
rem Works from any starting folder: it changes to the project folder first (two levels up).
rem Appends a start line, everything the run prints and an exit-code line to logs\scheduler.log;
rem the full log of each run is under logs\runs\. Exit code: the job runner's.
setlocal
chcp 65001 > nul
set PYTHONUTF8=1
set PYTHONIOENCODING=utf-8
cd /d "%~dp0..\.."
if not exist logs mkdir logs
echo %date% %time% start %1 %2 >> logs\scheduler.log
if "%2"=="freshness" (
  ".venv\Scripts\python.exe" -m orchestrate.freshness --environment=%1 >> logs\scheduler.log 2>&1
) else (
  ".venv\Scripts\python.exe" -m orchestrate.run_job --no-wait --environment=%1 %2 >> logs\scheduler.log 2>&1
)
set code=%ERRORLEVEL%
echo %date% %time% exit %code% %1 %2 >> logs\scheduler.log
exit /b %code%
