"""The cockpit's SVG charts: the numbers drawn are the numbers given, and the chart is named."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from services.portal.web.charts import (
    BOTTOM,
    HEIGHT,
    TOP,
    bar_chart,
    legend,
    line_chart,
    nice_max,
    plain,
    series,
    stacked_bar_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
PLOT = HEIGHT - TOP - BOTTOM


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def marks(root: ET.Element, tag: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if e.get("data-value") is not None]


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (0.4, 0.5), (7, 10), (12, 20), (240, 250), (1001, 2000), (5e6, 5e6)]
)
def test_the_axis_ends_at_a_round_number(value: float, top: float) -> None:
    assert nice_max(value) == top


def test_a_bar_chart_draws_each_value_to_scale_and_names_itself() -> None:
    root = parse(
        bar_chart(
            "Fakturaer per uke",
            "Antall mottatte fakturaer de siste fire ukene",
            ["U45", "U46", "U47", "U48"],
            [10, 20, 0, Decimal("15")],
        )
    )
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == "Fakturaer per uke"
    assert desc is not None and desc.text and "fire ukene" in desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    bars = marks(root, "rect")
    assert [(b.get("data-label"), b.get("data-value")) for b in bars] == [
        ("U45", "10"),
        ("U46", "20"),
        ("U48", "15"),
    ]  # nothing drawn for zero
    heights = [float(b.get("height", 0)) for b in bars]
    assert heights == pytest.approx([PLOT * 10 / 20, PLOT, PLOT * 15 / 20], abs=0.1)
    assert [t.text for t in (b.find(f"{SVG}title") for b in bars) if t is not None] == [
        "U45: 10",
        "U46: 20",
        "U48: 15",
    ]
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert ticks == ["0", "5", "10", "15", "20"]


def test_stacked_bars_sum_up_and_skip_negative_parts() -> None:
    root = parse(
        stacked_bar_chart(
            "Kostnad",
            "Per leverandør",
            ["Okt", "Nov"],
            [series("Nord AS", [1000, 2500.5]), series("Strøm & Lys", [500, -100])],
        )
    )
    bars = marks(root, "rect")
    found = {(b.get("data-label"), b.get("data-series")): b.get("data-value") for b in bars}
    assert found == {
        ("Okt", "Nord AS"): "1000",
        ("Okt", "Strøm & Lys"): "500",
        ("Nov", "Nord AS"): "2500.5",
    }
    okt = [b for b in bars if b.get("data-label") == "Okt"]
    bottom = float(okt[0].get("y", 0)) + float(okt[0].get("height", 0))
    assert float(okt[1].get("y", 0)) + float(okt[1].get("height", 0)) == pytest.approx(
        float(okt[0].get("y", 0)), abs=0.2
    )  # the second part sits on the first
    assert bottom == pytest.approx(HEIGHT - BOTTOM)
    assert "A &amp; B" in str(stacked_bar_chart("t", "d", ["x"], [series("A & B", [1])]))
    assert legend([series("a", [1]), series("b", [2])]) == [("a", "#0b4f9c"), ("b", "#b35c00")]


def test_a_line_chart_puts_a_dot_on_every_value() -> None:
    root = parse(
        line_chart(
            "Betalinger",
            "Per dag",
            [f"D{n}" for n in range(20)],
            [series("Planlagt", [n * 100 for n in range(20)])],
        )
    )
    dots = marks(root, "circle")
    assert [d.get("data-value") for d in dots] == [str(n * 100) for n in range(20)]
    ys = [float(d.get("cy", 0)) for d in dots]
    assert ys == sorted(ys, reverse=True)  # rising values go up the page
    polyline = root.find(f"{SVG}polyline")
    assert polyline is not None and len(polyline.get("points", "").split()) == 20
    x_labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") != "tick"]
    assert x_labels == ["D0", "D3", "D6", "D9", "D12", "D15", "D18"]  # at most eight


def test_titles_and_labels_are_escaped() -> None:
    markup = str(bar_chart("<script>", "a & b", ["<x>"], [1]))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    parse(markup)


def test_empty_data_still_draws_the_axes() -> None:
    root = parse(bar_chart("Tomt", "Ingen data", [], []))
    assert marks(root, "rect") == []
    assert root.find(f"{SVG}title") is not None


def test_numbers_read_the_norwegian_way() -> None:
    assert plain(12345) == "12\u00a0345"
    assert plain(2.5) == "2,5"
