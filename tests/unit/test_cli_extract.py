"""`fakturaportal extract`: the same capture as the services, on a local file, with clear refusals."""

import io
import json

import numpy as np
import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from fakturaportal.cli import main
from fakturaportal.demo import demo_invoice
from tests.samples import scan_png, text_pdf


def run(capsys, path, *flags):
    code = main(["extract", str(path), *flags])
    out, err = capsys.readouterr()
    return code, out, err


def test_xml_json_shape(tmp_path, capsys):
    path = tmp_path / "faktura.xml"
    path.write_bytes(demo_invoice(12))
    code, out, _ = run(capsys, path, "--json")
    assert code == 0
    shaped = json.loads(out)
    assert shaped["invoice_number"] == "DEMO-12"
    assert shaped["totals"]["payable"] == "1250.00"
    assert shaped["fields"]["invoice_number"] == {"source": "xml", "confidence": 1.0}


def test_text_pdf_is_read_from_its_text_layer(tmp_path, capsys):
    path = tmp_path / "faktura.pdf"
    path.write_bytes(text_pdf("550123"))
    code, out, _ = run(capsys, path, "--json")
    shaped = json.loads(out)
    assert code == 0
    assert (shaped["invoice_number"], shaped["supplier"]["orgnr"], shaped["payment"]["kid"]) == (
        "550123",
        "974760673",
        "000000018",
    )
    assert (shaped["totals"]["payable"], shaped["totals"]["vat"]) == ("1250.00", "250.00")
    assert shaped["fields"]["invoice_number"]["source"] == "text"


def test_a_scan_is_read_by_tesseract(tmp_path, capsys):
    path = tmp_path / "scan.png"
    path.write_bytes(scan_png("660321"))
    code, out, _ = run(capsys, path, "--json")
    shaped = json.loads(out)
    assert code == 0
    assert shaped["invoice_number"] == "660321"
    assert shaped["payment"]["account"] == "15030100007"
    assert shaped["fields"]["invoice_number"]["source"] == "ocr"


def test_human_output_names_source_and_confidence(tmp_path, capsys):
    path = tmp_path / "faktura.pdf"
    path.write_bytes(text_pdf("550124"))
    code, out, _ = run(capsys, path)
    assert code == 0
    assert "invoice_number           550124   (text, confidence" in out


def encrypted_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt="hemmelig")
    page.drawString(72, 720, "Faktura 1")
    page.save()
    return buffer.getvalue()


def noise_png() -> bytes:
    rng = np.random.default_rng(7)
    image = Image.fromarray(rng.integers(0, 256, (1200, 900), dtype=np.uint8))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("locked.pdf", encrypted_pdf(), "password"),
        ("cut.pdf", text_pdf()[:700], "truncated or damaged"),
        ("huge.pdf", b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024), "limit"),
        ("xxe.xml", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "DOCTYPE"),
        ("holiday.png", noise_png(), "no text found"),
        ("archive.zip", b"PK\x03\x04zip", "unsupported document type"),
    ],
)
def test_hostile_or_wrong_files_are_refused_with_a_reason(tmp_path, capsys, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = run(capsys, path, "--json")
    assert code == 3
    assert out == ""
    assert reason in err


def test_an_extractor_bug_is_a_clear_refusal_not_a_crash(tmp_path, capsys, monkeypatch):
    import services.intake.extractor as extractor

    def broken(*args, **kwargs):
        raise KeyError("bug")

    monkeypatch.setattr(extractor, "extract_invoice", broken)
    path = tmp_path / "faktura.pdf"
    path.write_bytes(text_pdf())
    code, _, err = run(capsys, path, "--json")
    assert code == 3
    assert "FP-INTAKE-EXTRACT" in err
