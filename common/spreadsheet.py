"""CSV cells a spreadsheet will not run: the one rule for every CSV the service writes.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel and LibreOffice as a formula (CSV injection, OWASP); such a cell is written with a
leading apostrophe, which spreadsheets show as text. ``unprotect`` undoes it, so that a CSV
the service wrote (the assignments export) can be uploaded again unchanged.
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def protect(text: str) -> str:
    return "'" + text if text[:1] in FORMULA_START else text


def unprotect(text: str) -> str:
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_START else text
