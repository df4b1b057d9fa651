"""The same aggregation on Apache Spark (PySpark, local mode: the code a cluster runs) as on
DuckDB and in memory, on the same data. Under CI=true a missing PySpark or Java fails the test."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest

from triage.kinds.samples import aggregate, drift
from triage.kinds.samples.engines import Source


@pytest.fixture(scope="module")
def spark():
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("PySpark is not installed (pip install -r requirements-dev.txt); under CI this fails")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if os.environ.get("CI") == "true":
            pytest.fail("Java is needed for PySpark: .ci/run installs openjdk-17-jre-headless")
        pytest.skip("Java is not installed; under CI this fails")
    session = (SparkSession.builder.master("local[1]").appName("triage-drift-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
               # Tiny data: compiling generated code costs more than it saves.
               .config("spark.sql.adaptive.enabled", "false")
               .config("spark.sql.codegen.wholeStage", "false")
               .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.memory", "512m").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_duckdb_and_memory_agree(spark, tmp_path):
    rng = np.random.default_rng(11)

    def side(rows: int, shift: float) -> pd.DataFrame:
        value = rng.normal(shift, 1.0, rows)
        value[rng.random(rows) < 0.05 + shift] = np.nan
        return pd.DataFrame({"value": value, "level": rng.integers(0, 4, rows).astype(float),
                             "city": pd.array(rng.choice(["oslo", "rome", "lima"], rows,
                                                         p=[0.5, 0.3 + shift, 0.2 - shift]),
                                              dtype="str")})

    reference, current = side(1200, 0.0), side(900, 0.1)
    reference.to_parquet(tmp_path / "ref.parquet")
    current.to_parquet(tmp_path / "cur.parquet")
    sources = (Source("parquet", str(tmp_path / "ref.parquet")),
               Source("parquet", str(tmp_path / "cur.parquet")))
    memory = drift.drift_report_json(drift.compare(reference, current))
    duck = drift.drift_report_json(aggregate.compare_sources(*sources))
    on_spark = drift.drift_report_json(aggregate.compare_sources(*sources, engine="spark", spark=spark))
    # The same SQL on two engines: the same numbers, Wasserstein up to the order of its sum.
    for spark_feature, duck_feature in zip(on_spark["features"], duck["features"], strict=True):
        for key, value in duck_feature.items():
            if key == "wasserstein_norm" and value is not None:
                assert spark_feature[key] == pytest.approx(value, rel=1e-12)
            elif key != "tests":
                assert spark_feature[key] == value, (duck_feature["feature"], key)
        assert [t["p_value"] for t in spark_feature["tests"]] == [t["p_value"] for t in duck_feature["tests"]]
    by_name = {f["feature"]: f for f in on_spark["features"]}
    for feature in memory["features"]:
        pushed = by_name[feature["feature"]]
        for key in ("ks_statistic", "ks_pvalue", "psi", "js_distance", "chi2_pvalue", "drifted",
                    "missing_rate_current", "n_reference", "n_current", "reference_shares"):
            if isinstance(feature[key], float):
                assert pushed[key] == pytest.approx(feature[key], rel=1e-12), (feature["feature"], key)
            else:
                assert pushed[key] == feature[key], (feature["feature"], key)
    assert by_name["value"]["drifted"] and by_name["city"]["drifted"]
