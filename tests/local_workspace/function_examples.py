"""Documented examples of Databricks SQL built-in functions, as data: each is a `> SELECT ...;` line of a
function's page in Databricks' SQL language reference and the result that page documents.

A line of a table reads `page: statement => value | value | ...` for a one-row result, where `page` names the
page under https://docs.databricks.com/en/sql/language-manual/functions/ (PAGE.html). A line is checked: its
statement and result were read on that page (docs.databricks.com or its Azure copies, in 2026). A line that
starts with `?` is unverified: the page does not show that statement (or its examples could not be read), and
the value follows the page's rules as understood, not a documented result. A value is rendered as
the Statement Execution API's JSON_ARRAY format carries it (arrays, maps and structs as JSON; `NULL`; a value
with edge spaces in single quotes), timestamps as the docs print them (`yyyy-MM-dd HH:mm:ss[.SSS]`).
`=> ERROR:<class>` is the error Databricks documents, or the class the local warehouse answers for a function
it does not emulate (local_workspace.dialect.NOT_EMULATED lists them, with the reason).
Results of several rows are built with rows() / window(); `ordered=False` when order is not part of them.

Examples whose documented result depends on the docs' authors' session time zone (America/Los_Angeles) are
left out: a Databricks SQL warehouse's default time zone is UTC, as here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DOCS = "https://docs.databricks.com/en/sql/language-manual/functions/{page}.html"

Row = tuple[str | None, ...]


@dataclass(frozen=True)
class Example:
    """One documented example: the statement, its documented result, and the page it comes from."""

    page: str
    sql: str
    expected: Row | list[Row] | str
    ordered: bool = True
    verified: bool = True

    @property
    def url(self) -> str:
        """The doc page this example comes from."""
        return DOCS.format(page=self.page)


def _value(text: str) -> str | None:
    if text == "NULL":
        return None
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    return text


def table(text: str) -> list[Example]:
    """The examples of a table of `page: statement => values` lines (blank and `#` lines skipped; a line
    ending in a backslash goes on on the next)."""
    examples = []
    for line in text.strip().replace("\\\n", "").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        page, rest = line.split(": ", 1)
        sql, result = rest.rsplit(" => ", 1)
        expected: Row | str = result if result.startswith("ERROR:") else tuple(_value(v) for v in result.split(" | "))
        examples.append(Example(page.removeprefix("?"), sql, expected, verified=not page.startswith("?")))
    return examples


def rows(page: str, sql: str, *result: Row, ordered: bool = True, verified: bool = False) -> Example:
    """An example answering several rows (unverified unless said otherwise)."""
    return Example(page, sql, list(result), ordered, verified)


def window(page: str, function: str, *third: str | None, verified: bool = False) -> Example:
    """The window functions' shared example: `function` over rows of (a, b), partitioned by a, ordered by b;
    the rows ('A1', 1), ('A1', 1), ('A1', 2), ('A2', 3) answer `third` in their third column."""
    sql = (
        f"SELECT a, b, {function} OVER (PARTITION BY a ORDER BY b) FROM VALUES ('A1', 2), ('A1', 1), ('A2', 3), "
        "('A1', 1) tab(a, b)"
    )
    keys = [("A1", "1"), ("A1", "1"), ("A1", "2"), ("A2", "3")]
    return rows(
        page, sql, *[(a, b, c) for (a, b), c in zip(keys, third, strict=True)], ordered=False, verified=verified
    )


DATE_TIME = table(
    r"""
dayofweek: SELECT dayofweek('2009-07-30') => 5
weekday: SELECT weekday(DATE'2009-07-30'), extract(DAYOFWEEK_ISO FROM DATE'2009-07-30') => 3 | 4
dayofmonth: SELECT dayofmonth('2009-07-30') => 30
day: SELECT day('2009-07-30') => 30
dayofyear: SELECT dayofyear('2016-04-09') => 100
weekofyear: SELECT weekofyear('2008-02-20') => 8
month: SELECT month('2016-07-30') => 7
year: SELECT year('2016-07-30') => 2016
quarter: SELECT quarter('2016-08-31') => 3
hour: SELECT hour('2009-07-30 12:58:59') => 12
minute: SELECT minute('2009-07-30 12:58:59') => 58
second: SELECT second('2009-07-30 12:58:59') => 59
date_add: SELECT date_add('2016-07-30', 1) => 2016-07-31
dateadd2: SELECT dateadd('2016-07-30', 1) => 2016-07-31
date_sub: SELECT date_sub('2016-07-30', 1) => 2016-07-29
datediff: SELECT datediff('2009-07-31', '2009-07-30') => 1
datediff: SELECT datediff('2009-07-30', '2009-07-31') => -1
?date_diff: SELECT date_diff('2009-07-31', '2009-07-30') => 1
date_diff: SELECT date_diff(MONTH, TIMESTAMP'2021-02-28 12:00:00', TIMESTAMP'2021-03-28 11:59:59') => 0
date_diff: SELECT date_diff(MONTH, TIMESTAMP'2021-02-28 12:00:00', TIMESTAMP'2021-03-28 12:00:00') => 1
date_diff: SELECT date_diff(YEAR, DATE'2021-01-01', DATE'1900-03-28') => -120
datediff3: SELECT datediff(MONTH, TIMESTAMP'2021-02-28 12:00:00', TIMESTAMP'2021-03-28 11:59:59') => 0
datediff3: SELECT datediff(YEAR, DATE'2021-01-01', DATE'1900-03-28') => -120
timestampdiff: SELECT timestampdiff(MONTH, TIMESTAMP'2021-02-28 12:00:00', TIMESTAMP'2021-03-28 12:00:00') => 1
timestampdiff: SELECT timestampdiff(YEAR, DATE'2021-01-01', DATE'1900-03-28') => -120
months_between: SELECT months_between('1997-02-28 10:30:00', '1996-10-30') => 3.94959677
months_between: SELECT months_between('1997-02-28 10:30:00', '1996-10-30', false) => 3.9495967741935485
add_months: SELECT add_months('2016-08-31', 1) => 2016-09-30
add_months: SELECT add_months('2016-08-31', -6) => 2016-02-29
last_day: SELECT last_day('2009-01-12') => 2009-01-31
last_day: SELECT last_day('2009-02-12') => 2009-02-28
next_day: SELECT next_day('2015-01-14', 'TU') => 2015-01-20
trunc: SELECT trunc('2019-08-04', 'week') => 2019-07-29
trunc: SELECT trunc('2019-08-04', 'quarter') => 2019-07-01
trunc: SELECT trunc('2009-02-12', 'MM') => 2009-02-01
trunc: SELECT trunc('2015-10-27', 'YEAR') => 2015-01-01
trunc: SELECT trunc('2015-10-27', 'JAHR') => NULL
date_trunc: SELECT date_trunc('YEAR', '2015-03-05T09:32:05.359') => 2015-01-01 00:00:00
date_trunc: SELECT date_trunc('MM', '2015-03-05T09:32:05.359') => 2015-03-01 00:00:00
date_trunc: SELECT date_trunc('DD', '2015-03-05T09:32:05.359') => 2015-03-05 00:00:00
date_trunc: SELECT date_trunc('HOUR', '2015-03-05T09:32:05.359') => 2015-03-05 09:00:00
date_trunc: SELECT date_trunc('MILLISECOND', '2015-03-05T09:32:05.123456') => 2015-03-05 09:32:05.123
date_trunc: SELECT date_trunc('MS', '2015-03-05T09:32:05.123456') => NULL
make_date: SELECT make_date(2013, 7, 15) => 2013-07-15
make_date: SELECT make_date(2019, 13, 1) => NULL
make_date: SELECT make_date(2019, 7, NULL) => NULL
make_date: SELECT make_date(2019, 2, 30) => NULL
make_timestamp: SELECT make_timestamp(2014, 12, 28, 6, 30, 45.887) => 2014-12-28 06:30:45.887
make_timestamp: SELECT make_timestamp(2019, 6, 30, 23, 59, 60) => 2019-07-01 00:00:00
make_timestamp: SELECT make_timestamp(2019, 13, 1, 10, 11, 12, 'PST') => NULL
make_timestamp: SELECT make_timestamp(NULL, 7, 22, 15, 30, 0) => NULL
to_date: SELECT to_date('2009-07-30 04:17:52') => 2009-07-30
to_date: SELECT to_date('2016-12-31', 'yyyy-MM-dd') => 2016-12-31
# The page's newer copy (docs.databricks.com/gcp) adds the error of a string that is not a date.
to_date: SELECT to_date('not-a-date') => ERROR:CAST_INVALID_INPUT
timestamp: SELECT timestamp('2020-04-30 12:25:13.45') => 2020-04-30 12:25:13.45
timestamp: SELECT timestamp(date'2020-04-30') => 2020-04-30 00:00:00
to_timestamp: SELECT to_timestamp('2016-12-31 00:12:00') => 2016-12-31 00:12:00
to_timestamp: SELECT to_timestamp('2016-12-31', 'yyyy-MM-dd') => 2016-12-31 00:00:00
date_format: SELECT date_format('2016-04-08', 'y') => 2016
# Documented as `Error: INVALID_DATETIME_PATTERN`; Databricks' message names the LENGTH subclass.
date_format: SELECT date_format(current_date(), 'QQQQQ') => ERROR:INVALID_DATETIME_PATTERN.LENGTH
from_utc_timestamp: SELECT from_utc_timestamp('2016-08-31', 'Asia/Seoul') => 2016-08-31 09:00:00
from_utc_timestamp: SELECT from_utc_timestamp('2017-07-14 02:40:00.0', 'GMT+1') => 2017-07-14 03:40:00
to_utc_timestamp: SELECT to_utc_timestamp('2016-08-31', 'Asia/Seoul') => 2016-08-30 15:00:00
to_utc_timestamp: SELECT to_utc_timestamp('2017-07-14 02:40:00.0', 'GMT+1') => 2017-07-14 01:40:00
unix_date: SELECT unix_date(DATE('1970-01-02')) => 1
date_from_unix_date: SELECT date_from_unix_date(1) => 1970-01-02
extract: SELECT extract(YEAR FROM TIMESTAMP '2019-08-12 01:00:00.123456') => 2019
extract: SELECT extract(week FROM TIMESTAMP'2019-08-12 01:00:00.123456') => 33
extract: SELECT extract(DAY FROM DATE'2019-08-12') => 12
?extract: SELECT extract(SECONDS FROM TIMESTAMP'2019-10-01 00:00:01.000001') => 1.000001
date_part: SELECT date_part('YEAR', TIMESTAMP'2019-08-12 01:00:00.123456') => 2019
?date_part: SELECT date_part('week', TIMESTAMP'2019-08-12 01:00:00.123456') => 33
?date_part: SELECT date_part('doy', DATE'2019-08-12') => 224
?date_part: SELECT date_part('SECONDS', TIMESTAMP'2019-10-01 00:00:01.000001') => 1.000001
?to_date: SELECT to_date('2021-09') => 2021-09-01
?date: SELECT date('2021-09') => 2021-09-01
date: SELECT date('2021-03-21') => 2021-03-21
?cast: SELECT cast('2021-9-7' AS DATE) => 2021-09-07
"""
)

STRING = table(
    r"""
concat: SELECT concat('Spark', 'SQL') => SparkSQL
concat_ws: SELECT concat_ws(' ', 'Spark', 'SQL') => Spark SQL
concat_ws: SELECT concat_ws('s') => ''
concat_ws: SELECT concat_ws(',', 'Spark', array('S', 'Q', NULL, 'L'), NULL) => Spark,S,Q,L
pipepipesign: SELECT 'Spark' || 'SQL' => SparkSQL
pipepipesign: SELECT array(1, 2, 3) || array(4, 5) || array(6) => [1,2,3,4,5,6]
substring: SELECT substring('Spark SQL', 5) => k SQL
substring: SELECT substring('Spark SQL', -3) => SQL
substring: SELECT substring('Spark SQL', 5, 1) => k
substring: SELECT substring('Spark SQL' FROM 5) => k SQL
substring: SELECT substring('Spark SQL' FROM -3) => SQL
substring: SELECT substring('Spark SQL' FROM 5 FOR 1) => k
substring: SELECT substring('Spark SQL' FROM -10 FOR 5) => Spar
substr: SELECT substr('Spark SQL', 5) => k SQL
substr: SELECT substr('Spark SQL', -3) => SQL
substr: SELECT substr('Spark SQL', 5, 1) => k
substr: SELECT substr('Spark SQL' FROM -10 FOR 5) => Spar
left: SELECT left('Spark SQL', 3) => Spa
right: SELECT right('Spark SQL', 3) => SQL
instr: SELECT instr('SparkSQL', 'SQL') => 6
instr: SELECT instr('SparkSQL', 'R') => 0
locate: SELECT locate('bar', 'abcbarbar') => 4
locate: SELECT locate('bar', 'abcbarbar', 5) => 7
position: SELECT position('bar', 'abcbarbar') => 4
position: SELECT position('bar', 'abcbarbar', 5) => 7
position: SELECT position('bar' IN 'abcbarbar') => 4
lpad: SELECT lpad('hi', 5, 'ab') => abahi
lpad: SELECT lpad('hi', 1, '??') => h
lpad: SELECT lpad('hi', 5) => '   hi'
rpad: SELECT rpad('hi', 5, 'ab') => hiaba
rpad: SELECT rpad('hi', 1, '??') => h
rpad: SELECT rpad('hi', 5) => 'hi   '
initcap: SELECT initcap('sPark sql') => Spark Sql
upper: SELECT upper('SparkSql') => SPARKSQL
ucase: SELECT ucase('SparkSql') => SPARKSQL
?lower: SELECT lower('SparkSql') => sparksql
?lcase: SELECT lcase('SparkSql') => sparksql
length: SELECT length('Spark SQL ') => 10
length: SELECT length('床前明月光') => 5
len: SELECT len('Spark SQL ') => 10
len: SELECT len('床前明月光') => 5
?char_length: SELECT char_length('Spark SQL ') => 10
?character_length: SELECT character_length('Spark SQL ') => 10
?bit_length: SELECT bit_length('Spark SQL') => 72
?octet_length: SELECT octet_length('Spark SQL') => 9
split: SELECT split('oneAtwoBthreeC', '[ABC]') => ["one","two","three",""]
split: SELECT split('oneAtwoBthreeC', '[ABC]', -1) => ["one","two","three",""]
split: SELECT split('oneAtwoBthreeC', '[ABC]', 2) => ["one","twoBthreeC"]
split: SELECT split('apple,banana,cherry', ',') => ["apple","banana","cherry"]
split_part: SELECT '->' || split_part('Hello,world,!', ',', 1) || '<-' => ->Hello<-
split_part: SELECT '->' || split_part('Hello,world,!', ',', 2) || '<-' => ->world<-
split_part: SELECT '->' || split_part('Hello,world,!', ',', 100) || '<-' => -><-
split_part: SELECT '->' || split_part('Hello,world,!', ',', -2) || '<-' => ->world<-
split_part: SELECT '->' || split_part('Hello,world,!', ',', -100) || '<-' => -><-
split_part: SELECT '->' || split_part('', ',', 1) || '<-' => -><-
split_part: SELECT '->' || split_part('Hello', '', 3) || '<-' => -><-
split_part: SELECT '->' || split_part('Hello,World,!', ',', 0) || '<-' => ERROR:INVALID_INDEX_OF_ZERO
regexp_extract: SELECT regexp_extract('100-200', '(\\d+)-(\\d+)', 1) => 100
regexp_replace: SELECT regexp_replace('100-200', '(\\d+)', 'num') => num-num
regexp_replace: SELECT regexp_replace('SSN 123-45-6789', r'\d', '#') => SSN ###-##-####
regexp_replace: SELECT regexp_replace('2024-03-15', r'(\d{4})-(\d{2})-(\d{2})', '$3/$2/$1') => 15/03/2024
translate: SELECT translate('AaBbCc', 'abc', '123') => A1B2C3
translate: SELECT translate('AaBbCc', 'abc', '1') => A1BC
translate: SELECT translate('AaBbCc', 'abc', '') => ABC
format_number: SELECT format_number(12332.123456, 4) => 12,332.1235
format_number: SELECT format_number(12332.123456, '#.###') => 12332.123
format_number: SELECT format_number(12332.123456, 'EUR ,###.-') => EUR 12,332.-
reverse: SELECT reverse('Spark SQL') => LQS krapS
repeat: SELECT repeat('123', 2) => 123123
replace: SELECT replace('ABCabc', 'abc', 'DEF') => ABCDEF
trim: SELECT '+' || trim('    SparkSQL   ') || '+' => +SparkSQL+
trim: SELECT '+' || trim(BOTH FROM ' SparkSQL ') || '+' => +SparkSQL+
trim: SELECT '+' || trim(LEADING FROM ' SparkSQL ') || '+' => +SparkSQL +
trim: SELECT '+' || trim(TRAILING FROM ' SparkSQL ') || '+' => + SparkSQL+
trim: SELECT trim('SL' FROM 'SSparkSQLS') => parkSQ
trim: SELECT trim(BOTH 'SL' FROM 'SSparkSQLS') => parkSQ
trim: SELECT trim(LEADING 'SL' FROM 'SSparkSQLS') => parkSQLS
trim: SELECT trim(TRAILING 'SL' FROM 'SSparkSQLS') => SSparkSQ
ltrim: SELECT '+' || ltrim(' SparkSQL ') || '+' => +SparkSQL +
ltrim: SELECT '+' || ltrim('abc', 'acbabSparkSQL ') || '+' => +SparkSQL +
rtrim: SELECT rtrim('SparkSQL   ') || '+' => SparkSQL+
rtrim: SELECT rtrim('ab', 'SparkSQLabcaaba') => SparkSQLabc
btrim: SELECT 'X' || btrim(' SparkSQL ') || 'X' => XSparkSQLX
btrim: SELECT btrim('abcaabaSparkSQLabcaaba', 'abc') => SparkSQL
?ascii: SELECT ascii('222') => 50
?ascii: SELECT ascii('2') => 50
?chr: SELECT chr(65) => A
?char: SELECT char(65) => A
startswith: SELECT startswith('SparkSQL', 'Spark') => true
startswith: SELECT startswith('SparkSQL', 'spark') => false
startswith: SELECT startswith(NULL, 'Spark') => NULL
startswith: SELECT startswith('SparkSQL', '') => true
startswith: SELECT startswith('SparkSQL', NULL) => NULL
endswith: SELECT endswith('SparkSQL', 'SQL') => true
endswith: SELECT endswith('SparkSQL', 'sql') => false
endswith: SELECT endswith('SparkSQL', NULL) => NULL
endswith: SELECT endswith(NULL, 'Spark') => NULL
endswith: SELECT endswith('SparkSQL', '') => true
contains: SELECT contains('SparkSQL', 'Spark') => true
contains: SELECT contains('SparkSQL', 'Spork') => false
contains: SELECT contains('SparkSQL', NULL) => NULL
contains: SELECT contains('SparkSQL', 'ark') => true
contains: SELECT contains('SparkSQL', 'SQL') => true
contains: SELECT contains('SparkSQL', '') => true
contains: SELECT contains(NULL, 'Spark') => NULL
substring_index: SELECT substring_index('www.apache.org', '.', 2) => www.apache
?md5: SELECT md5('Spark') => 8cde774d6f7333752ed72cacddb05126
?sha1: SELECT sha1('Spark') => 85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c
sha2: SELECT sha2('Spark', 256) => 529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b
base64: SELECT base64('Spark SQL') => U3BhcmsgU1FM
hex: SELECT hex(17) => 11
hex: SELECT hex('Spark SQL') => 537061726B2053514C
levenshtein: SELECT levenshtein('kitten', 'sitting') => 3
levenshtein: SELECT levenshtein('kitten', 'sitting', 2) => -1
levenshtein: SELECT levenshtein('kitten', 'sitting', 4) => 3
?soundex: SELECT soundex('Miller') => ERROR:UNRESOLVED_ROUTINE
overlay: SELECT overlay('Spark SQL', 'ANSI ', 7, 0) => Spark ANSI SQL
overlay: SELECT overlay('Spark SQL' PLACING '_' FROM 6) => Spark_SQL
overlay: SELECT overlay('Spark SQL' PLACING 'CORE' FROM 7) => Spark CORE
overlay: SELECT overlay('Spark SQL' PLACING 'ANSI ' FROM 7 FOR 0) => Spark ANSI SQL
overlay: SELECT overlay('Spark SQL' PLACING 'tructured' FROM 2 FOR 4) => Structured SQL
elt: SELECT elt(1, 'scala', 'java') => scala
find_in_set: SELECT find_in_set('ab','abc,b,ab,c,def') => 3
format_string: SELECT format_string('Hello World %d %s', 100, 'days') => Hello World 100 days
printf: SELECT printf('Hello World %d %s', 100, 'days') => Hello World 100 days
like: SELECT like('Spark', '_park') => true
like: SELECT like('Spock', '_park') => false
like: SELECT 'Spark' like SOME ('_park', '_ock') => true
like: SELECT 'Spark' like ALL ('_park', '_ock') => false
like: SELECT '%SystemDrive%/Users/John' like '/%SystemDrive/%//Users%' ESCAPE '/' => true
?ilike: SELECT 'Spark' ILIKE '_PARK' => true
?rlike: SELECT 'Spark' RLIKE '^S.*k$' => true
?lower: SELECT lower(NULL) => NULL
space: SELECT concat('1', space(2), '1') => 1  1
?crc32: SELECT crc32('Spark') => ERROR:UNRESOLVED_ROUTINE
?hash: SELECT hash('Spark', array(123), 2) => ERROR:UNRESOLVED_ROUTINE
?xxhash64: SELECT xxhash64('Spark', array(123), 2) => ERROR:UNRESOLVED_ROUTINE
"""
)

MATH = table(
    r"""
round: SELECT bround(2.5, 0), round(2.5, 0) => 2 | 3
round: SELECT bround(3.5, 0), round(3.5, 0) => 4 | 4
round: SELECT bround(2.6, 0), round(2.6, 0) => 3 | 3
round: SELECT bround(2.25, 1), round(2.25, 1) => 2.2 | 2.3
round: SELECT bround(13.5, -1), round(13.5, -1) => 10 | 10
bround: SELECT bround(2.5, 0), round(2.5, 0) => 2 | 3
bround: SELECT bround(2.25, 1), round(2.25, 1) => 2.2 | 2.3
bround: SELECT bround(3.5, 0), round(3.5, 0) => 4 | 4
bround: SELECT bround(2.6, 0), round(2.6, 0) => 3 | 3
bround: SELECT bround(13.5, -1), round(13.5, -1) => 10 | 10
pmod: SELECT pmod(10, 3), mod(10, 3) => 1 | 1
pmod: SELECT pmod(-10, 3), mod(-10, 3) => 2 | -1
# The page's newer copies name the class REMAINDER_BY_ZERO (older ones DIVIDE_BY_ZERO).
pmod: SELECT pmod(-10, 0) => ERROR:REMAINDER_BY_ZERO
mod: SELECT mod(2, 1.8) => 0.2
# The page's newer copies name the class REMAINDER_BY_ZERO (older ones DIVIDE_BY_ZERO).
mod: SELECT mod(2, 0) => ERROR:REMAINDER_BY_ZERO
percentsign: SELECT 2 % 1.8 => 0.2
?percentsign: SELECT -7 % 2 => -1
# The page's newer copies name the class REMAINDER_BY_ZERO (older ones DIVIDE_BY_ZERO).
percentsign: SELECT 2 % 0 => ERROR:REMAINDER_BY_ZERO
div: SELECT 3 div 2 => 1
div: SELECT -5.9 div 1 => -5
div: SELECT -5.9 div 0 => ERROR:DIVIDE_BY_ZERO
slashsign: SELECT 3 / 2 => 1.5
slashsign: SELECT 2L / 2L => 1.0
slashsign: SELECT 3 / 0 => ERROR:DIVIDE_BY_ZERO
asterisksign: SELECT 3 * 2 => 6
asterisksign: SELECT 100Y * 100Y => ERROR:ARITHMETIC_OVERFLOW
plussign: SELECT 1 + 2 => 3
# The docs print the first as 2021-5-20 and the class as ARITMETIC_OVERFLOW.
plussign: SELECT DATE'2021-03-20' + INTERVAL '2' MONTH => 2021-05-20
plussign: SELECT TIMESTAMP'2021-03-20 12:15:29' + INTERVAL '3' SECOND => 2021-03-20 12:15:32
plussign: SELECT DATE'2021-03-31' + INTERVAL '1' MONTH => 2021-04-30
plussign: SELECT 127Y + 1Y => ERROR:ARITHMETIC_OVERFLOW
?minussign: SELECT 2 - 1 => 1
ceil: SELECT ceil(-0.1) => 0
ceil: SELECT ceil(5) => 5
ceil: SELECT ceil(5.4) => 6
ceiling: SELECT ceiling(-0.1) => 0
ceiling: SELECT ceiling(5) => 5
ceiling: SELECT ceiling(5.4) => 6
ceiling: SELECT ceiling(3345.1, -2) => 3400
ceiling: SELECT ceiling(-12.345, 1) => -12.3
floor: SELECT floor(-0.1) => -1
floor: SELECT floor(5) => 5
floor: SELECT floor(3345.1, -2) => 3300
floor: SELECT floor(-12.345, 1) => -12.4
abs: SELECT abs(-1) => 1
abs: SELECT abs(cast(-32768 AS Smallint)) => ERROR:ARITHMETIC_OVERFLOW
sign: SELECT sign(40) => 1.0
signum: SELECT signum(40) => 1.0
sqrt: SELECT sqrt(4) => 2.0
sqrt: SELECT sqrt(-4) => NaN
?cbrt: SELECT cbrt(27.0) => 3.0
?exp: SELECT exp(0) => 1.0
?ln: SELECT ln(1) => 0.0
log: SELECT log(10, 100) => 2.0
log: SELECT log(e()) => 1.0
log10: SELECT log10(10) => 1.0
?log2: SELECT log2(2) => 1.0
?log1p: SELECT log1p(0) => 0.0
pow: SELECT pow(2, 3) => 8.0
# The power page's example calls its synonym pow; the docs print 8 or 8.0 (a DOUBLE).
power: SELECT pow(2, 3) => 8.0
greatest: SELECT greatest(10, 9, 2, 4, 3) => 10
?least: SELECT least(10, 9, 2, 4, 3) => 2
?negative: SELECT negative(1) => -1
?positive: SELECT positive(1) => 1
?degrees: SELECT degrees(pi()) => 180.0
?radians: SELECT radians(180) => 3.141592653589793
?pi: SELECT pi() => 3.141592653589793
?e: SELECT e() => 2.718281828459045
bin: SELECT bin(13) => 1101
bin: SELECT bin(-13) => 1111111111111111111111111111111111111111111111111111111111110011
bin: SELECT bin(13.3) => 1101
?conv: SELECT conv('100', 2, 10) => ERROR:UNRESOLVED_ROUTINE
?shiftleft: SELECT shiftleft(2, 1) => 4
?shiftright: SELECT shiftright(4, 1) => 2
?ampersandsign: SELECT 3 & 5 => 1
?pipesign: SELECT 3 | 5 => 7
?caretsign: SELECT 3 ^ 5 => 6
?tildesign: SELECT ~ 0 => -1
?width_bucket: SELECT width_bucket(5.3, 0.2, 10.6, 5) => 3
try_divide: SELECT try_divide(3, 2) => 1.5
try_divide: SELECT try_divide(2L, 2L) => 1.0
try_divide: SELECT try_divide(3 , 0) => NULL
try_add: SELECT try_add(1, 2) => 3
try_add: SELECT try_add(127Y, 1Y) => NULL
# The docs print the first as 2021-5-20.
try_add: SELECT try_add(DATE'2021-03-20', INTERVAL '2' MONTH) => 2021-05-20
try_add: SELECT try_add(TIMESTAMP'2021-03-20 12:15:29', INTERVAL '3' SECOND) => 2021-03-20 12:15:32
try_add: SELECT try_add(DATE'2021-03-31', INTERVAL '1' MONTH) => 2021-04-30
try_subtract: SELECT try_subtract(1, 2) => -1
# The docs print the first as 2021-1-20.
try_subtract: SELECT try_subtract(DATE'2021-03-20', INTERVAL '2' MONTH) => 2021-01-20
try_subtract: SELECT try_subtract(TIMESTAMP'2021-03-20 12:15:29', INTERVAL '3' SECOND) => 2021-03-20 12:15:26
try_subtract: SELECT try_subtract(DATE'2021-03-31', INTERVAL '1' MONTH) => 2021-02-28
try_subtract: SELECT try_subtract(-128Y, 1Y) => NULL
?try_multiply: SELECT try_multiply(2, 3) => 6
?try_multiply: SELECT try_multiply(2147483647, 2) => NULL
try_mod: SELECT try_mod(2, 1.8) => 0.2
try_mod: SELECT try_mod(2, 0) => NULL
try_cast: SELECT try_cast('10' AS INT) => 10
try_cast: SELECT try_cast('a' AS INT) => NULL
?cast: SELECT cast('a' AS INT) => ERROR:CAST_INVALID_INPUT
?cast: SELECT cast('10' AS INT) => 10
?cast: SELECT cast(5.6 AS INT) => 5
?cast: SELECT cast(-5.6 AS INT) => -5
?cast: SELECT cast(true AS INT) => 1
coloncolonsign: SELECT '20'::INTEGER => 20
coloncolonsign: SELECT typeof(NULL::STRING) => string
coloncolonsign: SELECT 'abc'::INT => ERROR:CAST_INVALID_INPUT
int: SELECT int(-5.6) => -5
int: SELECT int('5') => 5
int: SELECT int('abc') => ERROR:CAST_INVALID_INPUT
"""
)

CONDITIONAL = table(
    r"""
coalesce: SELECT coalesce(NULL, 1, NULL) => 1
coalesce: SELECT coalesce(NULL, 'hello') => hello
nvl: SELECT nvl(NULL, 2) => 2
nvl: SELECT nvl(3, 2) => 3
?nvl: SELECT nvl(NULL, array('2')) => ["2"]
ifnull: SELECT ifnull(NULL, array('2')) => ["2"]
nvl2: SELECT nvl2(NULL, 2, 1) => 1
nvl2: SELECT nvl2('spark', 2, 1) => 2
nullif: SELECT nullif(2, 2) => NULL
nullif: SELECT nullif(2, 3) => 2
if: SELECT if(1 < 2, 'a', 'b') => a
iff: SELECT iff(1 < 2, 'a', 'b') => a
case: SELECT CASE WHEN 1 > 0 THEN 1 WHEN 2 > 0 THEN 2.0 ELSE 1.2 END => 1.0
case: SELECT CASE WHEN 1 < 0 THEN 1 WHEN 2 > 0 THEN 2.0 ELSE 1.2 END => 2.0
case: SELECT CASE WHEN 1 < 0 THEN 1 WHEN 2 < 0 THEN 2.0 END => NULL
case: SELECT CASE 3 WHEN 1 THEN 'A' WHEN 2 THEN 'B' WHEN 3 THEN 'C' END => C
zeroifnull: SELECT zeroifnull(0) => 0
zeroifnull: SELECT zeroifnull(NULL) => 0
zeroifnull: SELECT zeroifnull(5) => 5
nullifzero: SELECT nullifzero(0) => NULL
nullifzero: SELECT nullifzero(NULL) => NULL
nullifzero: SELECT nullifzero(5) => 5
decode: SELECT decode(5, 6, 'Spark', 5, 'SQL', 4, 'rocks') => SQL
decode: SELECT decode(NULL, 6, 'Spark', NULL, 'SQL', 4, 'rocks') => SQL
decode: SELECT decode(7, 6, 'Spark', 5, 'SQL', 'rocks') => rocks
?nanvl: SELECT nanvl(cast('NaN' AS DOUBLE), 123) => 123.0
isnull: SELECT isnull(1) => false
?isnotnull: SELECT isnotnull(1) => true
?isnan: SELECT isnan(cast('NaN' AS DOUBLE)) => true
equal_null: SELECT equal_null(2, 2) => true
equal_null: SELECT equal_null(2, 1) => false
equal_null: SELECT equal_null(NULL, 1) => false
equal_null: SELECT NULL == 1 => NULL
equal_null: SELECT equal_null(NULL, NULL) => true
equal_null: SELECT NULL == NULL => NULL
lteqgtsign: SELECT 2 <=> 2 => true
lteqgtsign: SELECT 1 <=> '1' => true
lteqgtsign: SELECT true <=> NULL => false
lteqgtsign: SELECT NULL <=> NULL => true
ltgtsign: SELECT 2 <> 2 => false
ltgtsign: SELECT 3 <> 2 => true
ltgtsign: SELECT 1 <> '1' => false
ltgtsign: SELECT true <> NULL => NULL
ltgtsign: SELECT NULL <> NULL => NULL
lteqsign: SELECT 2 <= 2 => true
lteqsign: SELECT 1.0 <= '1' => true
lteqsign: SELECT to_date('2009-07-30 04:17:52') <= to_date('2009-07-30 04:17:52') => true
lteqsign: SELECT to_date('2009-07-30 04:17:52') <= to_date('2009-08-01 04:17:52') => true
lteqsign: SELECT 1 <= NULL => NULL
?eqeqsign: SELECT 2 == 2 => true
?between: SELECT 4 BETWEEN 3 AND 5 => true
?in: SELECT 1 IN (2, 3, 4) => false
?in: SELECT 1 IN (2, 3, NULL) => NULL
?in: SELECT NULL IN (1, 2, 3) => NULL
"""
)

ARRAYS_AND_MAPS = table(
    r"""
?array: SELECT array(1, 2, 3) => [1,2,3]
array_contains: SELECT array_contains(array(1, 2, 3), 2) => true
array_contains: SELECT array_contains(array(1, NULL, 3), 2) => NULL
array_contains: SELECT array_contains(array(1, 2, 3), NULL) => NULL
array_contains: SELECT array_contains(array(1, 2, 3), NULL::INT) => NULL
array_contains: SELECT array_contains(array(1, 2, NULL, 3), NULL::INT) => NULL
array_contains: SELECT exists(array(1, 2, NULL, 3), x -> x IS NULL) => true
array_contains: SELECT exists(array(1, 2, 3), x -> x IS NULL) => false
element_at: SELECT element_at(array(1, 2, 3), 2) => 2
?element_at: SELECT element_at(array(1, 2, 3), -1) => 3
element_at: SELECT element_at(array(1, 2, 3), 5) => ERROR:INVALID_ARRAY_INDEX_IN_ELEMENT_AT
element_at: SELECT element_at(map(1, 'a', 2, 'b'), 2) => b
element_at: SELECT element_at(map(1, 'a', 2, 'b'), 3) => NULL
# The page's newer copies add index 0.
element_at: SELECT element_at(array(1, 2, 3), 0) => ERROR:INVALID_INDEX_OF_ZERO
try_element_at: SELECT try_element_at(array(1, 2, 3), 5) => NULL
try_element_at: SELECT try_element_at(array(1, 2, 3), 2) => 2
?try_element_at: SELECT try_element_at(map(1, 'a', 2, 'b'), 2) => b
try_element_at: SELECT try_element_at(map(1, 'a', 2, 'b'), 3) => NULL
?bracketsign: SELECT array(1, 2, 3)[1] => 2
?bracketsign: SELECT map(1, 'a', 2, 'b')[2] => b
get: SELECT element_at(arr, 2), get(arr, 0), get(arr, 2), arr[2] FROM VALUES(array(1, 2, 3)) AS T(arr) \
=> 2 | 1 | 3 | 3
get: SELECT get(arr, 5), get(arr, -1) FROM VALUES(array(1, 2, 3)) AS T(arr) => NULL | NULL
# The same page: the arrayExpr[index] operator raises INVALID_ARRAY_INDEX out of bounds.
get: SELECT arr[5] FROM VALUES(array(1, 2, 3)) AS T(arr) => ERROR:INVALID_ARRAY_INDEX
size: SELECT size(array('b', 'd', 'c', 'a')) => 4
size: SELECT size(map('a', 1, 'b', 2)) => 2
# The page shows -1 and notes it holds with ANSI mode off only; a SQL warehouse runs with ANSI mode on.
?size: SELECT size(NULL) => NULL
?cardinality: SELECT cardinality(array('b', 'd', 'c', 'a')) => 4
array_size: SELECT array_size(array(1, NULL, 3, NULL)) => 4
array_size: SELECT array_size(array()) => 0
sort_array: SELECT sort_array(array('b', 'd', NULL, 'c', 'a'), true) => [null,"a","b","c","d"]
?sort_array: SELECT sort_array(array('b', 'd', NULL, 'c', 'a'), false) => ["d","c","b","a",null]
?array_sort: SELECT array_sort(array(5, 6, 1)) => [1,5,6]
array_sort: SELECT array_sort(array('b', 'd', null, 'c', 'a')) => ["a","b","c","d",null]
# The page's comparator lambdas are not translated: refused, never answered otherwise.
array_sort: SELECT array_sort(array(5, 6, 1), (left, right) -> CASE WHEN left < right THEN -1 \
WHEN left > right THEN 1 ELSE 0 END) => ERROR:UNSUPPORTED_FEATURE
array_join: SELECT array_join(array('hello', 'world'), ',') => hello,world
array_join: SELECT array_join(array('hello', NULL ,'world'), ',') => hello,world
array_join: SELECT array_join(array('hello', NULL ,'world'), ',', '*') => hello,*,world
array_distinct: SELECT array_distinct(array(1, 2, 3, NULL, 3)) => [1,2,3,null]
array_max: SELECT array_max(array(1, 20, NULL, 3)) => 20
array_min: SELECT array_min(array(1, 20, NULL, 3)) => 1
array_position: SELECT array_position(array(3, 2, 1, 4, 1), 1) => 3
array_position: SELECT array_position(array(3, NULL, 1), NULL) => NULL
array_position: SELECT array_position(array(3, 2, 1), NULL) => NULL
array_position: SELECT array_position(array(3, 2, 1, 4, 1), 5) => 0
array_remove: SELECT array_remove(array(1, 2, 3, NULL, 3, 2), 3) => [1,2,null,2]
array_remove: SELECT array_remove(array(1, 2, 3, NULL, 3, 2), NULL) => NULL
array_union: SELECT array_union(array(1, 2, 2, 3), array(1, 3, 5)) => [1,2,3,5]
array_intersect: SELECT array_intersect(array(1, 2, 3), array(1, 3, 3, 5)) => [1,3]
array_except: SELECT array_except(array(1, 2, 2, 3), array(1, 1, 3, 5)) => [2]
arrays_overlap: SELECT arrays_overlap(array(1, 2, 3), array(3, 4, 5)) => true
arrays_overlap: SELECT arrays_overlap(array(1, 2, NULL, 3), array(NULL, 4, 5)) => NULL
array_repeat: SELECT array_repeat('123', 2) => ["123","123"]
?array_append: SELECT array_append(array('b', 'd', 'c', 'a'), 'd') => ["b","d","c","a","d"]
array_compact: SELECT array_compact(array(1, 2, NULL, 3, NULL, 3)) => [1,2,3,3]
array_compact: SELECT array_compact(array(NULL, NULL)) => []
?flatten: SELECT flatten(array(array(1, 2), array(3, 4))) => [1,2,3,4]
sequence: SELECT sequence(1, 5) => [1,2,3,4,5]
sequence: SELECT sequence(5, 1) => [5,4,3,2,1]
sequence: SELECT sequence(DATE'2018-01-01', DATE'2018-03-01', INTERVAL 1 MONTH) \
=> ["2018-01-01","2018-02-01","2018-03-01"]
slice: SELECT slice(array(1, 2, 3, 4), 2, 2) => [2,3]
slice: SELECT slice(array(1, 2, 3, 4), -2, 2) => [3,4]
reverse: SELECT reverse(array(2, 1, 4, 3)) => [3,4,1,2]
concat: SELECT concat(array(1, 2, 3), array(4, 5), array(6)) => [1,2,3,4,5,6]
transform: SELECT transform(array(1, 2, 3), x -> x + 1) => [2,3,4]
transform: SELECT transform(array(1, 2, 3), (x, i) -> x + i) => [1,3,5]
filter: SELECT filter(array(1, 2, 3), x -> x % 2 == 1) => [1,3]
filter: SELECT filter(array(0, 2, 3), (x, i) -> x > i) => [2,3]
filter: SELECT filter(array(0, null, 2, 3, null), x -> x IS NOT NULL) => [0,2,3]
?exists: SELECT exists(array(1, 2, 3), x -> x % 2 == 0) => true
?forall: SELECT forall(array(1, 2, 3), x -> x % 2 == 0) => false
aggregate: SELECT aggregate(array(1, 2, 3), 0, (acc, x) -> acc + x) => 6
aggregate: SELECT aggregate(array(1, 2, 3), 0, (acc, x) -> acc + x, acc -> acc * 10) => 60
aggregate: SELECT aggregate(array(1, 2, 3, 4), named_struct('sum', 0, 'cnt', 0), \
(acc, x) -> named_struct('sum', acc.sum + x, 'cnt', acc.cnt + 1), acc -> acc.sum / acc.cnt) AS avg => 2.5
?reduce: SELECT reduce(array(1, 2, 3), 0, (acc, x) -> acc + x) => 6
?map: SELECT map(1.0, '2', 3.0, '4') => {"1.0":"2","3.0":"4"}
map_keys: SELECT map_keys(map(1, 'a', 2, 'b')) => [1,2]
?map_values: SELECT map_values(map(1, 'a', 2, 'b')) => ["a","b"]
map_contains_key: SELECT map_contains_key(map(1, 'a', 2, 'b'), 2) => true
map_contains_key: SELECT map_contains_key(map(1, 'a', 2, 'b'), NULL) => NULL
map_contains_key: SELECT map_contains_key(map(1, 'a', 2, 'b'), 3) => false
?map_from_arrays: SELECT map_from_arrays(array(1.0, 3.0), array('2', '4')) => {"1.0":"2","3.0":"4"}
?named_struct: SELECT named_struct('a', 1, 'b', 2) => {"a":1,"b":2}
?struct: SELECT struct(1, 2) => {"col1":1,"col2":2}
?get_json_object: SELECT get_json_object('{"a":"b"}', '$.a') => b
?json_array_length: SELECT json_array_length('[1,2,3,4]') => 4
?to_json: SELECT to_json(named_struct('a', 1, 'b', 2)) => {"a":1,"b":2}
"""
)

AGGREGATE_AND_WINDOW = table(
    r"""
avg: SELECT avg(col) FROM VALUES (1), (2), (3) AS tab(col) => 2.0
avg: SELECT avg(DISTINCT col) FROM VALUES (1), (1), (2) AS tab(col) => 1.5
avg: SELECT avg(col) FROM VALUES (1), (2), (NULL) AS tab(col) => 1.5
?mean: SELECT mean(col) FROM VALUES (1), (2), (3) AS tab(col) => 2.0
count: SELECT count(*) FROM VALUES (NULL), (5), (5), (20) AS tab(col) => 4
count: SELECT count(col) FROM VALUES (NULL), (5), (5), (20) AS tab(col) => 3
count: SELECT count(DISTINCT col) FROM VALUES (NULL), (5), (5), (10) AS tab(col) => 2
count: SELECT count(1) FROM VALUES (NULL), (5), (5), (20) AS tab(col) => 4
count: SELECT count(col) FILTER(WHERE col < 10) FROM VALUES (NULL), (5), (5), (20) AS tab(col) => 2
count: SELECT count(col1, col2) FROM VALUES (NULL, NULL), (5, NULL), (5, 1), (5, 2), (5, 2), (NULL, 2), (20, 2) \
AS tab(col1, col2) => 4
count: SELECT count(DISTINCT col1, col2) FROM VALUES (NULL, NULL), (5, NULL), (5, 1), (5, 2), (NULL, 2), (20, 2) \
AS tab(col1, col2) => 3
sum: SELECT sum(col) FROM VALUES (5), (10), (15) AS tab(col) => 30
sum: SELECT sum(col) FILTER(WHERE col <15) FROM VALUES (5), (10), (15) AS tab(col) => 15
sum: SELECT sum(DISTINCT col) FROM VALUES (5), (10), (10), (15) AS tab(col) => 30
sum: SELECT try_sum(c1) FROM VALUES(5E18::BIGINT), (5E18::BIGINT) AS tab(c1) => NULL
sum: SELECT sum(c1) FROM VALUES(5E18::BIGINT), (5E18::BIGINT) AS tab(c1) => ERROR:ARITHMETIC_OVERFLOW
sum: SELECT sum(col) FROM VALUES (NULL), (10), (15) AS tab(col) => 25
sum: SELECT sum(col) FROM VALUES (NULL), (NULL) AS tab(col) => NULL
max: SELECT max(col) FROM VALUES (10), (50), (20) AS tab(col) => 50
?min: SELECT min(col) FROM VALUES (10), (50), (20) AS tab(col) => 10
count_if: SELECT count_if(col % 2 = 0) FROM VALUES (NULL), (0), (1), (2), (2), (3) AS tab(col) => 3
# The page answers 2 (distinct rows), where Spark's rewrite to count(DISTINCT if(...)) would answer 1: refused.
count_if: SELECT count_if(DISTINCT col % 2 = 0) FROM VALUES (NULL), (0), (1), (2), (2), (3) AS tab(col) \
=> ERROR:UNSUPPORTED_FEATURE
count_if: SELECT count_if(col IS NULL) FROM VALUES (NULL), (0), (1), (2), (3) AS tab(col) => 1
?bool_and: SELECT bool_and(col) FROM VALUES (true), (true), (true) AS tab(col) => true
?bool_and: SELECT bool_and(col) FROM VALUES (true), (false), (true) AS tab(col) => false
?bool_or: SELECT bool_or(col) FROM VALUES (true), (false), (false) AS tab(col) => true
?every: SELECT every(col) FROM VALUES (true), (true), (true) AS tab(col) => true
?some: SELECT some(col) FROM VALUES (true), (false), (false) AS tab(col) => true
collect_list: SELECT collect_list(col) FROM VALUES (1), (2), (NULL), (1) AS tab(col) => [1,2,1]
?array_agg: SELECT array_agg(col) FROM VALUES (1), (2), (NULL), (1) AS tab(col) => [1,2,1]
stddev: SELECT stddev(col) FROM VALUES (1), (2), (3), (3) AS tab(col) => 0.9574271077563381
stddev: SELECT stddev(DISTINCT col) FROM VALUES (1), (2), (3), (3) AS tab(col) => 1.0
std: SELECT std(col) FROM VALUES (1), (2), (3), (3) AS tab(col) => 0.9574271077563381
std: SELECT std(DISTINCT col) FROM VALUES (1), (2), (3), (3) AS tab(col) => 1.0
stddev_samp: SELECT stddev_samp(col) FROM VALUES (1), (2), (3), (3) AS tab(col) => 0.9574271077563381
stddev_samp: SELECT stddev_samp(DISTINCT col) FROM VALUES (1), (2), (3), (3) AS tab(col) => 1.0
?variance: SELECT variance(col) FROM VALUES (1), (2), (3) AS tab(col) => 1.0
?var_pop: SELECT var_pop(col) FROM VALUES (1), (2), (3) AS tab(col) => 0.6666666666666666
?stddev_pop: SELECT stddev_pop(col) FROM VALUES (1), (2), (3) AS tab(col) => 0.816496580927726
# The docs print the first as 2 or 2.0 (a DOUBLE).
median: SELECT median(col) FROM VALUES (1), (2), (2), (3), (4), (NULL) AS tab(col) => 2.0
median: SELECT median(DISTINCT col) FROM VALUES (1), (2), (2), (3), (4), (NULL) AS tab(col) => 2.5
percentile: SELECT percentile(col, 0.3) FROM VALUES (0), (10), (10) AS tab(col) => 6.0
percentile: SELECT percentile(DISTINCT col, 0.3) FROM VALUES (0), (10), (10) AS tab(col) => 3.0
percentile: SELECT percentile(col, 0.3, freq) FROM VALUES (0, 1), (10, 2) AS tab(col, freq) => 6.0
percentile: SELECT percentile(col, array(0.25, 0.75)) FROM VALUES (0), (10) AS tab(col) => [2.5,7.5]
?percentile_cont: SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY col) \
FROM VALUES (0), (6), (6), (7), (9), (10) AS tab(col) => 6.5
percentile_disc: SELECT percentile_disc(0.50) WITHIN GROUP (ORDER BY col) \
FROM VALUES (0), (6), (6), (7), (9), (10) AS tab(col) => 6
?max_by: SELECT max_by(x, y) FROM VALUES ('a', 10), ('b', 50), ('c', 20) AS tab(x, y) => b
?min_by: SELECT min_by(x, y) FROM VALUES ('a', 10), ('b', 50), ('c', 20) AS tab(x, y) => a
?corr: SELECT corr(c1, c2) FROM VALUES (3, 2), (3, 3), (6, 4) AS tab(c1, c2) => 0.8660254037844387
?covar_pop: SELECT covar_pop(c1, c2) FROM VALUES (1, 1), (2, 2), (3, 3) AS tab(c1, c2) => 0.6666666666666666
?covar_samp: SELECT covar_samp(c1, c2) FROM VALUES (1, 1), (2, 2), (3, 3) AS tab(c1, c2) => 1.0
?mode: SELECT mode(col) FROM VALUES (0), (10), (10) AS tab(col) => 10
?any_value: SELECT any_value(col) FROM VALUES (10), (10), (10) AS tab(col) => 10
?count_min_sketch: SELECT count_min_sketch(col, 0.5d, 0.5d, 1) FROM VALUES (1) AS tab(col) => ERROR:UNRESOLVED_ROUTINE
?string_agg: SELECT string_agg(col) FROM VALUES ('a'), ('b'), ('c') AS tab(col) => abc
?listagg: SELECT listagg(col, ', ') FROM VALUES ('a'), ('b'), ('c') AS tab(col) => a, b, c
"""
)

MISC = table(
    r"""
typeof: SELECT typeof(1) => int
typeof: SELECT typeof(array(1)) => array<int>
?typeof: SELECT typeof(1L) => bigint
?typeof: SELECT typeof(2.5) => decimal(2,1)
?typeof: SELECT typeof('a') => string
?typeof: SELECT typeof(DATE'2020-01-01') => date
?version: SELECT version() => ERROR:UNRESOLVED_ROUTINE
?input_file_name: SELECT input_file_name() => ERROR:UNRESOLVED_ROUTINE
?from_json: SELECT from_json('{"a":1, "b":0.8}', 'a INT, b DOUBLE') => ERROR:UNRESOLVED_ROUTINE
?schema_of_json: SELECT schema_of_json('[{"col":0}]') => ERROR:UNRESOLVED_ROUTINE
"""
)

# factorial(n) for n in -1..21, as the factorial page lists them (NULL out of 0..20).
FACTORIALS = [None, *[str(math.factorial(n)) for n in range(21)], None]

SEVERAL_ROWS = [
    rows("explode", "SELECT explode(array(10, 20))", ("10",), ("20",)),
    rows("posexplode", "SELECT posexplode(array(10, 20))", ("0", "10"), ("1", "20")),
    # The rank and row_number pages share this example (rank() and dense_rank() take no arguments on
    # Databricks' pages; Spark's own docs write rank(b)).
    *[
        rows(
            page,
            "SELECT a, b, dense_rank() OVER(PARTITION BY a ORDER BY b), rank() OVER(PARTITION BY a ORDER BY b), "
            "row_number() OVER(PARTITION BY a ORDER BY b) FROM VALUES ('A1', 2), ('A1', 1), ('A2', 3), ('A1', 1) "
            "tab(a, b)",
            ("A1", "1", "1", "1", "1"),
            ("A1", "1", "1", "1", "2"),
            ("A1", "2", "2", "3", "3"),
            ("A2", "3", "1", "1", "1"),
            ordered=False,
            verified=True,
        )
        for page in ("rank", "row_number")
    ],
    rows(
        "percent_rank",
        "SELECT a, b, percent_rank(b) OVER (PARTITION BY a ORDER BY b) FROM VALUES ('A1', 2), ('A1', 1), ('A1', 3), "
        "('A1', 6), ('A1', 7), ('A1', 7), ('A2', 3), ('A1', 1) tab(a, b)",
        ("A1", "1", "0.0"),
        ("A1", "1", "0.0"),
        ("A1", "2", "0.3333333333333333"),
        ("A1", "3", "0.5"),
        ("A1", "6", "0.6666666666666666"),
        ("A1", "7", "0.8333333333333334"),
        ("A1", "7", "0.8333333333333334"),
        ("A2", "3", "0.0"),
        ordered=False,
        verified=True,
    ),
    window("cume_dist", "cume_dist()", "0.6666666666666666", "0.6666666666666666", "1.0", "1.0", verified=True),
    window("ntile", "ntile(2)", "1", "1", "2", "1", verified=True),
    window("lag", "lag(b)", None, "1", "1", None, verified=True),
    window("lead", "lead(b)", "1", "2", None, None, verified=True),
    window("nth_value", "nth_value(b, 2)", "1", "1", "1", None, verified=True),
    rows(
        "sum",
        "SELECT a, sum(b) OVER (PARTITION BY a) FROM VALUES ('A1', 2), ('A1', 1), ('A2', 3) tab(a, b)",
        ("A1", "3"),
        ("A1", "3"),
        ("A2", "3"),
        ordered=False,
    ),
    rows(
        "factorial",
        "SELECT c1, factorial(c1) FROM range(-1, 22) AS t(c1)",
        *[(str(n), value) for n, value in zip(range(-1, 22), FACTORIALS, strict=True)],
        verified=True,
    ),
    rows("range", "SELECT * FROM range(3)", ("0",), ("1",), ("2",)),
    rows("range", "SELECT * FROM range(-3, 0)", ("-3",), ("-2",), ("-1",)),
    rows("range", "SELECT * FROM range(0, -5, -2)", ("0",), ("-2",), ("-4",)),
    rows("range", "SELECT id FROM range(1, 6, 2) ORDER BY id", ("1",), ("3",), ("5",)),
]

EXAMPLES: list[Example] = (
    DATE_TIME + STRING + MATH + CONDITIONAL + ARRAYS_AND_MAPS + AGGREGATE_AND_WINDOW + MISC + SEVERAL_ROWS
)
