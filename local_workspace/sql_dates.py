"""Databricks' date and time functions in DuckDB terms, where DuckDB's own differ (day numbering, return
types, units, lenient strings, time zones)."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from local_workspace.sql_errors import message
from local_workspace.sql_templates import as_date, as_timestamp, fill, string_value

Handler = Callable[[exp.Expr], exp.Expr | None]

# EXTRACT / date_part fields, as Databricks names them, to the DuckDB template computing them.
FIELDS: dict[str, str] = {
    **dict.fromkeys(("YEAR", "Y", "YEARS", "YR", "YRS"), "CAST(year(_0) AS INTEGER)"),
    **dict.fromkeys(("YEAROFWEEK",), "CAST(isoyear(_0) AS INTEGER)"),
    **dict.fromkeys(("QUARTER", "QTR"), "CAST(quarter(_0) AS INTEGER)"),
    **dict.fromkeys(("MONTH", "MON", "MONS", "MONTHS"), "CAST(month(_0) AS INTEGER)"),
    **dict.fromkeys(("WEEK", "W", "WEEKS"), "CAST(weekofyear(_0) AS INTEGER)"),
    **dict.fromkeys(("DAY", "D", "DAYS"), "CAST(day(_0) AS INTEGER)"),
    **dict.fromkeys(("DAYOFWEEK", "DOW"), "CAST(dayofweek(_0) + 1 AS INTEGER)"),
    **dict.fromkeys(("DAYOFWEEK_ISO", "DOW_ISO"), "CAST(isodow(_0) AS INTEGER)"),
    **dict.fromkeys(("DOY",), "CAST(dayofyear(_0) AS INTEGER)"),
    **dict.fromkeys(("HOUR", "H", "HOURS", "HR", "HRS"), "CAST(hour(_0) AS INTEGER)"),
    **dict.fromkeys(("MINUTE", "M", "MIN", "MINS", "MINUTES"), "CAST(minute(_0) AS INTEGER)"),
    # Databricks' SECOND field keeps the fraction: DECIMAL(8,6).
    **dict.fromkeys(("SECOND", "S", "SEC", "SECONDS", "SECS"), "CAST(microsecond(_0) / 1000000 AS DECIMAL(8, 6))"),
}
TRUNC_UNITS = {
    **dict.fromkeys(("YEAR", "YYYY", "YY"), "year"),
    "QUARTER": "quarter",
    **dict.fromkeys(("MONTH", "MM", "MON"), "month"),
    "WEEK": "week",
}
DATE_TRUNC_UNITS = {
    **TRUNC_UNITS,
    **dict.fromkeys(("DAY", "DD"), "day"),
    **{unit: unit.lower() for unit in ("HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND")},
}
DAYS_OF_WEEK = {"MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6, "SU": 7}
DAY_NAMES = {"MON": "MO", "TUE": "TU", "WED": "WE", "THU": "TH", "FRI": "FR", "SAT": "SA", "SUN": "SU"}
# Databricks: if both days of month are equal, or both are the last of their month, whole months; else the
# difference counts 31-day months to the second, rounded to 8 digits unless roundOff is false.
MONTHS_DIFFERENCE = (
    "(year(_0) * 12 + month(_0)) - (year(_1) * 12 + month(_1)) + ((day(_0) - day(_1)) * 86400 "
    "+ (epoch(_0) - epoch(date_trunc('day', _0))) - (epoch(_1) - epoch(date_trunc('day', _1)))) / 2678400.0"
)
# timestampdiff / datediff(unit, …) / date_diff(unit, …): whole elapsed units. Up to WEEK, DuckDB's date_sub
# counts elapsed time as Databricks does (DuckDB's date_diff counts boundaries crossed: one MONTH from 02-28
# 12:00 to 03-28 11:59:59, where Databricks answers 0). A month elapses when the calendar month has increased
# and the day and time of day are equal or greater than the start's; quarters and years follow from months.
ELAPSED_UNITS = frozenset(("MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK"))
MONTHS_IN = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}
ELAPSED_MONTHS = (
    "(year(_1) * 12 + month(_1)) - (year(_0) * 12 + month(_0)) - CASE "
    "WHEN (year(_1) * 12 + month(_1)) > (year(_0) * 12 + month(_0)) "
    "AND strftime(_1, '%d%H%M%S%f') < strftime(_0, '%d%H%M%S%f') THEN 1 "
    "WHEN (year(_1) * 12 + month(_1)) < (year(_0) * 12 + month(_0)) "
    "AND strftime(_1, '%d%H%M%S%f') > strftime(_0, '%d%H%M%S%f') THEN -1 ELSE 0 END"
)
MONTHS_BETWEEN = (
    "CASE WHEN day(_0) = day(_1) OR (CAST(_0 AS DATE) = last_day(_0) AND CAST(_1 AS DATE) = last_day(_1)) "
    "THEN CAST((year(_0) * 12 + month(_0)) - (year(_1) * 12 + month(_1)) AS DOUBLE) ELSE {} END"
)


def _field(node: exp.Expr, unit: str) -> exp.Expr | None:
    template = FIELDS.get(unit.upper())
    if template is None:
        return None
    target = node
    if string_value(node) is not None:
        target = as_timestamp(node)
    return fill(template, target)


def extract(node: exp.Expr) -> exp.Expr | None:
    """EXTRACT(field FROM expr), with Databricks' field names and numbering."""
    return _field(node.expression, node.this.name)


def date_part(node: exp.Expr) -> exp.Expr | None:
    """date_part('field', expr)."""
    unit = string_value(node.expressions[0]) if len(node.expressions) == 2 else None
    return None if unit is None else _field(node.expressions[1], unit)


def day_of_week(node: exp.Expr) -> exp.Expr:
    """dayofweek: 1 = Sunday … 7 = Saturday (DuckDB counts Sunday as 0)."""
    return fill("CAST(dayofweek(_0) + 1 AS INTEGER)", as_date(node.this))


def weekday(node: exp.Expr) -> exp.Expr:
    """weekday: 0 = Monday … 6 = Sunday."""
    return fill("CAST(isodow(_0) - 1 AS INTEGER)", as_date(node.expressions[0]))


def on_timestamp(node: exp.Expr) -> exp.Expr:
    """hour(), quarter(), …: an INT (DuckDB's are BIGINT); a string literal is read as a TIMESTAMP."""
    if string_value(node.this) is not None:
        node.set("this", as_timestamp(node.this))
    return fill("CAST(_0 AS INTEGER)", node)


def to_date(node: exp.Expr) -> exp.Expr:
    """to_date(expr [, fmt]): lenient without a format."""
    if node.args.get("format") is None:
        return as_date(node.this)
    return fill("CAST(strptime(_0, _1) AS DATE)", node.this, node.args["format"])


def add_days(node: exp.Expr) -> exp.Expr:
    """date_add / date_sub / dateadd(start, days): a DATE (DuckDB's interval arithmetic gives a TIMESTAMP)."""
    return fill("CAST(_0 + CAST(_1 AS INTEGER) AS DATE)", as_date(node.this), node.expression)


def add_months(node: exp.Expr) -> exp.Expr:
    """add_months: a DATE, clamped to the month's last day."""
    return fill("CAST(_0 + to_months(CAST(_1 AS INTEGER)) AS DATE)", as_date(node.this), node.expression)


def last_day(node: exp.Expr) -> exp.Expr:
    """last_day of a DATE (or of a string cast to one)."""
    return fill("last_day(_0)", as_date(node.this))


def next_day(node: exp.Expr) -> exp.Expr:
    """next_day(start, dayOfWeek): the first such day after start; an unknown day name is an error."""
    name = string_value(node.expression)
    key = (name or "").strip().upper()
    key = DAY_NAMES.get(key[:3], key[:2]) if len(key) >= 2 else key
    number = DAYS_OF_WEEK.get(key)
    if number is None:
        text = f"Illegal input for day of week: {name}."
        return fill("CAST(error(_0) AS DATE)", message("ILLEGAL_DAY_OF_WEEK", text))
    return fill("CAST(_0 + CAST((_1 - isodow(_0) + 6) % 7 + 1 AS INTEGER) AS DATE)", as_date(node.this), number)


def _date_trunc(unit: str | exp.Expr, value: exp.Expr) -> exp.Expr:
    # Built directly: sqlglot's DuckDB parser would read a placeholder in the unit's place as a unit name.
    part = exp.Literal.string(unit) if isinstance(unit, str) else unit
    return exp.Anonymous(this="date_trunc", expressions=[part, value])


def trunc(node: exp.Expr) -> exp.Expr:
    """trunc(date, unit): a DATE; NULL for a unit Databricks does not know."""
    unit = TRUNC_UNITS.get((string_value(node.args.get("unit")) or "").upper())
    if unit is None:
        return fill("CAST(NULL AS DATE)")
    return fill("CAST(_0 AS DATE)", _date_trunc(unit, as_date(node.this)))


def date_trunc(node: exp.Expr) -> exp.Expr | None:
    """date_trunc(unit, expr): a TIMESTAMP; NULL for a unit Databricks does not know."""
    if len(node.expressions) != 2:
        return None
    text = string_value(node.expressions[0])
    if text is None:
        return _date_trunc(fill("lower(_0)", node.expressions[0]), as_timestamp(node.expressions[1]))
    unit = DATE_TRUNC_UNITS.get(text.upper())
    if unit is None:
        return fill("CAST(NULL AS TIMESTAMP)")
    return _date_trunc(unit, as_timestamp(node.expressions[1]))


def months_between(node: exp.Expr) -> exp.Expr:
    """months_between(end, start [, roundOff]) as Databricks computes it."""
    roundoff = node.args.get("roundoff")
    rounded = not (isinstance(roundoff, exp.Boolean) and not roundoff.this)
    template = MONTHS_BETWEEN.format(f"round({MONTHS_DIFFERENCE}, 8)" if rounded else f"({MONTHS_DIFFERENCE})")
    return fill(template, as_timestamp(node.this), as_timestamp(node.expression))


def timestamp_diff(node: exp.Expr) -> exp.Expr | None:
    """timestampdiff(unit, start, end) and its synonyms: a BIGINT of whole elapsed units, negative when start
    is later than end."""
    unit = node.args.get("unit")
    name = unit.name.upper() if unit is not None else ""
    start = fill("CAST(_0 AS TIMESTAMP)", as_timestamp(node.expression))
    end = fill("CAST(_0 AS TIMESTAMP)", as_timestamp(node.this))
    if name in ELAPSED_UNITS:
        return fill("date_sub(_0, _1, _2)", name.lower(), start, end)
    if name in MONTHS_IN:
        return fill(f"CAST(trunc(({ELAPSED_MONTHS}) / {MONTHS_IN[name]}) AS BIGINT)", start, end)
    return None


def keeps_date(node: exp.Expr) -> bool:
    """Whether this is `DATE ± year-month interval`: a DATE in Databricks, where DuckDB answers a TIMESTAMP."""
    left, right = node.this, node.expression
    unit = right.args.get("unit") if isinstance(right, exp.Interval) else None
    is_date = isinstance(left, exp.Cast) and left.to.is_type(exp.DType.DATE)
    return is_date and unit is not None and unit.sql().upper().startswith(("YEAR", "MONTH"))


def date_arithmetic(node: exp.Expr) -> exp.Expr | None:
    """DATE + INTERVAL '1' MONTH: a DATE (clamped to the month's end, as DuckDB does)."""
    return fill("CAST(_0 AS DATE)", node) if keeps_date(node) else None


def from_utc(node: exp.Expr) -> exp.Expr:
    """from_utc_timestamp(ts, zone): ts read as UTC, shown in zone."""
    return fill("timezone(_1, timezone('UTC', _0))", as_timestamp(node.this), node.args["zone"])


def to_utc(node: exp.Expr) -> exp.Expr:
    """to_utc_timestamp(ts, zone): ts read in zone, shown in UTC."""
    return fill("timezone('UTC', timezone(_1, _0))", as_timestamp(node.this), node.args["zone"])


def make_date(node: exp.Expr) -> exp.Expr | None:
    """make_date(year, month, day): NULL for a field out of bounds, as Databricks SQL documents (DuckDB raises)."""
    if len(node.expressions) != 3:
        return None
    return fill("try(make_date(CAST(_0 AS INTEGER), CAST(_1 AS INTEGER), CAST(_2 AS INTEGER)))", *node.expressions)


def make_timestamp(node: exp.Expr) -> exp.Expr | None:
    """make_timestamp(year, month, day, hour, min, sec [, timezone]): NULL for a field out of bounds; the
    fields read in `timezone` when given (sqlglot parses that 7th argument as nanoseconds)."""
    parts = [node.args.get(key) for key in ("year", "month", "day", "hour", "min", "sec")]
    if any(part is None for part in parts):
        return None
    timestamp = fill("try(make_timestamp(_0, _1, _2, _3, _4, _5))", *[p for p in parts if p is not None])
    zone = node.args.get("zone") or node.args.get("nano")
    return timestamp if zone is None else fill("timezone('UTC', timezone(_1, _0))", timestamp, zone)


def date_from_unix_date(node: exp.Expr) -> exp.Expr:
    """date_from_unix_date(days): a DATE."""
    return fill("CAST(DATE '1970-01-01' + CAST(_0 AS INTEGER) AS DATE)", node.this)


BY_CLASS: dict[type[exp.Expr], Handler] = {
    exp.Extract: extract,
    exp.DayOfWeek: day_of_week,
    exp.TsOrDsToDate: to_date,
    exp.TsOrDsAdd: add_days,
    exp.AddMonths: add_months,
    exp.LastDay: last_day,
    exp.NextDay: next_day,
    exp.DateTrunc: trunc,
    exp.MonthsBetween: months_between,
    exp.AtTimeZone: from_utc,
    exp.FromTimeZone: to_utc,
    exp.DateFromUnixDate: date_from_unix_date,
    exp.TimestampFromParts: make_timestamp,
    exp.TimestampDiff: timestamp_diff,
    exp.Add: date_arithmetic,
    exp.Sub: date_arithmetic,
    **dict.fromkeys(
        (exp.Quarter, exp.Hour, exp.Minute, exp.Second, exp.Year, exp.Month, exp.Day, exp.DayOfMonth),
        on_timestamp,
    ),
    **dict.fromkeys((exp.DayOfYear, exp.WeekOfYear), on_timestamp),
}
BY_NAME: dict[str, Handler] = {
    "weekday": weekday,
    "date_part": date_part,
    "date_trunc": date_trunc,
    "make_date": make_date,
}
