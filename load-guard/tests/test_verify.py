"""The comparison of sent and landed counts (warehouse replaced by a dict: pure logic)."""

from callio_load_guard.verify import find_shortfalls


class DictCounter:
    def __init__(self, landed):
        self.landed = landed
        self.queries = []

    def table_label(self, stream):
        return f"raw.{stream}"

    def count_landed(self, stream, has_tenant, load_id):
        self.queries.append((stream, has_tenant, load_id))
        return self.landed.get(stream, {})


def test_everything_landed_means_no_shortfall_and_one_query_per_stream():
    counter = DictCounter({"calls": {"PK": 3, "HN": 1}, "customers": {"PK": 2}})
    sent = {("calls", "PK"): 3, ("calls", "HN"): 1, ("customers", "PK"): 2}
    assert find_shortfalls(sent, {"calls": True, "customers": True}, counter, "L") == []
    assert sorted(counter.queries) == [("calls", True, "L"), ("customers", True, "L")]


def test_short_and_missing_tables_are_reported_per_tenant():
    counter = DictCounter({"calls": {"PK": 1200, "HN": 7}})
    sent = {("calls", "PK"): 1200, ("calls", "HN"): 8, ("customers", "PK"): 5}
    found = find_shortfalls(sent, {"calls": True, "customers": True}, counter, "L")
    assert [(s.stream, s.tenant, s.sent, s.landed) for s in found] == [
        ("calls", "HN", 8, 7), ("customers", "PK", 5, 0)]
    assert found[0].message() == ("load-guard: calls/HN: sent 8 records, 7 landed in raw.calls"
                                  " — bookmark not advanced, the next run re-reads them")


def test_more_rows_than_sent_is_not_a_loss():
    counter = DictCounter({"calls": {"PK": 4}})
    assert find_shortfalls({("calls", "PK"): 3}, {"calls": True}, counter, "L") == []


def test_streams_without_tenant_column_compare_totals_and_empty_tenant_equals_null():
    counter = DictCounter({"events": {None: 5}, "calls": {None: 2, "PK": 1}})
    sent = {("events", "x"): 3, ("events", None): 2, ("calls", None): 2, ("calls", "PK"): 1}
    found = find_shortfalls(sent, {"events": False, "calls": True}, counter, "L")
    assert found == []
    counter = DictCounter({"calls": {"": 1}})
    found = find_shortfalls({("calls", None): 2}, {"calls": True}, counter, "L")
    assert [(s.tenant, s.sent, s.landed) for s in found] == [(None, 2, 1)]
    assert "calls/(no tenant)" in found[0].message()
