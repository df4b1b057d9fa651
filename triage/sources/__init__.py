"""Readers that turn a tool's own export (W&B, Slurm, Airflow, MLflow, …) into the runs table."""
