"""An upload handler that streams a roster straight into private storage.

Django's default handlers keep small uploads in memory and write large ones to /tmp, where
an uploaded roster of minors would linger and which a second app server cannot see. This
handler writes every chunk to ``PRIVATE_ROOT/imports`` and stops writing past
``IMPORT_MAX_UPLOAD_BYTES`` (the form then refuses the file with its size). A file nobody
claimed is removed when the request ends.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class PrivateUploadedFile(UploadedFile):
    def __init__(self, path: Path, name: str, size: int, content_type: str | None) -> None:
        self.path = path
        handle = path.open("rb") if path.exists() else None
        super().__init__(handle, name, content_type, size)

    def temporary_file_path(self) -> str:
        return str(self.path)

    def claim(self) -> Path:
        """Take the file over (it is then no longer removed at the end of the request)."""
        if self.file:
            self.file.close()
        final = self.path.with_suffix(".xlsx")
        self.path.rename(final)
        self.path = final
        self._claimed = True
        return final

    def close(self) -> None:
        if self.file:
            self.file.close()
        if not getattr(self, "_claimed", False):
            self.path.unlink(missing_ok=True)


class PrivateUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        from schoolops.sheets.engine import private_dir

        self.path = private_dir() / f"{uuid.uuid4().hex}.part"
        self.handle = self.path.open("wb")
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size <= settings.IMPORT_MAX_UPLOAD_BYTES:
            self.handle.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> PrivateUploadedFile:
        self.handle.close()
        if self.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            self.path.unlink(missing_ok=True)
        return PrivateUploadedFile(self.path, self.file_name or "", self.size, self.content_type)

    def upload_interrupted(self) -> None:
        if hasattr(self, "handle"):
            self.handle.close()
            self.path.unlink(missing_ok=True)
