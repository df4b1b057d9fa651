"""Query engines for drift from pushed-down aggregates (``triage.kinds.samples.aggregate``).

An engine runs plain SQL over two named relations and returns rows of Python values. It knows
how to reach a source (a Parquet file, a hive-partitioned Parquet folder, a glob, or a SQL table
or query behind a SQLAlchemy URL), how to quote a column and how to test a number for being
finite. Everything else, the statistics' SQL, lives in ``aggregate.py`` and is the same for every
engine: DuckDB (embedded, the default), a SQL database through SQLAlchemy (the query runs in the
database: a warehouse computes its own aggregates), and Apache Spark.

Nothing here reads rows into Python: each query returns a handful of aggregates per feature.
This module never imports streamlit; each engine imports its library only when it is built.
"""

from __future__ import annotations

import glob
import os
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage.tabular import InputError

__all__ = ["DuckDBEngine", "Engine", "Source", "SparkEngine", "SQLAlchemyEngine", "engine_for",
           "source_from"]

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://")
_NUMERIC_TYPES = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|"
                            r"UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL.*|INT\d*|BYTE|SHORT|LONG)$",
                            re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    """Where one sample lives. ``kind`` is "parquet" (``location`` a file, folder or glob) or
    "sql" (``location`` a SQLAlchemy URL, with ``table`` or ``query``)."""

    kind: str
    location: str
    table: str | None = None
    query: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "sql":
            return f"{_hide_password(self.location)} ({self.table or 'query'})"
        return self.location


def source_from(text: str, *, table: str | None = None, query: str | None = None) -> Source:
    """A source from what a person typed: a URL (with ``table`` or ``query``, or a URL ending in
    ``#table``) is SQL; anything else is a Parquet path, folder or glob. Raises InputError."""
    if _URL.match(text):
        if "#" in text and table is None and query is None:
            text, table = text.rsplit("#", 1)
        if not table and not query:
            raise InputError(f"{_hide_password(text)}: a SQL source needs a table or a query "
                             "(--ref-table/--cur-table, --ref-query/--cur-query, or URL#table).")
        return Source("sql", text, table or None, query or None)
    return Source("parquet", text)


def parquet_files(location: str) -> list[str]:
    """The Parquet files a path, folder (recursively: hive partitions) or glob names."""
    path = Path(location)
    if path.is_dir():
        files = sorted(str(p) for p in path.rglob("*.parquet") if p.is_file())
        where = f"the folder {location}"
    elif any(ch in location for ch in "*?["):
        files = sorted(p for p in glob.glob(location, recursive=True) if os.path.isfile(p))
        where = f"the pattern {location}"
    elif path.is_file():
        return [str(path)]
    else:
        raise InputError(f"{location}: no such file or folder. Give a Parquet file, a folder of "
                         "Parquet files (hive partitions are fine) or a glob such as 'logs/*.parquet'.")
    if not files:
        raise InputError(f"{where} holds no .parquet file.")
    return files


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


class Engine(ABC):
    """SQL over two relations, ``ref`` and ``cur``. Subclasses set how."""

    name = "engine"
    text_type = "VARCHAR"

    @abstractmethod
    def relation(self, side: str) -> str:
        """The SQL that names one side's relation."""

    @abstractmethod
    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The result rows of one query."""

    @abstractmethod
    def columns(self, side: str) -> list[tuple[str, str]]:
        """(name, "numeric" | "boolean" | "text") of a side's columns."""

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def values_cte(self, name: str, column: str, values: list[str]) -> str:
        """A common table expression ``name(column)`` holding the given SQL literals."""
        rows = ", ".join(f"({value})" for value in values)
        return f"{name}({column}) AS (VALUES {rows})"

    def finite(self, expr: str) -> str:
        return f"isfinite({expr})"

    def is_nan(self, expr: str) -> str:
        return f"isnan({expr})"

    def text(self, expr: str, kind: str) -> str:
        """A value's text as the in-memory path sees it (booleans as "True"/"False"), stripped,
        empty as NULL."""
        if kind == "boolean":
            return f"(CASE WHEN {expr} THEN 'True' WHEN NOT {expr} THEN 'False' END)"
        return f"NULLIF(TRIM(CAST({expr} AS {self.text_type})), '')"

    def close(self) -> None:  # noqa: B027 - optional: only engines holding a connection close one
        """Release what the engine holds (a connection, a temporary folder)."""


def _kind_of(type_name: str) -> str:
    upper = type_name.upper()
    if upper in ("BOOLEAN", "BOOL"):
        return "boolean"
    return "numeric" if _NUMERIC_TYPES.match(upper) else "text"


class DuckDBEngine(Engine):
    """Embedded DuckDB over Parquet (files, hive folders, globs). ``memory_limit`` caps what it
    holds; sorts and hash tables beyond it spill to a temporary folder."""

    name = "duckdb"

    def __init__(self, sources: dict[str, Source], *, memory_limit: str = "1GB",
                 threads: int | None = None) -> None:
        import tempfile

        import duckdb

        self._db = duckdb.connect(":memory:")
        self._db.execute(f"SET memory_limit = '{memory_limit}'")
        # Spills go to a private temporary folder (DuckDB's default is ".tmp" in the working
        # directory), removed when the engine closes.
        self._spill = tempfile.mkdtemp(prefix="triage-duckdb-")
        self._db.execute("SET temp_directory = '" + self._spill.replace("'", "''") + "'")
        self._db.execute("SET preserve_insertion_order = false")
        if threads:
            self._db.execute(f"SET threads = {int(threads)}")
        self._names: dict[str, str] = {}
        for side, source in sources.items():
            if source.kind != "parquet":
                raise InputError(f"{source.label}: DuckDB here reads Parquet; a SQL source runs in "
                                 "its own database (the sql engine).")
            files = parquet_files(source.location)
            listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            view = f"triage_{side}"
            try:
                self._db.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet([{listing}], "
                                 "hive_partitioning = true, union_by_name = true)")
                self._db.execute(f"SELECT * FROM {view} LIMIT 0")
            except duckdb.Error as err:
                raise InputError(f"{source.label}: could not be read as Parquet "
                                 f"({str(err).splitlines()[0][:160]}).") from None
            self._names[side] = view

    def relation(self, side: str) -> str:
        return self._names[side]

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self._db.execute(sql).fetchall()

    def columns(self, side: str) -> list[tuple[str, str]]:
        described = self._db.execute(f"DESCRIBE SELECT * FROM {self._names[side]}").fetchall()
        return [(str(row[0]), _kind_of(str(row[1]))) for row in described]

    def close(self) -> None:
        import shutil

        self._db.close()
        shutil.rmtree(self._spill, ignore_errors=True)


class SQLAlchemyEngine(Engine):
    """A database behind a SQLAlchemy URL: the aggregates run there (SQLite, PostgreSQL, a
    warehouse with a SQLAlchemy dialect). Both sides must live in the same database."""

    name = "sql"

    def __init__(self, sources: dict[str, Source]) -> None:
        import sqlalchemy as sa

        urls = {source.location for source in sources.values()}
        if len(urls) != 1 or any(source.kind != "sql" for source in sources.values()):
            raise InputError("Both samples must be SQL sources in the same database to compare them "
                             "there; save a profile of one side (python -m triage profile) otherwise.")
        try:
            self._engine = sa.create_engine(urls.pop())
            self._connection = self._engine.connect()
        except Exception as err:  # noqa: BLE001 - bad URLs and unreachable hosts alike
            raise InputError(f"{next(iter(sources.values())).label}: cannot connect "
                             f"({type(err).__name__}: {str(err).splitlines()[0][:160]}).") from None
        self._dialect = self._engine.dialect.name
        self._sources = sources
        self._relations = {}
        for side, source in sources.items():
            inner = source.query if source.query else f"SELECT * FROM {self._table(source.table)}"
            self._relations[side] = f"({inner}) AS triage_{side}"
            try:
                self.rows(f"SELECT * FROM {self._relations[side]} WHERE 1 = 0")
            except InputError as err:
                raise InputError(f"{source.label}: {err}") from None

    def _table(self, table: str | None) -> str:
        assert table
        return ".".join(self.quote(part) for part in table.split("."))

    def relation(self, side: str) -> str:
        return self._relations[side]

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        import sqlalchemy as sa

        try:
            return [tuple(row) for row in self._connection.execute(sa.text(sql)).fetchall()]
        except sa.exc.SQLAlchemyError as err:
            raise InputError(f"the query failed ({str(err.orig if hasattr(err, 'orig') else err)[:200]})"
                             ) from None

    def columns(self, side: str) -> list[tuple[str, str]]:
        import sqlalchemy as sa

        result = self._connection.execute(sa.text(f"SELECT * FROM {self._relations[side]} LIMIT 1000"))
        names = list(result.keys())
        sample = result.fetchall()
        kinds = []
        for i, name in enumerate(names):
            values = [row[i] for row in sample if row[i] is not None]
            if values and all(isinstance(v, bool) for v in values):
                kinds.append((name, "boolean"))
            elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                kinds.append((name, "numeric"))
            else:
                kinds.append((name, "text"))
        return kinds

    def finite(self, expr: str) -> str:
        if self._dialect == "sqlite":  # SQLite stores no NaN (it becomes NULL); ±inf as ±9e999
            return f"({expr} IS NOT NULL AND {expr} < 9e999 AND {expr} > -9e999)"
        if self._dialect == "postgresql":
            return (f"({expr} IS NOT NULL AND {expr} <> 'NaN' AND {expr} < 'Infinity' "
                    f"AND {expr} > '-Infinity')")
        return f"({expr} IS NOT NULL)"

    def is_nan(self, expr: str) -> str:
        if self._dialect == "postgresql":
            return f"({expr} = 'NaN')"
        return "(1 = 0)"

    @property
    def text_type(self) -> str:  # type: ignore[override]
        return "TEXT" if self._dialect in ("sqlite", "postgresql") else "VARCHAR(4000)"

    def close(self) -> None:
        self._connection.close()
        self._engine.dispose()


class SparkEngine(Engine):
    """Apache Spark: Parquet paths (files, folders, globs; any URI Spark reads, hdfs://, s3a://)
    or a table in Spark's catalog (``table`` of a source whose location is ``spark``). The session
    is the caller's (a cluster's) or a local one."""

    name = "spark"
    text_type = "STRING"

    def __init__(self, sources: dict[str, Source], spark: Any = None) -> None:
        if spark is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError:
                raise InputError("The spark engine needs PySpark (pip install pyspark==4.3.0) and "
                                 "Java 17.") from None
            try:
                spark = SparkSession.builder.getOrCreate()
            except Exception as err:  # noqa: BLE001 - no Java, a cluster out of reach
                raise InputError(f"Spark could not start ({type(err).__name__}: "
                                 f"{str(err).splitlines()[0][:160]}); see docs/scale.md.") from None
        self._spark = spark
        self._names: dict[str, str] = {}
        self._frames: dict[str, Any] = {}
        for side, source in sources.items():
            if source.kind == "parquet":
                location = source.location
                paths = (parquet_files(location) if "://" not in location else [location])
                frame = spark.read.option("mergeSchema", "true").parquet(*paths)
            elif source.table:
                frame = spark.table(source.table)
            else:
                frame = spark.sql(source.query)
            view = f"triage_{side}"
            frame.createOrReplaceTempView(view)
            self._names[side], self._frames[side] = view, frame

    def relation(self, side: str) -> str:
        return self._names[side]

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._spark.sql(sql).collect()]

    def columns(self, side: str) -> list[tuple[str, str]]:
        out = []
        for item in self._frames[side].schema.fields:
            type_name = item.dataType.typeName()
            kind = ("boolean" if type_name == "boolean" else "numeric"
                    if type_name in ("byte", "short", "integer", "long", "float", "double", "decimal")
                    else "text")
            out.append((item.name, kind))
        return out

    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def values_cte(self, name: str, column: str, values: list[str]) -> str:
        rows = ", ".join(f"({value})" for value in values)
        return f"{name} AS (SELECT * FROM VALUES {rows} AS {name}_values({column}))"

    def finite(self, expr: str) -> str:
        return (f"({expr} IS NOT NULL AND NOT isnan({expr}) AND {expr} < double('inf') "
                f"AND {expr} > double('-inf'))")

    def close(self) -> None:
        for view in self._names.values():
            self._spark.catalog.dropTempView(view)


ENGINES = ("duckdb", "spark", "sql")


def engine_for(sources: dict[str, Source], name: str | None = None, **options: Any) -> Engine:
    """The engine for these sources: SQL sources run in their database, Parquet in DuckDB unless
    ``name`` says "spark"."""
    if name is None:
        name = "sql" if all(source.kind == "sql" for source in sources.values()) else "duckdb"
    if name == "duckdb":
        return DuckDBEngine(sources, **options)
    if name == "sql":
        return SQLAlchemyEngine(sources)
    if name == "spark":
        return SparkEngine(sources, **options)
    raise InputError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}.")
