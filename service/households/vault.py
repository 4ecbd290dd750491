from flask import current_app

from ..identity import IdNumberVault


def id_number_vault() -> IdNumberVault:
    """The app's vault for resident IDs, keyed by ID_NUMBER_KEY (or, failing that, SECRET_KEY)."""
    vault = current_app.extensions.get("id_number_vault")
    if vault is None:
        secret = current_app.config["ID_NUMBER_KEY"] or current_app.config["SECRET_KEY"]
        vault = current_app.extensions["id_number_vault"] = IdNumberVault.from_secret(secret)
    return vault
