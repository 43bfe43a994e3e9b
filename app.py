"""WSGI entry point for gunicorn (app.yaml runs `gunicorn app:server`)."""

from dashboard import create_app

app = create_app()
server = app.server
