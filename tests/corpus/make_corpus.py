"""Regenerate the malformed-input corpus: ``python tests/corpus/make_corpus.py``.

Every file is written from the text below (or from a shipped example), so the corpus is
reproducible; README.md documents what is wrong with each file and what the app must do.
"""

from __future__ import annotations

import base64
import codecs
import io
import json
import re
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 2
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 2
RANDOM = bytes((i * 97 + 13) % 256 for i in range(2000))  # no signature, mostly control bytes

RUNS_HEAD = "run_id,stage,started_at,ended_at,wait_hours,status\n"
RUNS_ROWS = ("r1,Features,2026-09-01T08:00Z,2026-09-01T10:00Z,0.5,succeeded\n"
             "r1,Training,2026-09-01T10:30Z,2026-09-01T14:00Z,0.0,succeeded\n"
             "r2,Features,2026-09-02T08:00Z,2026-09-02T09:30Z,0.2,succeeded\n"
             "r2,Training,2026-09-02T10:00Z,2026-09-02T13:00Z,0.0,succeeded\n")
DUR_HEAD = "run_id,stage,duration_hours\n"
DUR_ROWS = "r1,Features,2\nr1,Training,3.5\nr2,Features,1.5\nr2,Training,3\n"

SEG_HEAD = ("segment,expected_share,observed_share,expected_metric,observed_metric,"
            "fallback_share,fallback_metric\n")
SEG_ROWS = ("web,0.5,0.45,0.06,0.055,0.01,0.02\n"
            "ios,0.3,0.35,0.05,0.045,0.02,0.02\n"
            "android,0.2,0.2,0.05,0.04,0.3,0.02\n")

FEAT_HEAD = ("price,days_since_last_visit,session_length_s,item_popularity,user_tenure_days,"
             "device,category\n")


def ipm_as(plan: str, value: str) -> str:
    """The example plan with its iterations per month replaced by ``value`` (verbatim JSON)."""
    swapped, count = re.subn(r'"iterations_per_month": [-0-9.eE+]+',
                             f'"iterations_per_month": {value}', plan, count=1)
    assert count == 1, "the example plan no longer has a numeric iterations_per_month"
    return swapped


# Injection markers: what Markdown, KaTeX and HTML would turn into an outside image, a typeset
# formula, a tag or a link if a page showed the text unescaped.
MARKERS = "![x](http://127.0.0.1:9/x.png) $x^2$ <img src=http://127.0.0.1:9/y.png> [link](http://127.0.0.1:9/)"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def with_input(doc: dict, name: str, value) -> dict:
    return {**doc, "inputs": {**doc["inputs"], name: value}}


def feat_rows(n: int = 60, bad: dict[int, str] | None = None) -> str:
    rows = []
    for i in range(n):
        row = f"{10 + i % 37}.5,{i % 20},{80 + i * 3}.0,0.0{i % 9 + 1},{100 + i * 7},web-desktop,home"
        if bad and i in bad:
            row = bad[i]
        rows.append(row + "\n")
    return "".join(rows)


LOG_HEAD = ("request_id,dataset,requested_at,owner_assigned_at,approved_at,provisioned_at,"
            "first_access_at,tier,status,auto_approved,requester_role\n")
LOG_ROWS = (
    "REQ-1,crm,2026-03-02T09:00:00Z,2026-03-02T12:00:00Z,2026-03-03T09:00:00Z,"
    "2026-03-04T09:00:00Z,2026-03-04T15:00:00Z,confidential,approved,false,analyst\n"
    "REQ-2,sales,2026-03-03T09:00:00Z,2026-03-03T10:00:00Z,2026-03-05T09:00:00Z,"
    "2026-03-06T09:00:00Z,2026-03-06T10:00:00Z,internal,approved,false,data_scientist\n"
    "REQ-3,crm,2026-03-04T09:00:00Z,2026-03-04T11:00:00Z,,,,restricted,pending,false,analyst\n"
)


def parquet_rows_bomb(rows: int, column: str = "price") -> bytes:
    """A Parquet file of ``rows`` identical numbers: about 150 bytes per million rows (one page
    of run-length encoded dictionary indices per million rows; 200M rows are 30 KB). Written a
    million rows at a time, so making it never holds more than one million rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    chunk = pa.table({column: pa.array([1.5] * min(rows, 1_000_000))})
    out = io.BytesIO()
    with pq.ParquetWriter(out, chunk.schema, compression="zstd", max_rows_per_page=1_000_000,
                          write_statistics=False, store_schema=False) as writer:
        left = rows
        while left > 0:
            writer.write_table(chunk.slice(0, min(left, chunk.num_rows)))
            left -= chunk.num_rows
    return out.getvalue()


def parquet_unpacked_bomb(gib: float = 1.1, rows: int = 4_000_000) -> bytes:
    """A small Parquet file whose one text column is ``gib`` GiB once decompressed: the same long
    text in every row, stored plainly (no dictionary) in large brotli pages: about 7 KB."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    width = int(gib * 2**30 / rows) + 1
    chunk = pa.table({"category": pa.array(["c" * width] * 100_000)})
    out = io.BytesIO()
    with pq.ParquetWriter(out, chunk.schema, compression="brotli", use_dictionary=False,
                          data_page_size=2**29, max_rows_per_page=rows, write_statistics=False,
                          store_schema=False) as writer:
        for _ in range(rows // chunk.num_rows):
            writer.write_table(chunk)
    return out.getvalue()


def parquet_dictionary_bomb(gib: float = 1.2, rows: int = 300_000) -> bytes:
    """A Parquet file of about 1.6 MB whose text column is ``gib`` GiB once each row holds its
    value: one long text in a dictionary page, and a run of indices to it. The footer's sizes
    are the file's own, so only counting through the dictionary shows what it unpacks to."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = "c" * (int(gib * 2**30 / rows) + 1)
    column = pa.DictionaryArray.from_arrays(pa.array([0] * rows, type=pa.int32()), pa.array([text]))
    out = io.BytesIO()
    pq.write_table(pa.table({"category": column, "price": pa.array([1.5] * rows)}), out,
                   store_schema=False)  # as a writer without Arrow's schema would: plain strings
    return out.getvalue()


def wide_csv(columns: int) -> bytes:
    """One row of ``columns`` values: 2 bytes a column, so 1,000,000 columns are a 2 MB file."""
    return b",".join([b"1"] * columns) + b"\n"


def chain_playbook(nodes: int, *, cycle: bool = False) -> str:
    """A playbook whose questions form one chain of ``nodes`` (one option each) ending in a
    finding, or, with ``cycle``, leading back to the first question: deeper than Python's
    default recursion limit (1000) once ``nodes`` passes about 1000."""
    head = ("id: chain\nversion: 1\ntitle: Chain\nsummary: One long chain.\nscenario: iteration\n"
            "start: q0\nnodes:\n")
    last = "q0" if cycle else "end"
    body = "".join(f"- {{id: q{i}, type: question, question: q, why: w, options: "
                   f"[{{id: a, label: a, next: {f'q{i + 1}' if i + 1 < nodes else last}}}]}}\n"
                   for i in range(nodes))
    end = "" if cycle else "- {id: end, type: finding, finding: f, why: w}\n"
    return head + body + end + "actions: []\n"


def utf16(text: str) -> bytes:
    return text.encode("utf-16")  # with byte-order mark, as Excel's "Unicode text" writes it


def bom(text: str) -> bytes:
    return codecs.BOM_UTF8 + text.encode("utf-8")


def semicolons(text: str) -> bytes:
    return text.replace(",", ";").encode()


def token(document: bytes, version: str = "v1") -> str:
    return f"{version}." + base64.urlsafe_b64encode(zlib.compress(document, 9)).rstrip(b"=").decode()


def valid_token() -> str:
    import sys

    sys.path.insert(0, str(ROOT))
    from triage.permalink import encode
    from triage.session import from_json

    return encode(from_json((ROOT / "data/iteration/example.plan.json").read_bytes()))


def corpus() -> dict[str, bytes | str]:
    plan = (ROOT / "data/iteration/example.plan.json").read_text(encoding="utf-8")
    plan_doc = json.loads(plan)
    mini = (ROOT / "tests/data/mini_playbook.yaml").read_text(encoding="utf-8")
    good = valid_token()
    production_doc = json.loads((ROOT / "data/production/example.plan.json").read_text(encoding="utf-8"))
    access_doc = json.loads((ROOT / "data/access/example.plan.json").read_text(encoding="utf-8"))
    surrogate = json.dumps({**plan_doc, "notes": {"know_loop": "half a pair: \ud800"}})
    deep = json.dumps({**plan_doc, "snapshot": "DEEP"}).replace('"DEEP"', '{"sections": ' + nested(600) + "}")
    marked_table = [{**row, "stage": f"{row['stage']} {MARKERS}"}
                    for row in plan_doc["inputs"]["stage_table"]]
    marked = {**with_input(plan_doc, "stage_table", marked_table), "title": MARKERS,
              "notes": {"know_loop": MARKERS}}
    files: dict[str, bytes | str] = {
        # runs CSV
        "runs/empty.csv": b"",
        "runs/whitespace_only.csv": "\n\n   \n",
        "runs/header_only.csv": RUNS_HEAD,
        "runs/missing_stage_column.csv": "run_id,duration_hours\nr1,2\nr2,3\n",
        "runs/missing_time_columns.csv": "run_id,stage,status\nr1,Training,succeeded\n",
        "runs/extra_columns.csv": DUR_HEAD.strip() + ",owner,gpu_type\n"
        + "".join(r.strip() + ",ana,a100\n" for r in DUR_ROWS.splitlines()),
        "runs/wrong_type_duration.csv": DUR_HEAD + DUR_ROWS + "r3,Training,three hours\n",
        "runs/wrong_type_all_rows.csv": DUR_HEAD + "r1,Features,two\nr1,Training,many\n",
        "runs/negative_duration.csv": DUR_HEAD + DUR_ROWS + "r3,Training,-4\n",
        "runs/infinite_duration.csv": DUR_HEAD + DUR_ROWS + "r3,Training,inf\nr3,Features,1e999\n",
        "runs/nan_duration.csv": DUR_HEAD + DUR_ROWS + "r3,Training,NaN\n",
        "runs/ended_before_started.csv": RUNS_HEAD + RUNS_ROWS
        + "r3,Training,2026-09-03T12:00Z,2026-09-03T09:00Z,0,succeeded\n",
        "runs/out_of_order_rows.csv": RUNS_HEAD + "".join(reversed(RUNS_ROWS.splitlines(True))),
        "runs/mixed_time_zones.csv": RUNS_HEAD
        + "r1,Features,2026-09-01T08:00Z,2026-09-01T12:00+02:00,0,succeeded\n"
        + "r1,Training,2026-09-01T10:30+00:00,2026-09-01T14:00Z,0,succeeded\n"
        + "r2,Features,2026-09-02T08:00,2026-09-02T09:30Z,0,succeeded\n",
        "runs/bad_timestamps.csv": RUNS_HEAD + RUNS_ROWS + "r3,Training,yesterday,now,0,succeeded\n",
        "runs/png_named_csv.csv": PNG,
        "runs/random_binary.csv": RANDOM,
        "runs/xlsx_named_csv.csv": ZIP,
        "runs/utf8_bom.csv": bom(RUNS_HEAD + RUNS_ROWS),
        "runs/utf16.csv": utf16(RUNS_HEAD + RUNS_ROWS),
        "runs/semicolon.csv": semicolons(DUR_HEAD + DUR_ROWS),
        "runs/parquet_rows_bomb.parquet": parquet_rows_bomb(6_000_000, "run_id"),
        "runs/wide_row.csv": DUR_HEAD.strip() + "," * 5_000 + "\n" + DUR_ROWS,
        "runs/excel_sep_line.csv": "sep=;\n" + semicolons(DUR_HEAD + DUR_ROWS).decode(),
        "runs/deeply_nested.json": '{"task_instances": ' + "[" * 5_000 + "]" * 5_000 + "}",
        "runs/very_long_line.csv": DUR_HEAD + DUR_ROWS + "r3," + "x" * 200_000 + ",2\n",
        "runs/overflowing_total.csv": DUR_HEAD + DUR_ROWS + "r3,Features,1e308\nr3,Training,1e308\n",
        "runs/markup_in_names.csv": DUR_HEAD + "".join(
            f"r{i},\"{stage} {MARKERS}\",{hours}\n" for i in (1, 2)
            for stage, hours in (("Features", 2), ("Training", 3))),
        "runs/duplicate_columns.csv": "run_id,stage,duration_hours,stage\nr1,a,2,b\n",
        # segment table
        "segments/empty.csv": b"",
        "segments/header_only.csv": SEG_HEAD,
        "segments/missing_observed_share.csv": "segment,expected_share,expected_metric,"
        "observed_metric\nweb,0.5,0.06,0.05\n",
        "segments/extra_columns.csv": SEG_HEAD.strip() + ",owner\n"
        + "".join(r + ",ana\n" for r in SEG_ROWS.splitlines()),
        "segments/wrong_type_share.csv": SEG_HEAD + SEG_ROWS.replace("0.45", "forty-five"),
        "segments/negative_share.csv": SEG_HEAD + SEG_ROWS.replace("0.45", "-0.45"),
        "segments/infinite_metric.csv": SEG_HEAD + SEG_ROWS.replace("0.055", "inf"),
        "segments/nan_metric.csv": SEG_HEAD + SEG_ROWS.replace("0.055", "NaN"),
        "segments/share_above_one.csv": SEG_HEAD + SEG_ROWS.replace("0.45", "45"),
        "segments/pdf_named_csv.csv": b"%PDF-1.7\n" + RANDOM,
        "segments/thousands_separators.csv": SEG_HEAD + 'web,"1,500,000","1,350",0.06,0.055,0.01,0.02\n'
        'ios,"900,000","1,050",0.05,0.045,0.02,0.02\nandroid,"600,000",600,0.05,0.04,0.3,0.02\n',
        "segments/ambiguous_comma.csv": "segment,expected_share,observed_share,expected_metric,"
        'observed_metric\nweb,"1,500",45,6,5\nios,"2,000",35,5,4\n',  # metrics in %, no decimals
        "segments/huge_shares.csv": SEG_HEAD + SEG_ROWS.replace("0.5,0.45", "1e308,1e308")
        .replace("0.3,0.35", "1e308,1e308").replace("0.2,0.2", "1e308,1e308"),
        "segments/fallback_nearly_one.csv": SEG_HEAD + SEG_ROWS.replace("0.3,0.02",
                                                                         "0.9999999999999999,0.02"),
        "segments/utf8_bom.csv": bom(SEG_HEAD + SEG_ROWS),
        "segments/utf16.csv": utf16(SEG_HEAD + SEG_ROWS),
        "segments/semicolon.csv": semicolons(SEG_HEAD + SEG_ROWS),
        "segments/very_long_line.csv": SEG_HEAD + SEG_ROWS + "z" * 200_000 + ",0,0,0.05,0.05,0,0\n",
        "segments/duplicate_segment.csv": SEG_HEAD + SEG_ROWS + SEG_ROWS.splitlines()[0] + "\n",
        # feature samples (reference side; the current side is data/production/example_current.csv)
        "features/empty.csv": b"",
        "features/header_only.csv": FEAT_HEAD,
        "features/missing_columns.csv": "price,device\n" + "".join(
            f"{10 + i}.0,web-desktop\n" for i in range(60)),
        "features/extra_columns.csv": FEAT_HEAD.strip() + ",internal_id\n" + "".join(
            r + f",{i}\n" for i, r in enumerate(feat_rows().splitlines())),
        "features/wrong_type_numeric.csv": FEAT_HEAD + feat_rows(bad={
            3: "cheap,2,100.0,0.01,50,web-desktop,home", 7: "n/a,x,y,z,w,web-mobile,home"}),
        "features/negative_values.csv": FEAT_HEAD + feat_rows(bad={
            i: f"-{i}.5,-{i},-3.0,-0.01,-{i * 10},ios-app,home" for i in range(0, 60, 3)}),
        "features/infinite_values.csv": FEAT_HEAD + feat_rows(bad={
            1: "inf,2,100.0,0.01,50,web-desktop,home", 2: "-inf,2,1e999,0.01,50,web-desktop,home"}),
        "features/nan_values.csv": FEAT_HEAD + feat_rows(bad={1: "NaN,nan,,0.01,50,web-desktop,home"}),
        "features/all_numbers_text.csv": FEAT_HEAD + "".join(
            "a,b,c,d,e,web-desktop,home\n" for _ in range(40)),
        "features/mixed_time_zones.csv": FEAT_HEAD.strip() + ",served_at\n" + "".join(
            r + (",2026-09-01T08:00Z\n" if i % 2 else ",2026-09-01T10:00+02:00\n")
            for i, r in enumerate(feat_rows().splitlines())),
        "features/gzip_named_csv.csv": b"\x1f\x8b\x08\x00" + RANDOM,
        "features/random_binary.csv": RANDOM,
        "features/utf8_bom.csv": bom(FEAT_HEAD + feat_rows()),
        "features/utf16.csv": utf16(FEAT_HEAD + feat_rows()),
        "features/semicolon.csv": semicolons(FEAT_HEAD + feat_rows()),
        "features/parquet_rows_bomb.parquet": parquet_rows_bomb(6_000_000),
        "features/parquet_unpacked_bomb.parquet": parquet_unpacked_bomb(),
        "features/wide_row.csv": wide_csv(5_000),
        "features/par1_header.csv": "PAR1" + FEAT_HEAD + feat_rows(),
        "features/very_long_line.csv": FEAT_HEAD + feat_rows(bad={
            5: "10.5,2,100.0,0.01,50,web-desktop," + "c" * 200_000}),
        # request log
        "requests/empty.csv": b"",
        "requests/header_only.csv": LOG_HEAD,
        "requests/missing_requested_at.csv": "request_id,dataset,approved_at\nREQ-1,crm,"
        "2026-03-03T09:00:00Z\n",
        "requests/extra_columns.csv": LOG_HEAD.strip() + ",ticket_url\n" + "".join(
            r + ",https://example.invalid/t\n" for r in LOG_ROWS.splitlines()),
        "requests/wrong_types.csv": LOG_HEAD + LOG_ROWS
        + "REQ-4,crm,last tuesday,soon,,,,confidential,approved,maybe,analyst\n",
        "requests/infinite_timestamp.csv": LOG_HEAD + LOG_ROWS
        + "REQ-4,crm,inf,-inf,,,,confidential,approved,false,analyst\n",
        "requests/out_of_order_timestamps.csv": LOG_HEAD + LOG_ROWS
        + "REQ-4,crm,2026-03-05T09:00:00Z,2026-03-04T09:00:00Z,2026-03-03T09:00:00Z,,,"
        "confidential,approved,false,analyst\n",
        "requests/mixed_time_zones.csv": LOG_HEAD
        + "REQ-1,crm,2026-03-02T09:00:00Z,2026-03-02T12:00:00+02:00,2026-03-03T09:00:00,"
        "2026-03-04T09:00:00-05:00,2026-03-04T15:00:00Z,confidential,approved,false,analyst\n"
        + LOG_ROWS.splitlines(True)[1],
        "requests/out_of_range_dates.csv": LOG_HEAD + LOG_ROWS
        + "REQ-4,crm,1500-03-04T09:00:00Z,,,,,internal,pending,false,analyst\n"
        + "REQ-5,crm,2026-03-04T09:00:00Z,9999-12-31T00:00:00Z,,,,internal,pending,false,analyst\n",
        "requests/png_named_csv.csv": PNG,
        "requests/random_binary.csv": RANDOM,
        "requests/utf8_bom.csv": bom(LOG_HEAD + LOG_ROWS),
        "requests/utf16.csv": utf16(LOG_HEAD + LOG_ROWS),
        "requests/semicolon.csv": semicolons(LOG_HEAD + LOG_ROWS),
        "requests/very_long_line.csv": LOG_HEAD + LOG_ROWS + "REQ-9," + "d" * 200_000
        + ",2026-03-04T09:00:00Z,,,,,internal,pending,false,analyst\n",
        # playbook YAML
        "playbooks/empty.yaml": b"",
        "playbooks/document_marker_only.yaml": "---\n",
        "playbooks/alias_bomb.yaml": "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
            f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
            f"*{chr(97 + i)}]\n" for i in range(8)),
        "playbooks/python_tag.yaml": "id: !!python/object/apply:os.system ['echo pwned']\n"
        + mini.split("\n", 2)[2],
        "playbooks/python_name_tag.yaml": mini.replace("title: Mini iteration playbook",
                                                       "title: !!python/name:os.getcwd ''"),
        "playbooks/duplicate_keys.yaml": mini.replace("version: 3\n", "version: 3\nversion: 4\n"),
        "playbooks/truncated.yaml": mini[: mini.index("options:") + 20],
        "playbooks/not_a_mapping.yaml": "- just\n- a\n- list\n",
        "playbooks/missing_fields.yaml": "id: mini\nversion: 3\n",
        "playbooks/wrong_types.yaml": mini.replace("version: 3", "version: three"),
        "playbooks/negative_version.yaml": mini.replace("version: 3", "version: -3"),
        "playbooks/binary.yaml": PNG,
        "playbooks/utf8_bom.yaml": bom(mini),
        "playbooks/utf16.yaml": utf16(mini),
        "playbooks/long_cycle.yaml": chain_playbook(1_100, cycle=True),
        "playbooks/deep_nesting.yaml": mini.replace("summary: Two questions and three findings.",
                                                    "summary: " + "[" * 2_000 + "]" * 2_000),
        "playbooks/complex_key.yaml": mini.replace("version: 3\n", "version: 3\n? [a, b]\n: c\n"),
        "playbooks/complex_flow_key.yaml": mini.replace("version: 3\n", "version: 3\nextra: {[1]: 2}\n"),
        "playbooks/utf16_no_bom.yaml": mini.encode("utf-16-le"),
        "playbooks/very_long_line.yaml": mini.replace("summary: Two questions and three findings.",
                                                      "summary: " + "s" * 200_000),
        # plan JSON
        "plans/empty.json": b"",
        "plans/truncated.json": plan[: len(plan) // 2],
        "plans/not_an_object.json": "[1, 2, 3]\n",
        "plans/missing_scenario.json": json.dumps({k: v for k, v in plan_doc.items()
                                                   if k != "scenario"}),
        "plans/extra_fields.json": json.dumps({**plan_doc, "comment": "added by hand"}),
        "plans/wrong_types.json": json.dumps({**plan_doc, "answers": ["know_loop", "known"]}),
        "plans/wrong_type_inputs.json": json.dumps({**plan_doc, "inputs": "lots"}),
        "plans/nan_value.json": ipm_as(plan, "NaN"),
        "plans/infinite_value.json": ipm_as(plan, "Infinity"),
        "plans/negative_value.json": ipm_as(plan, "-12.0"),
        "plans/deeply_nested.json": '{"notes": ' + "[" * 50_000 + "]" * 50_000 + "}",
        "plans/duplicate_keys.json": plan.replace('"answers": {', '"answers": {"know_loop": "x",', 1),
        "plans/unknown_scenario.json": json.dumps({**plan_doc, "scenario": "no_such_playbook"}),
        "plans/binary.json": PNG,
        "plans/utf8_bom.json": bom(plan),
        "plans/utf16.json": utf16(plan),
        "plans/lone_surrogate.json": surrogate,
        "plans/wrong_type_stage_table.json": json.dumps(with_input(plan_doc, "stage_table", "oops")),
        "plans/wrong_type_cell.json": json.dumps(with_input(
            plan_doc, "stage_table", [{"stage": 5, "hours": 2}])),
        "plans/wrong_type_metric.json": json.dumps(with_input(
            production_doc, "metric", {**production_doc["inputs"]["metric"], "expected": "high"})),
        "plans/wrong_type_clock.json": json.dumps(with_input(
            access_doc, "clock", {**access_doc["inputs"]["clock"], "business": "yes"})),
        "plans/bad_as_of.json": json.dumps(with_input(access_doc, "as_of", "yesterday")),
        "plans/overflowing_number.json": ipm_as(plan, "1e400"),
        "plans/huge_number.json": ipm_as(plan, "1e308"),
        "plans/subnormal_number.json": ipm_as(plan, "5e-324"),
        "plans/nested_600.json": deep,
        "plans/markup_in_names.json": json.dumps(marked),
        "plans/very_long_line.json": json.dumps({**plan_doc, "title": "t" * 200_000}),
        # permalink tokens
        "links/valid.txt": good,
        "links/empty.txt": "",
        "links/whitespace_only.txt": "   \n",
        "links/truncated.txt": good[: 3 + 4 * ((len(good) - 3) // 8)],
        "links/truncated_impossible_length.txt": good[: 3 + 4 * 10 + 1],
        "links/tampered_character.txt": good[:20] + ("A" if good[20] != "A" else "B") + good[21:],
        "links/forbidden_character.txt": good[:20] + "!" + good[21:],
        "links/no_version_prefix.txt": good.split(".", 1)[1],
        "links/newer_version.txt": "v2." + good.split(".", 1)[1],
        "links/oversized.txt": "v1." + "A" * 9000,
        "links/zip_bomb.txt": token(b'{"notes": "' + b" " * 3_000_000 + b'"}'),
        "links/not_json.txt": token(b"hello, world"),
        "links/nan_in_json.txt": token(b'{"scenario": "slow_iteration", "inputs": '
                                       b'{"iterations_per_month": NaN}}'),
        "links/wrong_types.txt": token(json.dumps({**plan_doc, "answers": [1, 2]}).encode()),
        "links/lone_surrogate.txt": token(surrogate.encode()),
        "links/wrong_type_inputs.txt": token(json.dumps(with_input(plan_doc, "stage_table", "oops"))
                                             .encode()),
        "links/overflowing_number.txt": token(ipm_as(plan, "1e400").encode()),
        "links/nested_600.txt": token(deep.encode()),
        "links/markup_in_names.txt": token(json.dumps({**marked, "snapshot": None}).encode()),
        "links/not_utf8.txt": token(b"\xff\xfe\x00garbage"),
    }
    return files


def main() -> None:
    for relative, content in corpus().items():
        path = HERE / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


if __name__ == "__main__":
    main()
