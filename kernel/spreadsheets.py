"""Text cells of the CSV and XLSX files we export.

A spreadsheet reads a cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return)
as a formula: a member named ``=HYPERLINK(…)`` would run it on the admin's machine ("CSV
injection"). Such text gets a leading apostrophe, which spreadsheets show as a plain-text marker.
Numbers are written as numbers and are not touched.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
