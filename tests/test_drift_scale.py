"""Drift from pushed-down aggregates (DuckDB, SQLite through SQLAlchemy) against the in-memory
path on the same seeded data; profiles, path roots and the CLI."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest
import sqlalchemy as sa

from triage.kinds.samples import aggregate, drift
from triage.kinds.samples.engines import Source, source_from
from triage.kinds.samples.roots import data_roots, resolve_data_path
from triage.tabular import InputError

ROOT = Path(__file__).resolve().parent.parent
# Band statistics the aggregates reproduce exactly (same splits, from cumulative bin counts);
# the KS band too when the reference has no ties or at most 10 distinct values.
EXACT_BAND = ("psi", "js_distance")


def samples(seed: int, n: int, m: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def side(rows: int, shift: float, new_category: bool) -> pd.DataFrame:
        smooth = rng.normal(shift, 1.0, rows)
        smooth[rng.random(rows) < 0.05 + shift] = np.nan  # nulls, more of them at serving
        heavy = rng.exponential(1.0, rows) * (1 + 3 * shift)
        heavy[: rows // 200] = np.inf if shift else -np.inf  # infinities are left out, counted
        city = rng.choice(["paris", "oslo", "rome", "unknown"], rows, p=[0.4, 0.3, 0.2, 0.1])
        if new_category:
            city[: rows // 30] = "lima"
        frame = pd.DataFrame({
            "smooth_value": smooth,
            "heavy": heavy,
            "ties": rng.integers(0, 300, rows).astype(np.int64),  # ties, > 10 distinct
            "levels": rng.integers(0, 4, rows).astype(float),  # ≤ 10 distinct: value bins
            "flag": rng.random(rows) < 0.3 + shift,  # boolean: categorical, binary
            "city": pd.array(city, dtype="str"),
            "user": pd.array([f"u{x}" for x in rng.integers(0, rows, rows)], dtype="str"),
        })
        frame.loc[rng.random(rows) < 0.02, "city"] = None
        return frame

    return side(n, 0.0, False), side(m, 0.1, True)


def features_of(report: drift.DriftReport) -> dict[str, dict]:
    return {f["feature"]: f for f in drift.drift_report_json(report)["features"]}


def assert_same(memory: drift.DriftReport, pushed: drift.DriftReport, *, ks_error: bool = False,
                exact_ks_band: tuple[str, ...] = ()) -> None:
    """Equal where exact; Wasserstein to float rounding; the band where the module says."""
    a, b = features_of(memory), features_of(pushed)
    assert set(a) == set(b)
    for name, fa in a.items():
        fb = b[name]
        for key in ("kind", "n_reference", "n_current", "missing_rate_reference",
                    "missing_rate_current", "psi", "js_distance", "chi2_pvalue", "linf", "drifted",
                    "test", "bin_labels", "reference_shares", "current_shares", "unseen",
                    "default_spike"):
            if key == "bin_labels" and fa["kind"] == "categorical":  # top 20: ties in any order
                if "(other)" not in fa[key]:
                    assert set(fa[key]) == set(fb[key]), (name, key)
                continue
            if key == "unseen":  # the 20 largest: equal shares may be other categories
                assert sorted(fa[key].values()) == sorted(fb[key].values()), name
                continue
            if key in ("reference_shares", "current_shares") and fa["kind"] == "categorical":
                assert sorted(fa[key]) == pytest.approx(sorted(fb[key]), abs=1e-15), (name, key)
                continue
            if isinstance(fa[key], float):  # sums over categories in another order: rounding
                assert fb[key] == pytest.approx(fa[key], rel=1e-12), (name, key)
                continue
            assert fa[key] == fb[key], (name, key, fa[key], fb[key])
        if fa["ks_statistic"] is not None:
            if ks_error:
                bound = float(fb["note"].split("lies in [")[1].split("]")[0].split(", ")[1])
                assert fb["ks_statistic"] <= fa["ks_statistic"] + 1e-12 <= bound * 1.001 + 1e-12
            else:
                assert fb["ks_statistic"] == fa["ks_statistic"], name
                assert fb["ks_pvalue"] == fa["ks_pvalue"], name
                assert fb["wasserstein_norm"] == pytest.approx(fa["wasserstein_norm"], rel=1e-12)
        if not ks_error:
            assert fb["p_value"] == pytest.approx(fa["p_value"], rel=1e-12), name
            assert [t["name"] for t in fa["tests"]] == [t["name"] for t in fb["tests"]]
        if fa["kind"] == "numeric" and fa["null_band"]["psi"] is not None:
            for stat in (*EXACT_BAND, *(exact_ks_band if name in ("smooth_value", "levels") else ())):
                assert fb["null_band"][stat] == pytest.approx(fa["null_band"][stat], rel=1e-12), \
                    (name, stat)
        for stat, band in fa["null_band"].items():  # the rest agree in distribution
            if band is not None and stat not in ("ks_pvalue", "chi2_pvalue"):
                assert fb["null_band"][stat] == pytest.approx(band, rel=0.5, abs=2e-3), (name, stat)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scale")
    reference, current = samples(7, 3000, 2500)
    # Names are matched as the in-memory reader normalises them ("Smooth Value" = smooth_value).
    reference.rename(columns={"smooth_value": "Smooth Value"}).to_parquet(folder / "ref.parquet")
    current.to_parquet(folder / "cur.parquet")
    return folder, reference, current


def test_duckdb_equals_the_in_memory_path_on_parquet_files(data):
    folder, reference, current = data
    memory = drift.compare(drift.read_sample((folder / "ref.parquet").read_bytes(), "ref.parquet"),
                           drift.read_sample((folder / "cur.parquet").read_bytes(), "cur.parquet"))
    pushed = aggregate.compare_sources(Source("parquet", str(folder / "ref.parquet")),
                                       Source("parquet", str(folder / "cur.parquet")))
    assert_same(memory, pushed, exact_ks_band=("ks_statistic", "ks_pvalue"))
    assert {f.feature for f in pushed.drifted} >= {"city", "flag", "smooth_value"}
    city = next(f for f in pushed.features if f.feature == "city")
    assert "lima" in city.unseen and any(t.name == "unseen" for t in city.tests)
    heavy = next(f for f in pushed.features if f.feature == "heavy")
    assert "left out infinite values: 15 in the reference, 12" in heavy.note


def test_partitioned_dataset_and_glob_equal_the_whole_file(data, tmp_path):
    folder, reference, current = data
    for name, frame in (("ref", reference), ("cur", current)):
        table = pa.Table.from_pandas(frame.assign(day=np.arange(len(frame)) % 3), preserve_index=False)
        ds.write_dataset(table, tmp_path / name, format="parquet", partitioning=["day"],
                         partitioning_flavor="hive")
    memory = drift.compare(reference.assign(day=np.arange(len(reference)) % 3),
                           current.assign(day=np.arange(len(current)) % 3))
    pushed = aggregate.compare_sources(Source("parquet", str(tmp_path / "ref")),
                                       Source("parquet", str(tmp_path / "cur" / "day=*" / "*.parquet")))
    assert_same(memory, pushed, exact_ks_band=("ks_statistic", "ks_pvalue"))
    assert "day" in features_of(pushed)  # the hive partition key is a column too


def test_profile_round_trip_and_drift_from_the_profile(data, tmp_path):
    folder, reference, current = data
    profile = aggregate.profile_sources(Source("parquet", str(folder / "ref.parquet")))
    text = json.dumps(aggregate.profile_to_json(profile), allow_nan=False)
    again = aggregate.load_profile(text, "ref.profile.json")
    assert json.loads(json.dumps(aggregate.profile_to_json(again))) == json.loads(text)
    memory = drift.compare(reference, current)
    pushed = aggregate.compare_sources(again, Source("parquet", str(folder / "cur.parquet")))
    assert_same(memory, pushed, ks_error=True)
    note = next(f for f in pushed.features if f.feature == "smooth_value").note
    low, high = (float(x) for x in note.split("lies in [")[1].split("]")[0].split(", "))
    assert 0 <= high - low <= 0.002  # ≈ 1/GRID for untied values


@pytest.mark.parametrize("breakage, message", [
    (lambda p: "not json", "is not JSON"),
    (lambda p: {**p, "version": 99}, '"version" is 99'),
    (lambda p: {**p, "features": []}, "must be a non-empty list"),
    (lambda p: {**p, "features": [{**p["features"][0], "rows": -1}]}, "non-negative integer"),
    (lambda p: {**p, "features": [{**p["features"][0], "order_stats": []}]}, "lacks order statistics"),
])
def test_broken_profiles_say_what_is_wrong(data, breakage, message):
    folder, _, _ = data
    source = Source("parquet", str(folder / "ref.parquet"))
    good = aggregate.profile_to_json(aggregate.profile_sources(source))
    broken = breakage(good)
    with pytest.raises(InputError, match="not a usable drift profile") as err:
        aggregate.load_profile(broken if isinstance(broken, str) else json.dumps(broken), "p.json")
    assert message in str(err.value) and "python -m triage profile" in str(err.value)


def test_sql_source_through_sqlalchemy_equals_the_in_memory_path(data, tmp_path):
    _, reference, current = data
    # SQLite stores no NaN or infinity: compare what it holds (NULLs) with the same frames.
    reference = reference.drop(columns=["heavy"])
    current = current.drop(columns=["heavy"])
    url = f"sqlite:///{tmp_path / 'samples.db'}"
    engine = sa.create_engine(url)
    reference.assign(flag=reference.flag.map({True: "True", False: "False"})).to_sql(
        "training", engine, index=False)
    current.assign(flag=current.flag.map({True: "True", False: "False"})).to_sql(
        "serving", engine, index=False)
    engine.dispose()
    memory = drift.compare(reference, current)
    pushed = aggregate.compare_sources(source_from(url, table="training"),
                                       source_from(url, query="SELECT * FROM serving"))
    assert_same(memory, pushed, exact_ks_band=("ks_statistic", "ks_pvalue"))
    with pytest.raises(InputError, match="needs a table or a query"):
        source_from(url)
    with pytest.raises(InputError, match="query failed"):
        aggregate.compare_sources(source_from(url, table="nowhere"), source_from(url, table="serving"))


def test_memory_does_not_hold_rows(data):
    """What the engine returns per feature is bounded: order statistics at most GRID + 22 ranks."""
    folder, _, _ = data
    profile = aggregate.profile_sources(Source("parquet", str(folder / "ref.parquet")))
    for feature in profile.features:
        assert len(feature.order_stats) <= aggregate.GRID + 1 + 22
        assert feature.categories is None or len(feature.categories) <= aggregate.MAX_CATEGORIES


# --- path roots ------------------------------------------------------------------------


def test_paths_outside_the_roots_are_refused(tmp_path):
    root, elsewhere = tmp_path / "data", tmp_path / "private"
    (root / "logs").mkdir(parents=True)
    elsewhere.mkdir()
    (root / "logs" / "a.parquet").write_bytes(b"x")
    (elsewhere / "secret.parquet").write_bytes(b"x")
    (root / "escape").symlink_to(elsewhere)
    roots = data_roots({"TRIAGE_DATA_ROOTS": str(root)})
    assert resolve_data_path("logs/a.parquet", roots) == str(root / "logs" / "a.parquet")
    assert resolve_data_path(str(root / "logs"), roots) == str(root / "logs")
    assert resolve_data_path("logs/*.parquet", roots) == str(root / "logs" / "*.parquet")
    for bad in ("../private/secret.parquet", str(elsewhere / "secret.parquet"),
                "escape/secret.parquet", "logs/../../private", "/etc/passwd", "escape/*.parquet"):
        with pytest.raises(InputError, match="outside the folders samples may be read from") as err:
            resolve_data_path(bad, roots)
        assert str(root) in str(err.value)
    (root / "logs" / "link").symlink_to(elsewhere / "secret.parquet")
    with pytest.raises(InputError, match="outside"):  # a folder holding a link out
        resolve_data_path("logs", roots)
    with pytest.raises(InputError, match="switched off"):
        resolve_data_path("logs", data_roots({}))


# --- CLI ---------------------------------------------------------------------------------


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "triage", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def test_cli_profile_then_drift_and_sql(data, tmp_path):
    folder, reference, current = data
    done = cli("profile", str(folder / "ref.parquet"), "-o", "ref.profile.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    from_profile = cli("drift", "ref.profile.json", str(folder / "cur.parquet"), "--json", cwd=tmp_path)
    direct = cli("drift", str(folder / "ref.parquet"), str(folder / "cur.parquet"), "--json",
                 cwd=tmp_path)
    assert from_profile.returncode == 0 and direct.returncode == 0, from_profile.stderr + direct.stderr
    a = {f["feature"]: f for f in json.loads(direct.stdout)["features"]}
    b = {f["feature"]: f for f in json.loads(from_profile.stdout)["features"]}
    assert {k: f["drifted"] for k, f in a.items()} == {k: f["drifted"] for k, f in b.items()}
    assert a["city"]["chi2_pvalue"] == b["city"]["chi2_pvalue"]
    memory = features_of(drift.compare(reference, current))
    for key, feature in memory.items():
        assert a[key]["psi"] == pytest.approx(feature["psi"], rel=1e-12), key
    (tmp_path / "broken.profile.json").write_text('{"format": "triage.drift-profile", "version": 0}')
    broken = cli("drift", "broken.profile.json", str(folder / "cur.parquet"), cwd=tmp_path)
    assert broken.returncode == 1 and broken.stdout == ""
    assert "not a usable drift profile" in broken.stderr and "Traceback" not in broken.stderr
    missing = cli("drift", "nowhere/", str(folder / "cur.parquet"), cwd=tmp_path)
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr


def test_cli_sql_url_with_table(data, tmp_path):
    _, reference, current = data
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = sa.create_engine(url)
    reference[["smooth_value", "city"]].to_sql("ref", engine, index=False)
    current[["smooth_value", "city"]].to_sql("cur", engine, index=False)
    engine.dispose()
    done = cli("drift", f"{url}#ref", url, "--cur-table", "cur", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    memory = features_of(drift.compare(reference[["smooth_value", "city"]],
                                       current[["smooth_value", "city"]]))
    for feature in report["features"]:
        assert feature["ks_statistic"] == memory[feature["feature"]]["ks_statistic"]
        assert feature["drifted"] == memory[feature["feature"]]["drifted"]
    assert math.isfinite(report["features"][0]["js_distance"])


def test_the_cli_imports_no_heavy_library_until_a_command_needs_it(tmp_path):
    probe = ("import sys, triage.cli as c; c.build_parser().parse_args(['skew', 'x.csv']); "
             "print(','.join(m for m in ('pandas', 'scipy', 'pyarrow', 'duckdb', 'numpy') "
             "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout + done.stderr
    from triage import cli
    from triage.kinds.samples.skew import DEFAULT_ATOL, DEFAULT_RTOL

    assert (float(cli.SKEW_ATOL), float(cli.SKEW_RTOL)) == (DEFAULT_ATOL, DEFAULT_RTOL)
    assert "detect" in cli._SourceFormats() and "slurm" in list(cli._SourceFormats())


# --- the production page -----------------------------------------------------------------


def test_page_compares_server_paths_under_the_roots_only(app, data, tmp_path, monkeypatch):
    folder, _, _ = data
    root = tmp_path / "root"
    root.mkdir()
    for name in ("ref.parquet", "cur.parquet"):
        (root / name).write_bytes((folder / name).read_bytes())
    monkeypatch.setenv("TRIAGE_DATA_ROOTS", str(root))
    app.switch_page("pages/production.py").run()
    assert not app.exception

    def fill(ref: str, cur: str):
        ref_input = next(w for w in app.text_input if w.label.startswith("Training sample path"))
        cur_input = next(w for w in app.text_input if w.label == "Serving sample path")
        ref_input.input(ref)
        cur_input.input(cur)
        next(b for b in app.button if b.label == "Compare").click().run()
        assert not app.exception, app.exception

    fill(str(folder / "ref.parquet"), "cur.parquet")  # the fixture's folder is outside the root
    errors = " ".join(e.value for e in app.error)
    assert "outside the folders samples may be read from" in errors and str(root) in errors
    fill("ref.parquet", "cur.parquet")
    assert not [e for e in app.error if "outside" in e.value]
    captions = " ".join(c.value for c in app.caption)
    assert "features" in captions and "cur.parquet" in captions


def test_few_reference_values_against_many_serving_values(tmp_path):
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({"x": rng.integers(0, 3, 800).astype(float)})
    current = pd.DataFrame({"x": rng.integers(0, 30, 600).astype(float)})
    reference.to_parquet(tmp_path / "r.parquet")
    current.to_parquet(tmp_path / "c.parquet")
    memory = drift.compare(reference, current)
    pushed = aggregate.compare_sources(Source("parquet", str(tmp_path / "r.parquet")),
                                       Source("parquet", str(tmp_path / "c.parquet")))
    assert_same(memory, pushed)
    profile = aggregate.profile_sources(Source("parquet", str(tmp_path / "r.parquet")))
    from_profile = aggregate.compare_sources(profile, Source("parquet", str(tmp_path / "c.parquet")))
    assert features_of(from_profile)["x"]["drifted"] and features_of(memory)["x"]["drifted"]
    assert features_of(from_profile)["x"]["psi"] == features_of(memory)["x"]["psi"]


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`python -m triage drift A B | head -1`: the reader is gone before the report is written
    (here it never reads at all, so the first write meets a closed pipe)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "triage", "drift",
             str(ROOT / "data/production/example_reference.csv"),
             str(ROOT / "data/production/example_current.csv")],
            stdout=write_end, stderr=subprocess.PIPE, cwd=tmp_path, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        os.close(write_end)
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 1
