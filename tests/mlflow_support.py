"""A real MLflow tracking store (SQLite, written by the mlflow package) for the tests: the
"ranker" experiment described in tests/test_sources_mlflow.py, and its search_runs export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

T0 = int(pd.Timestamp("2026-03-02T08:00:00Z").timestamp() * 1000)
HOUR = 3_600_000
PLAN = {
    "it1": [("data", 0, 1, "FINISHED"), ("training", 1, 4, "FINISHED"),
            ("evaluation", 4, 4.5, "FINISHED")],
    "it2": [("data", 0, 2, "FINISHED"), ("training", 2, 3, "FAILED"),
            ("training", 3, 6, "FINISHED"), ("evaluation", 6, 7, "FINISHED")],
    "it3": [("data", 0, 1, "FINISHED"), ("training", 1.5, 3.5, "FINISHED"),
            ("evaluation", 3.5, 4, "FINISHED")],
}


def make_store(folder: Path) -> dict:
    """Write the store in ``folder``; return its URI, the export DataFrame and the experiment id."""
    import mlflow
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("ranker", artifact_location=str(folder / "artifacts"))
    for day, (name, stages) in enumerate(PLAN.items()):
        base = T0 + day * 24 * HOUR
        parent = client.create_run(experiment, start_time=base, run_name=name)
        for stage, start, end, status in stages:
            child = client.create_run(experiment, start_time=base + int(start * HOUR),
                                      run_name=stage,
                                      tags={"mlflow.parentRunId": parent.info.run_id})
            client.log_param(child.info.run_id, "lr", "0.01")
            client.set_terminated(child.info.run_id, status=status,
                                  end_time=base + int(end * HOUR))
        client.set_terminated(parent.info.run_id, end_time=base + int(stages[-1][2] * HOUR))
    # A sweep still running: no end time, so it is left out with a note.
    client.create_run(experiment, start_time=T0 + 5 * 24 * HOUR, run_name="sweep")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        export = mlflow.search_runs(experiment_names=["ranker"])
    finally:
        mlflow.set_tracking_uri(previous)
    return {"uri": uri, "folder": folder, "export": export, "experiment_id": experiment}
