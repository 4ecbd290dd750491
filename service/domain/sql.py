"""SQL the domain writes the same way on SQLite and PostgreSQL."""
from sqlalchemy import case, func
from sqlalchemy.dialects import postgresql, sqlite


def count_if(condition):
    """SQL: how many rows of the group `condition` holds for (0 for none), counted in the same pass as the others."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def insert_ignoring_duplicates(session, model):
    """INSERT … ON CONFLICT DO NOTHING for `model`: a row its unique keys already hold is dropped, so a job or a
    retry that runs twice writes once."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]
    return dialect.insert(model).on_conflict_do_nothing()
