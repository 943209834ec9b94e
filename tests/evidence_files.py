"""Real files of every evidence type, made here (no fixtures on disk): a PDF, docx, xlsx, odt, PNG and JPEG, and
files that look like one of them but are not."""
from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pikepdf
from PIL import Image


def pdf_bytes() -> bytes:
    out = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(out)
    return out.getvalue()


def docx_bytes(text: str = "Beslut om förmånsportal") -> bytes:
    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph(text)
    document.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["Kurs", "Deltagare"])
    book.save(out)
    return out.getvalue()


def odt_bytes(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # first and stored, as OpenDocument requires
        archive.writestr("META-INF/manifest.xml", "<manifest/>", zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def docm_bytes() -> bytes:
    """A macro-enabled Word file: a zip with [Content_Types].xml, but not a docx."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override PartName="/word/document.xml" ContentType='
                         '"application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\0" * 10)
    return out.getvalue()


def plain_zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "hej")
    return out.getvalue()


GOOD = {
    "beslut.pdf": pdf_bytes,
    "protokoll.docx": docx_bytes,
    "kurslista.xlsx": xlsx_bytes,
    "enkät.odt": odt_bytes,
    "diagram.png": lambda: image_bytes("PNG"),
    "foto.jpg": lambda: image_bytes("JPEG"),
    "foto2.JPEG": lambda: image_bytes("JPEG"),
}
