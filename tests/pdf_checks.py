"""Reading generated PDFs back: text, metadata, attachments, structure and a rendered picture."""
from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pypdf
from PIL import Image


def reader(content: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(content))


def page_texts(content: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in reader(content).pages]


def text(content: bytes) -> str:
    return " ".join(page_texts(content))


def assert_in_order(haystack: str, needles: list[str]) -> None:
    """Each needle occurs after the previous one (a measure may occur more than once)."""
    position = 0
    for needle in needles:
        found = haystack.find(needle, position)
        assert found >= 0, f"{needle!r} missing after position {position}: …{haystack[position:position + 200]}…"
        position = found + len(needle)


def pdfa_part(content: bytes) -> tuple[str, str]:
    root = reader(content).xmp_metadata.rdf_root
    for node in root.getElementsByTagNameNS("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "Description"):
        part = node.getAttributeNS("http://www.aiim.org/pdfa/ns/id/", "part")
        if part:
            return part, node.getAttributeNS("http://www.aiim.org/pdfa/ns/id/", "conformance")
    raise AssertionError("no pdfaid:part in the XMP metadata")


def attachments(content: bytes) -> dict[str, bytes]:
    return {name: datas[0] for name, datas in reader(content).attachments.items()}


def embedded_json(content: bytes) -> dict:
    found = attachments(content)
    assert len(found) == 1, f"expected exactly our JSON attachment, found {sorted(found)}"
    (name, data), = found.items()
    assert name.endswith(".json")
    return json.loads(data.decode("utf-8"))


def embedded_fonts(content: bytes) -> set[str]:
    """Base names of fonts whose program is embedded in the file."""
    names = set()
    for page in reader(content).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return names


def qpdf_check(content: bytes, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "check.pdf"
    path.write_bytes(content)
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, timeout=60)


def first_page_ink(content: bytes, tmp_path: Path) -> float:
    """The share of non-white pixels on page 1 as pdftoppm renders it."""
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    png = next(tmp_path.glob("page*.png"))
    with Image.open(png) as image:
        grey = image.convert("L")
        dark = sum(grey.histogram()[:200])  # pixels clearly darker than paper
        return dark / (grey.width * grey.height)
