"""Positioned words: what a PDF text layer and OCR both produce, and the extractor reads.

Coordinates are in points from the page's top-left corner (y grows downwards), so rules about
"right of the label" or "below the label" read the same for text PDFs and scans.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    text: str
    page: int
    """1-based page number."""
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float = 1.0
    """OCR's confidence in 0..1; 1.0 for a PDF text layer."""


@dataclass(frozen=True)
class PageText:
    number: int
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
