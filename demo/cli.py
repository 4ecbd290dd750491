"""`flask seed-demo`: demo data into an empty database (docs/operations.md, "Command line")."""
import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from models import Household, Township, User, db
from service.clock import local_today
from service.config import DEFAULT_DATABASE_URL
from service.context import current_vault
from service.unit_of_work import UnitOfWork

from .data import SCALES, seed


@click.command("seed-demo")
@click.option("--scale", type=click.Choice(sorted(SCALES)), default="small", show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database has data.")
@click.option("--only-default-database", is_flag=True,
              help="Do nothing (and succeed) unless the database is the default SQLite file or DEMO=1 is set "
                   "(what `make run` uses, so that demo logins never reach a real database).")
@with_appcontext
def seed_demo(scale, if_empty, only_default_database):
    """Fill an empty database with demo townships, villages, households, facilities, staff and logins."""
    if only_default_database and current_app.config["SQLALCHEMY_DATABASE_URI"] != DEFAULT_DATABASE_URL \
            and os.environ.get("DEMO") != "1":
        click.echo("not the default SQLite database: no demo data seeded (set DEMO=1 to seed it anyway)")
        return
    has_data = db.session.scalar(select(func.count()).select_from(Township)) or \
        db.session.scalar(select(func.count()).select_from(User))
    if has_data:
        if if_empty:
            click.echo("database already has data; demo seeding skipped")
            return
        click.echo("error: the database is not empty; seed-demo only fills an empty database", err=True)
        sys.exit(1)
    with click.progressbar(length=SCALES[scale].villages, label=f"seeding {scale} demo data") as bar, UnitOfWork():
        logins = seed(db.session, SCALES[scale], current_vault(), local_today(), progress=bar.update)
    households = db.session.scalar(select(func.count()).select_from(Household))
    click.echo(f"seeded {households} households")
    click.echo("demo logins (username / password / role):")
    for username, password, role in logins:
        click.echo(f"  {username} / {password} / {role}")
