"""Render an outcome letter, or a detailed assessment summary, to PDF.

The caller (a view, the ``render_letters`` command, a Celery task) turns the database's
cycle, CCG and final rating into a ``LetterContent`` or ``SummaryContent``; this module
only lays them out. HTML comes from the Django templates ``letters/letter.html`` and
``letters/summary.html`` with autoescaping on, so every value, including the wording a
national admin typed and a CCG's name, reaches WeasyPrint as text, never as markup.

WeasyPrint is imported inside the rendering functions (it loads Pango and friends, which
nothing else needs). Everything it asks for goes through ``letter_url_fetcher``, which
serves only the bundled assets:

* ``asset:<path>`` or a bare relative ``<path>`` (what a relative ``url()`` in
  ``letter.css`` resolves to): a file under ``letters/assets/`` with a ``.css``, ``.svg``,
  ``.ttf`` or ``.png`` name, reached without ``..``, ``.``, empty segments, ``%``,
  backslashes, ``?``, ``#`` or a second scheme;
* ``data:image/png``, ``data:image/jpeg``, ``data:image/gif``, ``data:image/svg+xml``,
  decoded by WeasyPrint's own fetcher restricted to ``data:``;
* anything else (``file:``, ``http:``, ``https:``, ``ftp:``, other ``data:`` types,
  absolute paths, ``//host/...``) raises ``ValueError("refused: <url>")``.

``letter.css`` is parsed, and its fonts loaded, once per process (``_stylesheet``) and
given to every render; the PDFs are tagged PDF/UA-1 (structure tree, title, language).

The HTML's base URL is ``asset:``, a scheme urllib does not resolve relative references
against, so a relative reference arrives at the fetcher as typed and is checked there.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string

from assessment.scoring import DOMAIN_CODES, DomainScore
from letters.wording import LetterWording, fill, format_bands

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
ASSET_SCHEME = "asset:"
BASE_URL = ASSET_SCHEME
ASSET_TYPES: dict[str, str] = {
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".png": "image/png",
}
DATA_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/svg+xml"})
_FORBIDDEN_IN_ASSET_PATH = re.compile(r"[\\?#%:\x00-\x1f\x7f]")
_MONTHS = (
    "January February March April May June July August September October November December"
).split()

Band = tuple[str, int, int]  # (label, minimum, maximum)


def _refuse(url: str) -> ValueError:
    return ValueError(f"refused: {url}")


def asset_path(url: str) -> Path | None:
    """The bundled file that ``url`` names, or None when it names anything else."""
    relative = url[len(ASSET_SCHEME) :] if url.startswith(ASSET_SCHEME) else url
    if not relative or _FORBIDDEN_IN_ASSET_PATH.search(relative):
        return None  # also catches any other scheme, since ":" is refused
    segments = relative.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        return None  # absolute paths, //host, trailing slashes and traversal
    root = ASSETS_DIR.resolve()
    candidate = root.joinpath(*segments).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None  # a symlink out of the folder, or nothing there
    if candidate.suffix.lower() not in ASSET_TYPES:
        return None  # README.md, LICENSE: bundled but not for the renderer
    return candidate


def data_media_type(url: str) -> str | None:
    """``data:image/png;base64,...`` -> ``image/png``; None when ``url`` is not ``data:``."""
    if url[:5].lower() != "data:":
        return None
    return url[5:].split(",", 1)[0].split(";", 1)[0].strip().lower()


def letter_url_fetcher(url: str):
    """WeasyPrint's URL fetcher for letters: the bundled assets and inline images only.

    Returns a ``weasyprint.urls.URLFetcherResponse``; raises ``ValueError("refused: ...")``
    for anything else (see the module docstring for the rules).
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    media_type = data_media_type(url)
    if media_type is not None:
        if media_type not in DATA_IMAGE_TYPES:
            raise _refuse(url)
        return URLFetcher(allowed_protocols=("data",), allow_redirects=False).fetch(url)
    path = asset_path(url)
    if path is None:
        raise _refuse(url)
    relative = path.relative_to(ASSETS_DIR.resolve()).as_posix()
    return URLFetcherResponse(
        ASSET_SCHEME + relative,
        body=path.read_bytes(),
        headers={"Content-Type": ASSET_TYPES[path.suffix.lower()]},
    )


@functools.cache
def _fetcher_class():
    """WeasyPrint 70 wants a ``URLFetcher`` instance; this one defers to the function."""
    from weasyprint.urls import URLFetcher

    class LetterURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            # Looked up at call time, so a test can wrap the module's function.
            return letter_url_fetcher(url)

    return LetterURLFetcher


@dataclass(frozen=True)
class RenderedPDF:
    data: bytes
    pages: int


@functools.cache
def _stylesheet():
    """``letter.css`` parsed once per process, with the font configuration its
    ``@font-face`` rules load the bundled fonts into (reused by every render: parsing the
    CSS and loading the fonts is about a third of the time of one letter)."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _fetcher_class()(allowed_protocols=(), allow_redirects=False)
    font_config = FontConfiguration()
    # Dropped before the interpreter tears down the modules its finaliser needs.
    atexit.register(_stylesheet.cache_clear)
    css = CSS(url=ASSET_SCHEME + "letter.css", url_fetcher=fetcher, font_config=font_config)
    return css, font_config


def _write_pdf(html: str) -> RenderedPDF:
    """Tagged PDF/UA-1: structure tree, title and language from the HTML, fonts embedded."""
    from weasyprint import HTML

    css, font_config = _stylesheet()
    fetcher = _fetcher_class()(allowed_protocols=(), allow_redirects=False)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        stylesheets=[css], font_config=font_config
    )
    data = document.write_pdf(pdf_variant="pdf/ua-1")
    return RenderedPDF(data=data, pages=len(document.pages))


def long_date(day: dt.date) -> str:
    """25 November 2020: the letters' date style, whatever the locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _band_of(total: int, bands: Sequence[Band]) -> Band:
    for band in bands:
        if band[1] <= total <= band[2]:
            return band
    raise ValueError(f"No band of {format_bands(bands)} covers a final score of {total}.")


def _is_domain_score(score: object) -> bool:
    return isinstance(score, int) and not isinstance(score, bool) and 0 <= score <= 3


def _check_rating(scores: Mapping[str, int], total: int, band_label: str, bands) -> None:
    """Refuse content whose scores, total and band disagree: a letter is a formal record."""
    if set(scores) != set(DOMAIN_CODES):
        raise ValueError(f"Scores must be given for domains A-E, not {sorted(scores)}.")
    if not all(_is_domain_score(score) for score in scores.values()):
        raise ValueError(f"Each domain score must be 0-3: {dict(scores)}.")
    if sum(scores.values()) != total:
        raise ValueError(f"The final score {total} is not the sum of {dict(scores)}.")
    label = _band_of(total, bands)[0]
    if label.casefold() != band_label.casefold():
        raise ValueError(f"A final score of {total} is {label}, not {band_label}.")


@dataclass(frozen=True, kw_only=True)
class LetterContent:
    """Everything one outcome letter shows. ``bands`` are the cycle's, in any order."""

    ccg_name: str
    ods_code: str
    cycle_label: str
    framework_name: str
    indicator_name: str
    guidance_section: str
    guidance_title: str
    date: dt.date
    scores: Mapping[str, int]
    total: int
    band_label: str
    bands: Sequence[Band]
    wording: LetterWording

    def __post_init__(self):
        _check_rating(self.scores, self.total, self.band_label, self.bands)

    def placeholder_values(self) -> dict[str, str]:
        return {
            "ccg_name": self.ccg_name,
            "cycle": self.cycle_label,
            "framework_name": self.framework_name,
            "indicator_name": self.indicator_name,
            "guidance_section": self.guidance_section,
            "guidance_title": self.guidance_title,
            "rating": self.band_label,
            "total": str(self.total),
            "bands": format_bands(self.bands),
        }


@dataclass(frozen=True)
class SummaryCriterion:
    """A criterion not fully met: its code, title, finding ("Partly met") and the note."""

    code: str
    title: str
    finding_label: str
    note: str = ""


@dataclass(frozen=True)
class SummaryDomain:
    code: str
    name: str
    score: int
    criteria_not_met: tuple[SummaryCriterion, ...] = ()
    improvement_points: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SummaryContent:
    """A CCG's detailed assessment summary: per domain, what to improve."""

    ccg_name: str
    ods_code: str
    cycle_label: str
    framework_name: str
    indicator_name: str
    date: dt.date
    scores: Mapping[str, int]
    total: int
    band_label: str
    bands: Sequence[Band]
    domains: tuple[SummaryDomain, ...]
    wording: LetterWording  # for the sender, the contact address and the RAGG footnote

    def __post_init__(self):
        _check_rating(self.scores, self.total, self.band_label, self.bands)


def _rating_context(content) -> dict[str, object]:
    return {
        "scores": [(code, content.scores[code]) for code in DOMAIN_CODES],
        "total": content.total,
        "band_label": content.band_label,
        "band_class": re.sub(r"[^a-z]+", "-", content.band_label.casefold()).strip("-"),
        "date": long_date(content.date),
    }


def letter_html(letter: LetterContent) -> str:
    """The letter as HTML for WeasyPrint (every value escaped by the template)."""
    wording = letter.wording
    values = letter.placeholder_values()

    def filled(text: str) -> str:
        return fill(text, values)

    context = {
        **_rating_context(letter),
        "title": f"{letter.ccg_name}: {letter.indicator_name} {letter.cycle_label}",
        "ccg_name": letter.ccg_name,
        "ods_code": letter.ods_code,
        "reference": filled(wording.publishing_reference),
        "sent_via_email": wording.sent_via_email,
        "sender_lines": wording.sender_lines,
        "telephone": wording.telephone,
        "email": wording.email,
        "salutation": filled(wording.salutation),
        "subject": filled(wording.subject),
        "intro_paragraphs": [filled(p) for p in wording.intro_paragraphs],
        "separate_letters_note": filled(wording.separate_letters_note),
        "scoring_note": filled(wording.scoring_note),
        "results_note": filled(wording.results_note),
        "supporting_heading": filled(wording.supporting_heading),
        "supporting_intro": filled(wording.supporting_intro),
        "supporting_lead": filled(wording.supporting_lead),
        "supporting_items": [filled(i) for i in wording.supporting_items_for(letter.band_label)],
        "extra_paragraphs": [filled(p) for p in wording.extra_paragraphs],
        "closing_paragraph": filled(wording.closing_paragraph),
        "contact_line": filled(wording.contact_line),
        "valediction": filled(wording.valediction),
        "signatory_name": wording.signatory_name,
        "signatory_title_lines": wording.signatory_title_lines,
        "footnote": filled(wording.footnote),
    }
    return render_to_string("letters/letter.html", context)


def summary_html(summary: SummaryContent) -> str:
    """The detailed assessment summary as HTML for WeasyPrint."""
    values = {
        "ccg_name": summary.ccg_name,
        "cycle": summary.cycle_label,
        "framework_name": summary.framework_name,
        "indicator_name": summary.indicator_name,
        "rating": summary.band_label,
        "total": str(summary.total),
        "bands": format_bands(summary.bands),
    }
    domains = [
        {
            "code": domain.code,
            "name": domain.name,
            "score": domain.score,
            "score_label": DomainScore(domain.score).label,
            "criteria": domain.criteria_not_met,
            "improvement_points": [p for p in domain.improvement_points if p.strip()],
        }
        for domain in sorted(summary.domains, key=lambda d: d.code)
    ]
    context = {
        **_rating_context(summary),
        "title": f"{summary.ccg_name}: detailed assessment summary {summary.cycle_label}",
        "ccg_name": summary.ccg_name,
        "ods_code": summary.ods_code,
        "cycle_label": summary.cycle_label,
        "framework_name": summary.framework_name,
        "indicator_name": summary.indicator_name,
        "sender_lines": summary.wording.sender_lines,
        "email": summary.wording.email,
        "domains": domains,
        "footnote": fill(summary.wording.footnote, values),
    }
    return render_to_string("letters/summary.html", context)


def render_letter_pdf(letter: LetterContent) -> bytes:
    """The outcome letter as PDF bytes."""
    return _write_pdf(letter_html(letter)).data


def render_summary_pdf(summary: SummaryContent) -> bytes:
    """The detailed assessment summary as PDF bytes."""
    return _write_pdf(summary_html(summary)).data


def render_pdf(content: LetterContent | SummaryContent) -> RenderedPDF:
    """A letter or a summary, as PDF with its page count."""
    if isinstance(content, LetterContent):
        return _write_pdf(letter_html(content))
    return _write_pdf(summary_html(content))
