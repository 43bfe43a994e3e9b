"""The REST surface under /api; its OpenAPI document is generated from the pydantic models of the routes."""

from __future__ import annotations

from dashboard.api.errors import ERROR_RESPONSES, ErrorBody, install_error_handlers, validation_error_response
from dashboard.api.model_serving import model_serving_api
from dashboard.api.preferences import preferences_api
from dashboard.api.queries import queries_api
from dashboard.api.unity_catalog import unity_catalog_api
from dashboard.api.user import user_api
from dashboard.api.views import views_api

BLUEPRINTS = [user_api, unity_catalog_api, preferences_api, model_serving_api, queries_api, views_api]

__all__ = ["BLUEPRINTS", "ERROR_RESPONSES", "ErrorBody", "install_error_handlers", "validation_error_response"]
