"""Spreadsheets built with real writers (openpyxl, odfpy), for the tests of imported files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

Cell = str | int | float | bool | date | None


def write_xlsx(path: Path, rows: Sequence[Sequence[Cell]], sheets: Sequence[str] = ()) -> Path:
    """An .xlsx whose first sheet holds ``rows``; ``sheets`` names more (empty) sheets."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Data"
    for row in rows:
        sheet.append(list(row))
    for name in sheets:
        workbook.create_sheet(name).append([f"{name} only"])
    workbook.save(path)
    return path


def write_ods(path: Path, rows: Sequence[Sequence[Cell]]) -> Path:
    """An .ods whose one sheet holds ``rows``, each cell typed as a spreadsheet types it."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Data")
    for row in rows:
        line = TableRow()
        for value in row:
            line.addElement(_ods_cell(TableCell, P, value))
        table.addElement(line)
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def _ods_cell(cell_type: type, paragraph: type, value: Cell) -> object:
    if value is None:
        return cell_type()
    if isinstance(value, bool):
        cell = cell_type(valuetype="boolean", booleanvalue=str(value).lower())
    elif isinstance(value, date):  # a datetime too
        cell = cell_type(valuetype="date", datevalue=value.isoformat())
    elif isinstance(value, int | float):
        cell = cell_type(valuetype="float", value=value)
    else:
        cell = cell_type(valuetype="string")
    cell.addElement(paragraph(text=str(value)))
    return cell
