"""The REST API of the local SQL warehouse: Statement Execution API 2.0, its sessions (as the connector's SEA
backend uses them), external links, Query History, and the warehouse's description (warehouses list/get).

Requests are checked as Databricks documents them; a bad one answers 400 INVALID_PARAMETER_VALUE naming
the field, before anything runs.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn
from urllib.parse import urlparse

from flask import Blueprint, Response, jsonify, request

from local_workspace.arrow_results import COMPRESSIONS
from local_workspace.catalog import CATALOG
from local_workspace.errors import abort_databricks, current_principal
from local_workspace.history import register_history_routes
from local_workspace.statements import Request, chunk_json, chunk_payload, statement_json
from local_workspace.warehouse import LocalWarehouse

MAX_STATEMENT_BYTES = 16 * 1024 * 1024
DEFAULT_WAIT_SECONDS = 10
DISPOSITIONS = ("INLINE", "EXTERNAL_LINKS")
FORMATS = ("JSON_ARRAY", "ARROW_STREAM", "CSV")
WAIT_TIMEOUT = re.compile(r"(\d{1,3})s")
LINK_REFUSED = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>{}</Message></Error>'


def _invalid(message: str) -> NoReturn:
    abort_databricks(400, "INVALID_PARAMETER_VALUE", message)


def _wait_seconds(value: Any) -> int:
    """`wait_timeout`: "0s", or "5s" to "50s" (10 s when absent)."""
    if value is None:
        return DEFAULT_WAIT_SECONDS
    match = WAIT_TIMEOUT.fullmatch(str(value))
    seconds = int(match.group(1)) if match else -1
    if seconds != 0 and not 5 <= seconds <= 50:
        _invalid(f"wait_timeout must be 0s or between 5s and 50s (as 'Ns'), got '{value}'.")
    return seconds


def _choice(body: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = body.get(name)
    if value is None:
        return default
    if value not in allowed:
        _invalid(f"{name} must be one of {', '.join(allowed)}, got '{value}'.")
    return str(value)


def _count(body: dict[str, Any], name: str, *, minimum: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        _invalid(f"{name} must be an integer of at least {minimum}, got {value!r}.")
    return int(value)


def _parameters(body: dict[str, Any]) -> list[dict[str, Any]]:
    parameters = body.get("parameters") or []
    if not isinstance(parameters, list):
        _invalid("parameters must be a list of {name, value, type}.")
    for parameter in parameters:
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str) or not parameter["name"]:
            _invalid("Each parameter needs a name.")
        if parameter.get("value") is not None and not isinstance(parameter["value"], str):
            _invalid(f"The value of parameter '{parameter['name']}' must be a string (or null).")
    return parameters


def _statement_text(body: dict[str, Any]) -> str:
    text = body.get("statement")
    if not isinstance(text, str) or not text.strip():
        _invalid("statement is required.")
    if len(text.encode()) > MAX_STATEMENT_BYTES:
        _invalid("The statement is larger than 16 MiB, the maximum query text size.")
    return text


def _disposition_and_format(body: dict[str, Any]) -> tuple[str, str]:
    disposition = _choice(body, "disposition", DISPOSITIONS, "INLINE")
    result_format = _choice(body, "format", FORMATS, "JSON_ARRAY")
    # The reference: "3 supported formats: JSON_ARRAY, ARROW_STREAM and CSV compared to only JSON_ARRAY with
    # INLINE" (some serverless warehouses are reported to take ARROW_STREAM inline; the reference does not say so).
    if disposition == "INLINE" and result_format != "JSON_ARRAY":
        _invalid(f"format {result_format} is supported only with disposition EXTERNAL_LINKS.")
    return disposition, result_format


def statement_request(warehouse: LocalWarehouse, body: dict[str, Any]) -> Request:
    """The statement a request body asks for, checked; the session's catalog and schema are its defaults."""
    text = _statement_text(body)
    disposition, result_format = _disposition_and_format(body)
    catalog, schema = body.get("catalog") or CATALOG, body.get("schema") or "default"
    session_id = body.get("session_id")
    if session_id:
        session = warehouse.session(str(session_id), current_principal())
        catalog, schema = body.get("catalog") or session.catalog, body.get("schema") or session.schema
    return Request(
        text=text,
        parameters=_parameters(body),
        catalog=str(catalog),
        schema=str(schema),
        session_id=str(session_id) if session_id else None,
        disposition=disposition,
        format=result_format,
        row_limit=_count(body, "row_limit", minimum=0),
        byte_limit=_count(body, "byte_limit", minimum=1),
        result_compression=_choice(body, "result_compression", COMPRESSIONS, "NONE"),
    )


def warehouse_blueprint(warehouse: LocalWarehouse) -> Blueprint:
    """The Statement Execution API, Query History and the warehouse's description over one local warehouse."""
    api = Blueprint("warehouse", __name__)
    register_history_routes(api, warehouse.history)

    @api.before_request
    def require_running() -> None:
        # The warehouse's description and history answer whatever its state; SQL does not while stopped.
        if request.path.startswith(("/api/2.0/sql/sessions", "/api/2.0/sql/statements")) and not warehouse.running:
            abort_databricks(
                503, "TEMPORARILY_UNAVAILABLE", f"SQL warehouse '{warehouse.warehouse_id}' is stopped.", retry_after=10
            )

    def require_warehouse(warehouse_id: Any) -> None:
        if not warehouse_id:
            _invalid("warehouse_id is required.")
        if warehouse_id != warehouse.warehouse_id:
            abort_databricks(404, "RESOURCE_DOES_NOT_EXIST", f"SQL warehouse '{warehouse_id}' does not exist.")

    def base_url() -> str:
        return request.host_url.rstrip("/")

    def answer(statement_body: Any) -> Response:
        return jsonify(statement_json(statement_body, signer=warehouse.signer, base_url=base_url()))

    @api.post("/api/2.0/sql/sessions")
    def create_session() -> Response:
        body = request.get_json(silent=True) or {}
        require_warehouse(body.get("warehouse_id"))
        return jsonify(session_id=warehouse.open_session(current_principal(), body.get("catalog"), body.get("schema")))

    @api.delete("/api/2.0/sql/sessions/<session_id>")
    def delete_session(session_id: str) -> Response:
        warehouse.close_session(session_id)
        return jsonify({})

    @api.post("/api/2.0/sql/statements")
    def execute_statement() -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            _invalid("The request body must be a JSON object.")
        require_warehouse(body.get("warehouse_id"))
        wait = _wait_seconds(body.get("wait_timeout"))
        on_timeout = _choice(body, "on_wait_timeout", ("CONTINUE", "CANCEL"), "CONTINUE")
        statement = warehouse.execute(current_principal(), statement_request(warehouse, body))
        if wait and not statement.done.wait(wait) and on_timeout == "CANCEL":
            warehouse.cancel(statement)
        return answer(statement)

    @api.get("/api/2.0/sql/statements/<statement_id>")
    def get_statement(statement_id: str) -> Response:
        return answer(warehouse.statement(statement_id, current_principal()))

    @api.get("/api/2.0/sql/statements/<statement_id>/result/chunks/<int:chunk_index>")
    def get_chunk(statement_id: str, chunk_index: int) -> Response:
        statement = warehouse.statement(statement_id, current_principal())
        result = statement.result
        if statement.state != "SUCCEEDED" or result is None or chunk_index >= len(result.chunks):
            abort_databricks(404, "RESOURCE_DOES_NOT_EXIST", f"Chunk {chunk_index} does not exist.")
        return jsonify(chunk_json(statement, result, chunk_index, signer=warehouse.signer, base_url=base_url()))

    @api.post("/api/2.0/sql/statements/<statement_id>/cancel")
    def cancel_statement(statement_id: str) -> Response:
        warehouse.cancel(warehouse.statement(statement_id, current_principal()))
        return jsonify({})

    @api.delete("/api/2.0/sql/statements/<statement_id>")
    def close_statement(statement_id: str) -> Response:
        warehouse.close(warehouse.statement(statement_id, current_principal()))
        return jsonify({})

    @api.get("/.local/results/<statement_id>/<int:chunk_index>")
    def external_link(statement_id: str, chunk_index: int) -> tuple[str, int, dict[str, str]] | Response:
        # No Authorization: the link's signature is its credential, as a presigned cloud-storage URL's is.
        refused = warehouse.signer.check(
            statement_id, chunk_index, request.args.get("expires", ""), request.args.get("signature", "")
        )
        if refused:
            message = "Request has expired" if refused == "expired" else "The request signature does not match."
            return LINK_REFUSED.format(message), 403, {"Content-Type": "application/xml"}
        statement = warehouse.find(statement_id)
        result = statement.result if statement is not None else None
        if statement is None or result is None or chunk_index >= len(result.chunks):
            return LINK_REFUSED.format("The specified key does not exist."), 404, {"Content-Type": "application/xml"}
        payload, media_type = chunk_payload(statement, result, chunk_index)
        return Response(payload, mimetype=media_type)

    @api.get("/api/2.0/sql/warehouses")
    def list_warehouses() -> Response:
        return jsonify(warehouses=[describe(warehouse, base_url())])

    @api.get("/api/2.0/sql/warehouses/<warehouse_id>")
    def get_warehouse(warehouse_id: str) -> Response:
        require_warehouse(warehouse_id)
        return jsonify(describe(warehouse, base_url()))

    return api


def describe(warehouse: LocalWarehouse, base_url: str) -> dict[str, Any]:
    """The warehouse as the Warehouses API describes it (EndpointInfo), with its real state."""
    running = warehouse.running
    url = urlparse(base_url)
    host, path = url.netloc, f"/sql/1.0/warehouses/{warehouse.warehouse_id}"
    port = url.port or (443 if url.scheme == "https" else 80)
    return {
        "id": warehouse.warehouse_id,
        "name": "Local DuckDB warehouse",
        "state": "RUNNING" if running else "STOPPED",
        "cluster_size": "2X-Small",
        "min_num_clusters": 1,
        "max_num_clusters": 1,
        "num_clusters": 1 if running else 0,
        "num_active_sessions": warehouse.active_sessions if running else 0,
        "auto_stop_mins": 10,
        "enable_photon": True,
        "enable_serverless_compute": True,
        "warehouse_type": "PRO",
        "spot_instance_policy": "COST_OPTIMIZED",
        "channel": {"name": "CHANNEL_NAME_CURRENT"},
        "creator_name": "samples-admin@example.com",
        "tags": {},
        "health": {"status": "HEALTHY"} if running else {},
        "jdbc_url": f"jdbc:databricks://{host};transportMode=http;httpPath={path}",
        "odbc_params": {"hostname": url.hostname, "path": path, "protocol": url.scheme, "port": port},
    }
