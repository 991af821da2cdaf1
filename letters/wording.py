"""The wording of the outcome letters, as data: what a national admin may edit per cycle.

The two real letters behind the project (2018/19 to NHS West Norfolk CCG, AMBER; 2019/20
to NHS Halton CCG, GREEN) share one shape and differ in a few parts: the sender block's
first line (a publishing approval reference, or "Sent via email"), the email address, the
note on where results are published, the "Supporting improvement" paragraph and list,
the one-to-one session offered to Amber (and Red) CCGs, an extra paragraph about the
Engagement Practitioners Network, and the signatory's organisation. ``LetterWording``
holds those parts as fields; ``seed_wording`` returns the two letters' wording verbatim,
including their slips ("has been now been carried out"), because they are the record.

Text fields are plain text with a small set of placeholders (``PLACEHOLDERS``). ``fill``
replaces exactly those, once, and leaves anything else in braces as literal text; it is
not ``str.format`` and never looks up attributes or indexes, so ``{ccg_name.__class__}``
or ``{0}`` stay as typed. Filled text is still plain text: the template escapes it.

Pure Python, no Django: the rules can be tested, and the wording edited, without it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

PLACEHOLDERS: dict[str, str] = {
    "ccg_name": "the CCG's name, e.g. NHS Halton CCG",
    "cycle": "the cycle, e.g. 2019/20",
    "framework_name": "the framework, e.g. NHS Oversight Framework",
    "indicator_name": "the indicator, e.g. Patient and Community Engagement Indicator",
    "guidance_section": "the guidance section that explains scoring, e.g. 2.4.1",
    "guidance_title": "the title of that guidance, e.g. Guidance for CCGs",
    "rating": "the CCG's final RAGG rating, e.g. Amber",
    "total": "the CCG's final score, e.g. 9",
    "bands": "the cycle's RAGG bands, e.g. Red 0-4, Amber 5-9, Green 10-13, Green star 14-15",
}

# A placeholder is a name in single braces. Anything in braces is matched so that
# ``validate_template`` can name it; ``fill`` replaces only the names above.
_BRACED = re.compile(r"\{([^{}]*)\}")

SUBJECT = (
    "Compliance with statutory guidance on patient and public participation in "
    "commissioning health and care: the {framework_name} {indicator_name}"
)
DEFAULT_FOOTNOTE = (
    "*RAGG: Red, Amber, Green, Green star. Each domain is scored 0 to 3; the final score "
    "is their sum, 0 to 15: {bands}."
)


@dataclass(frozen=True, kw_only=True)
class LetterWording:
    """The variable parts of an outcome letter, in the order they appear on the page.

    Every ``str`` field and every item of a ``tuple`` field except ``sender_lines``,
    ``signatory_title_lines`` and ``amber_offer_bands`` may use the placeholders.
    """

    # Letterhead: one of these two above the sender block (both may be set).
    publishing_reference: str = ""  # e.g. "Publishing Approval Reference 000697"
    sent_via_email: bool = False
    sender_lines: tuple[str, ...]
    telephone: str
    email: str
    salutation: str = "Dear Accountable Officer"
    subject: str = SUBJECT
    # Before the CCG's name and the table of scores.
    intro_paragraphs: tuple[str, ...]
    # After the table.
    separate_letters_note: str
    scoring_note: str  # "Please see section {guidance_section} of the ..."
    results_note: str  # where the results are published; same paragraph as scoring_note
    supporting_heading: str = "Supporting improvement"
    supporting_intro: str
    supporting_lead: str = "Over the coming months we will:"
    supporting_items: tuple[str, ...]
    # The one-to-one session: shown only to CCGs whose band is in amber_offer_bands
    # (labels, any case), inserted into the list before item amber_offer_position.
    amber_offer: str
    amber_offer_position: int
    amber_offer_bands: tuple[str, ...] = ("Red", "Amber")
    extra_paragraphs: tuple[str, ...] = ()
    closing_paragraph: str
    contact_line: str
    valediction: str = "Yours sincerely"
    signatory_name: str
    signatory_title_lines: tuple[str, ...]
    footnote: str = DEFAULT_FOOTNOTE

    def offers_session(self, band_label: str) -> bool:
        """Whether a CCG rated ``band_label`` is offered the one-to-one session."""
        wanted = band_label.strip().casefold()
        return any(label.strip().casefold() == wanted for label in self.amber_offer_bands)

    def supporting_items_for(self, band_label: str) -> tuple[str, ...]:
        """The "Over the coming months we will" list as a CCG rated ``band_label`` reads it."""
        items = list(self.supporting_items)
        if self.offers_session(band_label):
            position = max(0, min(self.amber_offer_position, len(items)))
            items.insert(position, self.amber_offer)
        return tuple(items)

    def template_texts(self) -> Iterator[tuple[str, str]]:
        """(field name, text) for every text that may hold placeholders."""
        literal = {"sender_lines", "signatory_title_lines", "amber_offer_bands"}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in literal or isinstance(value, bool | int):
                continue
            if isinstance(value, str):
                yield field.name, value
            else:
                for index, item in enumerate(value):
                    yield f"{field.name}[{index}]", item

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: tuples become lists."""
        return {
            field.name: list(value) if isinstance(value, tuple) else value
            for field in dataclasses.fields(self)
            for value in [getattr(self, field.name)]
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LetterWording:
        """The inverse of ``as_dict``; unknown keys are refused (a typo is not silent)."""
        names = {field.name: field for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ValueError(f"Unknown letter wording field(s): {', '.join(unknown)}.")
        return cls(
            **{
                key: tuple(value) if isinstance(value, list) else value
                for key, value in data.items()
            }
        )


def fill(text: str, values: Mapping[str, object]) -> str:
    """Replace the known placeholders in ``text`` with ``values``, once, left to right.

    Only ``{name}`` with ``name`` in ``PLACEHOLDERS`` and in ``values`` is replaced; any
    other braces (``{0}``, ``{ccg_name.__class__}``, ``{{``, ``{}``) stay as typed. The
    replacement is not scanned again, so a CCG name containing ``{cycle}`` stays as is.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in PLACEHOLDERS and name in values:
            return str(values[name])
        return match.group(0)

    return _BRACED.sub(replace, text)


def validate_template(text: str) -> list[str]:
    """The unknown placeholders in ``text``, each once, in order (empty when all is well)."""
    unknown: list[str] = []
    for match in _BRACED.finditer(text):
        name = match.group(1)
        if name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


def validate_wording(wording: LetterWording) -> dict[str, list[str]]:
    """Field name -> unknown placeholders, for every text of ``wording`` that has any."""
    problems: dict[str, list[str]] = {}
    for name, text in wording.template_texts():
        unknown = validate_template(text)
        if unknown:
            problems[name] = unknown
    return problems


def format_bands(bands: Iterable[tuple[str, int, int]]) -> str:
    """``[("Red", 0, 4), ("Amber", 5, 9)]`` -> ``"Red 0-4, Amber 5-9"``, in score order."""
    ordered = sorted(bands, key=lambda band: band[1])
    return ", ".join(
        f"{label} {low}" if low == high else f"{label} {low}-{high}" for label, low, high in ordered
    )


# --- The two real letters -------------------------------------------------------------

SENDER_LINES: tuple[str, ...] = (
    "Public Participation Team",
    "Experience, Participation and Equalities",
    "Directorate of Nursing",
    "NHS England and NHS Improvement",
    "Quarry House",
    "Quarry Hill",
    "Leeds",
    "LS2 7UE",
)
TELEPHONE = "0113 825 0861"

INTRO_PARAGRAPHS: tuple[str, ...] = (
    "As you will know, under the National Health Service Act 2006 (as amended by the Health "
    "and Social Care Act 2012), CCGs have a statutory duty to involve the public in "
    "commissioning (section 14Z2). In addition to meeting statutory responsibilities, "
    "effective patient and public participation helps CCGs to commission services that meet "
    "the needs of local communities and tackle health inequalities.",
    "NHS England has a legal duty (section 14Z16) to assess how well each CCG has discharged "
    "its public involvement duty (section 14Z2), as well as a commitment to supporting "
    "continuous improvement in public participation. A robust, and improvement focused, "
    "process of national assessment has been now been carried out for {cycle} to reach final "
    "RAGG* ratings and scores for individual CCGs.",
    "I am writing to inform you that the final RAGG* rating and score for {cycle} for your "
    "CCG following the national assessment and moderation process are as follows:",
)
SEPARATE_LETTERS_NOTE = (
    "If you are the Chief Officer of more than one CCG you will receive a separate {medium} "
    "notifying you of the assessment outcome for each relevant CCG."
)
SCORING_NOTE = (
    "Please see section {guidance_section} of the {guidance_title} for information about the "
    "scoring approach for the indicator."
)
SUMMARY_ITEM = (
    "send each CCG a detailed assessment summary, focusing on those criteria that were "
    "identified as requiring improvement following {cycle} assessments, to guide your "
    "improvement work;"
)
CLOSING_PARAGRAPH = (
    "We would be grateful if you could share this letter with relevant colleagues in your "
    "CCG, including engagement, participation and communications teams, your PPI Lay Member "
    "and, where appropriate, with your CSU."
)
SIGNATORY_NAME = "Olivia Butterworth"


def _signatory(organisation: str) -> tuple[str, ...]:
    return (
        "Head of Public Participation",
        "Experience, Participation and Equalities, Directorate of Nursing",
        organisation,
    )


WORDING_2018_19 = LetterWording(
    publishing_reference="Publishing Approval Reference 000697",
    sent_via_email=False,
    sender_lines=SENDER_LINES,
    telephone=TELEPHONE,
    email="england.nhs.participation@nhs.net",
    intro_paragraphs=INTRO_PARAGRAPHS,
    separate_letters_note=SEPARATE_LETTERS_NOTE.replace("{medium}", "email"),
    scoring_note=SCORING_NOTE,
    results_note=(
        "All RAGG* ratings and scores are final and will be published as part of the Q4 "
        "{cycle} CCG Improvement and Assessment Framework Dashboard and on the MyNHS site."
    ),
    supporting_intro=(
        "We know that CCGs are keen to continue their improvement journeys. To support this, "
        "we have gathered many examples of excellent practice and will share these with CCGs "
        "and other system partners over the course of the year. The process has highlighted "
        "just how much work has been happening across the country to develop even better "
        "approaches to engaging with people and communities, and this is something we want to "
        "support people to share and learn from."
    ),
    supporting_items=(
        SUMMARY_ITEM,
        "share the many examples of good practice identified as part of the {cycle} "
        "assessments as well as signposting CCGs to other resources;",
        "organise a series of webinars focusing on domains which scored least highly in "
        "{cycle} assessments, co-delivered by CCGs who are doing well in these areas;",
        "work with our regional NHS England and Improvement colleagues on activities to "
        "further support improvement.",
    ),
    amber_offer=(
        "offer each CCG that has rated Amber in {cycle} a one to one improvement and support "
        "session (either by telephone, webinar or in person);"
    ),
    amber_offer_position=3,
    closing_paragraph=CLOSING_PARAGRAPH,
    contact_line=(
        "If you have any queries please contact my team at england.nhs.participation@nhs.net"
    ),
    signatory_name=SIGNATORY_NAME,
    signatory_title_lines=_signatory("NHS England and Improvement"),
)

WORDING_2019_20 = LetterWording(
    publishing_reference="",
    sent_via_email=True,
    sender_lines=SENDER_LINES,
    telephone=TELEPHONE,
    email="england.engagement@nhs.net",
    intro_paragraphs=INTRO_PARAGRAPHS,
    separate_letters_note=SEPARATE_LETTERS_NOTE.replace("{medium}", "letter"),
    scoring_note=SCORING_NOTE,
    results_note=(
        "All RAGG* ratings and scores are final and will be issued as part of the Q4 {cycle} "
        "{framework_name} assessments."
    ),
    supporting_intro=(
        "This is a challenging time for all of us and our shared focus is rightly on the "
        "response to the COVID-19 pandemic. The experience over recent weeks and months has "
        "highlighted the vital importance of strong partnerships with people and communities, "
        "and we are committed to continuing to support you with this over the coming year, "
        "taking into account the ongoing priority of our collective response to COVID-19."
    ),
    supporting_items=(
        SUMMARY_ITEM,
        "work with our regional NHS England and Improvement colleagues on activities to "
        "further support improvement;",
        "share examples of good practice identified during the assessments.",
    ),
    amber_offer=(
        "offer each CCG that has rated Amber in {cycle} an optional one to one improvement and "
        "support session (by telephone or video call);"
    ),
    amber_offer_position=1,
    extra_paragraphs=(
        "You and your team may also find it helpful to join our Engagement Practitioners "
        "Network for access to resources, support and tools for engagement, as well as "
        "information about our latest events and webinars. Email "
        "england.engagementpractitioner-network@nhs.net to join.",
    ),
    closing_paragraph=CLOSING_PARAGRAPH,
    contact_line="If you have any queries please contact my team at england.engagement@nhs.net",
    signatory_name=SIGNATORY_NAME,
    signatory_title_lines=_signatory("NHS England and NHS Improvement"),
)

SEED_WORDINGS: dict[str, LetterWording] = {
    "2018/19": WORDING_2018_19,
    "2019/20": WORDING_2019_20,
}


def seed_wording(label: str) -> LetterWording:
    """The wording of the real letter of cycle ``label`` ("2018/19" or "2019/20")."""
    try:
        return SEED_WORDINGS[label]
    except KeyError:
        known = ", ".join(sorted(SEED_WORDINGS))
        raise LookupError(
            f"No seed wording for cycle {label!r} (there is one for {known}); start from the "
            "latest and edit it."
        ) from None
