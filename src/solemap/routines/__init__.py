"""Guided rolling: a tools catalog, routines as data, a safety screen and one session engine.

>>> from solemap.routines import get_routine, SessionEngine
>>> routine = get_routine("plantar-heel-pain")
>>> engine = SessionEngine(routine.id, routine.blocks(), clock=time.time, pacer=routine.pace.pacer())

Every front end (``solemap roll``, the web player, class mode) drives :class:`SessionEngine`; a
finished or abandoned session yields a :class:`SessionRecord` for the diary. Sources for every tool,
question and routine are in the data files and in ``README.md``.
"""

from solemap.routines.engine import (
    DEFAULT_STOP_AT,
    Block,
    Event,
    PainReport,
    SessionEngine,
    SessionRecord,
    SessionState,
)
from solemap.routines.loader import (
    LoadedRoutine,
    RoutineError,
    get_routine,
    load_routine_file,
    load_routines,
    step_problems,
)
from solemap.routines.model import Load, Pace, Routine, Step
from solemap.routines.pacer import Breath, Pacer
from solemap.routines.safety import (
    AnswerStore,
    Question,
    SafetyError,
    SafetyScreen,
    ScreenResult,
    load_safety,
    user_data_dir,
)
from solemap.routines.tools import Catalog, CatalogError, Technique, Tool, load_catalog

__all__ = [
    "DEFAULT_STOP_AT",
    "AnswerStore",
    "Block",
    "Breath",
    "Catalog",
    "CatalogError",
    "Event",
    "Load",
    "LoadedRoutine",
    "Pace",
    "Pacer",
    "PainReport",
    "Question",
    "Routine",
    "RoutineError",
    "SafetyError",
    "SafetyScreen",
    "ScreenResult",
    "SessionEngine",
    "SessionRecord",
    "SessionState",
    "Step",
    "Technique",
    "Tool",
    "get_routine",
    "load_catalog",
    "load_routine_file",
    "load_routines",
    "load_safety",
    "step_problems",
    "user_data_dir",
]
