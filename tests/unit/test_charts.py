"""The SVG charts: well-formed, described in words, escaped, and free of inline styles."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from common import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314  (our own output)


def a_month(start=date(2019, 4, 1)):
    return [(start + timedelta(days=n), n // 3) for n in range(30)]


def title_and_desc(root):
    return root.find(f"{SVG}title").text, root.find(f"{SVG}desc").text


def assert_no_style(root):
    for element in root.iter():
        assert "style" not in element.attrib, element.tag
        assert element.tag != f"{SVG}style"


def test_line_chart_is_valid_svg_with_a_title_and_a_description():
    svg = charts.line_chart(a_month(), title="Submissions received", y_label="Submissions")
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = title_and_desc(root)
    assert title == "Submissions received"
    assert "from 1 April 2019 to 30 April 2019" in desc
    assert "0 on 1 April 2019 and 9 on 30 April 2019" in desc
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    assert set(root.get("aria-labelledby").split()) <= ids
    assert_no_style(root)


def test_line_chart_has_date_and_value_ticks_and_the_marker():
    svg = charts.line_chart(
        a_month(),
        title="Received",
        y_label="Submissions",
        y_max=20,
        markers=[(date(2019, 4, 30), "Deadline"), (date(2019, 7, 1), "Outside")],
    )
    texts = [element.text for element in parse(svg).iter(f"{SVG}text")]
    assert "1 Apr 2019" in texts
    assert "30 Apr 2019" in texts
    assert {"0", "5", "10", "15", "20"} <= set(texts)
    assert "Deadline" in texts
    assert "Outside" not in texts
    assert "A dashed line marks Deadline (30 April 2019)." in svg


def test_line_chart_says_so_when_there_is_no_data():
    root = parse(charts.line_chart([], title="Received", y_label="Submissions"))
    title, desc = title_and_desc(root)
    assert title == "Received"
    assert "no data" in desc.lower()
    assert charts.NO_DATA in [element.text for element in root.iter(f"{SVG}text")]
    assert_no_style(root)


def test_a_single_day_is_drawn():
    root = parse(charts.line_chart([(date(2019, 4, 1), 3)], title="t", y_label="Submissions"))
    assert title_and_desc(root)[1] == "Submissions on 1 April 2019: 3."


def test_labels_are_escaped():
    nasty = '<script>alert("x")</script> & co'
    line = charts.line_chart(
        a_month(), title=nasty, y_label=nasty, markers=[(date(2019, 4, 2), nasty)]
    )
    bar = charts.bar_chart([(nasty, 3), ("London", 1)], title=nasty, value_label=nasty)
    for svg in (line, bar):
        assert "<script>" not in svg
        assert "&lt;script&gt;" in svg
        root = parse(svg)
        assert root.find(f"{SVG}title").text == nasty
        assert_no_style(root)


def test_bar_chart_has_a_bar_label_and_value_per_row():
    rows = [("London", 30), ("North West", 0), ("A region with a very long name " * 3, 12)]
    svg = charts.bar_chart(rows, title="CCGs by region", value_label="CCGs")
    root = parse(svg)
    title, desc = title_and_desc(root)
    assert title == "CCGs by region"
    assert desc.startswith("3 bars. London: 30 CCGs; North West: 0 CCGs; A region with")
    assert len(root.findall(f"{SVG}rect")) == 3
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert {"London", "North West", "30", "0", "12"} <= set(texts)
    assert any(text.endswith("…") for text in texts)  # shortened on the picture only
    assert_no_style(root)


def test_bar_chart_says_so_when_there_is_no_data():
    root = parse(charts.bar_chart([], title="CCGs by region"))
    assert "no data" in title_and_desc(root)[1].lower()


def test_colours_are_from_the_nhs_palette():
    roots = [
        parse(
            charts.line_chart(a_month(), title="t", y_label="y", markers=[(date(2019, 4, 9), "m")])
        ),
        parse(charts.bar_chart([("a", 1)], title="t")),
    ]
    colours = {
        element.get(name)
        for root in roots
        for element in root.iter()
        for name in ("fill", "stroke")
        if element.get(name) not in (None, "none")
    }
    assert colours == {charts.NHS_BLUE, charts.DARK_GREY, charts.MID_GREY, charts.TEXT}


def test_nice_ticks_and_date_ticks():
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(3) == [0, 1, 2, 3]
    assert charts.nice_ticks(191) == [0, 50, 100, 150, 200]
    ticks = charts.date_ticks(date(2019, 4, 1), date(2019, 6, 30))
    assert ticks[0] == date(2019, 4, 1)
    assert ticks[-1] == date(2019, 6, 30)
    assert len(ticks) == 5
    assert charts.date_ticks(date(2019, 4, 1), date(2019, 4, 2)) == [
        date(2019, 4, 1),
        date(2019, 4, 2),
    ]


def test_charts_import_without_django():
    code = "import sys, common.charts; print(any(m.startswith('django') for m in sys.modules))"
    result = subprocess.run(  # noqa: S603  (fixed interpreter and code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={}
    )
    assert result.stdout.strip() == "False"
