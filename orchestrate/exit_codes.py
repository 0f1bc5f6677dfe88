"""The job runner's exit codes, in one place (README "Exit codes" lists them for operators).

    0    every task ran and every tenant and stream is complete
    1    a task or a tenant's stream failed (the others were still run)
    2    the configuration was refused before anything ran (one line per problem)
    3    nothing failed, but a tenant's stream stopped at the record cap (max_records_per_run /
         LIMIT_RECORDS_PER_ENDPOINT) and its bookmark is behind: the data is not current
    128+N  stopped by signal N (SIGTERM: 143, Ctrl-C: 130)
"""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_BEHIND = 3
