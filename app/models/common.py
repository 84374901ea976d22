"""Column helpers shared by the models."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import utcnow


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Named:
    """Bilingual names: Chinese first, as the demo and most users read it."""

    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang.startswith("zh") or not self.name_en else self.name_en
