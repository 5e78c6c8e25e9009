"""The bundled CMYK press profile (see README.md here)."""
