"""The rules the pipeline applies to what editors write: checks, Persian typography, translations."""
