"""What an uploaded file is, by its content (never by its name): the one check of the app's
file uploads other than spreadsheets.

``sniff(data)`` reads a file's signature bytes (PDF, JPEG, PNG, GIF, WebP) and, for a ZIP,
its structure (a Word, Excel or PowerPoint document has ``[Content_Types].xml`` and its
part folder; a macro-enabled one or a zip bomb is refused). It answers the content type and extension to
keep, or None: a renamed program, an HTML page or a script called ``.pdf`` is refused.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def shown_inline(self) -> bool:
        """Images and PDFs open in the browser; anything else is downloaded."""
        return self.is_image or self.content_type == "application/pdf"


PDF = FileType("application/pdf", "pdf")
JPEG = FileType("image/jpeg", "jpg")
PNG = FileType("image/png", "png")
GIF = FileType("image/gif", "gif")
WEBP = FileType("image/webp", "webp")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
PPTX = FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")

SIGNATURES = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
# An Office document unpacking past this, or packed tighter than this ratio, is a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
# An Office Open XML document: the folder of its main part.
OFFICE_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))


def sniff(data: bytes) -> FileType | None:
    """The type of a file by its content, among PDF, images and Office documents; else None."""
    for signature, found in SIGNATURES:
        if data.startswith(signature):
            return found
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


def _office(data: bytes) -> FileType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            if "[Content_Types].xml" not in names:
                return None
            unpacked = sum(info.file_size for info in infos)
            packed = sum(info.compress_size for info in infos) or 1
            if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_RATIO:
                return None
            types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError):
        return None
    if b"macroEnabled" in types or any(name.lower().endswith(".bin") for name in names):
        return None
    for folder, found in OFFICE_PARTS:
        if any(name.startswith(folder) for name in names):
            return found
    return None
