"""An Excel workbook written by XlsxWriter in a helper process while the rows are read.

XlsxWriter spends some 50 µs of processor time on each cell (the cell's XML, escaping,
its reference): two thirds of an Excel export's time at city scale, reading the rows the
other third. One Python process does one after the other. Here the request's process
reads the rows (the guarded query, the access rules) and hands them over in batches
through a pipe, while a helper process writes them with XlsxWriter, so on a machine
with two cores the export takes about as long as its longer half. The pipe holds a few
batches at most, so memory does not grow with the number of rows in either process.

The helper runs this file as a script (``python app/workbook.py PATH TITLE``): it
imports only XlsxWriter, not the application, starts in a tenth of a second, and gets
plain values only — it reads nothing and decides nothing itself.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Any, BinaryIO

import xlsxwriter

BATCH = 1000


class WorkbookError(RuntimeError):
    """The helper process could not write the workbook."""


def xlsx_file(header: Sequence[str], body: Iterator[Sequence[Any]], title: str) -> IO[bytes]:
    """The rows of ``body`` below ``header`` as an Excel workbook in a temporary file,
    open for reading from its start (already unlinked: closing it removes it)."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    helper = subprocess.Popen([sys.executable, "-I", __file__, path, title],
                              stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdin, stderr = helper.stdin, helper.stderr
        assert stdin is not None and stderr is not None
        try:
            with stdin:
                _send(stdin, [str(label) for label in header], body)
        except BrokenPipeError:
            pass  # the helper stopped early: its exit status and message say why
        # Only a failing helper writes here (its traceback): the pipe cannot fill up.
        error = stderr.read()
        stderr.close()
        if helper.wait() != 0:
            raise WorkbookError(error.decode(errors="replace").strip()[-2000:])
        return open(path, "rb")  # noqa: SIM115 — the caller streams and closes it
    except BaseException:
        helper.kill()
        helper.wait()
        raise
    finally:
        os.unlink(path)


def _send(stream: BinaryIO, header: list[str], body: Iterator[Sequence[Any]]) -> None:
    # One pickle per batch: each is read on its own, so neither side keeps a memo of
    # every value sent.
    pickle.dump(header, stream, pickle.HIGHEST_PROTOCOL)
    batch: list[Sequence[Any]] = []
    for row in body:
        batch.append(row)
        if len(batch) >= BATCH:
            pickle.dump(batch, stream, pickle.HIGHEST_PROTOCOL)
            batch = []
    if batch:
        pickle.dump(batch, stream, pickle.HIGHEST_PROTOCOL)
    pickle.dump(None, stream, pickle.HIGHEST_PROTOCOL)


def _received(stream: BinaryIO) -> tuple[list[str], Iterator[Sequence[Any]]]:
    header = pickle.load(stream)

    def rows() -> Iterator[Sequence[Any]]:
        while (batch := pickle.load(stream)) is not None:
            yield from batch

    return header, rows()


def write_rows(target: Any, header: Sequence[str], rows: Iterator[Sequence[Any]],
               title: str) -> None:
    """Write ``rows`` below ``header`` to ``target`` (a path or a binary file).

    Constant-memory mode writes each row out as it comes. Every cell is written with
    the writer of its own type, so text is always text: a value starting with ``=``
    never becomes a formula, nor a web address a link.
    """
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True,
                                            "remove_timezone": True})
    formats = {dt.datetime: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
               dt.date: workbook.add_format({"num_format": "yyyy-mm-dd"})}
    sheet = workbook.add_worksheet(title[:31])
    for column, label in enumerate(header):
        sheet.write_string(0, column, str(label))
    # Bound once: a city's export writes a million cells.
    string, number = sheet.write_string, sheet.write_number
    boolean, moment = sheet.write_boolean, sheet.write_datetime
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            kind = type(value)
            if kind is str:
                if value:
                    string(row_number, column, value)
            elif kind is bool:
                boolean(row_number, column, value)
            elif kind is int or kind is float:
                number(row_number, column, value)
            elif kind is dt.datetime or kind is dt.date:
                moment(row_number, column, value, formats[kind])
            elif value is not None:
                string(row_number, column, str(value))
    workbook.close()


if __name__ == "__main__":
    # The helper: the rows come pickled on standard input from the request's process.
    _header, _rows = _received(sys.stdin.buffer)
    write_rows(sys.argv[1], _header, _rows, sys.argv[2])
