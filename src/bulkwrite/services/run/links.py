"""A child resource's rows tied to their parent records (contract section 12), inside each
chunk's transaction: the link column's parent values become parent record ids (orphans and rows
past the per-parent limit SKIPPED), an updated parent's old subform rows are replaced, links
that exist already are kept, and line items get their computed Total and Net_Total."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from bulkwrite.domain.modules import NUMBER_TYPES, ModuleKind
from bulkwrite.domain.outcome import RowCode
from bulkwrite.importer.chunk import PreparedChunk
from bulkwrite.services.dry_run import Rehearsal
from bulkwrite.store.base import Tx

#: A line item's price fields: what a computed Total / Net_Total is made of.
LINE_ITEM = ("Quantity", "List_Price", "Total", "Net_Total")


class ParentTally:
    """The per-parent limit of child rows, counted as the chunks come: how many rows of the
    file before a chunk name each parent is kept for the chunk being written and the next one
    (a retried chunk and the next both find theirs); a run resumed at any other row counts the
    rows before it again from the file (``earlier``: the parent ids of its first n rows)."""

    def __init__(self, limit: int, earlier: Callable[[int], pl.Series]) -> None:
        self.limit, self._earlier = limit, earlier
        self._known: dict[int, pl.DataFrame] = {0: _counts(pl.Series("id", [], pl.Int64))}

    def beyond(self, ids: pl.Series, first_row: int) -> pl.Series:
        """Which rows of a chunk starting at ``first_row`` (their parent ids; null: none) are
        past the limit for their parent, counting every earlier row naming it."""
        base = self._known.get(first_row)
        if base is None:
            base = _counts(self._earlier(first_row))
        rows = pl.DataFrame({"id": ids.cast(pl.Int64)}).join(
            base, on="id", how="left", maintain_order="left"
        )
        nth = pl.col("n").fill_null(0) + pl.int_range(pl.len()).over("id")
        over = rows.select((nth >= self.limit) & pl.col("id").is_not_null()).to_series()
        after = pl.concat([base, _counts(ids)]).group_by("id").agg(pl.col("n").sum())
        self._known = {first_row: base, first_row + len(ids): after}
        return over


def _counts(ids: pl.Series) -> pl.DataFrame:
    """How many times each non-null id occurs: ``id``, ``n`` (Int64)."""
    frame = pl.DataFrame({"id": ids.cast(pl.Int64)}).drop_nulls()
    return frame.group_by("id").agg(pl.len().cast(pl.Int64).alias("n"))


@dataclass(frozen=True)
class ChildLinks:
    """How the rows of one child resource find their parents; built once per run from the
    parent's CSV and its committed per-row outcomes (``services/run/resources.py``)."""

    field: str  # the child's lookup to the parent (``Parent_Id``, or a linking module's)
    label: str  # the header of the child CSV's column holding parent values
    parents: pl.DataFrame  # ``key``: a parent CSV value; ``id``: the record of its first row
    tally: ParentTally  # how many earlier child rows each parent has: the per-parent limit
    kind: ModuleKind
    replaced: frozenset[int]  # parents the job updated: their older subform rows are replaced
    other: str | None  # a linking / multi-user module's other side: links kept if present
    prices: tuple[str, str] | None = None  # (Products table, its price column) for line items
    other_label: str = ""  # the header of the other side's column
    job_id: int = 0  # the job writing the links

    def attach(self, chunk: PreparedChunk, first_row: int) -> None:
        """Put each row's parent record id in the link field; flag orphans and rows past the
        limit."""
        text = chunk.values[self.field].cast(pl.String).str.strip_chars()
        ids = parent_ids(text, self.parents)
        chunk.flag(RowCode.RESOURCE_NOT_FOUND, self.label, ids.is_null())
        chunk.flag(RowCode.LIMIT_EXCEEDED, self.label, self.tally.beyond(ids, first_row))
        chunk.values[self.field] = ids
        chunk.present[self.field] = pl.repeat(True, chunk.size, eager=True)

    def before_write(
        self, tx: Tx, table: str, job_id: int, chunk: PreparedChunk, dry: Rehearsal | None = None
    ) -> pl.Series:
        """What the rows about to be written need first; returns the id of the link each row
        already is (null: a new row to insert). ``dry``: a dry run's earlier chunks."""
        ok, ids = chunk.ok(), chunk.values[self.field]
        if self.kind is ModuleKind.SUBFORM:
            if self.replaced:
                gone = ids.filter(ok & ids.is_in(list(self.replaced))).unique().to_list()
                if gone:
                    tx.delete_children(table, self.field, gone, job_id)
            if self.prices is not None:
                self._line_totals(tx, chunk)
            return pl.repeat(None, chunk.size, dtype=pl.Int64, eager=True)
        return self._existing(tx, table, chunk, ok, dry)

    def _existing(
        self, tx: Tx, table: str, chunk: PreparedChunk, ok: pl.Series, dry: Rehearsal | None
    ) -> pl.Series:
        """A link (parent, other side) another job stored is kept as it is: its id. A pair this
        job wrote already (an earlier row of the file) is SKIPPED ``DUPLICATE_DATA``, as a key
        repeated in one file is (contract section 9)."""
        ids, other = chunk.values[self.field], chunk.values.get(self.other or "")
        none = pl.repeat(None, chunk.size, dtype=pl.Int64, eager=True)
        if other is None:
            return none
        found = tx.match_frame(table, self.field, ids.filter(ok))
        sides = tx.record_names(table, self.other or "", found["id"].to_list())
        pairs = {
            (int(key), sides.get(int(rid))): (int(rid), int(job or 0))
            for key, rid, job in zip(found["key"], found["id"], found["job"], strict=True)
        }
        existing: list[int | None] = []
        repeated: list[bool] = []
        seen: set[tuple[object, object]] = dry.earlier_pairs() if dry is not None else set()
        for parent, side, good in zip(ids, other, ok, strict=True):
            pair = (parent, side)
            stored = pairs.get(pair) if good and parent is not None else None
            mine = stored is not None and stored[1] == self.job_id
            again = good and parent is not None and side is not None and pair in seen
            repeated.append(mine or again)
            existing.append(stored[0] if stored is not None and not mine else None)
            if good and parent is not None and side is not None:
                seen.add(pair)
                if dry is not None and not repeated[-1] and existing[-1] is None:
                    dry.wrote_pair(pair)  # a row the dry run would have written
        chunk.flag(RowCode.DUPLICATE_DATA, self.other_label, pl.Series(repeated))
        return pl.Series(existing, dtype=pl.Int64)

    def _line_totals(self, tx: Tx, chunk: PreparedChunk) -> None:
        """Total = Quantity * List_Price (an empty List_Price: the product's price); Net_Total =
        Total - Discount + Tax."""
        assert self.prices is not None
        products, price = self.prices
        values = chunk.values
        if "Quantity" not in values:
            return
        listed = values.get("List_Price", pl.repeat(None, chunk.size, dtype=pl.Float64, eager=True))
        product = values.get("Product_Name")
        if product is not None and bool(listed.is_null().any()):
            wanted = product.filter(listed.is_null()).drop_nulls().unique().to_list()
            found = tx.record_names(products, price, [int(p) for p in wanted])
            known = {int(k): float(v) for k, v in found.items() if isinstance(v, int | float)}
            fallback = product.replace_strict(known, default=None, return_dtype=pl.Float64)
            listed = listed.cast(pl.Float64).fill_null(fallback)
            values["List_Price"] = listed
            chunk.present["List_Price"] = pl.repeat(True, chunk.size, eager=True)
        total = values["Quantity"].cast(pl.Float64) * listed.cast(pl.Float64)
        zero = pl.repeat(0.0, chunk.size, eager=True)
        discount = values.get("Discount", zero).cast(pl.Float64).fill_null(0.0)
        tax = values.get("Tax", zero).cast(pl.Float64).fill_null(0.0)
        values["Total"] = total.round(2)
        values["Net_Total"] = (total - discount + tax).round(2)
        for name in ("Total", "Net_Total"):
            chunk.present[name] = pl.repeat(True, chunk.size, eager=True)


def parent_ids(text: pl.Series, parents: pl.DataFrame) -> pl.Series:
    """The record of each of ``text``'s parent values (``parents``: ``key`` -> ``id``; null:
    none). Only the parents the values name are hashed, not all of them every chunk."""
    named = parents.join(pl.DataFrame({"key": text.unique()}), on="key", how="semi")
    return text.replace_strict(named["key"], named["id"], default=None, return_dtype=pl.Int64)


def has_line_totals(field_types: dict[str, object]) -> bool:
    """Whether a subform has the fields of a computed line total (numbers all)."""
    return all(field_types.get(name) in NUMBER_TYPES for name in LINE_ITEM)
