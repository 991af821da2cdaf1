"""Safety checks for uploaded evidence files.

Pure Python (no Django): ``check_file`` looks at a file already on disk and either
returns a ``CheckedFile`` (display name, type, size, SHA-256) or raises ``FileRefused``
with a reason written for the person who uploaded it::

    "minutes.pdf was not accepted: it is a password-protected PDF."

The file is read in chunks and never held in memory whole. What is decided, in order:

1. it is not empty and not over the size limit;
2. its extension (from the sanitised name) is one of ``ALLOWED``;
3. its content, as libmagic and our own parsing see it, is that type:
   PDFs parse with pypdf, are not encrypted and carry no scripts, launch actions or
   attached files; Office (OOXML) and OpenDocument files are ZIP containers whose parts
   say what they are, with no macros, no links to external files or data, no unsafe
   paths, no encrypted parts, and nothing that expands to an unsafe size; images are
   what they claim; CSV and plain text are text, not web pages or scripts.

``sanitise_filename`` makes an uploaded name safe to display and to offer as a download
name; storage names are generated elsewhere.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO
from xml.parsers import expat

import magic
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 25 * MB

CHUNK_BYTES = 64 * 1024  # files are hashed and scanned in chunks of this size
HEAD_BYTES = 8 * 1024  # what libmagic is shown

# ZIP containers (OOXML and OpenDocument).
MAX_ZIP_ENTRIES = 1000
MAX_CENTRAL_DIRECTORY_BYTES = 4 * MB  # ~1000 entries need well under 1 MB
MAX_UNCOMPRESSED_BYTES = 200 * MB  # declared total of all members
MAX_MEMBER_RATIO = 100  # a member this many times its compressed size...
RATIO_CHECK_FROM_BYTES = 10 * MB  # ...is refused once it is this large
MAX_XML_PART_BYTES = 8 * MB  # one [Content_Types].xml, .rels or manifest read
MAX_XML_TOTAL_BYTES = 64 * MB  # all of those together

# PDF structure walk.
MAX_PDF_NODES = 150_000
PDF_CACHE_CLEAR_EVERY = 10_000  # nodes; keeps pypdf's object cache small


@dataclass(frozen=True)
class AllowedType:
    extension: str
    content_type: str
    label: str


ALLOWED: dict[str, AllowedType] = {
    t.extension: t
    for t in (
        AllowedType("pdf", "application/pdf", "PDF"),
        AllowedType(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word document (DOCX)",
        ),
        AllowedType(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Excel spreadsheet (XLSX)",
        ),
        AllowedType(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "PowerPoint presentation (PPTX)",
        ),
        AllowedType("odt", "application/vnd.oasis.opendocument.text", "OpenDocument text (ODT)"),
        AllowedType(
            "ods",
            "application/vnd.oasis.opendocument.spreadsheet",
            "OpenDocument spreadsheet (ODS)",
        ),
        AllowedType("png", "image/png", "PNG image"),
        AllowedType("jpg", "image/jpeg", "JPEG image"),
        AllowedType("jpeg", "image/jpeg", "JPEG image"),
        AllowedType("csv", "text/csv", "CSV file"),
        AllowedType("txt", "text/plain", "plain text file"),
    )
}

# For an <input type="file" accept="...">.
ACCEPT_ATTRIBUTE = ",".join(f".{extension}" for extension in ALLOWED)

NOT_ACCEPTED = (
    "files of this type are not accepted. Upload a PDF, Word (DOCX), Excel (XLSX), "
    "PowerPoint (PPTX), OpenDocument (ODT, ODS), PNG, JPEG, CSV or plain text file"
)
EMPTY = "it is empty"
PDF_ENCRYPTED = "it is a password-protected PDF"
PDF_DAMAGED = "it is a damaged PDF that cannot be opened"
PDF_SCRIPTS = "it is a PDF containing scripts"
PDF_ATTACHMENTS = "it is a PDF with other files attached inside it"
PDF_TOO_COMPLEX = "it is a PDF too complex to check safely"
MACROS = "it contains macros"
EXTERNAL_LINKS = "it links to external files or data"
ZIP_BOMB = "it is a compressed file that expands to an unsafe size"
TOO_MANY_PARTS = "it has too many parts to be safe"
UNSAFE_PATHS = "it contains parts with unsafe file paths"
ENCRYPTED = "it is password-protected"
WEB_PAGE_CODE = "it contains web page code"
SCRIPT = "it contains a script"
BINARY = "it contains binary data, not text"


class FileRefused(ValueError):
    """An upload that is not accepted; ``str()`` is the sentence shown to the user."""

    def __init__(self, filename: str, reason: str):
        self.filename = filename
        self.reason = reason
        super().__init__(f"{filename} was not accepted: {reason}.")

    def __reduce__(self):
        return (type(self), (self.filename, self.reason))


@dataclass(frozen=True)
class CheckedFile:
    display_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


class _Reject(Exception):  # internal: carries a reason up to check_file
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- names

_WINDOWS_INVALID = frozenset('<>:"|?*')
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{n}" for n in range(1, 10)]
    + [f"LPT{n}" for n in range(1, 10)]
)
_MAX_EXTENSION = 16


def sanitise_filename(name: str, *, max_length: int = 120) -> str:
    """A name safe to display and to offer as a download name.

    NFC-normalised; only the last path component (``/`` or ``\\``); no control or
    format characters (so no right-to-left override or zero-width characters), none of
    ``<>:"|?*``; whitespace collapsed; no leading or trailing dots and spaces; at most
    ``max_length`` characters with the extension kept; ``file`` if no stem is left.
    """
    if max_length < 1:
        raise ValueError("max_length must be positive")
    kept = []
    for char in unicodedata.normalize("NFC", str(name)):
        if char in "/\\":
            kept.append("/")
        elif char.isspace():
            kept.append(" ")
        elif unicodedata.category(char).startswith("C"):  # Cc Cf Cs Co Cn
            continue
        elif char not in _WINDOWS_INVALID:
            kept.append(char)
    text = " ".join("".join(kept).rsplit("/", 1)[-1].split())

    stem, dot, extension = text.rpartition(".")
    if not dot or not _is_extension(extension):
        stem, extension = text, ""
    stem = stem.strip(" .")
    if stem.split(".", 1)[0].strip().upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    if extension:
        stem = stem[: max(max_length - len(extension) - 1, 0)].rstrip(" .")
        result = f"{stem or 'file'}.{extension}"
    else:
        result = stem[:max_length].rstrip(" .") or "file"
    return unicodedata.normalize("NFC", result[:max_length])


def _is_extension(text: str) -> bool:
    return 0 < len(text) <= _MAX_EXTENSION and text.isalnum()


def _extension_of(display_name: str) -> str:
    stem, dot, extension = display_name.rpartition(".")
    return extension.lower() if dot and stem and _is_extension(extension) else ""


# ------------------------------------------------------------------- descriptions

_OLE2 = "an older Office file (.doc, .xls or .ppt) or a password-protected document"
_ARCHIVE = "a compressed archive"
_LINUX = "a Linux program"
_WINDOWS = "a Windows program"

# What libmagic's MIME types look like, in plain words.
_LOOKS_LIKE = {
    "application/x-dosexec": _WINDOWS,
    "application/vnd.microsoft.portable-executable": _WINDOWS,
    "application/x-msdownload": _WINDOWS,
    "application/x-ms-installer": "a Windows installer",
    "application/x-msi": "a Windows installer",
    "application/x-executable": _LINUX,
    "application/x-pie-executable": _LINUX,
    "application/x-sharedlib": _LINUX,
    "application/x-object": _LINUX,
    "application/x-coredump": _LINUX,
    "application/x-elf": _LINUX,
    "application/x-mach-binary": "a Mac program",
    "application/java-archive": "a Java program",
    "application/x-java-applet": "a Java program",
    "application/x-shockwave-flash": "a Flash program",
    "text/x-shellscript": "a shell script",
    "application/x-shellscript": "a shell script",
    "text/x-msdos-batch": "a Windows batch script",
    "application/x-bat": "a Windows batch script",
    "text/x-php": "a PHP script",
    "application/x-php": "a PHP script",
    "text/x-perl": "a Perl script",
    "text/x-python": "a Python script",
    "text/x-script.python": "a Python script",
    "text/x-ruby": "a Ruby script",
    "text/javascript": "JavaScript code",
    "application/javascript": "JavaScript code",
    "application/x-javascript": "JavaScript code",
    "text/html": "an HTML web page",
    "application/xhtml+xml": "an HTML web page",
    "image/svg+xml": "an SVG image",
    "text/xml": "an XML file",
    "application/xml": "an XML file",
    "application/zip": "a ZIP archive",
    "application/x-zip-compressed": "a ZIP archive",
    "application/x-rar": _ARCHIVE,
    "application/vnd.rar": _ARCHIVE,
    "application/x-7z-compressed": _ARCHIVE,
    "application/gzip": _ARCHIVE,
    "application/x-gzip": _ARCHIVE,
    "application/x-bzip2": _ARCHIVE,
    "application/x-xz": _ARCHIVE,
    "application/x-tar": _ARCHIVE,
    "application/zstd": _ARCHIVE,
    "application/x-iso9660-image": "a disc image",
    "application/x-ole-storage": _OLE2,
    "application/CDFV2": _OLE2,
    "application/cdfv2": _OLE2,
    "application/msword": _OLE2,
    "application/vnd.ms-excel": _OLE2,
    "application/vnd.ms-powerpoint": _OLE2,
    "application/vnd.ms-office": _OLE2,
    "application/encrypted": "an encrypted file",
    "application/rtf": "a Rich Text (RTF) document",
    "text/rtf": "a Rich Text (RTF) document",
    "application/pdf": "a PDF",
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "image/gif": "a GIF image",
    "image/webp": "a WebP image",
    "image/bmp": "a BMP image",
    "image/tiff": "a TIFF image",
    "image/heic": "an HEIC image",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "a Word document (DOCX)"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "an Excel spreadsheet (XLSX)"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "a PowerPoint presentation (PPTX)"
    ),
    "application/vnd.oasis.opendocument.text": "an OpenDocument text (ODT)",
    "application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet (ODS)",
    "application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation (ODP)",
    "application/vnd.oasis.opendocument.graphics": "an OpenDocument drawing (ODG)",
}

# Text that libmagic calls one of these is refused as a .txt or .csv.
_WEB_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}
)
_SCRIPT_TYPES = frozenset(
    {
        "text/x-shellscript",
        "application/x-shellscript",
        "text/x-msdos-batch",
        "application/x-bat",
        "text/x-php",
        "application/x-php",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
    }
)
# Text that libmagic names but that is fine as .txt or .csv (its guesses at program
# languages misfire on ordinary prose; a "#!" first line is refused on its own).
_TEXT_LIKE = frozenset(
    {
        "text/plain",
        "text/csv",
        "application/csv",
        "text/x-python",
        "text/x-script.python",
        "text/x-perl",
        "text/x-ruby",
    }
)


def _describe(mime: str) -> str | None:
    if mime in _LOOKS_LIKE:
        return _LOOKS_LIKE[mime]
    for prefix, words in (
        ("image/", "an image of another kind"),
        ("video/", "a video"),
        ("audio/", "an audio file"),
    ):
        if mime.startswith(prefix):
            return words
    return None


def _not_a(allowed: AllowedType, looks_like: str | None = None) -> str:
    label = allowed.label
    article = "an" if label[0].lower() in "aeio" else "a"
    reason = f"its content is not {article} {label}"
    if looks_like:
        if "(" in label or "(" in looks_like:
            reason += f"; it looks like {looks_like}"
        else:
            reason += f" (it looks like {looks_like})"
    return reason


def _damaged(allowed: AllowedType) -> str:
    return f"it is a damaged {allowed.label} that cannot be opened"


def _format_size(size: int) -> str:
    if size >= MB:
        return f"{size // MB} MB" if size % MB == 0 else f"{size / MB:.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB" if size % 1024 == 0 else f"{size / 1024:.1f} KB"
    return f"{size} bytes"


def _magic_mime(head: bytes) -> str:
    try:
        return magic.from_buffer(head, mime=True) or "application/octet-stream"
    except magic.MagicException:
        return "application/octet-stream"


# ---------------------------------------------------------------------- the check


def check_file(
    path: str | os.PathLike, original_name: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> CheckedFile:
    """Check the uploaded file at ``path``, uploaded as ``original_name``.

    Returns what is known about an accepted file; raises ``FileRefused`` otherwise.
    """
    display_name = sanitise_filename(original_name)
    try:
        with open(path, "rb") as fh:
            return _check_open_file(fh, display_name, max_bytes)
    except _Reject as rejection:
        raise FileRefused(display_name, rejection.reason) from None


def _check_open_file(fh: BinaryIO, display_name: str, max_bytes: int) -> CheckedFile:
    status = os.fstat(fh.fileno())
    if not stat.S_ISREG(status.st_mode):
        raise _Reject("it could not be read")
    _check_size(status.st_size, max_bytes)

    extension = _extension_of(display_name)
    allowed = ALLOWED.get(extension)
    if allowed is None:
        raise _Reject(NOT_ACCEPTED)

    head = fh.read(HEAD_BYTES)
    mime = _magic_mime(head)
    kind = _KINDS[extension]
    scanner = kind.scanner() if kind.scanner else None

    fh.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := fh.read(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:  # the file grew under us
            break
        digest.update(chunk)
        if scanner:
            scanner.feed(chunk)
    _check_size(size, max_bytes)
    if scanner:
        scanner.finish()

    kind.check(fh, size, head, mime, allowed, scanner)
    return CheckedFile(
        display_name=display_name,
        extension=extension,
        content_type=allowed.content_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def _check_size(size: int, max_bytes: int) -> None:
    if size == 0:
        raise _Reject(EMPTY)
    if size > max_bytes:
        raise _Reject(f"it is larger than the {_format_size(max_bytes)} limit")


# ----------------------------------------------------------------------- images


def _check_image(fh, size, head, mime, allowed, scanner) -> None:
    if mime != allowed.content_type:
        raise _Reject(_not_a(allowed, _describe(mime)))


# ------------------------------------------------------------------------- text

# Bytes that do not belong in text: C0 controls other than tab, LF, VT, FF, CR and
# the old DOS end-of-file mark, and DEL. (NUL is refused on its own.)
_CONTROL_BYTES = bytes([*range(1, 9), *range(0x0E, 0x1A), *range(0x1B, 0x20), 0x7F])
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)

# What a browser would sniff as a web page (WHATWG MIME sniffing), and a few more.
_MARKUP_TAGS = (
    "!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p"
    "|svg|math|object|embed|form|img|meta|link|base|frameset|frame|xml"
)
_MARKUP_START = re.compile(
    rb"\s*<(?:(?:" + _MARKUP_TAGS.encode() + rb")(?:[\s>/]|$)|!--|\?|%)", re.IGNORECASE
)
_MARKUP_ANYWHERE = (b"<script", b"<iframe")


class _TextScanner:
    def __init__(self) -> None:
        self.has_nul = False
        self.control_bytes = 0
        self.size = 0
        self.markup = False
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.has_nul = self.has_nul or b"\x00" in chunk
        self.control_bytes += len(chunk.translate(None, _NOT_CONTROL_BYTES))
        window = (self._tail + chunk).lower()
        self.markup = self.markup or any(tag in window for tag in _MARKUP_ANYWHERE)
        self._tail = window[-16:]

    def finish(self) -> None:
        # Nothing to decide on encoding: text that is not UTF-8 is read as
        # Windows-1252 or Latin-1, and Latin-1 decodes every byte. What makes a file
        # "not text" is NUL bytes or control characters, counted above.
        pass


def _check_text(fh, size, head, mime, allowed, scanner: _TextScanner) -> None:
    if mime in _WEB_TYPES:
        raise _Reject(WEB_PAGE_CODE)
    if mime in _SCRIPT_TYPES:
        raise _Reject(SCRIPT)
    if mime not in _TEXT_LIKE and mime in _LOOKS_LIKE:
        raise _Reject(_not_a(allowed, _describe(mime)))
    if scanner.has_nul or scanner.control_bytes * 100 > scanner.size:
        raise _Reject(BINARY)
    start = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if _MARKUP_START.match(start) or scanner.markup:
        raise _Reject(WEB_PAGE_CODE)
    if start.lstrip().startswith(b"#!"):
        raise _Reject(SCRIPT)


# -------------------------------------------------------------------------- PDF


def _pdf_name_pattern(*names: str) -> re.Pattern[bytes]:
    """PDF name tokens, also written with #xx escapes (``/J#61vaScript``)."""
    alternatives = []
    for name in names:
        parts = []
        for char in name:
            hi, lo = f"{ord(char):02x}"
            parts.append(
                b"(?:%s|#[%s][%s])"
                % (re.escape(char.encode()), (hi + hi.upper()).encode(), (lo + lo.upper()).encode())
            )
        alternatives.append(b"".join(parts))
    return re.compile(b"/(?:" + b"|".join(alternatives) + rb")(?=[\x00\t\n\x0c\r /<>\[\]()%{}])")


_PDF_RISKY_NAMES = _pdf_name_pattern("JavaScript", "JS", "Launch")
_PDF_OVERLAP = 64


class _PdfScanner:
    """Belt and braces: risky names anywhere in the raw bytes (not in compressed streams)."""

    def __init__(self) -> None:
        self.found = False
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        if not self.found:
            window = self._tail + chunk
            self.found = _PDF_RISKY_NAMES.search(window) is not None
            self._tail = window[-_PDF_OVERLAP:]

    def finish(self) -> None:
        if not self.found:
            self.found = _PDF_RISKY_NAMES.search(self._tail + b" ") is not None


# Keys that lead to page content, fonts, images and metadata, where no action lives.
_PDF_SKIP_KEYS = frozenset(
    {
        "/Parent",
        "/P",
        "/Resources",
        "/Contents",
        "/Thumb",
        "/Metadata",
        "/PieceInfo",
        "/StructTreeRoot",
        "/Font",
        "/XObject",
        "/ColorSpace",
        "/Pattern",
        "/Shading",
        "/ExtGState",
        "/Length",
    }
)
_PDF_SCRIPT_ACTIONS = frozenset({"/JavaScript", "/Launch"})
_PDF_CONTAINERS = (DictionaryObject, ArrayObject, IndirectObject)


def _check_pdf(fh, size, head, mime, allowed, scanner: _PdfScanner) -> None:
    if mime != "application/pdf":
        raise _Reject(_not_a(allowed, _describe(mime)))
    fh.seek(max(size - 1024, 0))
    if b"%%EOF" not in fh.read():  # truncated: readers expect it in the last 1 KB
        raise _Reject(PDF_DAMAGED)
    fh.seek(0)
    try:
        reader = PdfReader(fh, strict=False)
        if reader.is_encrypted:
            raise _Reject(PDF_ENCRYPTED)
        if len(reader.pages) < 1:
            raise _Reject(PDF_DAMAGED)
        _walk_pdf(reader)
    except _Reject:
        raise
    except Exception:  # pypdf raises many kinds on malformed input: all mean damaged
        raise _Reject(PDF_DAMAGED) from None
    if scanner.found:
        raise _Reject(PDF_SCRIPTS)


def _walk_pdf(reader: PdfReader) -> None:
    """Look for scripts, launch actions and attached files from the document catalog.

    Visits each indirect object once, skips page content and resources, and gives up
    past MAX_PDF_NODES nodes. pypdf caches every object it reads; as each is visited
    only once here, the cache is emptied as the walk goes to bound memory.
    """
    cache = getattr(reader, "resolved_objects", None)
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer.raw_get("/Root")]
    nodes = 0
    while stack:
        node = stack.pop()
        nodes += 1
        if nodes > MAX_PDF_NODES:
            raise _Reject(PDF_TOO_COMPLEX)
        if nodes % PDF_CACHE_CLEAR_EVERY == 0 and isinstance(cache, dict):
            cache.clear()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            _check_pdf_dictionary(node)
            stack.extend(
                value
                for key, value in dict.items(node)
                if key not in _PDF_SKIP_KEYS and isinstance(value, _PDF_CONTAINERS)
            )
        elif isinstance(node, ArrayObject):
            stack.extend(item for item in list.__iter__(node) if isinstance(item, _PDF_CONTAINERS))


def _pdf_value(node: DictionaryObject, key: str):
    value = dict.get(node, key)
    return value.get_object() if isinstance(value, IndirectObject) else value


def _check_pdf_dictionary(node: DictionaryObject) -> None:
    if "/JS" in node or "/JavaScript" in node:
        raise _Reject(PDF_SCRIPTS)
    action, subtype = _pdf_value(node, "/S"), _pdf_value(node, "/Subtype")
    if action in _PDF_SCRIPT_ACTIONS or subtype == "/RichMedia":
        raise _Reject(PDF_SCRIPTS)
    if (
        "/EmbeddedFiles" in node
        or "/EF" in node
        or _pdf_value(node, "/Type") == "/EmbeddedFile"
        or subtype == "/FileAttachment"
    ):
        raise _Reject(PDF_ATTACHMENTS)


# ----------------------------------------------------------------- ZIP containers


def _zip_directory_size(fh: BinaryIO, size: int) -> tuple[int, int] | None:
    """(entries, central directory bytes) from the end record, before zipfile reads it."""
    tail_length = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_length)
    tail = fh.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    entries, directory_bytes = struct.unpack("<10xHL6x", tail[at : at + 22])
    if entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:
        locator = tail[at - 20 : at] if at >= 20 else b""
        if locator[:4] != b"PK\x06\x07":
            return None
        (offset,) = struct.unpack("<8xQ4x", locator)
        if offset > size - 56:
            return None
        fh.seek(offset)
        record = fh.read(56)
        if record[:4] != b"PK\x06\x06":
            return None
        entries, directory_bytes = struct.unpack("<32xQQ8x", record)
    return entries, directory_bytes


def _open_zip(fh: BinaryIO, size: int, head: bytes, mime: str, allowed: AllowedType):
    """Open the container and apply the checks that do not depend on what it holds."""
    if not head.startswith(b"PK\x03\x04"):
        raise _Reject(_not_a(allowed, _describe(mime)))
    counts = _zip_directory_size(fh, size)
    if counts is None:
        raise _Reject(_damaged(allowed))
    if counts[0] > MAX_ZIP_ENTRIES or counts[1] > MAX_CENTRAL_DIRECTORY_BYTES:
        raise _Reject(TOO_MANY_PARTS)
    fh.seek(0)
    try:
        archive = zipfile.ZipFile(fh)
    except Exception:  # zipfile raises several kinds on malformed input
        raise _Reject(_damaged(allowed)) from None
    members = archive.infolist()
    if len(members) > MAX_ZIP_ENTRIES:
        raise _Reject(TOO_MANY_PARTS)
    names = set()
    total = 0
    for member in members:
        if _unsafe_member_name(member.filename):
            raise _Reject(UNSAFE_PATHS)
        if member.filename in names:
            raise _Reject(_damaged(allowed))
        names.add(member.filename)
        if member.flag_bits & 0x1:
            raise _Reject(ENCRYPTED)
        total += member.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise _Reject(ZIP_BOMB)
        if member.file_size > RATIO_CHECK_FROM_BYTES and (
            member.file_size > MAX_MEMBER_RATIO * member.compress_size
        ):
            raise _Reject(ZIP_BOMB)
    return archive


def _unsafe_member_name(name: str) -> bool:
    if not name or "\x00" in name or name.startswith(("/", "\\")):
        return True
    if re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in re.split(r"[/\\]", name)


class _XmlBudget:
    def __init__(self) -> None:
        self.left = MAX_XML_TOTAL_BYTES


class _DoctypeRefused(Exception):
    pass


def _refuse_doctype(*args) -> None:
    raise _DoctypeRefused


def _parse_member(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    on_start: Callable[[str, dict[str, str]], None],
    *,
    cap: int,
    budget: _XmlBudget | None = None,
) -> None:
    """Stream one XML member through expat, without DTDs, reading at most ``cap`` bytes.

    Raises _Reject(ZIP_BOMB) past the cap, ExpatError/_DoctypeRefused/zip errors when
    damaged (the caller turns those into its own reason).
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.StartElementHandler = on_start
    read = 0
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            read += len(chunk)
            if read > cap or (budget and read > budget.left):
                raise _Reject(ZIP_BOMB)
            parser.Parse(chunk, False)
    if budget:
        budget.left -= read
    parser.Parse(b"", True)


_MEMBER_ERRORS = (
    expat.ExpatError,
    _DoctypeRefused,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)

# --------------------------------------------------------------------------- OOXML

_CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
_OOXML_LOOKS_LIKE = {
    main: _LOOKS_LIKE[ALLOWED[extension].content_type] for extension, main in _OOXML_MAIN.items()
} | {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": (
        "a Word template (DOTX)"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": (
        "an Excel template (XLTX)"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml": (
        "a PowerPoint slide show (PPSX)"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml": (
        "a PowerPoint template (POTX)"
    ),
}
_MACRO_CONTENT_TYPE_WORDS = ("macroenabled", "vbaproject", "macrosheet", "vbadata")
_MACRO_PARTS = frozenset({"vbaproject.bin", "vbaprojectsignature.bin", "vbadata.xml"})


_LOCAL_DRIVE_PATH = re.compile(r"^(?:file:/{2,3})?[A-Za-z]:[\\/]", re.IGNORECASE)


def _harmless_external(relationship_type: str, target: str) -> bool:
    """Hyperlinks to anywhere, and a Word template on the author's own drive.

    Documents made from a corporate template name it by its path on the author's PC
    (``file:///C:\\Users\\...\\Templates\\Report.dotx``); Word looks for it there and
    finds nothing on anyone else's machine. A template on a server or website is the
    "template injection" attack, and any other external target fetches data.
    """
    relationship_type = relationship_type.strip().lower()
    if relationship_type.endswith("/hyperlink"):
        return True
    return relationship_type.endswith("/attachedtemplate") and bool(
        _LOCAL_DRIVE_PATH.match(target.strip())
    )


def _check_ooxml(fh, size, head, mime, allowed, scanner) -> None:
    archive = _open_zip(fh, size, head, mime, allowed)
    with archive:
        members = {m.filename.lower(): m for m in archive.infolist()}
        content_types = members.get("[content_types].xml")
        if content_types is None:
            raise _Reject(_not_a(allowed, _describe(mime) or "a ZIP archive"))

        overrides: dict[str, str] = {}
        declared: set[str] = set()

        def on_type(name: str, attrs: dict[str, str]) -> None:
            if name in (f"{_CONTENT_TYPES_NS} Override", f"{_CONTENT_TYPES_NS} Default"):
                content_type = attrs.get("ContentType", "").strip()
                declared.add(content_type.lower())
                if "PartName" in attrs:
                    overrides[attrs["PartName"].lstrip("/").lower()] = content_type

        budget = _XmlBudget()
        try:
            _parse_member(archive, content_types, on_type, cap=MAX_XML_PART_BYTES, budget=budget)
        except _MEMBER_ERRORS:
            raise _Reject(_damaged(allowed)) from None

        if any(word in t for t in declared for word in _MACRO_CONTENT_TYPE_WORDS) or any(
            name.rsplit("/", 1)[-1] in _MACRO_PARTS for name in members
        ):
            raise _Reject(MACROS)

        expected = _OOXML_MAIN[allowed.extension]
        if not any(t == expected and part in members for part, t in overrides.items()):
            others = [_OOXML_LOOKS_LIKE[t] for t in overrides.values() if t in _OOXML_LOOKS_LIKE]
            raise _Reject(_not_a(allowed, others[0] if others else None))

        if any(name.startswith("xl/externallinks/") for name in members):
            raise _Reject(EXTERNAL_LINKS)

        def on_relationship(name: str, attrs: dict[str, str]) -> None:
            if (
                name == f"{_RELATIONSHIPS_NS} Relationship"
                and attrs.get("TargetMode", "").strip().lower() == "external"
                and not _harmless_external(attrs.get("Type", ""), attrs.get("Target", ""))
            ):
                raise _Reject(EXTERNAL_LINKS)

        for name, member in members.items():
            if name.endswith(".rels"):
                try:
                    _parse_member(
                        archive, member, on_relationship, cap=MAX_XML_PART_BYTES, budget=budget
                    )
                except _MEMBER_ERRORS:
                    raise _Reject(_damaged(allowed)) from None


# ---------------------------------------------------------------------- OpenDocument

_ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "an OpenDocument text (ODT)",
    "application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet (ODS)",
    "application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation (ODP)",
    "application/vnd.oasis.opendocument.graphics": "an OpenDocument drawing (ODG)",
    "application/vnd.oasis.opendocument.text-template": "an OpenDocument template (OTT)",
    "application/vnd.oasis.opendocument.spreadsheet-template": "an OpenDocument template (OTS)",
}
_XLINK_HREF = "http://www.w3.org/1999/xlink href"
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_ODF_SCRIPT = "urn:oasis:names:tc:opendocument:xmlns:script:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_ODF_HYPERLINKS = frozenset({f"{_ODF_TEXT} a", f"{_ODF_DRAW} a"})
_ODF_MACRO_ELEMENTS = frozenset({f"{_ODF_SCRIPT} event-listener", f"{_ODF_OFFICE} script"})
_ODF_DDE_ELEMENTS = frozenset({"dde-source", "dde-link", "dde-connection", "dde-connection-decl"})
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_MACRO_URLS = ("vnd.sun.star.script:", "macro:")


def _external_href(href: str) -> bool:
    href = href.strip()
    return bool(
        _URL_SCHEME.match(href) or href.startswith(("/", "\\", "../", "..\\")) or href == ".."
    )


def _on_odf_element(name: str, attrs: dict[str, str]) -> None:
    if name in _ODF_MACRO_ELEMENTS:
        raise _Reject(MACROS)
    if any(value.strip().lower().startswith(_MACRO_URLS) for value in attrs.values()):
        raise _Reject(MACROS)
    if name.rpartition(" ")[2] in _ODF_DDE_ELEMENTS:
        raise _Reject(EXTERNAL_LINKS)
    href = attrs.get(_XLINK_HREF)
    if href is not None and name not in _ODF_HYPERLINKS and _external_href(href):
        raise _Reject(EXTERNAL_LINKS)


def _on_odf_manifest(name: str, attrs: dict[str, str]) -> None:
    if name == f"{_ODF_MANIFEST} encryption-data":
        raise _Reject(ENCRYPTED)


def _check_odf(fh, size, head, mime, allowed, scanner) -> None:
    archive = _open_zip(fh, size, head, mime, allowed)
    with archive:
        members = archive.infolist()
        first = members[0] if members else None
        mimetype = b""
        if first is not None and first.filename == "mimetype":
            try:
                with archive.open(first) as stream:
                    mimetype = stream.read(256)
            except _MEMBER_ERRORS:
                raise _Reject(_damaged(allowed)) from None
        if mimetype != allowed.content_type.encode():
            text = mimetype.decode("ascii", "replace")
            looks_like = _ODF_MIMETYPES.get(text)
            if looks_like is None and any(m.filename == "[Content_Types].xml" for m in members):
                looks_like = "a Microsoft Office file"
            raise _Reject(_not_a(allowed, looks_like or _describe(mime) or "a ZIP archive"))

        if any(m.filename.lower().startswith(("basic/", "scripts/")) for m in members):
            raise _Reject(MACROS)

        budget = _XmlBudget()
        try:
            for member in members:
                base = member.filename.rsplit("/", 1)[-1]
                if member.filename == "META-INF/manifest.xml":
                    _parse_member(
                        archive, member, _on_odf_manifest, cap=MAX_XML_PART_BYTES, budget=budget
                    )
                elif base in ("content.xml", "styles.xml"):
                    # Declared sizes are already bounded; zipfile stops at them.
                    _parse_member(archive, member, _on_odf_element, cap=MAX_UNCOMPRESSED_BYTES)
        except _MEMBER_ERRORS:
            raise _Reject(_damaged(allowed)) from None


# --------------------------------------------------------------------- dispatch


@dataclass(frozen=True)
class _Kind:
    check: Callable[..., None]
    scanner: type | None = None


_KINDS = {
    "pdf": _Kind(_check_pdf, _PdfScanner),
    "docx": _Kind(_check_ooxml),
    "xlsx": _Kind(_check_ooxml),
    "pptx": _Kind(_check_ooxml),
    "odt": _Kind(_check_odf),
    "ods": _Kind(_check_odf),
    "png": _Kind(_check_image),
    "jpg": _Kind(_check_image),
    "jpeg": _Kind(_check_image),
    "csv": _Kind(_check_text, _TextScanner),
    "txt": _Kind(_check_text, _TextScanner),
}
