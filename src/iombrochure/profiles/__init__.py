"""The bundled CMYK press profile (see README.md here), and what makes a file a press profile.

The config reads these to choose the print variant's profile, and prepress.py to make the PDF/X
file; kept here, beside the profile, so that neither stage imports the other for them.
"""

from __future__ import annotations

from pathlib import Path

#: The profile shipped with iombrochure: ISO 12647-2 offset on coated paper (FOGRA39).
PROFILES_DIR = Path(__file__).resolve().parent
BUNDLED_PROFILE = PROFILES_DIR / "FOGRA39-coated.icc"
BUNDLED_PRESS_CONDITION = "FOGRA39"
#: What the OutputIntent says for a press profile that is not a registered condition.
CUSTOM_PRESS_CONDITION = "Custom"


def profile_problem(path: Path) -> str | None:
    """Why ``path`` is not a CMYK output profile, or None when it is one.

    Reads only the 128-byte ICC header: the 'acsp' signature, the data colour space and the
    device class. No colour library is loaded for this.
    """
    if not path.is_file():
        return "does not exist"
    with path.open("rb") as stream:
        header = stream.read(128)
    if len(header) < 128 or header[36:40] != b"acsp":
        return "is not an ICC colour profile"
    space = header[16:20].decode("latin-1").strip()
    if space != "CMYK":
        return (
            f"is for {space or 'unknown'} colours, not a CMYK press profile "
            "(ask the print shop for the CMYK profile of its press, e.g. FOGRA39 or FOGRA51)"
        )
    if header[12:16] != b"prtr":
        return "is not an output (printer) profile"
    return None
