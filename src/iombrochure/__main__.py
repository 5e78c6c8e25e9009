"""Allow ``python -m iombrochure``."""

from iombrochure.cli import main

main()
