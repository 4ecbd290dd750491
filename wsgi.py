"""The WSGI entry point (`gunicorn wsgi:app`, `flask --app wsgi`): it only builds the app."""
from schedules import create_app

app = create_app()
