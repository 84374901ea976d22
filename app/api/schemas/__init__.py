"""Request and response schemas, one module per domain. References are by code."""
from apiflask import fields  # noqa: F401  (used by views that add a query field)

from app.api.schemas.accounts import *  # noqa: F403
from app.api.schemas.areas import *  # noqa: F403
from app.api.schemas.catalogue import *  # noqa: F403
from app.api.schemas.levels import *  # noqa: F403
from app.api.schemas.shelters import *  # noqa: F403
from app.api.schemas.stock import *  # noqa: F403
from app.api.schemas.teams import *  # noqa: F403
