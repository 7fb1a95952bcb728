"""A picture of the window as shown, VTK frames included."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget


def screenshot(window: QWidget, targets: list[tuple[QWidget, Any]]) -> QImage:
    """``window`` grabbed, with each (widget, renderer) target's VTK frame painted in where the
    widget is (Qt's grab cannot read VTK's OpenGL surface)."""
    img = window.grab().toImage()
    painter = QPainter(img)
    ratio = img.devicePixelRatio()
    for view, renderer in targets:
        frame = renderer.grab()
        h, wd = frame.shape[:2]
        q = QImage(
            np.ascontiguousarray(frame).data, wd, h, wd * 3, QImage.Format.Format_RGB888
        ).copy()
        top_left = view.mapTo(window, view.rect().topLeft())
        painter.drawImage(
            QPoint(round(top_left.x() * ratio), round(top_left.y() * ratio)),
            q.scaled(round(view.width() * ratio), round(view.height() * ratio)),
        )
    painter.end()
    return img
