"""Reading generated PDFs back: text, metadata, attachments, the tagged structure and a rendered picture."""
from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pikepdf
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


# --- Tagged PDF (PDF/A-3a, PDF/UA-1) read back with pikepdf --------------------------------------

def open_pdf(content: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(content))


def structure(content: bytes) -> list[dict]:
    """The structure tree depth-first in reading order: one dict per element with its standard type, depth,
    /Alt, /ID and the table attributes (/Scope, /Headers: the IDs of the header cells a data cell belongs to)."""
    with open_pdf(content) as pdf:
        root = pdf.Root.StructTreeRoot
        role_map = {str(k): str(v) for k, v in root.get("/RoleMap", {}).items()}
        found: list[dict] = []

        def walk(node, depth: int) -> None:
            kids = node.get("/K")
            if kids is None:
                return
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
                if not isinstance(kid, pikepdf.Dictionary) or kid.get("/Type") in ("/MCR", "/OBJR"):
                    continue  # marked-content and object references are leaves
                tag = str(kid.S)
                attributes = kid.get("/A")
                attributes = [attributes] if isinstance(attributes, pikepdf.Dictionary) else list(attributes or [])
                scope = next((str(a.Scope) for a in attributes if "/Scope" in a), None)
                headers = [str(h) for a in attributes for h in a.get("/Headers", [])]
                found.append({"tag": role_map.get(tag, tag).lstrip("/"), "depth": depth,
                              "alt": str(kid.Alt) if "/Alt" in kid else None, "scope": scope,
                              "id": str(kid.ID) if "/ID" in kid else None, "headers": headers})
                walk(kid, depth + 1)

        walk(root, 0)
        return found


def catalog_facts(content: bytes) -> dict:
    """What a PDF/A-3a and PDF/UA-1 reader looks for in the catalog."""
    with open_pdf(content) as pdf:
        root = pdf.Root
        return {"marked": bool(root.get("/MarkInfo", {}).get("/Marked", False)),
                "suspects": bool(root.get("/MarkInfo", {}).get("/Suspects", False)),
                "struct_tree": "/StructTreeRoot" in root,
                "parent_tree": "/ParentTree" in root.get("/StructTreeRoot", {}),
                "lang": str(root.get("/Lang", "")),
                "display_doc_title": bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)),
                "output_intent": [str(i.S) for i in root.get("/OutputIntents", [])]}


def xmp_facts(content: bytes) -> dict:
    """The XMP identification (PDF/A, PDF/UA) and the title, read with pikepdf's XMP parser."""
    with open_pdf(content) as pdf:
        meta = pdf.open_metadata()
        return {"pdfaid:part": meta.get("pdfaid:part"), "pdfaid:conformance": meta.get("pdfaid:conformance"),
                "pdfuaid:part": meta.get("pdfuaid:part"), "dc:title": meta.get("dc:title"),
                "extension_schemas": str(meta).count("<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"),
                "pdfa_claim": meta.pdfa_status}


def fonts(content: bytes) -> list[dict]:
    """Every font object in the file (pages, form XObjects, annotations): embedded program and ToUnicode."""
    with open_pdf(content) as pdf:
        result = []
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
                continue
            if obj.get("/Subtype") == "/CIDFontType2" or obj.get("/Subtype") == "/CIDFontType0":
                continue  # a descendant; judged through its Type0 parent
            descriptor = obj.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in obj:
                descriptor = obj.DescendantFonts[0].get("/FontDescriptor")
            result.append({"name": str(obj.get("/BaseFont", "")), "subtype": str(obj.get("/Subtype")),
                           "embedded": descriptor is not None
                           and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")),
                           "to_unicode": "/ToUnicode" in obj})
        return result


STANDARD_BLEND_MODES = {"/Normal", "/Compatible", "/Multiply", "/Screen", "/Overlay", "/Darken", "/Lighten",
                        "/ColorDodge", "/ColorBurn", "/HardLight", "/SoftLight", "/Difference", "/Exclusion",
                        "/Hue", "/Saturation", "/Color", "/Luminosity"}


def transparency(content: bytes) -> dict:
    """Transparency as ISO 19005-2/-3 §6.2.10 judges it: transparency groups (allowed in PDF/A-2/3 only with
    a colour space, own or from the output intent), soft masks, and blend modes outside the standard list."""
    with open_pdf(content) as pdf:
        groups, groups_without_cs, soft_masks, blend_modes = 0, 0, 0, set()
        for obj in pdf.objects:
            if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                continue
            group = obj.get("/Group")
            if isinstance(group, pikepdf.Dictionary) and group.get("/S") == "/Transparency":
                groups += 1
                groups_without_cs += "/CS" not in group
            if obj.get("/Type") == "/ExtGState":
                soft_masks += obj.get("/SMask", pikepdf.Name.None_) != pikepdf.Name("/None")
                if "/BM" in obj:
                    modes = obj.BM if isinstance(obj.BM, pikepdf.Array) else [obj.BM]
                    blend_modes |= {str(m) for m in modes}
        return {"groups": groups, "groups_without_cs": groups_without_cs, "soft_masks": soft_masks,
                "nonstandard_blend_modes": blend_modes - STANDARD_BLEND_MODES}


def untagged_text(content: bytes) -> int:
    """Text-showing operators outside any marked-content sequence (PDF/UA-1 7.1: content is either tagged
    or an artifact)."""
    shows = {"Tj", "TJ", "'", '"'}
    count = 0
    with open_pdf(content) as pdf:
        for page in pdf.pages:
            depth = 0
            for _operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("BMC", "BDC"):
                    depth += 1
                elif op == "EMC":
                    depth -= 1
                elif op in shows and depth == 0:
                    count += 1
    return count
