"""Tools around the pipeline for editing live: watch, the preview server, PNG previews."""
