"""Backups: a restore drill on the test's own database (SQLite, or PostgreSQL with pg_dump and pg_restore) — back
up, restore into an empty database, and compare every table's rows and every uploaded file."""
import json
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from models import db
from service.backup import BackupError, BackupSettings, make_backup, prune_backups, restore_backup
from service.clock import local_today
from service.context import current_vault
from demo.data import SCALES, seed

from .conftest import flask_cli


def _rows(url: str) -> dict[str, list]:
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(bind=engine)
        with engine.connect() as connection:
            return {name: sorted(map(tuple, connection.execute(select(table)).all()), key=repr)
                    for name, table in metadata.tables.items()}
    finally:
        engine.dispose()


@pytest.fixture
def empty_database(app, tmp_path):
    """An empty database of the same kind as the test's."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def test_a_backup_restored_into_an_empty_database_gives_back_every_row_and_file(app, tmp_path,
                                                                                empty_database):
    with app.test_request_context():
        seed(db.session, SCALES["small"], current_vault(), local_today())
    db.session.commit()
    uploads = Path(app.config["UPLOAD_DIR"])
    (uploads / "evidence").mkdir(parents=True, exist_ok=True)
    (uploads / "evidence" / "drill.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\1" * 1000)
    settings = BackupSettings(app.config["SQLALCHEMY_DATABASE_URI"], uploads, tmp_path / "backups", 14)
    made = make_backup(settings)
    with zipfile.ZipFile(made) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["revision"] and any(f["name"] == "uploads/evidence/drill.png" for f in manifest["files"])
    restored_uploads = tmp_path / "restored-uploads"
    target = BackupSettings(empty_database, restored_uploads, tmp_path / "backups", 14)
    answer = restore_backup(target, made)
    assert answer["revision"] == manifest["revision"]
    db.session.commit()
    original, restored = _rows(app.config["SQLALCHEMY_DATABASE_URI"]), _rows(empty_database)
    assert original.keys() == restored.keys()
    assert sum(len(rows) for rows in original.values()) > 400  # the drill is not of an empty database
    for name in original:
        assert restored[name] == original[name], name
    for path in uploads.rglob("*"):
        if path.is_file():
            assert (restored_uploads / path.relative_to(uploads)).read_bytes() == path.read_bytes()
    # Never into a database that holds data, and never from a damaged file.
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(target, made)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(damaged, "w") as copy:
        for item in source.infolist():
            data = source.read(item)
            copy.writestr(item, data[:-1] + b"x" if item.filename.startswith("uploads/") else data)
    with pytest.raises(BackupError, match="SHA-256"):
        restore_backup(BackupSettings(empty_database + "-other", restored_uploads, tmp_path, 14), damaged)


def test_the_commands_and_the_daily_job_keep_the_newest(app, world, tmp_path, monkeypatch):
    folder = tmp_path / "kept"
    result = flask_cli(app, "backup", "--to", str(folder))
    assert result.exit_code == 0, result.output
    assert len(list(folder.glob("water-backup-*.zip"))) == 1
    for stamp in ("20260101-000000", "20260102-000000", "20260103-000000"):
        (folder / f"water-backup-{stamp}.zip").write_bytes(b"old")
    assert [p.name for p in prune_backups(folder, 2)] == ["water-backup-20260101-000000.zip",
                                                            "water-backup-20260102-000000.zip"]
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(folder))
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 2)
    result = flask_cli(app, "jobs", "run", "backup")
    assert result.exit_code == 0, result.output
    assert len(list(folder.glob("water-backup-*.zip"))) == 2
    kept = sorted(folder.glob("water-backup-*.zip"))
    assert all(zipfile.is_zipfile(path) for path in kept)  # the made-up old ones went first
    refused = flask_cli(app, "restore", str(kept[-1]))
    assert refused.exit_code == 1 and "not empty" in refused.output
    (folder / "junk.zip").write_bytes(b"not a zip")
    junk = flask_cli(app, "restore", str(folder / "junk.zip"))
    assert junk.exit_code == 1 and "not a ZIP" in junk.output
