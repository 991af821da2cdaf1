"""Server-rendered, accessible SVG charts, in pure Python (no Django import) so that any
dashboard can use them: ``line_chart`` for a count over dates, ``bar_chart`` for a
count per label, ``stacked_bar_chart`` for the shares of RAGG bands (or any series) per
label and ``heat_map`` for a value per row and column. Each chart is an
``<svg role="img">`` whose ``<title>`` and ``<desc>`` say in words what the picture
shows, drawn only with SVG presentation attributes (``fill=``, ``stroke=``,
``font-size=``) because the Content Security Policy forbids inline styles, in NHS
colours. Every piece of text is escaped here, so the string returned can be marked safe
in a template. A chart never replaces a table: pages show the same numbers as text next
to it.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date

# NHS identity colours.
NHS_BLUE = "#005eb8"
DARK_GREY = "#4c6272"
MID_GREY = "#d8dde0"
TEXT = "#212b32"

FONT_SIZE = 16
SMALL_FONT_SIZE = 14
NO_DATA = "No data to show yet."

MONTHS = (
    "January February March April May June July August September October November December"
).split()


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _n(value: float) -> str:
    """A coordinate as short text: 12, 12.5 (never 12.000001)."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def long_date(day: date) -> str:
    """3 June 2019."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date, *, with_year: bool = False) -> str:
    """3 Jun, or 3 Jun 2019."""
    text = f"{day.day} {MONTHS[day.month - 1][:3]}"
    return f"{text} {day.year}" if with_year else text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def nice_ticks(maximum: float, count: int = 5) -> list[int]:
    """Whole-number ticks from 0 to at least ``maximum``, 1, 2 or 5 times a power of 10 apart."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    top = math.ceil(maximum / step) * step
    return list(range(0, top + 1, step))


def date_ticks(start: date, end: date, count: int = 5) -> list[date]:
    """Up to ``count`` dates spread evenly from ``start`` to ``end``, both included."""
    span = (end - start).days
    if span <= 0:
        return [start]
    count = min(count, span + 1)
    days = sorted({round(i * span / (count - 1)) for i in range(count)})
    return [date.fromordinal(start.toordinal() + d) for d in days]


def _chart_id(kind: str, title: str, chart_id: str | None) -> str:
    if chart_id:
        return "".join(c if c.isalnum() or c in "-_" else "-" for c in chart_id)
    digest = hashlib.sha256(f"{kind}:{title}".encode(), usedforsecurity=False).hexdigest()
    return f"{kind}-{digest[:10]}"


def _svg(width: int, height: int, ident: str, title: str, desc: str, body: Iterable[str]) -> str:
    """The outer element: scales to its container's width, keeping its proportions."""
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-labelledby="{ident}-title {ident}-desc" '
            f'font-size="{FONT_SIZE}" fill="{TEXT}">',
            f'<title id="{ident}-title">{_esc(title)}</title>',
            f'<desc id="{ident}-desc">{_esc(desc)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _text(x: float, y: float, text: object, *, anchor: str = "start", **attributes) -> str:
    extra = "".join(
        f' {name.replace("_", "-")}="{_esc(value)}"' for name, value in attributes.items()
    )
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{extra}>{_esc(text)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, **attributes) -> str:
    extra = "".join(
        f' {name.replace("_", "-")}="{_esc(value)}"' for name, value in attributes.items()
    )
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{colour}"{extra}/>'
    )


def _no_data(width: int, height: int, ident: str, title: str, left: float, top: float) -> str:
    bottom, right = height - 44, width - 32
    return _svg(
        width,
        height,
        ident,
        title,
        f"There is no data to show yet. {NO_DATA}",
        [
            _line(left, bottom, right, bottom, DARK_GREY),
            _line(left, top, left, bottom, DARK_GREY),
            _text((left + right) / 2, (top + bottom) / 2, NO_DATA, anchor="middle"),
        ],
    )


def _line_desc(
    series: Sequence[tuple[date, int]], y_label: str, markers: Sequence[tuple[date, str]]
) -> str:
    (start, first), (end, last) = series[0], series[-1]
    if start == end:
        words = [f"{y_label} on {long_date(start)}: {last}."]
    else:
        words = [
            f"{y_label} from {long_date(start)} to {long_date(end)}: "
            f"{first} on {long_date(start)} and {last} on {long_date(end)}."
        ]
        rises = [(b[1] - a[1], b[0]) for a, b in itertools.pairwise(series)]
        biggest, when = max(rises, key=lambda rise: (rise[0], -rise[1].toordinal()))
        if biggest > 0:
            words.append(f"The biggest rise in a day was {biggest}, on {long_date(when)}.")
        elif all(rise == 0 for rise, _ in rises):
            words.append("It did not change.")
    words.extend(
        f"A dashed line marks {label} ({long_date(day)})."
        for day, label in markers
        if start <= day <= end
    )
    return " ".join(words)


def line_chart(
    series: Sequence[tuple[date, int]],
    *,
    title: str,
    y_label: str,
    width: int = 640,
    height: int = 280,
    y_max: int | None = None,
    markers: Sequence[tuple[date, str]] = (),
    chart_id: str | None = None,
) -> str:
    """A step chart of a count over dates (one point a day, or any dates in order).

    ``y_max`` fixes the top of the y axis (for example the number of CCGs, so the chart
    reads as progress towards all of them); ``markers`` are dates (a deadline) drawn as
    dashed vertical lines when they fall inside the series. The SVG is ``width`` by
    ``height`` units and scales to the width of its container.
    """
    ident = _chart_id("line", title, chart_id)
    left, right, top, bottom = 64, width - 32, 32, height - 44
    if not series:
        return _no_data(width, height, ident, title, left, top)
    series = sorted(series)
    start, end = series[0][0], series[-1][0]
    span = max((end - start).days, 1)
    y_ticks = nice_ticks(max(y_max or 0, *(value for _, value in series)))
    y_top = y_ticks[-1]

    def x(day: date) -> float:
        return left + (day - start).days / span * (right - left)

    def y(value: float) -> float:
        return bottom - value / y_top * (bottom - top)

    body: list[str] = []
    for tick in y_ticks:  # gridlines and y tick labels
        body.append(_line(left, y(tick), right, y(tick), MID_GREY))
        body.append(_text(left - 8, y(tick) + 4, tick, anchor="end", font_size=SMALL_FONT_SIZE))
    with_year = start.year != end.year
    for tick in date_ticks(start, end):
        body.append(_line(x(tick), bottom, x(tick), bottom + 6, DARK_GREY))
        anchor = "end" if tick == end and tick != start else "middle"
        label = short_date(tick, with_year=with_year or tick in (start, end))
        body.append(_text(x(tick), bottom + 22, label, anchor=anchor, font_size=SMALL_FONT_SIZE))
    body.append(_text(-(top + bottom) / 2, 16, y_label, anchor="middle", transform="rotate(-90)"))
    body.append(_line(left, top, left, bottom, DARK_GREY))
    body.append(_line(left, bottom, right, bottom, DARK_GREY))

    path = [f"M{_n(x(start))} {_n(y(series[0][1]))}"]
    for day, value in series[1:]:
        path.append(f"H{_n(x(day))} V{_n(y(value))}")
    line = " ".join(path)
    area = f"{line} V{_n(bottom)} H{_n(x(start))} Z"
    body.append(f'<path d="{area}" fill="{NHS_BLUE}" fill-opacity="0.12" stroke="none"/>')
    body.append(
        f'<path d="{line}" fill="none" stroke="{NHS_BLUE}" stroke-width="3" '
        'stroke-linejoin="round"/>'
    )
    last_day, last_value = series[-1]
    body.append(
        f'<circle cx="{_n(x(last_day))}" cy="{_n(y(last_value))}" r="4" fill="{NHS_BLUE}"/>'
    )
    body.append(
        _text(
            x(last_day) + (6 if last_day == start else -6),
            # above the point, or below it when a marker's label is in the way at the top
            y(last_value) - 10 if y(last_value) - top > 24 else y(last_value) + 20,
            last_value,
            anchor="start" if last_day == start else "end",
            font_weight="bold",
        )
    )
    for day, label in markers:
        if start <= day <= end:
            body.append(_line(x(day), top - 4, x(day), bottom, DARK_GREY, stroke_dasharray="4 4"))
            anchor = "end" if x(day) > (left + right) / 2 else "start"
            body.append(_text(x(day), top - 10, label, anchor=anchor, font_size=SMALL_FONT_SIZE))
    return _svg(width, height, ident, title, _line_desc(series, y_label, markers), body)


def _truncate(label: str, room: float, font_size: int) -> str:
    most = max(4, int(room / (font_size * 0.55)))
    return label if len(label) <= most else label[: most - 1].rstrip() + "…"


def bar_chart(
    rows: Sequence[tuple[str, int]],
    *,
    title: str,
    value_label: str = "",
    width: int = 640,
    bar_height: int = 24,
    gap: int = 12,
    label_width: int = 200,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars, one a row, in the order given: the label left, the value at the end.

    Long labels are shortened on the picture (with an ellipsis) but given in full in the
    description. ``value_label`` names what the values count ("CCGs").
    """
    ident = _chart_id("bar", title, chart_id)
    top, bottom_margin = 16, 16
    height = top + len(rows) * (bar_height + gap) + bottom_margin if rows else 120
    if not rows:
        return _no_data(width, height, ident, title, label_width, top)
    right = width - 56  # room for the value after the longest bar
    most = max(value for _, value in rows) or 1
    unit = f" {value_label}" if value_label else ""
    desc = (
        f"{_plural(len(rows), 'bar')}. "
        + "; ".join(f"{label}: {value}{unit}" for label, value in rows)
        + "."
    )
    body: list[str] = []
    for index, (label, value) in enumerate(rows):
        y = top + index * (bar_height + gap)
        middle = y + bar_height / 2 + 5
        body.append(
            _text(
                label_width - 8,
                middle,
                _truncate(str(label), label_width - 16, FONT_SIZE),
                anchor="end",
            )
        )
        length = max(value, 0) / most * (right - label_width)
        body.append(
            f'<rect x="{_n(label_width)}" y="{_n(y)}" width="{_n(length)}" '
            f'height="{_n(bar_height)}" fill="{NHS_BLUE}"/>'
        )
        body.append(_text(label_width + length + 6, middle, value, font_weight="bold"))
    last = top + len(rows) * (bar_height + gap) - gap / 2
    body.append(_line(label_width, top - gap / 2, label_width, last, DARK_GREY))
    return _svg(width, height, ident, title, desc, body)


def scaled_bar_chart(
    rows: Sequence[tuple[str, float, str, str]],
    *,
    title: str,
    lowest: float,
    highest: float,
    ticks: Sequence[float],
    tick_text: Callable[[float], str] = str,
    below: str = "",
    above: str = "",
    width: int = 640,
    bar_height: int = 24,
    gap: int = 12,
    label_width: int = 200,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars on a fixed scale from ``lowest`` to ``highest`` (which may start below
    zero), each drawn from zero. ``rows`` are (label, value, the value as printed at the end
    of its bar, the value in words for the description).

    ``below`` and ``above`` name what lies left and right of zero ("More severe", "More
    lenient"). The title and description say in words what the bars show, and every piece
    of text is escaped, as in ``common.charts``.
    """
    ident = _chart_id("scaled", title, chart_id)
    top = 16 + (24 if below or above else 0)
    axis_room = 32
    height = top + len(rows) * (bar_height + gap) + axis_room if rows else 120
    if not rows:
        return _no_data(width, height, ident, title, label_width, 16)
    left, right = label_width, width - 120  # room for the value after a bar

    def x(value: float) -> float:
        value = min(max(value, lowest), highest)
        return left + (value - lowest) / (highest - lowest) * (right - left)

    desc = (
        f"{_plural(len(rows), 'bar')}, on a scale from {tick_text(lowest)} to "
        f"{tick_text(highest)}. "
        + "; ".join(f"{label}: {said}" for label, _, _, said in rows)
        + "."
    )
    last = top + len(rows) * (bar_height + gap) - gap
    body: list[str] = []
    for tick in ticks:
        body.append(_line(x(tick), top - 4, x(tick), last + 4, MID_GREY))
        body.append(
            _text(
                x(tick), last + 22, tick_text(tick), anchor="middle",
                font_size=SMALL_FONT_SIZE,
            )
        )  # fmt: skip
    zero = x(0)
    if below:
        body.append(_text(zero - 6, top - 12, f"\u2190 {below}", anchor="end",
                                 font_size=SMALL_FONT_SIZE))  # fmt: skip
    if above:
        body.append(_text(zero + 6, top - 12, f"{above} \u2192",
                                 font_size=SMALL_FONT_SIZE))  # fmt: skip
    for index, (label, value, shown, _) in enumerate(rows):
        y = top + index * (bar_height + gap)
        middle = y + bar_height / 2 + 5
        body.append(
            _text(
                label_width - 8, middle,
                _truncate(str(label), label_width - 16, FONT_SIZE), anchor="end",
            )
        )  # fmt: skip
        start, end = sorted((zero, x(value)))
        body.append(
            f'<rect x="{_n(start)}" y="{_n(y)}" width="{_n(end - start)}" '
            f'height="{_n(bar_height)}" fill="{NHS_BLUE}"/>'
        )
        if value < 0 and start - left > 8 + len(shown) * 10:
            body.append(_text(start - 6, middle, shown, anchor="end", font_weight="bold"))
        else:
            body.append(_text(end + 6, middle, shown, font_weight="bold"))
    body.append(_line(zero, top - 4, zero, last + 4, DARK_GREY))
    return _svg(width, height, ident, title, desc, body)


# --------------------------------------------------------------------------- bands, heat map

# RAGG band colours, by band code (NHS red, warm yellow, green and a darker green). The
# colour never carries the meaning alone: every segment prints its count, the legend
# names the bands in the bars' order, and the description and the table say it in words.
RAGG_COLOURS = {
    "red": "#d5281b",
    "amber": "#ffb81c",
    "green": "#007f3b",
    "green_star": "#00401e",
}
# For a band code the table above does not know, in order.
SPARE_COLOURS = ("#330072", "#ae2573", "#768692", "#00a499")
WHITE = "#ffffff"

# A sequential blue scale for the heat map, lightest for the lowest values.
HEAT_COLOURS = ("#deebf7", "#9ecae1", "#6baed6", "#2171b5", "#003087")
EMPTY_CELL = "#f0f4f5"

# WCAG 2.2 success criterion 1.4.3: normal-size text needs 4.5:1 against its background.
TEXT_CONTRAST = 4.5


def _luminance(colour: str) -> float:
    """Relative luminance of a #rrggbb colour (WCAG 2.2 definition)."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(one: str, other: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour_on(fill: str) -> str:
    """The text colour (near-black or white) with the better contrast on ``fill``."""
    return max((TEXT, WHITE), key=lambda colour: contrast_ratio(colour, fill))


def band_colours(codes: Sequence[str]) -> list[str]:
    """A fill colour per band code: the RAGG colour, or a spare one for an unknown code."""
    spare = itertools.cycle(SPARE_COLOURS)
    return [RAGG_COLOURS.get(code) or next(spare) for code in codes]


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _segment_widths(counts: Sequence[int], room: float, least: float) -> list[float]:
    """Widths proportional to ``counts`` filling ``room``, every non-zero count at least
    ``least`` wide (so that its count can be printed in it); zero counts get no width."""
    total = sum(counts)
    if not total:
        return [0.0] * len(counts)
    widths = [room * count / total for count in counts]
    small = [i for i, (w, c) in enumerate(zip(widths, counts, strict=True)) if c and w < least]
    if small and len(small) < sum(1 for c in counts if c):
        rest = room - least * len(small)
        big_total = sum(c for i, c in enumerate(counts) if i not in small)
        widths = [
            least if i in small else rest * count / big_total for i, count in enumerate(counts)
        ]
    return widths


def stacked_bar_chart(
    rows: Sequence[tuple[str, Sequence[int]]],
    *,
    series: Sequence[tuple[str, str]],
    title: str,
    unit: str = "CCG",
    width: int = 720,
    bar_height: int = 28,
    gap: int = 14,
    label_width: int = 200,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars, one a row, each split into the shares of ``series`` (label, fill
    colour), drawn as the share of the row's total so that rows of different sizes compare;
    ``rows`` are (label, one count per series); ``unit`` names what is counted ("CCG").
    Each segment prints its count (a non-zero segment is drawn at least wide enough for
    it), the row's total follows the bar, and a legend above names the series in the bars'
    order. Segments are outlined in the text
    colour, so that a light colour still stands out from the page.
    """
    ident = _chart_id("stacked", title, chart_id)
    legend_height = 32
    top = 8 + legend_height
    height = top + len(rows) * (bar_height + gap) + 8 if rows else 120
    rows_with_data = [(label, counts) for label, counts in rows if sum(counts)]
    if not rows_with_data:
        return _no_data(width, height, ident, title, label_width, top)
    left, right = label_width, width - 96  # room for the row's total
    least = 28.0
    colours = [colour for _, colour in series]

    def said(label: str, counts: Sequence[int]) -> str:
        total = sum(counts)
        parts = ", ".join(
            f"{name} {count} ({_percent(count, total)}%)"
            for (name, _), count in zip(series, counts, strict=True)
        )
        return f"{label}: {_plural(total, unit)}, {parts}"

    desc = (
        f"{_plural(len(rows), 'bar')}, each split by "
        + ", ".join(name for name, _ in series)
        + ". "
        + "; ".join(said(label, counts) for label, counts in rows)
        + "."
    )
    body: list[str] = []
    x = float(left)
    for name, colour in series:
        body.append(
            f'<rect x="{_n(x)}" y="8" width="16" height="16" fill="{colour}" stroke="{TEXT}"/>'
        )
        body.append(_text(x + 22, 21, name, font_size=SMALL_FONT_SIZE))
        x += 22 + len(str(name)) * SMALL_FONT_SIZE * 0.6 + 18
    for row_index, (label, counts) in enumerate(rows):
        y = top + row_index * (bar_height + gap)
        middle = y + bar_height / 2 + 5
        body.append(
            _text(
                label_width - 8, middle,
                _truncate(str(label), label_width - 16, FONT_SIZE), anchor="end",
            )
        )  # fmt: skip
        start = float(left)
        for count, colour, segment in zip(
            counts, colours, _segment_widths(counts, right - left, least), strict=True
        ):
            if not count:
                continue
            body.append(
                f'<rect x="{_n(start)}" y="{_n(y)}" width="{_n(segment)}" '
                f'height="{_n(bar_height)}" fill="{colour}" stroke="{TEXT}"/>'
            )
            body.append(
                _text(
                    start + segment / 2, middle, count, anchor="middle",
                    fill=text_colour_on(colour), font_weight="bold",
                )
            )  # fmt: skip
            start += segment
        total = sum(counts)
        body.append(_text(right + 8, middle, _plural(total, unit), font_size=SMALL_FONT_SIZE))
    return _svg(width, height, ident, title, desc, body)


def heat_colour(value: float, lowest: float, highest: float) -> str:
    """The heat map's fill for ``value``: one of ``HEAT_COLOURS``, by equal steps."""
    if highest <= lowest:
        return HEAT_COLOURS[0]
    share = (min(max(value, lowest), highest) - lowest) / (highest - lowest)
    return HEAT_COLOURS[min(int(share * len(HEAT_COLOURS)), len(HEAT_COLOURS) - 1)]


def heat_map(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str,
    lowest: float,
    highest: float,
    value_text: Callable[[float], str] = lambda value: f"{value:.1f}",
    row_label: str = "",
    empty_text: str = "none",
    width: int = 720,
    cell_height: int = 36,
    label_width: int = 220,
    chart_id: str | None = None,
) -> str:
    """A grid of ``rows`` x ``columns`` cells, each filled by its value on a light-to-dark
    blue scale from ``lowest`` to ``highest`` and printing the value (``value_text``) in
    the colour that contrasts best with its fill. A value of None is an empty cell ("none").
    A legend under the grid gives the range of each shade.
    """
    ident = _chart_id("heat", title, chart_id)
    header, legend_height = 32, 56
    height = header + len(rows) * cell_height + legend_height if rows else 120
    if not rows or not columns:
        return _no_data(width, height, ident, title, label_width, header)
    cell_width = (width - label_width - 8) / len(columns)

    def said(value):
        return empty_text if value is None else value_text(value)

    desc = (
        f"{_plural(len(rows), 'row')} by {_plural(len(columns), 'column')}, shaded from "
        f"{value_text(lowest)} (lightest) to {value_text(highest)} (darkest). "
        + "; ".join(
            f"{row}: "
            + ", ".join(
                f"{column} {said(value)}" for column, value in zip(columns, line, strict=True)
            )
            for row, line in zip(rows, values, strict=True)
        )
        + "."
    )
    body: list[str] = []
    if row_label:
        body.append(_text(label_width - 8, header - 10, row_label, anchor="end",
                          font_size=SMALL_FONT_SIZE))  # fmt: skip
    for index, column in enumerate(columns):
        body.append(
            _text(label_width + (index + 0.5) * cell_width, header - 10, column,
                  anchor="middle", font_weight="bold")
        )  # fmt: skip
    for row_index, (row, line) in enumerate(zip(rows, values, strict=True)):
        y = header + row_index * cell_height
        middle = y + cell_height / 2 + 5
        body.append(
            _text(label_width - 8, middle, _truncate(str(row), label_width - 16, FONT_SIZE),
                  anchor="end")
        )  # fmt: skip
        for index, value in enumerate(line):
            x = label_width + index * cell_width
            fill = EMPTY_CELL if value is None else heat_colour(value, lowest, highest)
            body.append(
                f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(cell_width)}" '
                f'height="{_n(cell_height)}" fill="{fill}" stroke="{WHITE}" stroke-width="2"/>'
            )
            body.append(
                _text(x + cell_width / 2, middle, said(value), anchor="middle",
                      fill=text_colour_on(fill), font_weight="bold")
            )  # fmt: skip
    # The legend: each shade and the values it stands for.
    y = header + len(rows) * cell_height + 16
    step = (highest - lowest) / len(HEAT_COLOURS)
    swatch = (width - label_width - 8) / len(HEAT_COLOURS)
    body.append(_text(label_width - 8, y + 17, "Key", anchor="end", font_size=SMALL_FONT_SIZE))
    for index, colour in enumerate(HEAT_COLOURS):
        low = lowest + index * step
        high = lowest + (index + 1) * step
        x = label_width + index * swatch
        body.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(swatch)}" height="24" '
            f'fill="{colour}" stroke="{WHITE}" stroke-width="2"/>'
        )
        body.append(
            _text(x + swatch / 2, y + 17, f"{value_text(low)} to {value_text(high)}",
                  anchor="middle", fill=text_colour_on(colour), font_size=SMALL_FONT_SIZE)
        )  # fmt: skip
    return _svg(width, height, ident, title, desc, body)
