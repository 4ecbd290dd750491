"""The WSGI entry point (`gunicorn wsgi:app`, `flask --app wsgi`): it only builds the app."""
from service import create_app

app = create_app()
