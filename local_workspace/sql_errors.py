"""Databricks' SQL error classes for the local warehouse: each with its SQLSTATE and its message in Databricks'
form, `[CLASS] message SQLSTATE: xxxxx`, and the mapping from a DuckDB failure to one of them (so a caller
never reads DuckDB's own text)."""

from __future__ import annotations

import re

import duckdb
import sqlglot

SQLSTATES = {
    "WRONG_NUM_ARGS.WITHOUT_SUGGESTION": "42605",
    "ARITHMETIC_OVERFLOW": "22003",
    "CANNOT_PARSE_TIMESTAMP": "22007",
    "CATALOG_ALREADY_EXISTS": "42P04",
    "CONFIG_NOT_AVAILABLE": "42K0I",
    "INLINE_BYTE_LIMIT_EXCEEDED": "54000",
    "INSUFFICIENT_PERMISSIONS": "42501",
    "INVALID_SCHEMA_NAME": "42602",
    "CAST_INVALID_INPUT": "22018",
    "CAST_OVERFLOW": "22003",
    "DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION": "42K09",
    "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE": "42K09",
    "DATETIME_FIELD_OUT_OF_BOUNDS": "22023",
    "DIVIDE_BY_ZERO": "22012",
    "ILLEGAL_DAY_OF_WEEK": "22009",
    "INTERNAL_ERROR": "XX000",
    "INVALID_ARRAY_INDEX": "22003",
    "INVALID_DATETIME_PATTERN.LENGTH": "22007",
    "INVALID_ARRAY_INDEX_IN_ELEMENT_AT": "22003",
    "INVALID_INDEX_OF_ZERO": "22003",
    "MISSING_AGGREGATION": "42803",
    "NO_SUCH_CATALOG_EXCEPTION": "42704",
    "SCHEMA_NOT_FOUND": "42704",
    "PARSE_SYNTAX_ERROR": "42601",
    "REMAINDER_BY_ZERO": "22012",
    "TABLE_OR_VIEW_NOT_FOUND": "42P01",
    "UNBOUND_SQL_PARAMETER": "42P02",
    "USER_RAISED_EXCEPTION": "P0001",
    "UNRESOLVED_COLUMN.WITH_SUGGESTION": "42703",
    "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION": "42703",
    "UNRESOLVED_ROUTINE": "42883",
    "UNSUPPORTED_FEATURE": "0A000",
    "UNSUPPORTED_FEATURE.TIME_TRAVEL": "0A000",
}
SEARCH_PATH = "[`system`.`builtin`, `system`.`session`]"
# DuckDB's names of types, as Databricks names them in its messages.
TYPE_NAMES = {
    "INT8": "TINYINT",
    "INT16": "SMALLINT",
    "INT32": "INT",
    "INTEGER": "INT",
    "INT64": "BIGINT",
    "INT128": "BIGINT",
    "FLOAT": "FLOAT",
    "DOUBLE": "DOUBLE",
    "VARCHAR": "STRING",
    "BOOL": "BOOLEAN",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP_NTZ",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
}
# A message our own translation raised inside DuckDB with error(): already in Databricks' form.
OWN_MESSAGE = re.compile(r"\[([A-Z_.]+)\] (.*) SQLSTATE: (\w{5})", re.S)


class SqlError(Exception):
    """A statement refused or failed, with Databricks' error class, SQLSTATE and message."""

    def __init__(self, error_class: str, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.sqlstate = sqlstate
        self.message = message


def sql_error(error_class: str, text: str) -> SqlError:
    """The SqlError of this class, its message `[CLASS] text SQLSTATE: xxxxx` as Databricks words it."""
    sqlstate = SQLSTATES.get(error_class, "XX000")
    return SqlError(error_class, sqlstate, f"[{error_class}] {text} SQLSTATE: {sqlstate}")


def message(error_class: str, text: str) -> str:
    """The message alone, for a translation that raises it inside DuckDB with error()."""
    return sql_error(error_class, text).message


def unresolved_routine(name: str) -> SqlError:
    """UNRESOLVED_ROUTINE for a function Databricks does not have, or the local warehouse does not emulate."""
    return sql_error(
        "UNRESOLVED_ROUTINE",
        f"Cannot resolve routine `{name.lower()}` on search path {SEARCH_PATH}. "
        "(The local workspace does not emulate this function; see its README.)",
    )


def unbound_parameter(name: str) -> SqlError:
    """UNBOUND_SQL_PARAMETER for a `:name` marker with no value."""
    return sql_error(
        "UNBOUND_SQL_PARAMETER",
        f"Found the unbound parameter: {name}. Please, fix `args` and provide a mapping of the parameter to "
        "either a SQL literal or collection constructor functions such as `map()`, `array()`, `struct()`.",
    )


def parse_error(sql: str, error: sqlglot.errors.ParseError) -> SqlError:
    """PARSE_SYNTAX_ERROR at the token sqlglot stopped at, with its line and position as Databricks gives them."""
    details = error.errors[0] if error.errors else {}
    line, column = int(details.get("line") or 1), int(details.get("col") or 1)
    token = str(details.get("highlight") or "").strip() or "end of input"
    near = "end of input" if token == "end of input" else f"'{token}'"
    error_class = "PARSE_SYNTAX_ERROR"
    where = f"(line {line}, pos {max(column - 1, 0)})"
    return SqlError(
        error_class, SQLSTATES[error_class], f"[{error_class}] Syntax error at or near {near}. SQLSTATE: 42601 {where}"
    )


def cast_invalid_input(value: object, target: str) -> SqlError:
    """CAST_INVALID_INPUT for a string that is not a valid `target` (a type name as Databricks writes it)."""
    return sql_error(
        "CAST_INVALID_INPUT",
        f'The value \'{value}\' of the type "STRING" cannot be cast to "{target}" because it is malformed. '
        "Correct the value as per the syntax, or change its target type. Use `try_cast` to tolerate malformed "
        "input and return NULL instead.",
    )


def _type_name(duck: str) -> str:
    return TYPE_NAMES.get(duck.upper(), duck.upper())


def _cast_error(text: str) -> SqlError | None:
    """CAST_INVALID_INPUT / CAST_OVERFLOW / CANNOT_PARSE_TIMESTAMP from DuckDB's conversion messages."""
    malformed = re.search(r"Could not convert string '(.*)' to (\w+)", text) or re.search(
        r"(?:invalid (?:date|timestamp) field format|date field value out of range): \"(.*?)\".*?(DATE|TIMESTAMP)?",
        text,
    )
    if malformed:
        value, target = malformed.group(1), _type_name(malformed.group(2) or "DATE")
        return cast_invalid_input(value, target)
    overflow = re.search(r"Type (\w+) with value (\S+) can't be cast .* destination type (\w+)", text)
    if overflow:
        source, value, target = _type_name(overflow.group(1)), overflow.group(2), _type_name(overflow.group(3))
        return sql_error(
            "CAST_OVERFLOW",
            f'The value {value} of the type "{source}" cannot be cast to "{target}" due to an overflow. '
            "Use `try_cast` to tolerate overflow and return NULL instead.",
        )
    unimplemented = re.search(r"Unimplemented type for cast \((\w+) -> (\w+)\)", text)
    if unimplemented:
        source, target = _type_name(unimplemented.group(1)), _type_name(unimplemented.group(2))
        return sql_error(
            "DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
            f'Cannot resolve the cast due to data type mismatch: cannot cast "{source}" to "{target}".',
        )
    if "Could not parse string" in text or "strptime" in text:
        found = re.search(r"string \"?'?(.*?)'?\"? according to format", text)
        value = found.group(1) if found else ""
        return sql_error(
            "CANNOT_PARSE_TIMESTAMP",
            f"Text '{value}' could not be parsed. Use `try_to_timestamp` to tolerate invalid input string "
            "and return NULL instead.",
        )
    if "Date out of range" in text or ("out of range" in text and "date" in text.lower()):
        return sql_error("DATETIME_FIELD_OUT_OF_BOUNDS", "Invalid value for a date or time field.")
    return None


def _arithmetic_error(text: str) -> SqlError | None:
    """DIVIDE_BY_ZERO / REMAINDER_BY_ZERO / ARITHMETIC_OVERFLOW from DuckDB's messages."""
    if "Division by zero" in text:
        if "%" in text:
            return sql_error(
                "REMAINDER_BY_ZERO",
                "Remainder by zero. Use `try_mod` to tolerate divisor being 0 and return NULL instead.",
            )
        return sql_error(
            "DIVIDE_BY_ZERO", "Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead."
        )
    overflow = re.search(r"Overflow (?:in|on) (addition|subtraction|multiplication|negation|\w+)", text)
    if overflow:
        function = {"addition": "try_add", "subtraction": "try_subtract", "multiplication": "try_multiply"}.get(
            overflow.group(1), "try_add"
        )
        return sql_error(
            "ARITHMETIC_OVERFLOW",
            f"Integer overflow. Use '{function}' to tolerate overflow and return NULL instead. "
            'If necessary set ansi_mode to "false" to bypass this error.',
        )
    return None


def _binder_error(text: str) -> SqlError | None:
    """UNRESOLVED_COLUMN / UNRESOLVED_ROUTINE / DATATYPE_MISMATCH / TABLE_OR_VIEW_NOT_FOUND."""
    column = re.search(r'Referenced column "?([^"\s]+)"? (?:was )?not found', text)
    if column:
        candidates = re.findall(r'"([^"]+)"', text.split("Candidate bindings:", 1)[1]) if "Candidate" in text else []
        names = ", ".join(f"`{c.split('.')[-1]}`" for c in candidates[:5])
        subject = f"A column, variable, or function parameter with name `{column.group(1)}` cannot be resolved."
        if names:
            return sql_error(
                "UNRESOLVED_COLUMN.WITH_SUGGESTION", f"{subject} Did you mean one of the following? [{names}]."
            )
        return sql_error("UNRESOLVED_COLUMN.WITHOUT_SUGGESTION", subject)
    grouped = re.search(r'column "?([^"\s]+)"? must appear in the GROUP BY clause', text)
    if grouped:
        name = grouped.group(1)
        return sql_error(
            "MISSING_AGGREGATION",
            f'The non-aggregating expression "{name}" is based on columns which are not participating in the '
            "GROUP BY clause. Add the columns or the expression to the GROUP BY, aggregate the expression, or use "
            f'"any_value({name})" if you do not care which of the values within a group is returned.',
        )
    routine = re.search(r"Function with name (\w+) does not exist", text)
    if routine:
        return unresolved_routine(routine.group(1))
    table = re.search(r"Table with name (\S+) does not exist", text)
    if table:
        return sql_error("TABLE_OR_VIEW_NOT_FOUND", f"The table or view `{table.group(1)}` cannot be found.")
    mismatch = re.search(r"function call \"?(\w+)\(|name and argument types '(\w+)\(", text)
    if mismatch:
        name = mismatch.group(1) or mismatch.group(2)
        return sql_error(
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            f'Cannot resolve "{name}(...)" due to data type mismatch: the arguments do not have the types '
            f"`{name}` requires.",
        )
    return None


def engine_error(error: duckdb.Error) -> SqlError:
    """Databricks' error for a DuckDB failure at run time (never DuckDB's own text)."""
    text = str(error)
    own = OWN_MESSAGE.search(text)
    if own:
        return SqlError(own.group(1), own.group(3), f"[{own.group(1)}] {own.group(2)} SQLSTATE: {own.group(3)}")
    for classify in (_arithmetic_error, _cast_error, _binder_error):
        found = classify(text)
        if found is not None:
            return found
    if isinstance(error, duckdb.ParserException):
        return sql_error("PARSE_SYNTAX_ERROR", "Syntax error.")
    if isinstance(error, duckdb.BinderException):
        return sql_error(
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            "Cannot resolve the expression due to data type mismatch: an argument does not have the type its "
            "function requires.",
        )
    return sql_error("INTERNAL_ERROR", "The local warehouse could not run this statement.")
