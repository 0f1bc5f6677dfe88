"""The SQL that reads a batch's spool files: the ``columns`` given to ``read_json`` (the whole
RECORD message, its record as a STRUCT shaped by the schema) and one checked expression per
column.

Nothing is sniffed: every value is read as its schema's type says. DuckDB's casts are lenient
(1.5 into a BIGINT rounds to 2, true becomes 1, "yes" a true boolean), so integers, numbers
and booleans are read as JSON and cast only when the JSON value is of that kind; any other
value stops the batch with a line naming the stream and the column. A key that is missing or
null is NULL; no other value ever becomes NULL, and a RECORD without its record stops the batch.
"""

from __future__ import annotations

from collections.abc import Sequence

from .columns import Column, Kind, Source
from .naming import quote

# What read_json produces for each kind, before the checks below.
READ_TYPE = {
    Kind.INTEGER: "JSON",
    Kind.NUMBER: "JSON",
    Kind.BOOLEAN: "JSON",
    Kind.STRING: "VARCHAR",  # a string as is; any other JSON value as its JSON text
    Kind.TIMESTAMP: "TIMESTAMPTZ",  # ISO 8601; an offset is applied, no offset means UTC
    Kind.TIME: "TIME",
    Kind.JSON: "JSON",
    Kind.JSON_TEXT: "JSON",
}

# json_type() of the values each checked kind accepts.
ACCEPTED_JSON_TYPES = {
    Kind.INTEGER: ("BIGINT", "UBIGINT"),
    Kind.NUMBER: ("BIGINT", "UBIGINT", "DOUBLE"),
    Kind.BOOLEAN: ("BOOLEAN",),
}
CAST_TYPE = {Kind.INTEGER: "HUGEINT", Kind.NUMBER: "DOUBLE", Kind.BOOLEAN: "BOOLEAN"}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _struct_type(tree: dict) -> str:
    fields = []
    for name, child in tree.items():
        fields.append(f"{quote(name)} {child if isinstance(child, str) else _struct_type(child)}")
    return f"STRUCT({', '.join(fields)})"


def read_columns(columns: Sequence[Column]) -> dict[str, str]:
    """read_json's ``columns``: the message's record (a STRUCT of exactly the schema's values)
    and its time_extracted. Other keys of the message and of the record are not read."""
    tree: dict = {}
    for column in columns:
        if column.source is not Source.RECORD:
            continue
        node = tree
        for part in column.path[:-1]:
            node = node.setdefault(part, {})
        node[column.path[-1]] = READ_TYPE[column.kind]
    read = {"record": _struct_type(tree) if tree else "JSON"}
    if any(column.source is Source.TIME_EXTRACTED for column in columns):
        read["time_extracted"] = "TIMESTAMPTZ"
    return read


def _json_word(value: str) -> str:
    """JSON's own word for the kind of a value (json_type says UBIGINT, VARCHAR, ...)."""
    return (f"CASE json_type({value}) WHEN 'VARCHAR' THEN 'string' WHEN 'DOUBLE' THEN 'number'"
            f" WHEN 'BOOLEAN' THEN 'boolean' WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array'"
            " ELSE 'integer' END")


def _value(column: Column) -> str:
    return "record." + ".".join(quote(part) for part in column.path)


def expression(stream: str, column: Column, table_type: str) -> str:
    """The checked value of ``column``, cast to the table's column type ``table_type``."""
    if column.source is Source.TIME_EXTRACTED:
        value = "CAST(time_extracted AS TIMESTAMP)"
    elif column.source is Source.BATCHED_AT:
        value = "CAST($batched_at AS TIMESTAMP)"
    else:
        value = _value(column)
        if column.kind in ACCEPTED_JSON_TYPES:
            accepted = ", ".join(_literal(t) for t in ACCEPTED_JSON_TYPES[column.kind])
            problem = _literal(f"callio-target-duckdb: stream {stream}: column {column.name}: "
                               f"the schema says {column.kind.value}, a record holds a JSON ")
            value = (f"CASE WHEN {value} IS NULL OR json_type({value}) = 'NULL' THEN NULL"
                     f" WHEN json_type({value}) IN ({accepted})"
                     f" THEN CAST({value} AS {CAST_TYPE[column.kind]})"
                     f" ELSE error({problem} || {_json_word(value)}) END")
        elif column.kind is Kind.JSON_TEXT:
            # The SDK's flattening keeps a string as it is and writes anything else as JSON.
            value = (f"CASE WHEN json_type({value}) = 'VARCHAR' THEN {value} ->> '$'"
                     f" ELSE CAST({value} AS VARCHAR) END")
        elif column.kind is Kind.TIMESTAMP:
            value = f"CAST({value} AS TIMESTAMP)"
    return f"CAST({value} AS {table_type})"


def insert_sql(table: str, stream: str, columns: Sequence[Column], table_types: dict[str, str]) -> str:
    """INSERT of one batch: ``$files`` (the spool files), ``$columns`` (read_columns) and
    ``$batched_at`` are bound by the caller."""
    names = ", ".join(quote(column.name) for column in columns)
    values = ",\n  ".join(expression(stream, column, table_types[column.name]) for column in columns)
    # A RECORD message without its record object (the key missing or null) would land as a row of
    # NULLs: it stops the batch instead (an empty object is a record whose values are all absent).
    missing = _literal(f"callio-target-duckdb: stream {stream}: a RECORD message without a record object")
    return (f"INSERT INTO {table} ({names})\nSELECT\n  {values}\n"
            "FROM read_json($files, columns = $columns, format = 'newline_delimited',"
            " records = true, auto_detect = false)\n"
            f"WHERE CASE WHEN record IS NULL THEN error({missing}) ELSE true END")
