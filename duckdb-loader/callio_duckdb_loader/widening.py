"""Which column type a table keeps when a stream's schema changes.

A column's type only ever widens: integer -> number, a smaller integer -> a larger one, and
anything -> string (VARCHAR holds every JSON value as text). A type the column already holds
(an integer in a DOUBLE column, anything in a VARCHAR one) keeps the column as it is. Every
other change cannot land without losing values, so the load stops with one line naming the
stream, the column and both types.
"""

from __future__ import annotations

from .columns import Column, Kind
from .errors import LoadError

INTEGER_RANK = {"TINYINT": 1, "SMALLINT": 2, "INTEGER": 3, "BIGINT": 4, "HUGEINT": 5,
                "UTINYINT": 1, "USMALLINT": 2, "UINTEGER": 3, "UBIGINT": 4, "UHUGEINT": 5}
NUMBER_TYPES = {"DOUBLE", "FLOAT", "REAL"}
STRING_KINDS = {Kind.STRING, Kind.JSON_TEXT}


def _holds(table_type: str, column: Column) -> bool:
    if table_type == "VARCHAR":
        return True
    if table_type in INTEGER_RANK:
        return column.kind is Kind.INTEGER and INTEGER_RANK[table_type] >= INTEGER_RANK[column.sql_type]
    if table_type in NUMBER_TYPES or table_type.startswith("DECIMAL"):
        return column.kind in (Kind.INTEGER, Kind.NUMBER) and table_type not in ("FLOAT", "REAL")
    return table_type == column.sql_type


def _widened(table_type: str, column: Column) -> str | None:
    if column.kind in STRING_KINDS:
        return "VARCHAR"
    if table_type in INTEGER_RANK and column.kind is Kind.NUMBER:
        return "DOUBLE"
    if table_type in INTEGER_RANK and column.kind is Kind.INTEGER:
        return column.sql_type
    if table_type in ("FLOAT", "REAL") and column.kind in (Kind.INTEGER, Kind.NUMBER):
        return "DOUBLE"
    return None


def column_type_after(stream: str, table: str, table_type: str, column: Column) -> str:
    """The type ``column`` has once this schema's records land in ``table``: ``table_type`` if
    it holds them, else the widened type; raises LoadError when no widening exists."""
    table_type = table_type.upper()
    if _holds(table_type, column):
        return table_type
    widened = _widened(table_type, column)
    if widened is None:
        raise LoadError(
            f"stream {stream}: column {column.name} is {table_type} in {table}, the new schema"
            f" says {column.kind.value} ({column.sql_type}), and {table_type} cannot widen to"
            " it: nothing of this stream was loaded")
    return widened
