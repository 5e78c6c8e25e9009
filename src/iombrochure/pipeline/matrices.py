"""PDF transformation matrices, for the two stages that read content streams.

The text layer (``streamorder``) and the preflight both follow ``cm`` and ``Tm`` through a
page; one definition keeps their arithmetic the same. A matrix is PDF's six numbers
``(a, b, c, d, e, f)``, in its row-vector convention.
"""

from __future__ import annotations

import math

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def multiply(first: Matrix, second: Matrix) -> Matrix:
    """``first`` then ``second``, as PDF concatenates matrices (first × second)."""
    a, b, c, d, e, f = first
    a2, b2, c2, d2, e2, f2 = second
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def scale_of(matrix: Matrix) -> float:
    """How much a matrix scales areas' sides: the square root of its determinant."""
    a, b, c, d, _, _ = matrix
    return math.sqrt(abs(a * d - b * c))


def apply(matrix: Matrix, x: float, y: float) -> tuple[float, float]:
    """Where the point (x, y) lands."""
    a, b, c, d, e, f = matrix
    return (a * x + c * y + e, b * x + d * y + f)
