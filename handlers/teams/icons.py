"""The two icons a Teams app package must carry, drawn here so the package needs no image files.

Teams wants a 192×192 full-colour icon and a 32×32 outline icon (white on transparent). Both show
the same mark: a ring (one score, the same for everyone) with a dot in its centre. The PNGs are
written directly (RGBA, zlib) to keep the package builder free of imaging dependencies.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

ACCENT = (0x1F, 0x6F, 0xEB)
WHITE = (0xFF, 0xFF, 0xFF)
COLOR_SIZE = 192
OUTLINE_SIZE = 32

Pixel = tuple[int, int, int, int]


def color_icon() -> bytes:
    """The accent colour filling the square, the mark in white."""
    return _png(COLOR_SIZE, lambda x, y: (*WHITE, 255) if _on_mark(x, y, COLOR_SIZE) else (*ACCENT, 255))


def outline_icon() -> bytes:
    """The mark in white, everything else fully transparent (Teams tints it)."""
    return _png(OUTLINE_SIZE, lambda x, y: (*WHITE, 255) if _on_mark(x, y, OUTLINE_SIZE) else (0, 0, 0, 0))


def _on_mark(x: int, y: int, size: int) -> bool:
    """The ring (outer radius 0.40, inner 0.28 of the size) or the centre dot (radius 0.10)."""
    centre = (size - 1) / 2
    distance = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5 / size
    return 0.28 <= distance <= 0.40 or distance <= 0.10


def _png(size: int, paint: Callable[[int, int], Pixel]) -> bytes:
    rows = b"".join(b"\x00" + bytes(channel for x in range(size) for channel in paint(x, y)) for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
