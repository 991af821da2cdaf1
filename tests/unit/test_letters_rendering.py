"""Outcome letters and assessment summaries rendered to PDF (letters/rendering.py).

The two real letters are the specification: West Norfolk 2018/19 (2,2,2,1,2 = 9 AMBER)
and Halton 2019/20 (3,3,3,2,2 = 13 GREEN). PDFs are read back with poppler's pdftotext;
user-entered text must come out as literal text, and WeasyPrint must be asked for
nothing but the bundled assets. No database.
"""

import base64
import dataclasses
import datetime as dt
import re
import subprocess
import sys

import pytest

from letters import rendering
from letters.rendering import (
    LetterContent,
    SummaryContent,
    SummaryCriterion,
    SummaryDomain,
    letter_html,
    letter_url_fetcher,
    render_letter_pdf,
    render_summary_pdf,
)
from letters.wording import (
    PLACEHOLDERS,
    LetterWording,
    fill,
    format_bands,
    seed_wording,
    validate_template,
    validate_wording,
)

BANDS = [("Red", 0, 4), ("Amber", 5, 9), ("Green", 10, 13), ("Green star", 14, 15)]
ALLOWED_ASSET_URLS = {
    "asset:letter.css",
    "asset:nhs-logo.svg",
    "fonts/LiberationSans-Regular.ttf",
    "fonts/LiberationSans-Bold.ttf",
}
AMBER_OFFER_2018 = "offer each CCG that has rated Amber in 2018/19 a one to one improvement"
AMBER_OFFER_2019 = "offer each CCG that has rated Amber in 2019/20 an optional one to one"


def west_norfolk(**changes) -> LetterContent:
    fields = {
        "ccg_name": "NHS West Norfolk CCG",
        "ods_code": "07J",
        "cycle_label": "2018/19",
        "framework_name": "CCG Improvement and Assessment Framework (IAF)",
        "indicator_name": "Patient and Community Engagement Indicator",
        "guidance_section": "3.4",
        "guidance_title": "Guidance for CCGs",
        "date": dt.date(2019, 6, 14),
        "scores": {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2},
        "total": 9,
        "band_label": "Amber",
        "bands": BANDS,
        "wording": seed_wording("2018/19"),
    }
    return LetterContent(**{**fields, **changes})


def halton(**changes) -> LetterContent:
    fields = {
        "ccg_name": "NHS Halton CCG",
        "ods_code": "01F",
        "cycle_label": "2019/20",
        "framework_name": "NHS Oversight Framework",
        "indicator_name": "Patient and Community Engagement Indicator",
        "guidance_section": "2.4.1",
        "guidance_title": "Guidance for CCGs",
        "date": dt.date(2020, 11, 25),
        "scores": {"A": 3, "B": 3, "C": 3, "D": 2, "E": 2},
        "total": 13,
        "band_label": "Green",
        "bands": BANDS,
        "wording": seed_wording("2019/20"),
    }
    return LetterContent(**{**fields, **changes})


def pdf_text(pdf: bytes, tmp_path, name="out") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603  (fixed local tool)
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def page_count(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(  # noqa: S603
        ["pdfinfo", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def flat(text: str) -> str:
    """Whitespace collapsed to single spaces: layout columns and line wraps don't matter."""
    return re.sub(r"\s+", " ", text).strip()


def squeezed(text: str) -> str:
    """All whitespace removed: for literal markup that the layout may wrap anywhere."""
    return re.sub(r"\s+", "", text)


def assert_in_order(text: str, needles: list[str]) -> None:
    text = flat(text)
    position = 0
    for needle in needles:
        found = text.find(flat(needle), position)
        assert found >= 0, f"{needle!r} not found after position {position}"
        position = found + len(flat(needle))


@pytest.fixture
def fetched(monkeypatch):
    """Every URL WeasyPrint asks the letters' fetcher for, and whether it was refused."""
    calls: list[tuple[str, bool]] = []
    real = rendering.letter_url_fetcher
    rendering._stylesheet.cache_clear()  # the stylesheet and fonts are fetched again

    def recording(url):
        try:
            response = real(url)
        except ValueError:
            calls.append((url, False))
            raise
        calls.append((url, True))
        return response

    monkeypatch.setattr(rendering, "letter_url_fetcher", recording)
    return calls


# --- The two real letters -------------------------------------------------------------


def test_west_norfolk_letter_matches_the_2018_19_letter(tmp_path, fetched):
    pdf = render_letter_pdf(west_norfolk())

    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf, tmp_path) <= 2
    text = pdf_text(pdf, tmp_path)
    assert_in_order(
        text,
        [
            "Publishing Approval Reference 000697",
            "Public Participation Team",
            "Experience, Participation and Equalities",
            "Directorate of Nursing",
            "NHS England and NHS Improvement",
            "Quarry House",
            "Quarry Hill",
            "Leeds",
            "LS2 7UE",
            "Telephone: 0113 825 0861",
            "Email address: england.nhs.participation@nhs.net",
            "14 June 2019",
            "Dear Accountable Officer",
            "Compliance with statutory guidance on patient and public participation in "
            "commissioning health and care: the CCG Improvement and Assessment Framework (IAF) "
            "Patient and Community Engagement Indicator",
            "has been now been carried out for 2018/19 to reach final RAGG* ratings",
            "the final RAGG* rating and score for 2018/19 for your CCG",
            "NHS West Norfolk CCG",
            "Domain A Domain B Domain C Domain D Domain E Final Score Final RAGG*",
            "2 2 2 1 2 9 AMBER",
            "you will receive a separate email notifying you",
            "Please see section 3.4 of the Guidance for CCGs for information about the scoring "
            "approach for the indicator.",
            "will be published as part of the Q4 2018/19 CCG Improvement and Assessment "
            "Framework Dashboard and on the MyNHS site.",
            "Supporting improvement",
            "We know that CCGs are keen to continue their improvement journeys.",
            "Over the coming months we will:",
            "send each CCG a detailed assessment summary",
            "organise a series of webinars",
            AMBER_OFFER_2018,
            "(either by telephone, webinar or in person);",
            "work with our regional NHS England and Improvement colleagues",
            "We would be grateful if you could share this letter",
            "If you have any queries please contact my team at england.nhs.participation@nhs.net",
            "Yours sincerely",
            "Olivia Butterworth",
            "Head of Public Participation",
            "Experience, Participation and Equalities, Directorate of Nursing",
            "NHS England and Improvement",
        ],
    )
    assert "Sent via email" not in text
    assert "Engagement Practitioners Network" not in text
    # The RAGG footnote, with the bands passed in.
    assert "*RAGG: Red, Amber, Green, Green star." in flat(text)
    assert "Red 0-4, Amber 5-9, Green 10-13, Green star 14-15." in flat(text)
    assert {url for url, _ in fetched} == ALLOWED_ASSET_URLS
    assert all(allowed for _, allowed in fetched)


def test_halton_letter_matches_the_2019_20_letter(tmp_path):
    pdf = render_letter_pdf(halton())

    assert page_count(pdf, tmp_path) <= 2
    text = pdf_text(pdf, tmp_path)
    assert_in_order(
        text,
        [
            "Sent via email",
            "Public Participation Team",
            "LS2 7UE",
            "Email address: england.engagement@nhs.net",
            "25 November 2020",
            "Dear Accountable Officer",
            "the NHS Oversight Framework Patient and Community Engagement Indicator",
            "carried out for 2019/20",
            "NHS Halton CCG",
            "3 3 3 2 2 13 GREEN",
            "you will receive a separate letter notifying you",
            "Please see section 2.4.1 of the Guidance for CCGs",
            "will be issued as part of the Q4 2019/20 NHS Oversight Framework assessments.",
            "Supporting improvement",
            "This is a challenging time for all of us",
            "send each CCG a detailed assessment summary",
            "work with our regional NHS England and Improvement colleagues",
            "share examples of good practice identified during the assessments.",
            "Engagement Practitioners Network",
            "england.engagementpractitioner-network@nhs.net to join.",
            "If you have any queries please contact my team at england.engagement@nhs.net",
            "Yours sincerely",
            "Olivia Butterworth",
            "NHS England and NHS Improvement",
        ],
    )
    assert "Publishing Approval Reference" not in text
    assert "one to one" not in flat(text)


@pytest.mark.parametrize(
    ("scores", "total", "band", "offered"),
    [
        ({"A": 1, "B": 1, "C": 0, "D": 1, "E": 0}, 3, "Red", True),
        ({"A": 2, "B": 2, "C": 2, "D": 1, "E": 2}, 9, "Amber", True),
        ({"A": 3, "B": 3, "C": 3, "D": 3, "E": 2}, 14, "Green star", False),
    ],
)
def test_the_one_to_one_offer_goes_to_amber_and_red_ccgs_only(scores, total, band, offered):
    html = flat(letter_html(halton(scores=scores, total=total, band_label=band)))

    assert (AMBER_OFFER_2019 in html) is offered
    assert band.upper() in html


def test_a_red_ccg_reads_the_offer_in_its_pdf(tmp_path):
    letter = west_norfolk(
        scores={"A": 1, "B": 1, "C": 0, "D": 1, "E": 0}, total=3, band_label="Red"
    )
    text = pdf_text(render_letter_pdf(letter), tmp_path)

    assert_in_order(text, ["1 1 0 1 0 3 RED", "organise a series of webinars", AMBER_OFFER_2018])


def test_the_footnote_takes_the_bands_of_the_cycle():
    bands = [("Red", 0, 3), ("Amber", 4, 9), ("Green", 10, 12), ("Green star", 13, 15)]
    letter = west_norfolk(bands=bands)

    assert "Red 0-3, Amber 4-9, Green 10-12, Green star 13-15." in flat(letter_html(letter))


def test_rendering_is_deterministic():
    """Same content, same bytes: a letter's sha256 identifies its content."""
    assert render_letter_pdf(halton()) == render_letter_pdf(halton())


@pytest.mark.parametrize(
    "changes",
    [
        {"total": 10},  # not the sum
        {"band_label": "Green"},  # 9 is Amber
        {"scores": {"A": 2, "B": 2, "C": 2, "D": 1}},  # no E
        {"scores": {"A": 4, "B": 2, "C": 2, "D": 0, "E": 1}},  # 4 is out of range
    ],
)
def test_inconsistent_content_is_refused(changes):
    with pytest.raises(ValueError):
        west_norfolk(**changes)


# --- Hostile text ---------------------------------------------------------------------

HOSTILE = {
    "img": '<img src="file:///etc/passwd">',
    "link": '<link rel=stylesheet href="http://127.0.0.1:9/x.css">',
    "style": "<style>@import url(https://example.org/x.css)</style>",
    "css_url": "url(file:///etc/hostname)",
    "attribute": "{ccg_name.__class__}",
}


def test_hostile_text_is_printed_as_text_and_fetches_nothing(tmp_path, fetched):
    wording = dataclasses.replace(
        seed_wording("2018/19"),
        publishing_reference=HOSTILE["link"],
        sender_lines=(HOSTILE["img"], *seed_wording("2018/19").sender_lines[1:]),
        email='x@example.org"><img src="file:///etc/passwd">',
        supporting_intro=f"Intro {HOSTILE['css_url']} and {HOSTILE['attribute']} and {{0}}.",
        supporting_items=(
            "Item with {ccg_name} then {ccg_name.__class__} then {{cycle}} done;",
            *seed_wording("2018/19").supporting_items[1:],
        ),
        signatory_name=HOSTILE["style"],
        footnote="*RAGG: {bands}. " + HOSTILE["css_url"],
    )
    letter = west_norfolk(ccg_name=f"NHS {HOSTILE['img']} CCG {{cycle}}", wording=wording)

    html = letter_html(letter)
    assert '<img src="file' not in html
    assert "<style>@import" not in html
    assert "<link rel=stylesheet" not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html

    pdf = render_letter_pdf(letter)
    text = squeezed(pdf_text(pdf, tmp_path))
    for value in HOSTILE.values():
        assert squeezed(value) in text
    # The CCG's name went in once; its "{cycle}" was not expanded again.
    assert squeezed("Item with NHS <img") in text
    assert squeezed("CCG {cycle} then {ccg_name.__class__} then {2018/19} done;") in text
    assert squeezed("and {0}.") in text
    assert {url for url, _ in fetched} == ALLOWED_ASSET_URLS
    assert all(allowed for _, allowed in fetched)


def test_markup_that_reaches_weasyprint_still_fetches_nothing_outside_the_assets(fetched):
    """Defence in depth: even raw HTML (a template bug) cannot read files or the network."""
    svg = "<svg xmlns='http://www.w3.org/2000/svg'><image href='file:///etc/passwd'/></svg>"
    html = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        "<style>@import url(https://example.org/x.css);"
        "body { background: url(file:///etc/hostname) }"
        "@font-face { font-family: X; src: url(ftp://example.org/x.ttf) }</style>"
        '</head><body><img src="file:///etc/passwd"><img src="../wording.py">'
        '<img src="data:text/html,<p>x</p>">'
        f'<img src="data:image/svg+xml,{svg}">'
        '<object data="https://example.org/x.svg"></object><p>Hello</p></body></html>'
    )

    pdf = rendering._write_pdf(html).data

    assert pdf.startswith(b"%PDF-")
    refused = {url for url, allowed in fetched if not allowed}
    assert {
        "http://127.0.0.1:9/x.css",
        "https://example.org/x.css",
        "file:///etc/hostname",
        "file:///etc/passwd",
        "../wording.py",
        "data:text/html,<p>x</p>",
    } <= refused
    served = {url for url, allowed in fetched if allowed} - ALLOWED_ASSET_URLS
    assert all(url.startswith("data:image/svg+xml,") for url in served)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.org/x.css",
        "ftp://example.org/x.css",
        "//example.org/x.css",
        "/etc/passwd",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:text/css,body{}",
        "data:,hello",
        "DATA:text/html;base64,PHA+",
        "asset:",
        "asset:../settings.py",
        "asset:../../config/settings/base.py",
        "asset:fonts/../../wording.py",
        "asset:%2e%2e/wording.py",
        "asset:/etc/passwd",
        "asset://example.org/x.css",
        "asset:fonts/",
        "asset:fonts//LiberationSans-Bold.ttf",
        "asset:./letter.css",
        "asset:letter.css?x=1",
        "asset:letter.css#x",
        "asset:fonts\\LICENSE",
        "asset:fonts/LICENSE",
        "asset:fonts/README.md",
        "asset:file:///etc/passwd",
        "../rendering.py",
        "rendering.py",
        "missing.css",
    ],
)
def test_the_fetcher_refuses_everything_but_bundled_assets(url):
    with pytest.raises(ValueError, match=r"^refused: "):
        letter_url_fetcher(url)


PIXEL_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000005000136ab6b860000000049454e44ae426082"
    )
).decode()


@pytest.mark.parametrize(
    ("url", "content_type", "starts"),
    [
        ("asset:letter.css", "text/css", b"/*"),
        ("asset:nhs-logo.svg", "image/svg+xml", b"<svg"),
        ("fonts/LiberationSans-Regular.ttf", "font/ttf", b"\x00\x01\x00\x00"),
        ("asset:fonts/LiberationSans-Bold.ttf", "font/ttf", b"\x00\x01\x00\x00"),
        (f"data:image/png;base64,{PIXEL_PNG}", "image/png", b"\x89PNG"),
        ("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml", b"<svg"),
    ],
)
def test_the_fetcher_serves_bundled_assets_and_inline_images(url, content_type, starts):
    response = letter_url_fetcher(url)
    try:
        assert response.content_type == content_type
        assert response.read().startswith(starts)
    finally:
        response.close()


# --- The detailed assessment summary --------------------------------------------------


def test_summary_lists_criteria_not_fully_met_and_improvement_points(tmp_path, fetched):
    summary = SummaryContent(
        ccg_name="NHS West Norfolk CCG",
        ods_code="07J",
        cycle_label="2018/19",
        framework_name="CCG Improvement and Assessment Framework (IAF)",
        indicator_name="Patient and Community Engagement Indicator",
        date=dt.date(2019, 7, 1),
        scores={"A": 2, "B": 2, "C": 2, "D": 1, "E": 2},
        total=9,
        band_label="Amber",
        bands=BANDS,
        wording=seed_wording("2018/19"),
        domains=(
            SummaryDomain(
                code="D",
                name="Feedback and evaluation",
                score=1,
                criteria_not_met=(
                    SummaryCriterion("D1", "You said, we did", "Not met", "No feedback published."),
                    SummaryCriterion("D2", "Evaluation of engagement", "Partly met", ""),
                ),
                improvement_points=("Publish what changed after each engagement.",),
            ),
            SummaryDomain(
                code="A",
                name="Public involvement in governance",
                score=2,
                criteria_not_met=(
                    SummaryCriterion(
                        "A2", "Lay members <b>bold</b>", "Partly met", "Line one\nLine two"
                    ),
                ),
                improvement_points=("Set out the PPI Lay Member's role.", "  "),
            ),
            SummaryDomain(code="B", name="Public involvement in annual reporting", score=3),
        ),
    )

    pdf = render_summary_pdf(summary)

    text = pdf_text(pdf, tmp_path)
    assert_in_order(
        text,
        [
            "Detailed assessment summary 2018/19",
            "NHS West Norfolk CCG (07J)",
            "2 2 2 1 2 9 AMBER",
            "Domain A: Public involvement in governance",
            "Score: 2 (Good)",
            "Criteria not fully met",
            "A2 Lay members <b>bold</b> Partly met Line one",
            "Line two",
            "Points for improvement",
            "Set out the PPI Lay Member's role.",
            "Domain B: Public involvement in annual reporting",
            "Every criterion in this domain was met.",
            "No points for improvement were recorded for this domain.",
            "Domain D: Feedback and evaluation",
            "Score: 1 (Requires improvement)",
            "D1 You said, we did Not met No feedback published.",
            "D2 Evaluation of engagement Partly met",
            "Publish what changed after each engagement.",
            "england.nhs.participation@nhs.net",
        ],
    )
    assert "Red 0-4, Amber 5-9, Green 10-13, Green star 14-15." in flat(text)
    assert {url for url, _ in fetched} == ALLOWED_ASSET_URLS


# --- What the letter looks like -------------------------------------------------------


def test_first_page_renders_to_png(tmp_path):
    pdf_path = tmp_path / "west-norfolk.pdf"
    pdf_path.write_bytes(render_letter_pdf(west_norfolk()))

    subprocess.run(  # noqa: S603
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf_path), str(tmp_path / "p")],  # noqa: S607
        check=True,
    )

    pngs = list(tmp_path.glob("p*.png"))
    assert len(pngs) == 1
    assert pngs[0].read_bytes().startswith(b"\x89PNG")
    assert pngs[0].stat().st_size > 10_000  # not a blank page


def test_fonts_are_the_bundled_ones_embedded(tmp_path):
    path = tmp_path / "fonts.pdf"
    path.write_bytes(render_letter_pdf(halton()))
    fonts = subprocess.run(  # noqa: S603
        ["pdffonts", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert "Letter-Sans-Bold" in fonts
    assert re.search(r"Letter-Sans\s", fonts)
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # embedded


# --- The wording ----------------------------------------------------------------------


def test_fill_replaces_only_the_known_placeholders():
    values = {"ccg_name": "NHS Halton CCG", "cycle": "2019/20", "total": 13}

    assert fill("{ccg_name} in {cycle}: {total}", values) == "NHS Halton CCG in 2019/20: 13"
    assert fill("{0} {} {ccg_name.__class__} {ccg_name[0]}", values) == (
        "{0} {} {ccg_name.__class__} {ccg_name[0]}"
    )
    assert fill("{__import__} {self} {CCG_NAME}", values) == "{__import__} {self} {CCG_NAME}"
    assert fill("{{ccg_name}} {{", values) == "{NHS Halton CCG} {{"
    assert fill("{rating}", values) == "{rating}"  # known, but no value given: left as typed
    # A value is not filled again.
    assert fill("{ccg_name}", {"ccg_name": "{cycle}", "cycle": "2019/20"}) == "{cycle}"


def test_validate_template_names_the_unknown_placeholders():
    text = "Dear {ccg_name}, {0} {ccg_name.__class__} {0} {{cycle}} {ccg} {}"

    assert validate_template(text) == ["0", "ccg_name.__class__", "ccg", ""]
    assert validate_template("{ccg_name} {cycle} {framework_name} {bands} {total}") == []


def test_seed_wordings_use_only_known_placeholders():
    assert validate_wording(seed_wording("2018/19")) == {}
    assert validate_wording(seed_wording("2019/20")) == {}
    broken = dataclasses.replace(seed_wording("2019/20"), contact_line="Write to {email}")
    assert validate_wording(broken) == {"contact_line": ["email"]}


def test_seed_wording_knows_the_two_real_letters_only():
    assert seed_wording("2018/19").publishing_reference == "Publishing Approval Reference 000697"
    assert seed_wording("2019/20").sent_via_email is True
    with pytest.raises(LookupError, match="2020/21"):
        seed_wording("2020/21")


def test_wording_round_trips_through_a_dict():
    wording = seed_wording("2019/20")

    assert LetterWording.from_dict(wording.as_dict()) == wording
    with pytest.raises(ValueError, match="colour"):
        LetterWording.from_dict({**wording.as_dict(), "colour": "blue"})


def test_the_offer_goes_where_the_letter_put_it():
    items_2018 = seed_wording("2018/19").supporting_items_for("amber")
    items_2019 = seed_wording("2019/20").supporting_items_for("RED")

    assert items_2018[3].startswith("offer each CCG that has rated Amber")
    assert len(items_2018) == 5
    assert items_2019[1].startswith("offer each CCG that has rated Amber")
    assert len(seed_wording("2019/20").supporting_items_for("Green")) == 3


def test_format_bands_orders_by_score():
    assert format_bands([("Green", 10, 15), ("Red", 0, 4), ("Amber", 5, 9)]) == (
        "Red 0-4, Amber 5-9, Green 10-15"
    )
    assert set(PLACEHOLDERS) >= {"ccg_name", "cycle", "bands"}


def test_wording_module_imports_without_django():
    code = (
        "import sys, letters.wording\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'weasyprint')))"
    )
    result = subprocess.run(  # noqa: S603  (fixed interpreter and code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={}
    )
    assert result.stdout.strip() == "[]"
