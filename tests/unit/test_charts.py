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


# --------------------------------------------------------------------------- bands, heat map

BANDS = [("Red", "red"), ("Amber", "amber"), ("Green", "green"), ("Green star", "green_star")]


def band_series():
    labels = [label for label, _ in BANDS]
    return list(zip(labels, charts.band_colours([code for _, code in BANDS]), strict=True))


def texts_of(root):
    return [element.text for element in root.iter(f"{SVG}text")]


def fill_behind(root, text_element):
    """The fill of the rect drawn just before a text element (its cell or segment)."""
    elements = list(root)
    index = elements.index(text_element)
    return next(e.get("fill") for e in reversed(elements[:index]) if e.tag == f"{SVG}rect")


def test_stacked_bar_chart_prints_every_count_and_describes_the_rows():
    rows = [("England", (1, 12, 30, 2)), ("London", (0, 3, 1, 0))]
    root = parse(charts.stacked_bar_chart(rows, series=band_series(), title="Ratings"))
    title, desc = title_and_desc(root)
    assert title == "Ratings"
    assert desc.startswith("2 bars, each split by Red, Amber, Green, Green star. ")
    assert "England: 45 CCGs, Red 1 (2%), Amber 12 (27%), Green 30 (67%), Green star 2 (4%)" in desc
    assert "London: 4 CCGs, Red 0 (0%), Amber 3 (75%), Green 1 (25%), Green star 0 (0%)" in desc
    texts = texts_of(root)
    # The legend names every band; each non-zero segment prints its count; totals follow.
    assert {"Red", "Amber", "Green", "Green star"} <= set(texts)
    assert {"1", "12", "30", "2", "3", "45 CCGs", "4 CCGs"} <= set(texts)
    segments = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "28"]
    assert len(segments) == 6  # zero counts draw nothing
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    assert set(root.get("aria-labelledby").split()) <= ids
    assert_no_style(root)


def test_stacked_bar_chart_segments_are_wide_enough_for_their_count():
    root = parse(charts.stacked_bar_chart([("England", (1, 190, 0, 0))], series=band_series(),
                                          title="t"))  # fmt: skip
    segments = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "28"]
    assert min(float(r.get("width")) for r in segments) >= 28


def test_stacked_bar_chart_counts_meet_text_contrast():
    root = parse(charts.stacked_bar_chart([("England", (1, 1, 1, 1))], series=band_series(),
                                          title="t"))  # fmt: skip
    counts = [t for t in root if t.tag == f"{SVG}text" and t.text == "1"]
    assert len(counts) == 4
    for text in counts:
        assert charts.contrast_ratio(text.get("fill"), fill_behind(root, text)) >= 4.5


def test_stacked_bar_chart_says_so_when_nothing_is_rated():
    root = parse(charts.stacked_bar_chart([("England", (0, 0, 0, 0))], series=band_series(),
                                          title="t"))  # fmt: skip
    assert "no data" in title_and_desc(root)[1].lower()


def test_heat_map_prints_each_value_in_its_cell():
    rows, columns = ["London", "North West"], ["A", "B", "C"]
    values = [[2.5, 0.0, None], [3.0, 1.25, 1.5]]
    root = parse(
        charts.heat_map(rows, columns, values, title="Means", lowest=0, highest=3,
                        row_label="NHS region")
    )  # fmt: skip
    title, desc = title_and_desc(root)
    assert title == "Means"
    assert desc.startswith("2 rows by 3 columns, shaded from 0.0 (lightest) to 3.0 (darkest).")
    assert "London: A 2.5, B 0.0, C none; North West: A 3.0, B 1.2, C 1.5." in desc
    texts = texts_of(root)
    assert {"London", "North West", "A", "B", "C", "NHS region"} <= set(texts)
    assert texts.count("2.5") == 1 and texts.count("3.0") == 1 and "none" in texts
    cells = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "36"]
    assert len(cells) == 6
    assert cells[2].get("fill") == charts.EMPTY_CELL
    assert cells[3].get("fill") == charts.HEAT_COLOURS[-1]  # the highest is the darkest
    assert cells[1].get("fill") == charts.HEAT_COLOURS[0]
    assert_no_style(root)


def test_heat_map_text_meets_contrast_on_every_shade():
    values = [[v / 4] for v in range(13)]  # 0 to 3 in quarters: every shade
    root = parse(charts.heat_map([str(v) for v in range(13)], ["A"], values, title="t",
                                 lowest=0, highest=3))  # fmt: skip
    shades = set()
    for text in (t for t in root if t.tag == f"{SVG}text" and t.get("fill")):
        fill = fill_behind(root, text)
        shades.add(fill)
        assert charts.contrast_ratio(text.get("fill"), fill) >= 4.5, fill
    assert set(charts.HEAT_COLOURS) <= shades


def test_heat_map_escapes_labels_and_says_so_when_empty():
    nasty = '<script>alert("x")</script>'
    svg = charts.heat_map([nasty], [nasty], [[1.0]], title=nasty, lowest=0, highest=3)
    assert "<script>" not in svg
    assert parse(svg).find(f"{SVG}title").text == nasty
    root = parse(charts.heat_map([], ["A"], [], title="t", lowest=0, highest=3))
    assert "no data" in title_and_desc(root)[1].lower()


def test_contrast_ratio_matches_wcag():
    assert round(charts.contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(charts.contrast_ratio(charts.NHS_BLUE, "#ffffff"), 2) == 6.38
    assert charts.text_colour_on("#ffb81c") == charts.TEXT
    assert charts.text_colour_on("#d5281b") == "#ffffff"
    assert charts.band_colours(["red", "purple", "other"]) == [
        charts.RAGG_COLOURS["red"],
        *charts.SPARE_COLOURS[:2],
    ]
