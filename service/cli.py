"""The service's `flask` commands: users, report, import, export, backup, restore (the scheduler's live
in schedules/)."""
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import or_, select

from models import USER_ROLES, Township, User, Village, db

from .backup import BackupError, make_backup, restore_backup
from .clock import local_today, local_zone
from .context import backup_settings, current_context, current_rules, current_thresholds
from .domain.catalogue import render
from .domain.errors import DomainError, FieldErrors, NotFound, PayloadTooLarge
from .domain.exchange import region_by_code, write_region_export
from .domain.scope import Scope
from .domain.users import create_user, reset_password, set_active
from .imports.runner import run_import
from .reports.archive import ArchiveSettings, build_archive
from .unit_of_work import UnitOfWork


def _fail(errors: dict) -> None:
    """Exit 1 naming each field's problems (the command line speaks the API's English)."""
    for field, messages in errors.items():
        click.echo(f"error: {field}: {'; '.join(render(message, 'en') for message in messages)}", err=True)
    sys.exit(1)


@click.group(help="Manage logins.")
def users():
    pass


@users.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(USER_ROLES))
@click.option("--township", "township_code", help="Township code (required for every role but the administrators).")
@click.option("--village", "village_ref", help="Village code or id (village_staff).")
@click.option("--region", "region_code", help="Region code (GB/T 2260): city_admin a city's, province_admin a "
                                             "province's, a county_admin limited to one county that county's.")
@click.option("--unit", "unit_id", type=int, help="The unit's id (unit_staff: the 牵头 or 配合 unit it works for).")
@click.option("--password", help="Prompted for when not given.")
@with_appcontext
def create_user_command(name, role, township_code, village_ref, region_code, unit_id, password):
    """Create a login NAME with ROLE in a township (or village)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    village_id = None
    if village_ref:
        stmt = select(Village.id).where(or_(Village.code == village_ref,
                                            Village.id == (int(village_ref) if village_ref.isdigit() else -1)))
        village_id = db.session.scalar(stmt)
        if village_id is None:
            _fail({"village": [f"unknown village {village_ref}"]})
    try:
        with UnitOfWork():
            user = create_user(db.session, name, role, password, township_code, village_id, region_code=region_code,
                               unit_id=unit_id)
    except FieldErrors as exc:
        _fail(exc.errors)
    click.echo(f"created user {user.username} ({user.role})")


@users.command("deactivate")
@click.argument("name")
@click.option("--reactivate", is_flag=True, help="Let the login in again instead.")
@with_appcontext
def deactivate_user_command(name, reactivate):
    """Deactivate login NAME: its page sessions and API tokens end at once."""
    try:
        with UnitOfWork():
            user = set_active(db.session, None, name, active=reactivate)
    except DomainError as exc:
        _fail(getattr(exc, "errors", None) or {"user": [exc.message]})
    click.echo(f"{'reactivated' if user.active else 'deactivated'} user {user.username}")


@users.command("reset-password")
@click.argument("name")
@click.option("--password", help="Prompted for when not given.")
@with_appcontext
def reset_password_command(name, password):
    """Give login NAME a new password: its page sessions and API tokens end at once."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        with UnitOfWork():
            user = reset_password(db.session, None, name, password)
    except DomainError as exc:
        _fail(getattr(exc, "errors", None) or {"user": [exc.message]})
    click.echo(f"new password set for {user.username}; its sessions and tokens have ended")


@click.group(help="Printed records.")
def report():
    pass


@report.command("archive")
@click.option("--township", "township_code", required=True, help="Township code.")
@click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="ZIP file to write.")
@with_appcontext
def report_archive(township_code, date_from, date_to, out):
    """Build a township's inspection archive (迎检档案) into a ZIP, with a progress bar."""
    township = db.session.scalar(select(Township).where(Township.code == township_code))
    if township is None:
        _fail({"township": [f"unknown township code {township_code}"]})
    out = out or f"inspection-{township_code}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.zip"
    with click.progressbar(length=1, label="building the archive") as bar:
        def progress(done, total):
            bar.length = total
            bar.update(done - bar.pos)

        try:
            with UnitOfWork():  # the verification codes of its pages
                manifest = build_archive(db.session, Scope(), township.id, date_from.date(), date_to.date(), out,
                                         ArchiveSettings.of(current_app, current_app.config.get("PUBLIC_BASE_URL")),
                                         progress)
        except FieldErrors as exc:
            _fail(exc.errors)
    click.echo(f"wrote {out}: {len(manifest)} files")


@click.command("import")
@click.argument("kind", type=click.Choice(["households", "facilities", "staff", "water_tests", "visits", "tasks", "monitoring"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the whole file and report; write nothing.")
@click.option("--user", "username", help="Whose import it is (audit trail, scope); default: a county admin.")
@with_appcontext
def import_command(kind, file, dry_run, username):
    """Import a roster FILE (.xlsx or .csv): every row is checked first; nothing is written if one is bad."""
    stmt = select(User).where(User.username == username) if username else \
        select(User).where(User.role == "county_admin").order_by(User.id)
    actor = db.session.scalars(stmt).first()
    if actor is None:
        _fail({"user": ["no such user (create a county_admin first: flask users create)"]})
    data = Path(file).read_bytes()
    with click.progressbar(length=max(1, data.count(b"\n")), label=f"checking {kind}") as bar:
        try:
            report = run_import(db.session, actor, kind, file, data, dry_run, current_context(), bar.update)
        except PayloadTooLarge as exc:
            _fail({"file": [exc.message]})
    for error in report["errors"]:
        click.echo(f"row {error['row']} {error['column']}: {error['message']}", err=True)
    click.echo(f"rows {report['rows']}: created {report['created']}, updated {report['updated']}, "
               f"unchanged {report['unchanged']}, errors {len(report['errors'])}"
               + (" (dry run: nothing written)" if dry_run else ""))
    sys.exit(1 if report["errors"] else 0)


@click.group(help="Data for the levels above.")
def export():
    pass


@export.command("region")
@click.argument("code")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="The year of the visits and ledger.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="ZIP file to write.")
@with_appcontext
def export_region(code, year, out):
    """Write the exchange ZIP of the region CODE (GB/T 2260) for an upper level's system (docs/exchange.md)."""
    try:
        region = region_by_code(db.session, code)
    except NotFound:
        _fail({"code": [f"no region has the code {code}"]})
    out = out or f"exchange-{code}-{year}.zip"
    with open(out, "wb") as file:
        manifest = write_region_export(db.session, region, year, file, current_thresholds(), local_zone(),
                                       local_today(), current_rules().cases.upkeep)
    click.echo(f"wrote {out}: " + ", ".join(f"{table['file']} {table['rows']} rows" for table in manifest["tables"]))


@click.command("backup")
@click.option("--to", "folder", type=click.Path(file_okay=False, writable=True),
              help="Folder to write into (default BACKUP_DIR; best on another machine's disk).")
@with_appcontext
def backup_command(folder):
    """Write a consistent copy of the database and the uploaded files, with a SHA-256 manifest."""
    try:
        made = make_backup(backup_settings(current_app.config), Path(folder) if folder else None)
    except BackupError as exc:
        _fail({"backup": [str(exc)]})
    click.echo(f"wrote {made} ({made.stat().st_size} bytes)")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(file):
    """Restore a backup FILE into the (empty) database of DATABASE_URL and into UPLOAD_DIR."""
    db.session.remove()
    db.engine.dispose()  # nothing of ours holds the database the restore writes
    try:
        restored = restore_backup(backup_settings(current_app.config), Path(file))
    except BackupError as exc:
        _fail({"restore": [str(exc)]})
    click.echo(f"restored the backup of {restored['created_at']} (schema {restored['revision']}), "
               f"{restored['uploads']} uploaded files")
