"""Paginators: plain page numbers for the small snapshot endpoints, and keyset
paging on the sort key for the large incremental ones.

Keyset paging (read newest first inside one time slice ``[lo, hi]``):

1. request page 1 of ``[lo, upper]`` (``upper`` starts at ``hi``), sorted by
   the key descending;
2. the smallest key on that page becomes the new ``upper``; the ids already
   read at exactly that key are remembered (the "boundary") so that the next
   page, which starts again at that key, skips them;
3. when a whole page shares one key, the bound cannot move: page through that
   exact millisecond (``from = to = key``) by offset, then continue below it.

No request ever asks for ``page * pageSize`` beyond the result window, and
records inserted or updated during the scan cannot shift the pages (they land
above ``upper``), unlike offset paging.
"""

from __future__ import annotations

import dataclasses
import typing as t

from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override

from tap_callio import envelope
from tap_callio.parsing import parse_epoch_ms
from tap_callio.records import record_id

if t.TYPE_CHECKING:
    import requests

RESULT_WINDOW = 10_000


class ResultWindowExceeded(RuntimeError):
    """More records share one millisecond than the API lets anyone page through."""


class SnapshotPaginator(BaseAPIPaginator[int]):
    """Page numbers 1, 2, ... while the envelope says ``hasNextPage``."""

    def __init__(self) -> None:
        super().__init__(1)

    @override
    def has_more(self, response: requests.Response) -> bool:
        return envelope.has_next_page(response)

    @override
    def get_next(self, response: requests.Response) -> int:
        return self.current_value + 1

    @override
    def continue_if_empty(self, response: requests.Response) -> bool:
        return True  # has_more decides, silently (the SDK logs a line when this is False)


@dataclasses.dataclass(frozen=True)
class KeysetToken:
    upper: int
    page: int = 1
    exact: bool = False

    def query_bounds(self, lo: int) -> tuple[int, int]:
        return (self.upper, self.upper) if self.exact else (lo, self.upper)


class KeysetPaginator(BaseAPIPaginator[KeysetToken]):
    """Keyset paginator over one inclusive time slice ``[lo, hi]``."""

    def __init__(self, *, lo: int, hi: int, key: str, page_size: int) -> None:
        super().__init__(KeysetToken(upper=hi))
        self.lo = lo
        self.key = key
        self.page_size = page_size
        self.boundary_key: int | None = None
        self.boundary_ids: set[str] = set()
        self._keyed_page: tuple[requests.Response, list[tuple[str, int]]] | None = None

    # -- used by the stream while parsing a page -------------------------------

    def in_range(self, key_value: int) -> bool:
        """Client-side check of the server filter (never trust it alone)."""
        return self.lo <= key_value <= self.current_value.upper

    def already_read(self, doc_id: str, key_value: int) -> bool:
        return key_value == self.boundary_key and doc_id in self.boundary_ids

    # -- pagination -----------------------------------------------------------

    @override
    def continue_if_empty(self, response: requests.Response) -> bool:
        # A page whose records were all already read (boundary duplicates) is empty after
        # parsing but the scan may go on: has_more decides, as for any page. (When this
        # returns False the SDK logs "Pagination stopped after 0 pages" for every empty slice.)
        return True

    @override
    def has_more(self, response: requests.Response) -> bool:
        token = self.current_value
        if token.exact:
            return envelope.has_next_page(response) or token.upper - 1 >= self.lo
        if not envelope.has_next_page(response):
            return False
        # A server that ignored the time filter: once keys go below the slice,
        # everything after them is older still.
        return not any(key < self.lo for _, key in self._keyed(response))

    @override
    def get_next(self, response: requests.Response) -> KeysetToken | None:
        token = self.current_value
        keyed = [(i, k) for i, k in self._keyed(response) if self.lo <= k <= token.upper]

        if token.exact:
            self._remember(token.upper, [i for i, k in keyed if k == token.upper])
            if envelope.has_next_page(response):
                return self._offset_page(token)
            # this millisecond is done: continue strictly below it
            return KeysetToken(upper=token.upper - 1)

        if not keyed:
            # nothing usable on this page (all unparseable): plain next page
            return self._offset_page(token)

        smallest = min(k for _, k in keyed)
        if smallest < token.upper:
            self.boundary_key = smallest
            self.boundary_ids = {i for i, k in keyed if k == smallest}
            return KeysetToken(upper=smallest)

        # a whole page at one millisecond: read that millisecond by offset
        self._remember(smallest, [i for i, _ in keyed])
        return KeysetToken(upper=smallest, page=1, exact=True)

    def _offset_page(self, token: KeysetToken) -> KeysetToken:
        following = token.page + 1
        if following * self.page_size > RESULT_WINDOW:
            msg = f"more than {RESULT_WINDOW} records at {self.key}={token.upper}; the API cannot page that deep"
            raise ResultWindowExceeded(msg)
        return dataclasses.replace(token, page=following)

    def _remember(self, key_value: int, ids: list[str]) -> None:
        if self.boundary_key != key_value:
            self.boundary_key = key_value
            self.boundary_ids = set()
        self.boundary_ids.update(ids)

    def _keyed(self, response: requests.Response) -> list[tuple[str, int]]:
        """(id, key) of each usable document of the page; worked out once per page (has_more
        and get_next both need them)."""
        if self._keyed_page is not None and self._keyed_page[0] is response:
            return self._keyed_page[1]
        pairs = []
        for doc in envelope.docs(response):
            if not isinstance(doc, dict):
                continue
            doc_id = record_id(doc)
            key_value = parse_epoch_ms(doc.get(self.key))
            if doc_id and key_value is not None:
                pairs.append((doc_id, key_value))
        self._keyed_page = (response, pairs)
        return pairs
