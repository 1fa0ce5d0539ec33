"""A PDF's text layer as positioned words, and its embedded invoice XML, with pdfminer.six.

Run these inside `services.intake.sandbox` for untrusted files: a hostile PDF can still ask for
a lot of memory or time, and only a child process with limits can be stopped safely. Everything
that refuses a document raises `PdfRefused` with a reason a person can act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import (
    LAParams,
    LTChar,
    LTFigure,
    LTLayoutContainer,
    LTPage,
    LTTextBox,
    LTTextBoxHorizontal,
    LTTextLineHorizontal,
)
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1
from pdfminer.psexceptions import PSException

from services.intake.words import PageText, Word

MAX_PAGES = 50
MAX_CHARS_PER_PAGE = 60_000
MAX_EMBEDDED_XML_BYTES = 10 * 1024 * 1024
PREFERRED_XML_NAMES = (
    "factur-x.xml",
    "zugferd-invoice.xml",
    "xrechnung.xml",
    "order-x.xml",
)
_WORD_CHARS_MIN = 15
_LAPARAMS = LAParams(char_margin=2.0, word_margin=0.1, line_margin=0.5, boxes_flow=None)


class PdfRefused(ValueError):
    """A PDF we will not read; the message says why, for the sender."""


def _open(data: bytes) -> PDFDocument:
    if not data.lstrip()[:1024].startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise PdfRefused("not a PDF: the content does not start with %PDF-")
    if b"%%EOF" not in data[-4096:]:
        raise PdfRefused("PDF is truncated or damaged: no end-of-file marker (%%EOF)")
    try:
        document = PDFDocument(PDFParser(BytesIO(data)))
    except PDFPasswordIncorrect as exc:
        raise PdfRefused(
            "PDF is encrypted (password-protected); send it without a password"
        ) from exc
    except PDFEncryptionError as exc:
        raise PdfRefused(f"PDF uses encryption we cannot open: {exc}") from exc
    except (PSException, ValueError, KeyError, TypeError, IndexError, AssertionError) as exc:
        raise PdfRefused(f"PDF is truncated or damaged: {_short(exc)}") from exc
    return document


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def page_count(document: PDFDocument) -> int | None:
    """The page count the catalog claims (/Pages /Count), or None if it does not say."""
    try:
        pages = resolve1(document.catalog.get("Pages"))
        count = resolve1(pages.get("Count")) if isinstance(pages, dict) else None
    except (PSException, ValueError, KeyError, TypeError, RecursionError):
        return None
    return count if isinstance(count, int) else None


def pdf_pages(data: bytes, max_pages: int = MAX_PAGES) -> list[PageText]:
    """Every page's words with positions (points from the top-left), by pdfminer layout analysis."""
    document = _open(data)
    claimed = page_count(document)
    if claimed is not None and claimed > max_pages:
        raise PdfRefused(f"PDF has {claimed} pages, more than {max_pages} pages")
    manager = PDFResourceManager(caching=True)
    device = _CountingAggregator(manager, laparams=_LAPARAMS)
    interpreter = PDFPageInterpreter(manager, device)
    result: list[PageText] = []
    try:
        for number, page in enumerate(PDFPage.create_pages(document), start=1):
            if number > max_pages:
                raise PdfRefused(f"PDF has more than {max_pages} pages")
            device.chars = 0
            interpreter.process_page(page)
            layout = device.get_result()
            result.append(_page_text(number, layout))
    except PdfRefused:
        raise
    except PDFPasswordIncorrect as exc:
        raise PdfRefused("PDF is encrypted (password-protected)") from exc
    except RecursionError as exc:
        raise PdfRefused("PDF is too deeply nested to read safely") from exc
    except (PSException, ValueError, KeyError, TypeError, IndexError, AssertionError) as exc:
        raise PdfRefused(f"PDF is truncated or damaged: {_short(exc)}") from exc
    if not result:
        raise PdfRefused("PDF is truncated or damaged: it has no pages")
    return result


class _CountingAggregator(PDFPageAggregator):
    """Stops a page that draws an absurd number of characters (a cheap text bomb)."""

    chars = 0

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        self.chars += 1
        if self.chars > MAX_CHARS_PER_PAGE:
            raise PdfRefused(f"a page draws more than {MAX_CHARS_PER_PAGE} characters")
        result: float = super().render_char(*args, **kwargs)
        return result


def _page_text(number: int, layout: LTPage) -> PageText:
    height = float(layout.height)
    words: list[Word] = []
    for line in _text_lines(layout):
        words.extend(_line_words(number, height, line))
    words.sort(key=lambda w: (round(w.y0), w.x0))
    return PageText(number=number, width=float(layout.width), height=height, words=words)


def _text_lines(container: LTLayoutContainer | LTTextBox) -> Iterator[list[object]]:
    """Horizontal text lines as lists of their characters (LTChar and LTAnno spaces)."""
    for item in container:
        if isinstance(item, LTTextLineHorizontal):
            yield list(item)
        elif isinstance(item, (LTTextBoxHorizontal, LTFigure)):
            yield from _text_lines(item)
        elif isinstance(item, LTChar):  # characters outside any line (figures without analysis)
            yield [item]


def _line_words(page: int, height: float, chars: list[object]) -> Iterator[Word]:
    """Merge characters into words: split on spaces and on gaps wider than a third of the size."""
    current: list[LTChar] = []
    for item in chars:
        if not isinstance(item, LTChar) or not item.get_text().strip():
            yield from _word(page, height, current)
            current = []
            continue
        if current and item.x0 - current[-1].x1 > 0.3 * max(item.size, 1.0):
            yield from _word(page, height, current)
            current = []
        current.append(item)
    yield from _word(page, height, current)


def _word(page: int, height: float, chars: list[LTChar]) -> Iterator[Word]:
    if not chars:
        return
    text = "".join(c.get_text() for c in chars)
    text = _clean(text)
    if not text:
        return
    yield Word(
        text=text,
        page=page,
        x0=round(min(c.x0 for c in chars), 2),
        y0=round(height - max(c.y1 for c in chars), 2),
        x1=round(max(c.x1 for c in chars), 2),
        y1=round(height - min(c.y0 for c in chars), 2),
        confidence=1.0,
    )


_CID = re.compile(r"\(cid:\d+\)")
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}


def _clean(text: str) -> str:
    text = _CID.sub("", text)
    for ligature, plain in _LIGATURES.items():
        text = text.replace(ligature, plain)
    return text.replace("\u00a0", " ").strip()


def has_text_layer(pages: list[PageText]) -> bool:
    """Enough real words (letters or digits) that reading the text beats OCR."""
    real = 0
    for page in pages:
        for word in page.words:
            if sum(ch.isalnum() for ch in word.text) >= 2:
                real += 1
                if real >= _WORD_CHARS_MIN:
                    return True
    return False


def embedded_xml(data: bytes) -> bytes | None:
    """The invoice XML a PDF carries (Factur-X/ZUGFeRD/XRechnung or an EHF attachment), or None.

    Looks in the catalog's `/Names /EmbeddedFiles` name tree and its `/AF` array; prefers the
    standard Factur-X names, then any `*.xml`, then any file whose content is XML.
    """
    document = _open(data)
    try:
        files = list(_embedded_files(document))
    except RecursionError as exc:
        raise PdfRefused("PDF is too deeply nested to read safely") from exc
    except (PSException, ValueError, KeyError, TypeError, IndexError, AssertionError) as exc:
        raise PdfRefused(f"PDF is truncated or damaged: {_short(exc)}") from exc
    ranked = sorted(files, key=lambda item: _xml_rank(item[0]))
    for name, stream in ranked:
        if _xml_rank(name) > 2:
            break
        content = _stream_data(stream)
        if content is not None and _looks_like_xml(content):
            return content
    return None


def _xml_rank(name: str) -> int:
    lowered = name.lower()
    if lowered in PREFERRED_XML_NAMES:
        return 0
    if lowered.endswith(".xml"):
        return 1
    return 2 if "." not in lowered else 3


def _looks_like_xml(content: bytes) -> bool:
    return content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1].startswith(b"<")


def _stream_data(stream: PDFStream) -> bytes | None:
    length = resolve1(stream.attrs.get("Length"))
    if isinstance(length, int) and length > MAX_EMBEDDED_XML_BYTES:
        raise PdfRefused(f"embedded file is larger than {MAX_EMBEDDED_XML_BYTES} bytes")
    content = stream.get_data()
    if len(content) > MAX_EMBEDDED_XML_BYTES:
        raise PdfRefused(f"embedded file is larger than {MAX_EMBEDDED_XML_BYTES} bytes")
    return content


def _embedded_files(document: PDFDocument) -> Iterator[tuple[str, PDFStream]]:
    catalog = document.catalog
    seen: set[int] = set()
    names = resolve1(catalog.get("Names"))
    if isinstance(names, dict):
        tree = resolve1(names.get("EmbeddedFiles"))
        if isinstance(tree, dict):
            for key, spec in _name_tree(tree, depth=0):
                found = _filespec(spec, key, seen)
                if found is not None:
                    yield found
    for spec in _as_list(catalog.get("AF")):
        found = _filespec(spec, "", seen)
        if found is not None:
            yield found


def _as_list(value: Any) -> list[Any]:
    value = resolve1(value)
    return list(value) if isinstance(value, list) else []


def _name_tree(node: dict[str, Any], depth: int) -> Iterator[tuple[str, Any]]:
    if depth > 16:
        raise PdfRefused("PDF name tree is too deep to read safely")
    pairs = _as_list(node.get("Names"))
    for index in range(0, len(pairs) - 1, 2):
        key = resolve1(pairs[index])
        yield _decode_name(key), pairs[index + 1]
    for kid in _as_list(node.get("Kids")):
        kid = resolve1(kid)
        if isinstance(kid, dict):
            yield from _name_tree(kid, depth + 1)


def _filespec(spec: Any, key: str, seen: set[int]) -> tuple[str, PDFStream] | None:
    ref_id = spec.objid if isinstance(spec, PDFObjRef) else None
    spec = resolve1(spec)
    if not isinstance(spec, dict):
        return None
    ef = resolve1(spec.get("EF"))
    if not isinstance(ef, dict):
        return None
    raw_stream = ef.get("UF") or ef.get("F")
    stream_id = raw_stream.objid if isinstance(raw_stream, PDFObjRef) else ref_id
    stream = resolve1(raw_stream)
    if not isinstance(stream, PDFStream):
        return None
    if stream_id is not None:
        if stream_id in seen:
            return None
        seen.add(stream_id)
    name = _decode_name(resolve1(spec.get("UF")) or resolve1(spec.get("F")) or key)
    return name, stream


def _decode_name(value: Any) -> str:
    if isinstance(value, bytes):
        if value.startswith(b"\xfe\xff"):
            return value[2:].decode("utf-16-be", "replace")
        return value.decode("latin-1")
    return str(value) if value is not None else ""
