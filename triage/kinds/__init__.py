"""Input kinds: what a scenario collects in the meeting, one sub-package per kind."""
