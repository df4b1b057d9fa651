"""Read user-uploaded tables (CSV-like bytes) into a DataFrame of plain strings.

People upload whatever their tools export: Excel CSVs with a byte-order mark, UTF-16 "Unicode
text", Windows-1252 accents, semicolons from European locales, tabs, ragged rows. This module
absorbs those differences so later modules (runs, request logs, segment tables) only see
normalised column names and stripped string cells, and it turns everything it cannot read into
an ``InputError`` whose message tells a person in a meeting what is wrong, where, and how to fix
it.

Row numbers: the frame's index counts every record of the file, blank ones included, so
``spreadsheet_row(index)`` is the row a spreadsheet shows for that record even after blank rows
and skipped rows were dropped (keep the index when filtering; do not reset it).
"""

from __future__ import annotations

import codecs
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

# One number in one unit for the upload limit: Streamlit's uploader says "200.0MB" and its browser
# side counts 1 MB = 1,000,000 bytes (outside Windows), so the reader counts the same way. The server
# itself accepts up to maxUploadSize MiB, a little more, so a file just over the limit gets this
# reader's message rather than a bare refusal. .streamlit/config.toml sets maxUploadSize = MAX_UPLOAD_MB.
MAX_UPLOAD_MB = 200
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1_000_000
# Limits on what a file unpacks to, checked before pandas or Arrow materialise anything: a small
# file can describe a huge table (a 2 MB CSV of one 1,000,000-column row; a 900 KB Parquet file of
# 200M rows). A real team's sample fits far under them: the drift benchmark is 1M rows x 20 columns.
MAX_ROWS = 5_000_000
MAX_COLUMNS = 1_000
MAX_CELLS = 50_000_000  # rows x columns: about 400 MB as float64, more as text
MAX_UNCOMPRESSED_BYTES = 2**30  # Parquet: the column data once decompressed
LIMIT_HINT = ("To get under it, take a random sample of the rows (a few hundred thousand are plenty "
              "for these statistics), keep only the columns this analysis needs, or for bigger data "
              "compute the numbers in your query engine and upload that summary.")

_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_FALLBACK_ENCODINGS = ("utf-8", "cp1252", "latin-1")
_ENCODING_NOTES = {
    "utf-16": "read as UTF-16",
    "utf-16-le": "read as UTF-16 (little-endian, without byte-order mark)",
    "utf-16-be": "read as UTF-16 (big-endian, without byte-order mark)",
    "cp1252": "read as Windows-1252 (cp1252) because it is not valid UTF-8; "
              "if accents look wrong, save it as CSV UTF-8",
    "latin-1": "read as Latin-1 because it is neither UTF-8 nor Windows-1252; "
               "if characters look wrong, save it as CSV UTF-8",
}
_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive or an Excel .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls or other Office file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"PAR1", "a Parquet file"),
)
_SAMPLE_BYTES = 4096
_SAMPLE_CHARS = 65536
_SAMPLE_LINES = 50
_BINARY_CONTROL_SHARE = 0.05
_MAX_LISTED = 12
# Control characters that never occur in real text; tab, newline and carriage return are fine.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_NAME_SEPARATORS = re.compile(r"[\s\-]+")
# A quoted field (doubled quotes inside allowed) that starts a line or follows the delimiter,
# exactly where pandas' tokenizer treats a quote as opening a field. Delimiters inside it
# must not count when measuring rows.
_QUOTED_FIELDS = {
    delim: re.compile(rf'(?:^|(?<={re.escape(delim)})) *"[^"]*(?:""[^"]*)*"', re.MULTILINE)
    for delim in _DELIMITER_NAMES
}
_TOO_MANY_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


class InputError(ValueError):
    """A user's file or value cannot be used at all.

    str(err) is one clear sentence or two: what, where, how to fix.
    """


@dataclass(frozen=True, eq=False)
class ReadResult:
    """A table read from user bytes, plus what had to be guessed to read it.

    ``frame`` holds stripped strings ("" for empty cells) under normalised column names; its
    index maps to spreadsheet rows through ``spreadsheet_row``. ``notes`` are short remarks
    for the user (detected encoding or delimiter, skipped rows); empty for a plain UTF-8
    comma CSV. ``eq=False`` because comparing DataFrames with ``==`` is not a truth value.
    """

    frame: pd.DataFrame
    encoding: str
    delimiter: str
    notes: tuple[str, ...]
    renamed: bool = False  # a column mapping gave some column its field's name


class AmbiguousNumber(ValueError):
    """A number such as "1,500" that reads as 1500 with a thousands separator and as 1.5 with a
    decimal comma; str(err) says both readings and how to write the one meant."""


_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")  # 1,500  1,500,000  1,500.5
_DOT_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+,\d+")  # 1.500,25
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")  # 2,5  0,125  ,5


_DOT_DECIMAL = re.compile(r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?")


def separator_convention(values: Sequence[Any]) -> str | None:
    """How a column writes its numbers, from the cells that can only be read one way:
    "thousands" (a comma groups digits: "1,200,000", "1,500.5", or a dot decimal such as "0.45"
    elsewhere in the column), "decimal" (a comma is the decimal mark: "0,45", "1.500,25"), or
    None when no cell tells, or cells tell both."""
    found = set()
    for value in values:
        if not isinstance(value, str):
            continue
        text = value.strip()
        if _THOUSANDS.fullmatch(text):
            if text.count(",") > 1 or "." in text:
                found.add("thousands")
        elif _DOT_THOUSANDS.fullmatch(text) or _DECIMAL_COMMA.fullmatch(text):
            found.add("decimal")
        elif _DOT_DECIMAL.fullmatch(text):
            found.add("thousands")
    return found.pop() if len(found) == 1 else None


def number_text(text: str, convention: str | None = None) -> str:
    """``text`` as float() reads it, with separators people type resolved:

    - thousands separators where only they fit: "1,500,000", "1,500.25", "1.500,25";
    - a decimal comma where only it fits: "2,5", "0,125", "12,50";
    - "1,500" (one comma, then exactly three digits, no leading zero) fits both, 1500 and 1.5:
      the column's ``convention`` (``separator_convention``) decides, and without one it is an
      AmbiguousNumber, whose message asks for "1500" or "1.5" (a silently wrong share or count
      is worse than a question).
    Anything else is returned stripped, for float() to accept or refuse.
    """
    text = text.strip()
    if "," not in text:
        return text
    if _THOUSANDS.fullmatch(text):
        if text.count(",") == 1 and "." not in text and convention != "thousands":
            plain, decimal = text.replace(",", ""), text.replace(",", ".")
            if convention == "decimal":
                return decimal
            raise AmbiguousNumber(
                f"'{text}' could be {plain} (with a thousands separator) or {decimal} (with a "
                f"decimal comma); write {plain} or {decimal}, or write the column's other "
                "numbers so they show which (e.g. 1,200,000 or 0.5)")
        return text.replace(",", "")
    if _DOT_THOUSANDS.fullmatch(text):
        return text.replace(".", "").replace(",", ".")
    if _DECIMAL_COMMA.fullmatch(text):
        return text.replace(",", ".")
    return text


def typed_number(value: Any) -> float | None:
    """A number someone typed in a table cell: None when blank; a decimal comma or thousands
    separators accepted as ``number_text`` reads them. Raises ValueError (AmbiguousNumber for
    "1,500") or TypeError for anything else; the caller decides what range is valid."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        value = number_text(value)
        if not value:
            return None
    return float(value)


def spreadsheet_row(index: int) -> int:
    """Row number as a spreadsheet shows it: header is row 1, the first data row is row 2.

    ``index`` is a label of ``ReadResult.frame.index``. That index counts every record of the
    file (blank records and records before the header included) with the record right after
    row 1 as 0, so dropped blank or skipped rows leave gaps instead of shifting later rows:
    a user told "row 7" finds it as row 7 in their spreadsheet.
    """
    return int(index) + 2


def read_table(
    data: bytes,
    *,
    name: str = "the file",
    required: Sequence[str] = (),
    any_of: Sequence[Sequence[str]] = (),
    columns: Mapping[str, str] | None = None,
) -> ReadResult:
    """Read CSV-like ``data`` into strings, or raise InputError saying what to fix.

    ``name`` is the file name used in messages. ``columns`` maps a field to the file's column
    that holds it (``triage.mapping``); it is applied before the checks. Every column in
    ``required`` must be present, and when ``any_of`` is given at least one of its alternatives
    (each a list of columns) must be fully present. Names in both are compared with the
    normalised column names. Extra columns are kept.
    """
    check_upload_size(data, name)
    text, encoding = _decode(data, name)
    if not text or text.isspace():
        raise _empty_error(name)
    text, declared = _sep_line(text)
    delimiter = declared or _detect_delimiter(text)
    if not text or text.isspace():
        raise _empty_error(name)
    frame, skipped_note = _table(_parse(text, delimiter, name), name, delimiter)
    frame, mapped_note = rename_columns(frame, columns, name)
    _check_columns(frame, name, required, any_of)
    sep_note = f"the first line sep={delimiter} (Excel's delimiter hint) was read and skipped" \
        if declared else None
    notes = [_ENCODING_NOTES.get(encoding), _delimiter_note(delimiter), sep_note, skipped_note,
             mapped_note]
    return ReadResult(frame, encoding, delimiter, tuple(note for note in notes if note),
                      renamed=mapped_note is not None)


def check_upload_size(data: bytes, name: str) -> None:
    """Refuse more than MAX_UPLOAD_BYTES, in the unit the uploader shows (MB of 1,000,000 bytes)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"{name} is {len(data) / 1e6:.1f} MB, more than the {MAX_UPLOAD_MB} MB limit. Upload a "
            "smaller extract, for example only the rows and columns needed for this meeting."
        )


def too_big(name: str, what: str, limit: str) -> InputError:
    """The refusal of a file that unpacks past a limit: what it holds, the limit, how to get under."""
    return InputError(f"{name} {what}, more than the limit of {limit}. {LIMIT_HINT}")


def check_shape(name: str, rows: int, columns: int) -> None:
    """Refuse a table past MAX_ROWS, MAX_COLUMNS or MAX_CELLS before it is materialised."""
    if columns > MAX_COLUMNS:
        raise too_big(name, f"has {columns:,} columns", f"{MAX_COLUMNS:,} columns")
    if rows > MAX_ROWS:
        raise too_big(name, f"has {rows:,} rows", f"{MAX_ROWS:,} rows")
    if rows * columns > MAX_CELLS:
        raise too_big(name, f"has {rows:,} rows x {columns:,} columns = {rows * columns:,} cells",
                      f"{MAX_CELLS:,} cells")


_PARQUET_MAGIC = b"PAR1"
_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")


def is_parquet(data: bytes, name: str = "") -> bool:
    """Parquet by its magic at both ends (a Parquet file starts and ends with PAR1), or a file named
    .parquet that starts with it (then a truncated file gets the Parquet reader's message). A CSV
    whose header merely starts with "PAR1" is a CSV."""
    if data[:4] != _PARQUET_MAGIC:
        return False
    return (len(data) >= 12 and data[-4:] == _PARQUET_MAGIC) or \
        str(name).lower().endswith(_PARQUET_SUFFIXES)


def check_parquet(data: bytes, name: str, columns: Sequence[str] | None = None) -> None:
    """Refuse a Parquet file whose footer says it unpacks past the limits, reading only the footer.

    Rows, columns, values (every leaf value, so nested lists count) and the uncompressed size of the
    chunks that would be read (``columns``: those only; None: all) are all in the metadata.
    Raises InputError for an unreadable footer too.
    """
    import pyarrow as pa  # lazily: only Parquet uploads pay for importing pyarrow
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(pa.BufferReader(data)).metadata
    except (pa.ArrowException, OSError, ValueError) as err:
        raise InputError(
            f"{name} starts like a Parquet file but could not be read ({str(err)[:160]}). The file "
            "may be truncated or use an unsupported feature: export it again, or upload it as CSV."
        ) from None
    wanted = None if columns is None else set(columns)
    chosen = [j for j in range(meta.num_columns)
              if wanted is None or meta.schema.column(j).path.split(".")[0] in wanted]
    top_level = {meta.schema.column(j).path.split(".")[0] for j in chosen}
    check_shape(name, meta.num_rows, len(top_level))
    values = unpacked = 0
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        for j in chosen:
            chunk = group.column(j)
            values += max(chunk.num_values, 0)
            unpacked += max(chunk.total_uncompressed_size, 0)
    if values > MAX_CELLS:
        raise too_big(name, f"holds {values:,} values", f"{MAX_CELLS:,} values")
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise too_big(name, f"unpacks to {unpacked / 2**30:.1f} GiB",
                      f"{MAX_UNCOMPRESSED_BYTES / 2**30:.0f} GiB uncompressed")


def read_parquet(data: bytes, name: str):
    """The Parquet file as an Arrow table, refused (InputError) past the limits before it grows.

    ``check_parquet`` bounds what the footer describes. A dictionary-encoded text column is the
    one thing it cannot bound: a 100 KB value repeated on a million rows is one small dictionary
    page and a run of indices in the file, yet 100 GB once each row holds its own copy. Text
    columns are therefore read as dictionaries (the file's own size), their decoded size is
    counted from the dictionary's value lengths and the indices, and only a table within
    MAX_UNCOMPRESSED_BYTES is decoded to plain columns. Reader failures are the caller's to word.
    """
    import pyarrow as pa  # lazily: only Parquet uploads pay for importing pyarrow
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    check_parquet(data, name)
    schema = pq.ParquetFile(pa.BufferReader(data)).schema_arrow
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
            or pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)]
    table = pq.read_table(pa.BufferReader(data), read_dictionary=text)
    decoded = 0
    for column in table.columns:
        if not pa.types.is_dictionary(column.type):
            decoded += column.nbytes
            continue
        for chunk in column.chunks:
            lengths = pc.fill_null(pc.binary_length(chunk.dictionary), 0)
            decoded += pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0
            decoded += len(chunk) * 8  # the offsets and validity each row adds
    if decoded > MAX_UNCOMPRESSED_BYTES:
        raise too_big(name, f"unpacks to {decoded / 2**30:.1f} GiB (its text columns repeat long "
                      "values that the file stores once)",
                      f"{MAX_UNCOMPRESSED_BYTES / 2**30:.0f} GiB uncompressed")
    plain = {i: field.type.value_type for i, field in enumerate(table.schema)
             if pa.types.is_dictionary(field.type)}
    for i, value_type in plain.items():
        table = table.set_column(i, table.schema.field(i).with_type(value_type),
                                 table.column(i).cast(value_type))
    return table


def json_document(data: bytes | str) -> Any:
    """``json.loads`` of an export (a UTF-8 BOM allowed), where nesting too deep for Python's
    stack is a ValueError like any other bad JSON, not a RecursionError."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("lists or objects are nested too deeply to read") from None


def check_csv(data: bytes, name: str) -> None:
    """The size, row and column limits of ``read_table`` for a reader that parses the CSV itself."""
    check_upload_size(data, name)
    text, _ = _decode(data, name)
    text, declared = _sep_line(text)
    _shape_of(text, declared or _detect_delimiter(text), name)


def canonical_csv(table: ReadResult) -> bytes:
    """The table as a plain UTF-8 comma CSV under its (mapped) column names: what is kept of a
    mapped upload, so reading it again needs no mapping."""
    return table.frame.to_csv(index=False).encode("utf-8")


def mapped_csv(data: bytes, name: str, columns: Mapping[str, str] | None) -> bytes:
    """``data`` as read with ``columns``: unchanged when the mapping renames nothing."""
    if not columns:
        return data
    table = read_table(data, name=name, columns=columns)
    return canonical_csv(table) if table.renamed else data


_HEAD_BYTES = 65_536  # enough for a header and a few rows: a big file is not parsed twice


def header_columns(data: bytes, name: str = "the file") -> list[str]:
    """The file's normalised column names in order, read from its first lines where they can be
    read alone (a mapping or a format is chosen from them before the file is parsed once)."""
    cut = data.rfind(b"\n", 0, _HEAD_BYTES) if len(data) > _HEAD_BYTES else -1
    if cut > 0:
        try:
            return list(read_table(data[:cut + 1], name=name).frame.columns)
        except InputError:
            pass  # e.g. UTF-16 cut between the bytes of a character: read it whole
    return list(read_table(data, name=name).frame.columns)


# --- bytes to text -----------------------------------------------------------------------


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode with the first encoding that fits; newlines become "\\n", a stray BOM goes."""
    encodings = _candidate_encodings(data, name)
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            raise _binary_error(data, name)
        return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), encoding
    label = encodings[0].upper().removesuffix("-SIG")
    raise InputError(
        f"{name} looks like {label} text but contains invalid bytes. Open it in "
        "a spreadsheet or text editor, save it as CSV UTF-8 and upload that file."
    )


def _candidate_encodings(data: bytes, name: str) -> tuple[str, ...]:
    """Encodings to try, in order; a BOM or UTF-16's NUL pattern decides alone.

    NUL bytes outside UTF-16 mean binary data: no text encoding produces them.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return (encoding,)
    utf16 = _bomless_utf16(data)
    if utf16:
        return (utf16,)
    if b"\x00" in data:
        raise _binary_error(data, name)
    return _FALLBACK_ENCODINGS


def _bomless_utf16(data: bytes) -> str | None:
    """Spot UTF-16 without a BOM: mostly-ASCII text has a NUL in every other byte."""
    sample = data[:_SAMPLE_BYTES]
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 2:
        return None
    even_nuls, odd_nuls = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nuls > 0.7 and even_nuls < 0.1:
        return "utf-16-le"
    if even_nuls > 0.7 and odd_nuls < 0.1:
        return "utf-16-be"
    return None


def _looks_binary(text: str) -> bool:
    """Many control characters mean bytes that merely decoded, not text someone wrote."""
    sample = text[:_SAMPLE_CHARS]
    controls = len(_CONTROL_CHARS.findall(sample))
    return bool(sample) and controls / len(sample) > _BINARY_CONTROL_SHARE


def _binary_error(data: bytes, name: str) -> InputError:
    kind = next((kind for magic, kind in _SIGNATURES if data.startswith(magic)), None)
    what = f"it looks like {kind}" if kind else "it contains binary data"
    return InputError(
        f"{name} does not look like a text CSV file ({what}). Export the data as CSV and "
        "upload that; an Excel .xlsx workbook must first be saved as CSV "
        "(File > Save As > CSV UTF-8)."
    )


def _empty_error(name: str) -> InputError:
    return InputError(
        f"{name} is empty: it has no header row and no data. Upload a CSV whose first row "
        "holds the column names, with one row per record below it."
    )


# --- text to records ---------------------------------------------------------------------


_SEP_LINE = re.compile(r"\A\s*[\"']?sep=(.)[\"']?[ \t]*(?:\n|\Z)", re.IGNORECASE)


def _sep_line(text: str) -> tuple[str, str | None]:
    """Excel's ``sep=;`` first line names the delimiter: honour it and drop the line.

    Returns the text without that line and the delimiter, or the text unchanged and None. A
    ``sep=`` naming another character is left to the ordinary reading.
    """
    match = _SEP_LINE.match(text)
    if not match or match[1] not in _DELIMITER_NAMES:
        return text, None
    return text[match.end():], match[1]


def _detect_delimiter(text: str) -> str:
    """Pick the delimiter the header uses and the first rows repeat most consistently.

    Ties go to the earlier of , ; tab |; a header without any of them is one comma column.
    """
    sample = _head(text)
    scores = {delim: _delimiter_score(sample, delim) for delim in _DELIMITER_NAMES}
    best = max(_DELIMITER_NAMES, key=scores.__getitem__)
    return best if scores[best][1] else ","


def _head(text: str) -> str:
    """The first lines of ``text``, enough to judge the delimiter without scanning it all."""
    end = 0
    for _ in range(_SAMPLE_LINES):
        end = text.find("\n", end) + 1
        if not end:
            return text
    return text[:end]


def _delimiter_score(sample: str, delim: str) -> tuple[float, int]:
    """(share of rows with as many delimiters as the header, delimiters in the header)."""
    counts = [line.count(delim) for line in _unquoted(sample, delim).split("\n")
              if line.strip()]
    if not counts or not counts[0]:
        return (0.0, 0)
    header, rows = counts[0], counts[1:]
    consistent = sum(count == header for count in rows) / len(rows) if rows else 1.0
    return (consistent, header)


def _unquoted(text: str, delim: str) -> str:
    """``text`` with each quoted field replaced by a bare placeholder, one line per record."""
    if '"' not in text:  # most exports quote nothing: skip a regex pass over the whole file
        return text
    return _QUOTED_FIELDS[delim].sub("q", text)


def _parse(text: str, delimiter: str, name: str) -> pd.DataFrame:
    """Every record as a row of stripped strings, positional columns, blank records kept.

    Reading without a header and with as many columns as the widest record means a row with
    more values than the header cannot abort the read; the caller decides about such rows.
    The C engine has no field size limit, so huge cells are fine.
    """
    width = _shape_of(text, delimiter, name)
    try:
        raw = pd.read_csv(
            io.BytesIO(text.encode("utf-8")), sep=delimiter, header=None, names=range(width), dtype=str,
            keep_default_na=False, na_filter=False, skipinitialspace=True,
            skip_blank_lines=False, engine="c",
        )
    except ValueError as err:  # pandas' ParserError and EmptyDataError are ValueErrors
        raise _parse_error(err, name, delimiter) from None
    return raw.apply(lambda column: column.str.strip())


def _shape_of(text: str, delimiter: str, name: str) -> int:
    """The widest record's field count, after checking rows and columns against the limits
    (quoted delimiters and newlines do not count)."""
    unquoted = _unquoted(text, delimiter)
    rows = unquoted.count("\n") + (not unquoted.endswith("\n"))
    check_shape(name, rows, 1)  # before splitting: millions of lines are millions of strings
    width = max(line.count(delimiter) for line in unquoted.split("\n")) + 1
    check_shape(name, rows, width)
    return width


def _parse_error(err: ValueError, name: str, delimiter: str) -> InputError:
    """Say in spreadsheet rows what pandas' tokenizer could not handle."""
    message = str(err)
    if match := _OPEN_QUOTE.search(message):
        return InputError(
            f"{name}: a double quote opened in row {int(match[1]) + 1} is never closed. "
            "Add the closing quote or remove the stray one, then upload again."
        )
    if match := _TOO_MANY_FIELDS.search(message):
        expected, row, seen = match.groups()
        return InputError(
            f"{name}: row {row} has {seen} values where at most {expected} were expected. "
            f"Put values that contain a {_DELIMITER_NAMES[delimiter]} in double quotes and "
            "check that row for unbalanced quotes."
        )
    return InputError(
        f"{name} could not be read as a table ({message}). Save it again as CSV UTF-8 and "
        "upload that file."
    )


# --- records to frame --------------------------------------------------------------------


def _table(raw: pd.DataFrame, name: str, delimiter: str) -> tuple[pd.DataFrame, str | None]:
    """Split ``raw`` into header and data rows; return the frame and a note on skipped rows.

    The header is the first non-blank record. Blank records are dropped; records with values
    beyond the header's last column are skipped (their values would land in wrong columns).
    """
    filled = raw.ne("").any(axis=1)
    if not filled.any():
        raise _empty_error(name)
    header_pos = int(filled.idxmax())
    header = raw.loc[header_pos]
    width = int(header.ne("").to_numpy().nonzero()[0][-1]) + 1
    body = raw.loc[filled & (raw.index > header_pos)]
    too_long = body.iloc[:, width:].ne("").any(axis=1)
    skipped = [int(pos) + 1 for pos in body.index[too_long]]
    body = body.loc[~too_long].iloc[:, :width]
    frame = _name_columns(body.set_axis(body.index - 1), list(header.iloc[:width]), name,
                          header_pos)
    if frame.empty:
        raise _no_rows_error(name, skipped, width, delimiter)
    return frame, _skipped_note(skipped, width, delimiter)


def _name_columns(body: pd.DataFrame, cells: list[str], name: str,
                  header_pos: int) -> pd.DataFrame:
    """Normalise header cells into column names; unnamed columns survive only with values."""
    names = [normalise_column(cell) or f"unnamed_{pos + 1}" for pos, cell in enumerate(cells)]
    _check_unique(names, cells, name, header_pos)
    keep = [bool(cell) or body.iloc[:, pos].ne("").any() for pos, cell in enumerate(cells)]
    return body.set_axis(names, axis=1).loc[:, keep]


def normalise_column(name: str) -> str:
    """Column name as callers spell it: "Run ID" -> "run_id", "Duration-Hours" -> "duration_hours".

    Spreadsheets invite spaces, capitals and hyphens; callers should not have to guess them.
    """
    return _NAME_SEPARATORS.sub("_", name.strip().lower())


def _check_unique(names: list[str], cells: list[str], name: str, header_pos: int) -> None:
    """Refuse headers that normalise to the same name: callers could not tell them apart."""
    seen: dict[str, list[str]] = {}
    for column, cell in zip(names, cells, strict=True):
        seen.setdefault(column, []).append(cell)
    duplicates = [
        f"{_quoted([column])} (as {_quoted(spellings)})"
        for column, spellings in seen.items() if len(spellings) > 1
    ]
    if duplicates:
        raise InputError(
            f"{name}: column names must be unique, but {', '.join(duplicates)} "
            f"{'appears' if len(duplicates) == 1 else 'appear'} more than once in the header "
            f"(row {header_pos + 1}). Rename or delete the duplicates and upload again."
        )


def _no_rows_error(name: str, skipped: list[int], width: int, delimiter: str) -> InputError:
    if skipped:
        return InputError(
            f"{name}: every row has more values than the {width} columns of the header "
            f"(first: row {skipped[0]}). Check the header row, or put values that contain a "
            f"{_DELIMITER_NAMES[delimiter]} in double quotes."
        )
    return InputError(
        f"{name} has a header but no rows: add at least one data row below the column names."
    )


# --- columns and notes -------------------------------------------------------------------

MAP_HINT = ("If one of the found columns holds it, map that column to the field (on the page, "
            "under the upload; on the command line, --map COLUMN=FIELD).")


def rename_columns(frame: pd.DataFrame, columns: Mapping[str, str] | None,
                   name: str) -> tuple[pd.DataFrame, str | None]:
    """Give each mapped column its field's name; return the frame and a note saying what was read
    as what. A column is found by its exact name, else by its normalised one. A column already
    named like a mapped field, but not mapped itself, gives way (the person chose another).
    """
    if not columns:
        return frame, None
    present = {str(c): c for c in frame.columns}
    by_key = {normalise_column(str(c)): c for c in frame.columns}
    sources: dict[object, str] = {}
    for target, wanted in columns.items():
        if not wanted:
            continue
        column = present.get(wanted, by_key.get(normalise_column(wanted)))
        if column is None:
            raise InputError(
                f"{name}: the column {wanted!r} chosen for {target} is not in the file. Found: "
                f"{_listing([str(c) for c in frame.columns])}. Choose one of these, or upload "
                "the file the mapping was made for."
            )
        if column in sources:
            raise InputError(
                f"{name}: the column {wanted!r} is chosen for both {sources[column]} and "
                f"{target}; each column can hold one field. Choose another column for one of them."
            )
        sources[column] = target
    moved = {column: target for column, target in sources.items() if str(column) != target}
    if not moved:
        return frame, None
    displaced = [c for c in frame.columns if str(c) in moved.values() and c not in sources]
    frame = frame.drop(columns=displaced).rename(columns=moved)
    read_as = ", ".join(f"{column} as {target}" for column, target in moved.items())
    return frame, f"columns read as mapped: {read_as}"


def _check_columns(frame: pd.DataFrame, name: str, required: Sequence[str],
                   any_of: Sequence[Sequence[str]]) -> None:
    """Raise when a required column, or every alternative of ``any_of``, is missing."""
    present = set(frame.columns)
    missing = [column for column in required if column not in present]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        problem = f"missing column{plural} {_quoted(missing)}"
    elif any_of and not any(set(alternative) <= present for alternative in any_of):
        problem = f"needs {_alternatives(any_of)}, but none of these is complete"
    else:
        return
    raise InputError(
        f"{name}: {problem}. Found: {_listing(list(frame.columns))}. "
        f"Expected columns: {_expected(required, any_of)}. {MAP_HINT}"
    )


def _alternatives(any_of: Sequence[Sequence[str]]) -> str:
    return " or ".join("+".join(alternative) for alternative in any_of)


def _expected(required: Sequence[str], any_of: Sequence[Sequence[str]]) -> str:
    """"a, b, and c+d or e": the required columns, then the alternatives."""
    parts = [*required, _alternatives(any_of)] if any_of else list(required)
    if len(parts) <= 2:
        return " and ".join(parts)
    return f"{', '.join(parts[:-1])}, and {parts[-1]}"


def _quoted(items: Sequence[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def _listing(items: list[str]) -> str:
    """Comma-separated ``items``, cut after a dozen so a wide file gives a readable message."""
    shown = ", ".join(items[:_MAX_LISTED])
    rest = len(items) - _MAX_LISTED
    return f"{shown}, … and {rest} more" if rest > 0 else shown


def _delimiter_note(delimiter: str) -> str | None:
    return None if delimiter == "," else f"{_DELIMITER_NAMES[delimiter]}-separated"


def _skipped_note(skipped: list[int], width: int, delimiter: str) -> str | None:
    if not skipped:
        return None
    rows = _listing([str(row) for row in skipped])
    return (
        f"skipped row{'s' if len(skipped) > 1 else ''} {rows}: more values than the {width} "
        f"header columns; put values that contain a {_DELIMITER_NAMES[delimiter]} in double "
        "quotes"
    )
