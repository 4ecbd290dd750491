"""Backups (docs/operations.md, "Backups"): one ZIP holding a consistent copy of the database (SQLite's online
backup API, or `pg_dump` for PostgreSQL), every uploaded file, and a manifest with each member's SHA-256; restored
only into an empty database, after every checksum is checked.

A county on one small server keeps everything on one disk: the copies belong on another machine (the backup
folder mounted from one, or copied off every night).
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

FORMAT = 1
MANIFEST = "manifest.json"
PREFIX = "water-backup-"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup that cannot be made, or a file that cannot (or must not) be restored."""


@dataclass(frozen=True)
class BackupSettings:
    database_url: str
    upload_dir: Path
    folder: Path  # where backups are written (another machine's disk, mounted)
    keep: int  # how many of them the daily job keeps


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq_url(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _dump_database(database_url: str, work: Path) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or not Path(url.database).exists():
            raise BackupError(f"no SQLite database at {url.database}")
        target = work / "database.sqlite3"
        source, copy = sqlite3.connect(url.database), sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)  # a consistent copy while the service goes on writing
        finally:
            source.close()
            copy.close()
        return target
    if url.get_backend_name() == "postgresql":
        target = work / "database.pgdump"
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
                               f"--dbname={_libpq_url(url)}"], capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
        return target
    raise BackupError(f"backups know SQLite and PostgreSQL, not {url.get_backend_name()}")


def _revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def make_backup(settings: BackupSettings, folder: Path | None = None, now: datetime | None = None) -> Path:
    """Write a backup into `folder` (the settings' by default); its path."""
    now = now or datetime.now(timezone.utc)
    folder = Path(folder or settings.folder)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{PREFIX}{now:%Y%m%d-%H%M%S-%f}.zip"  # names sort as the backups were made
    partial = final.with_suffix(".part")
    files = []
    with tempfile.TemporaryDirectory() as work:
        database = _dump_database(settings.database_url, Path(work))
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            def add(path: Path, name: str):
                archive.write(path, name)
                files.append({"name": name, "sha256": _sha256(path), "bytes": path.stat().st_size})

            add(database, database.name)
            uploads = Path(settings.upload_dir)
            if uploads.is_dir():
                for path in sorted(p for p in uploads.rglob("*") if p.is_file() and not p.is_symlink()):
                    add(path, "uploads/" + path.relative_to(uploads).as_posix())
            manifest = {"format": FORMAT, "created_at": now.isoformat(timespec="seconds"),
                        "database": database.name, "revision": _revision(settings.database_url), "files": files}
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    os.chmod(partial, 0o600)  # it holds every resident's data
    os.replace(partial, final)
    return final


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in `folder`; those deleted."""
    backups = sorted(Path(folder).glob(f"{PREFIX}*.zip"))
    old = backups[:-keep] if keep > 0 else backups
    for path in old:
        path.unlink()
    return old


def daily_backup(settings: BackupSettings) -> str:
    """The scheduler's job: a backup, and the oldest beyond `keep` removed."""
    made = make_backup(settings)
    removed = prune_backups(settings.folder, settings.keep)
    return f"{made.name} ({made.stat().st_size} bytes), {len(removed)} old removed"


def _checked_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError):
        raise BackupError("not a backup of this service: no manifest.json") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not {FORMAT}")
    for entry in manifest["files"]:
        name = PurePosixPath(entry["name"])
        if name.is_absolute() or ".." in name.parts:
            raise BackupError(f"a member names a path outside the backup: {entry['name']}")
        digest = hashlib.sha256()
        with archive.open(entry["name"]) as member:
            while chunk := member.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"{entry['name']} does not match its SHA-256: the backup is damaged")
    return manifest


def _require_empty(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and (not url.database or not Path(url.database).exists()):
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(f"the database is not empty ({len(tables)} tables): restore only into an empty one")


def restore_backup(settings: BackupSettings, file: Path) -> dict:
    """Restore `file` into the settings' database (which must be empty) and upload folder; what was restored."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError):
        raise BackupError(f"not a backup of this service: {Path(file).name} is not a ZIP") from None
    with archive:
        manifest = _checked_manifest(archive)
        _require_empty(settings.database_url)
        url = make_url(settings.database_url)
        with tempfile.TemporaryDirectory() as work:
            database = Path(archive.extract(manifest["database"], work))
            if url.get_backend_name() == "sqlite":
                if not manifest["database"].endswith(".sqlite3"):
                    raise BackupError("this backup holds a PostgreSQL dump: restore it into PostgreSQL")
                target = Path(url.database)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(database, target.with_suffix(".restoring"))
                os.replace(target.with_suffix(".restoring"), target)
            else:
                if not manifest["database"].endswith(".pgdump"):
                    raise BackupError("this backup holds a SQLite file: restore it into SQLite")
                done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                                       f"--dbname={_libpq_url(url)}", str(database)], capture_output=True, text=True)
                if done.returncode != 0:
                    raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")
        uploads = [entry for entry in manifest["files"] if entry["name"].startswith("uploads/")]
        root = Path(settings.upload_dir)
        for entry in uploads:
            target = root / entry["name"].removeprefix("uploads/")
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(entry["name"]) as member, open(target, "wb") as out:
                shutil.copyfileobj(member, out, CHUNK)
    return {"revision": manifest["revision"], "created_at": manifest["created_at"], "uploads": len(uploads)}
