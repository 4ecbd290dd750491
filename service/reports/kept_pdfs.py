"""Rendered records kept on disk by the fingerprint of what they print, so that an archive asked for again renders
only what changed (docs/operations.md, "Benchmarks")."""
import hashlib
import os
from pathlib import Path


class KeptPdfs:
    """Rendered records kept on disk by the fingerprint of what they print: the record's verification code (a hash
    of all its data), its kind, where its QR code leads, and the release of the templates and stylesheet. An
    archive asked for again re-renders only the records whose data changed. Files are written whole (rename into
    place) and may be deleted at any time; the oldest go first when the folder outgrows `max_bytes`."""

    def __init__(self, folder: str | Path, release: str, max_bytes: int):
        self.folder, self.release, self.max_bytes = Path(folder), release, max_bytes

    def key(self, code: str, kind: str, base_url: str) -> str:
        return hashlib.sha256(f"{self.release}|{kind}|{code}|{base_url}".encode()).hexdigest()

    def has(self, key: str) -> bool:
        return (self.folder / f"{key}.pdf").is_file()

    def get(self, key: str) -> bytes | None:
        try:
            path = self.folder / f"{key}.pdf"
            data = path.read_bytes()
            os.utime(path)  # recently used: kept longest
            return data
        except OSError:
            return None

    def put(self, key: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{key}.{os.getpid()}.part"
        partial.write_bytes(data)
        os.replace(partial, self.folder / f"{key}.pdf")

    def prune(self) -> None:
        """Delete the least recently used records until the folder fits `max_bytes`."""
        files = sorted(((path.stat(), path) for path in self.folder.glob("*.pdf")),
                       key=lambda kept: kept[0].st_mtime, reverse=True)
        total = 0
        for stat, path in files:
            total += stat.st_size
            if total > self.max_bytes:
                path.unlink(missing_ok=True)


def templates_release(app) -> str:
    """A fingerprint of everything that decides how a record looks: its templates and the stylesheet."""
    digest = hashlib.sha256()
    for path in sorted((Path(app.root_path) / "templates" / "reports").glob("*.html")) + \
            [Path(app.static_folder) / "report.css", Path(app.root_path) / "charts.py"]:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]
