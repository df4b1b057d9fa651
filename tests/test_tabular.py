"""Tests for triage.tabular: robust reading of uploaded tables and the messages people see."""

from __future__ import annotations

import contextlib
import random

import pandas as pd
import pytest

from tests.corpus.make_corpus import parquet_dictionary_bomb
from triage import tabular
from triage.tabular import InputError, ReadResult, read_table, spreadsheet_row, typed_number

RUNS_REQUIRED = ("run_id", "stage")
RUNS_ANY_OF = (("started_at", "ended_at"), ("duration_hours",))


def read(text: str, **kwargs) -> ReadResult:
    return read_table(text.encode(), name="runs.csv", **kwargs)


def rows(result: ReadResult) -> list[list[str]]:
    return result.frame.to_numpy().tolist()


def error(data: bytes, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        read_table(data, name="runs.csv", **kwargs)
    return str(caught.value)


# --- plain files ---------------------------------------------------------------------------


def test_plain_utf8_comma_csv_reads_strings_without_notes():
    result = read("run_id,stage,hours\nr1,train,1.5\nr2,eval,0.25\n")
    assert list(result.frame.columns) == ["run_id", "stage", "hours"]
    assert rows(result) == [["r1", "train", "1.5"], ["r2", "eval", "0.25"]]
    assert (result.encoding, result.delimiter, result.notes) == ("utf-8", ",", ())
    assert all(pd.api.types.is_string_dtype(dtype) for dtype in result.frame.dtypes)


def test_values_are_stripped_and_empty_cells_are_empty_strings():
    result = read('a,b,c\n  x  ,, " quoted "\n,y\n')
    assert rows(result) == [["x", "", "quoted"], ["", "y", ""]]
    assert not result.frame.isna().any().any()


def test_column_names_are_normalised():
    result = read("Run ID, Duration-Hours ,STAGE,started  at\n1,2,3,4\n")
    assert list(result.frame.columns) == ["run_id", "duration_hours", "stage", "started_at"]


def test_extra_columns_are_kept():
    result = read("run_id,stage,comment\n1,train,ok\n", required=RUNS_REQUIRED)
    assert list(result.frame.columns) == ["run_id", "stage", "comment"]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_windows_and_old_mac_line_endings(newline):
    result = read(newline.join(["a,b", "1,2", "3,4", ""]))
    assert rows(result) == [["1", "2"], ["3", "4"]]


# --- empty and header-only -----------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   ", b" \n\t\r\n\n", b",,,\n,,\n"])
def test_empty_or_whitespace_only(data):
    assert error(data).startswith("runs.csv is empty: ")


@pytest.mark.parametrize("text", ["run_id,stage\n", "run_id,stage", "run_id,stage\n\n ,\n"])
def test_header_only(text):
    assert error(text.encode()).startswith("runs.csv has a header but no rows")


def test_default_name_in_messages():
    with pytest.raises(InputError, match="^the file is empty"):
        read_table(b"")


def test_too_large(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_UPLOAD_BYTES", 1_000_000)
    monkeypatch.setattr(tabular, "MAX_UPLOAD_MB", 1)
    message = error(b"a,b\n" + b"1,2\n" * 300_000)
    assert message.startswith("runs.csv is 1.2 MB, more than the 1 MB limit.")


def test_upload_limit_is_200_mb_as_the_uploader_counts_them():
    # Streamlit's uploader shows "200.0MB" and its browser side counts 1 MB = 1,000,000 bytes.
    assert (tabular.MAX_UPLOAD_MB, tabular.MAX_UPLOAD_BYTES) == (200, 200_000_000)


def test_excel_sep_line_names_the_delimiter_and_is_not_a_row():
    result = read_table(b"sep=;\nrun_id;stage;duration_hours\nr1;data;2\nr2;data;3\n", name="runs.csv")
    assert list(result.frame.columns) == ["run_id", "stage", "duration_hours"]
    assert result.frame["duration_hours"].tolist() == ["2", "3"]
    assert result.delimiter == ";"
    assert any("sep=;" in note for note in result.notes)
    quoted = read_table(b'"sep=,"\r\na,b\r\n1,2\r\n', name="x.csv")
    assert list(quoted.frame.columns) == ["a", "b"] and quoted.frame.iloc[0].tolist() == ["1", "2"]


def test_wide_row_is_refused_before_pandas_with_the_limit_and_how_to_get_under_it():
    message = error(b",".join([b"1"] * (tabular.MAX_COLUMNS + 1)) + b"\n")
    assert f"has {tabular.MAX_COLUMNS + 1:,} columns, more than the limit of 1,000 columns" in message
    assert "random sample" in message and "only the columns" in message


def test_widest_record_counts_and_quoted_delimiters_do_not():
    quoted = '"' + "," * 5000 + '"'
    assert read_table(f"a,b\n1,{quoted}\n".encode()).frame["b"].iloc[0] == "," * 5000
    late = b"a,b\n1,2\n" + b",".join([b"x"] * 1001) + b"\n"
    assert "1,001 columns" in error(late)


def test_too_many_rows_is_refused_before_splitting(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_ROWS", 10)
    assert "has 12 rows, more than the limit of 10 rows" in error(b"a\n" + b"1\n" * 11)
    monkeypatch.setattr(tabular, "MAX_ROWS", 100)
    monkeypatch.setattr(tabular, "MAX_CELLS", 50)
    assert "= 60 cells, more than the limit of 50 cells" in error(b"a,b,c\n" + b"1,2,3\n" * 19)


def test_csv_starting_with_par1_is_a_csv():
    result = read_table(b"PAR1,stage,duration_hours\nx,data,2\n", name="runs.csv")
    assert list(result.frame.columns) == ["par1", "stage", "duration_hours"]
    assert not tabular.is_parquet(b"PAR1,stage\nx,y\n", "runs.csv")
    assert tabular.is_parquet(b"PAR1 cut short", "sample.parquet")  # the Parquet reader explains
    assert tabular.is_parquet(b"PAR1" + b"\0" * 8 + b"PAR1", "named.csv")


# --- required columns ----------------------------------------------------------------------


def test_missing_required_column_names_it_and_lists_found_and_expected():
    message = error(b"stage,hours\ntrain,1\n", required=RUNS_REQUIRED, any_of=RUNS_ANY_OF)
    assert message == (
        'runs.csv: missing column "run_id". Found: stage, hours. Expected columns: run_id, '
        f"stage, and started_at+ended_at or duration_hours. {tabular.MAP_HINT}"
    )


def test_missing_several_required_columns():
    message = error(b"hours\n1\n", required=RUNS_REQUIRED)
    assert message == (
        'runs.csv: missing columns "run_id", "stage". Found: hours. '
        f"Expected columns: run_id and stage. {tabular.MAP_HINT}"
    )


def test_required_names_match_normalised_headers():
    result = read("Run ID,Stage\n1,train\n", required=RUNS_REQUIRED)
    assert rows(result) == [["1", "train"]]


def test_any_of_failure_names_the_alternatives():
    message = error(b"run_id,stage,started_at\n1,train,t0\n", required=RUNS_REQUIRED,
                    any_of=RUNS_ANY_OF)
    assert message == (
        "runs.csv: needs started_at+ended_at or duration_hours, but none of these is complete. "
        "Found: run_id, stage, started_at. Expected columns: run_id, stage, and "
        f"started_at+ended_at or duration_hours. {tabular.MAP_HINT}"
    )


@pytest.mark.parametrize("header", ["run_id,stage,duration_hours",
                                    "run_id,stage,ended_at,started_at"])
def test_any_of_satisfied_by_either_alternative(header):
    values = ",".join("1" * len(header.split(",")))
    result = read(f"{header}\n{values}\n", required=RUNS_REQUIRED, any_of=RUNS_ANY_OF)
    assert list(result.frame.columns) == header.split(",")


def test_found_columns_are_truncated_for_wide_files():
    header = ",".join(f"col{i}" for i in range(40))
    message = error(f"{header}\n{',' * 39}x\n".encode(), required=["run_id"])
    assert "Found: col0, col1, col2, " in message
    assert "col11, … and 28 more. Expected columns: run_id." in message
    assert "col12" not in message


# --- binary files --------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
ZIP = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00b\xee\x9dh^\x01\x00\x00\x90\x04\x00\x00"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PNG, "(it looks like a PNG image)"),
        (ZIP + b"[Content_Types].xml", "(it looks like a ZIP archive or an Excel .xlsx workbook)"),
        (random.Random(0).randbytes(5000), "(it contains binary data)"),
        (random.Random(1).randbytes(5000).replace(b"\x00", b""), "(it contains binary data)"),
        (b"run_id,stage\n1,train\x00\n", "(it contains binary data)"),
    ],
    ids=["png", "xlsx", "random-with-nuls", "random-without-nuls", "nul-in-text"],
)
def test_binary_data_is_rejected_with_export_hint(data, kind):
    message = error(data)
    assert message.startswith(f"runs.csv does not look like a text CSV file {kind}.")
    assert "Excel .xlsx workbook must first be saved as CSV" in message


def test_random_bytes_never_raise_anything_but_input_error():
    rng = random.Random(42)
    for _ in range(300):
        data = rng.randbytes(rng.randint(1, 300))
        with contextlib.suppress(InputError):
            read_table(data)


# --- encodings -----------------------------------------------------------------------------

TABLE = "run_id,stage\n1,café\n"


def test_utf8_bom_gives_clean_first_column():
    result = read_table(b"\xef\xbb\xbf" + TABLE.encode(), required=["run_id"])
    assert list(result.frame.columns) == ["run_id", "stage"]
    assert (result.encoding, result.notes) == ("utf-8-sig", ())


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec):
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(codec, "")
    result = read_table((bom + TABLE).encode(codec))
    assert rows(result) == [["1", "café"]]
    assert list(result.frame.columns) == ["run_id", "stage"]
    assert (result.encoding, result.notes) == ("utf-16", ("read as UTF-16",))


@pytest.mark.parametrize(("codec", "order"), [("utf-16-le", "little"), ("utf-16-be", "big")])
def test_utf16_without_bom(codec, order):
    result = read_table(TABLE.encode(codec))
    assert rows(result) == [["1", "café"]]
    assert result.encoding == codec
    assert result.notes == (f"read as UTF-16 ({order}-endian, without byte-order mark)",)


def test_invalid_utf16_is_an_input_error():
    data = b"\xff\xfe" + "a,b\n1,2\n".encode("utf-16-le") + b"\x00\xd8"
    assert error(data).startswith("runs.csv looks like UTF-16 text but contains invalid bytes.")


def test_cp1252_fallback():
    result = read_table("run_id,stage\n1,été – 2€\n".encode("cp1252"))
    assert rows(result) == [["1", "été – 2€"]]
    assert result.encoding == "cp1252"
    assert result.notes[0].startswith("read as Windows-1252 (cp1252)")


def test_latin1_fallback_when_not_cp1252():
    result = read_table(b"name\nabc\x81def ghi jkl mno pqr stu vwx\n")
    assert result.encoding == "latin-1"
    assert result.notes[0].startswith("read as Latin-1")


# --- delimiters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "note"), [(";", "semicolon-separated"), ("\t", "tab-separated"),
                            ("|", "pipe-separated")],
)
def test_other_delimiters_are_detected_and_noted(delimiter, note):
    result = read(f"run_id{delimiter}stage{delimiter}hours\n1{delimiter}a, b{delimiter}2,5\n")
    assert rows(result) == [["1", "a, b", "2,5"]]
    assert (result.delimiter, result.notes) == (delimiter, (note,))


def test_semicolon_with_decimal_commas_in_every_row():
    result = read("a;b;c\n1,5;2,25;3\n4,0;5,5;6\n")
    assert result.delimiter == ";"
    assert rows(result) == [["1,5", "2,25", "3"], ["4,0", "5,5", "6"]]


def test_single_column_file_has_comma_delimiter():
    result = read("run_id\nr1\nr2\n")
    assert (result.delimiter, rows(result)) == (",", [["r1"], ["r2"]])


def test_quoted_fields_may_contain_delimiter_quotes_and_newlines():
    result = read('a,"b,c",d\n"x, y","say ""hi""","line 1\nline 2"\n3, "4,5" ,6\n')
    assert list(result.frame.columns) == ["a", "b,c", "d"]
    assert rows(result) == [["x, y", 'say "hi"', "line 1\nline 2"], ["3", "4,5", "6"]]
    assert [spreadsheet_row(index) for index in result.frame.index] == [2, 3]


def test_quoted_semicolons_do_not_fool_detection():
    result = read('id,comment\n1,"a;b;c"\n2,"d;e;f"\n')
    assert result.delimiter == ","


def test_million_character_cells():
    long_plain = "x" * 1_000_000
    long_quoted = ",".join(["y"] * 500_000)
    result = read(f'a,b,c\n1,{long_plain},"{long_quoted}"\n2,short,z\n')
    assert rows(result)[0] == ["1", long_plain, long_quoted]
    assert rows(result)[1] == ["2", "short", "z"]


# --- ragged rows, duplicates, bad quotes ---------------------------------------------------


def test_rows_with_too_many_values_are_skipped_with_a_note():
    result = read("a,b\n1,2\n3,4,5\n6,7\n8,9,10,11\n")
    assert rows(result) == [["1", "2"], ["6", "7"]]
    assert [spreadsheet_row(index) for index in result.frame.index] == [2, 4]
    assert result.notes == (
        "skipped rows 3, 5: more values than the 2 header columns; put values that contain "
        "a comma in double quotes",
    )


def test_short_rows_are_padded_with_empty_strings():
    assert rows(read("a,b,c\n1\n2,3\n")) == [["1", "", ""], ["2", "3", ""]]


def test_only_ragged_rows_is_an_input_error():
    message = error(b"a;b\n1;2;3\n4;5;6\n")
    assert message == (
        "runs.csv: every row has more values than the 2 columns of the header (first: row 2). "
        "Check the header row, or put values that contain a semicolon in double quotes."
    )


def test_trailing_delimiters_and_unnamed_columns():
    result = read(",a,b,\n0,1,2,\n1,3,4,\n")
    assert list(result.frame.columns) == ["unnamed_1", "a", "b"]
    assert rows(result) == [["0", "1", "2"], ["1", "3", "4"]]


def test_duplicate_columns_after_normalisation():
    message = error(b"Run ID,stage,run-id,Stage\n1,2,3,4\n")
    assert message == (
        'runs.csv: column names must be unique, but "run_id" (as "Run ID", "run-id"), "stage" '
        '(as "stage", "Stage") appear more than once in the header (row 1). Rename or delete '
        "the duplicates and upload again."
    )


def test_unclosed_quote_names_the_row():
    message = error(b'a,b\n1,2\n3,"never closed\n4,5\n')
    assert message.startswith("runs.csv: a double quote opened in row 3 is never closed.")


@pytest.mark.parametrize(
    ("pandas_message", "expected"),
    [
        ("Error tokenizing data. C error: Expected 2 fields in line 7, saw 3",
         "runs.csv: row 7 has 3 values where at most 2 were expected. Put values that contain "
         "a comma in double quotes"),
        ("something else", "runs.csv could not be read as a table (something else)."),
    ],
)
def test_other_pandas_parser_errors_become_input_errors(pandas_message, expected):
    err = tabular._parse_error(pd.errors.ParserError(pandas_message), "runs.csv", ",")
    assert isinstance(err, InputError)
    assert str(err).startswith(expected)


# --- row numbers ---------------------------------------------------------------------------


def test_spreadsheet_row_of_first_data_row_is_2():
    assert spreadsheet_row(0) == 2
    assert [spreadsheet_row(index) for index in read("a\n1\n2\n").frame.index] == [2, 3]


def test_blank_lines_are_dropped_but_row_numbers_match_the_spreadsheet():
    text = "\n\nrun_id,stage\n\nr1,train\n   \n,,\n\"r2\",\"multi\nline\"\nr3,eval\n\n"
    result = read(text)
    assert rows(result) == [["r1", "train"], ["r2", "multi\nline"], ["r3", "eval"]]
    # Spreadsheet: rows 1-2 blank, header row 3, blank row 4, r1 row 5, blank rows 6-7,
    # r2 row 8 (one row despite the line break in the cell), r3 row 9.
    assert [spreadsheet_row(index) for index in result.frame.index] == [5, 8, 9]


@pytest.mark.parametrize("value, expected", [
    (None, None), (float("nan"), None), ("", None), ("  ", None), (" 2,5 ", 2.5), ("3", 3.0),
    (4, 4.0), ("inf", float("inf")),
])
def test_typed_number_reads_what_people_type(value, expected):
    assert typed_number(value) == expected


@pytest.mark.parametrize("value", ["abc", "1,2,3", [1]])
def test_typed_number_refuses_text(value):
    with pytest.raises((TypeError, ValueError)):
        typed_number(value)


def test_a_dictionary_text_column_is_counted_as_decoded_and_read_back_as_plain_text():
    """Under the limit the Parquet reader hands back plain text (no Categorical), with the
    same values; over it, the refusal names the repeated values (tests/test_bombs.py)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    column = pa.DictionaryArray.from_arrays(pa.array([0, 1, 0, None], type=pa.int32()),
                                            pa.array(["web", "ios"]))
    out = io.BytesIO()
    pq.write_table(pa.table({"segment": column, "n": [1, 2, 3, 4]}), out)
    table = tabular.read_parquet(out.getvalue(), "small.parquet")
    assert table.schema.field("segment").type == pa.string()
    assert table.column("segment").to_pylist() == ["web", "ios", "web", None]
    with pytest.raises(tabular.InputError, match="repeat long values"):
        tabular.read_parquet(parquet_dictionary_bomb(), "bomb.parquet")
