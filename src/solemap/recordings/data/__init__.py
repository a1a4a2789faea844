"""Data tables of the recording readers (sensor layouts and areas); provenance in README.md."""
