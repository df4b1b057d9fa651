"""Input kind "segments": the expected vs observed metric, its labels and its segment table."""
