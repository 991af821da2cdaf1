"""CSV cells a spreadsheet will not run (common/spreadsheet.py)."""

import pytest

from common.spreadsheet import protect, unprotect


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+44 113", "-2", "@SUM(A1)", "\tx", "\rx", "=cmd|'/Ccalc'!A0@example.com"],
)
def test_a_formula_start_is_protected_and_read_back(text):
    assert protect(text) == "'" + text
    assert unprotect(protect(text)) == text


@pytest.mark.parametrize("text", ["07J", "NHS Halton CCG", "", "'quoted", "a=b"])
def test_plain_text_is_left_as_it_is(text):
    assert protect(text) == text
    assert unprotect(text) == text
