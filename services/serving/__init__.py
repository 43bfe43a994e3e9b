"""Model Serving: the endpoints the app serves and their input columns (`endpoints`), what a caller may
send them (`payloads`), and invocations within a deadline, each written to the user's history (`invoke`)."""

from __future__ import annotations

from services.serving.endpoints import (
    EndpointDetail,
    EndpointState,
    FieldKind,
    InputField,
    InputSignature,
    ModelEndpoint,
    get_endpoint,
    get_endpoint_detail,
    get_signature,
    is_configured,
    list_endpoints,
    parse_signature,
    ping,
    served_endpoint,
    validate_endpoint_name,
)
from services.serving.invoke import (
    MAX_ATTEMPTS,
    MAX_TIMEOUT_SECONDS,
    MIN_TIMEOUT_SECONDS,
    InferenceResult,
    invoke,
    parse_timeout,
)
from services.serving.payloads import (
    MAX_PAYLOAD_BYTES,
    PAYLOAD_FORMATS,
    PayloadFormat,
    build_record,
    form_payload,
    form_values,
    parse_payload_json,
    query_arguments,
)

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_PAYLOAD_BYTES",
    "MAX_TIMEOUT_SECONDS",
    "MIN_TIMEOUT_SECONDS",
    "PAYLOAD_FORMATS",
    "EndpointDetail",
    "EndpointState",
    "FieldKind",
    "InferenceResult",
    "InputField",
    "InputSignature",
    "ModelEndpoint",
    "PayloadFormat",
    "build_record",
    "form_payload",
    "form_values",
    "get_endpoint",
    "get_endpoint_detail",
    "get_signature",
    "invoke",
    "is_configured",
    "list_endpoints",
    "parse_payload_json",
    "parse_signature",
    "parse_timeout",
    "ping",
    "query_arguments",
    "served_endpoint",
    "validate_endpoint_name",
]
