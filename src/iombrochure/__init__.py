"""iombrochure: bilingual publication pipeline for IOM Iran's fact sheets and brochures."""

__version__ = "0.1.0"
