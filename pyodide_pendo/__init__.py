"""RudderStack's analytics API for Python in the browser, delivered to the Pendo web agent in the page.

``rudderanalytics`` is the default ``Analytics`` instance and the module-level functions delegate to it, so
``from pyodide_pendo import rudderanalytics`` and ``import pyodide_pendo as analytics`` read the same. Build
your own ``Analytics(...)`` for several instances or injected parts.
"""

__version__ = "0.1.0"

from .analytics import Analytics  # noqa: E402 (messages read __version__)
from .destination import AgentPlan  # noqa: E402
from .errors import PendoLoadError  # noqa: E402

try:  # a typing Protocol, for those who check their own agent's type (MicroPython has no typing module)
    from .destination import AgentPort  # noqa: F401
except ImportError:
    pass

rudderanalytics = Analytics()

load = rudderanalytics.load
ready = rudderanalytics.ready
identify = rudderanalytics.identify
group = rudderanalytics.group
track = rudderanalytics.track
page = rudderanalytics.page
alias = rudderanalytics.alias
reset = rudderanalytics.reset
consent = rudderanalytics.consent
stats = rudderanalytics.stats
on = rudderanalytics.on
get_anonymous_id = getAnonymousId = rudderanalytics.get_anonymous_id  # noqa: N816 (RudderStack's names)
set_anonymous_id = setAnonymousId = rudderanalytics.set_anonymous_id  # noqa: N816
get_user_id = getUserId = rudderanalytics.get_user_id  # noqa: N816
get_user_traits = getUserTraits = rudderanalytics.get_user_traits  # noqa: N816
get_group_id = getGroupId = rudderanalytics.get_group_id  # noqa: N816
get_group_traits = getGroupTraits = rudderanalytics.get_group_traits  # noqa: N816
start_session = startSession = rudderanalytics.start_session  # noqa: N816
end_session = endSession = rudderanalytics.end_session  # noqa: N816
get_session_id = getSessionId = rudderanalytics.get_session_id  # noqa: N816

__all__ = [  # AgentPort is left out: it exists only where the typing module does
    "AgentPlan", "Analytics", "PendoLoadError", "__version__", "alias", "consent", "endSession", "end_session",
    "getAnonymousId", "getGroupId", "getGroupTraits", "getSessionId", "getUserId", "getUserTraits",
    "get_anonymous_id", "get_group_id", "get_group_traits", "get_session_id", "get_user_id", "get_user_traits",
    "group", "identify", "load", "on", "page", "ready", "reset", "rudderanalytics", "setAnonymousId",
    "set_anonymous_id", "startSession", "start_session", "stats", "track",
]
