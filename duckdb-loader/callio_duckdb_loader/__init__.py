"""A Singer loader for DuckDB: spools each stream's RECORD lines to files and lands every batch
with DuckDB's own JSON reader, typed from the SCHEMA message (never sniffed), in one transaction,
emitting STATE only after the commit. The raw tables it writes are those of target-duckdb 0.8.0
(names, columns, types), so a warehouse made by that loader keeps loading."""
