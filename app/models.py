"""Imports every model so that the metadata (and Alembic) sees all tables."""

import app.tasks.dispatch_sheets  # noqa: F401, E402  (its models, when it has them)
from app.auth.models import ApiToken, SignInAttempt, User  # noqa: F401
from app.core.models import (  # noqa: F401, E402
    AuditEntry,  # noqa: F401
    CalendarOverride,
    CalendarYear,
)
from app.ledger.models import (  # noqa: F401
    ChainFigure,
    Enterprise,
    EnterpriseChain,
    EnterpriseFigure,
    IndicatorTarget,
    IndicatorValue,
    ListingStep,
    Project,
    ProjectFigure,
    ProjectMilestone,
    ProjectPhoto,
    ProjectProblem,
    ProjectYearPlan,
    RegistryMembership,
    ReportingDuty,
    ReportSubmission,
    SubjectLink,
)
from app.meetings.models import (  # noqa: F401
    CadenceRule,
    CalendarFeed,
    Escalation,
    ExpectedMeeting,
    MeetingRecord,
    RecordAmendment,
    RecordAttachment,
    RecordItem,
)
from app.org.models import (  # noqa: F401
    Chain,
    GroupMembership,
    Person,
    Plan,
    PortfolioItem,
    Position,
    Target,
    Unit,
)
from app.reminders.models import (  # noqa: E402, F401
    ChannelPreference,
    Notification,
    OutboxMessage,
    ReminderSetting,
    SchedulerStatus,
)
from app.scoring.models import (  # noqa: F401, E402
    AnnualReopening,
    CriteriaActual,
    CriteriaBook,
    CriteriaIndicator,
    CriteriaScore,
    CriteriaTarget,
    FailDecision,
    PolicyRate,
    QuarterReopening,
    ResultDispatch,
    ResultOpinion,
    RuleSetVersion,
    ScoreEntry,
    ScoringQuarter,
    ServiceRating,
    YearSetting,
)
from app.tasks.models import (  # noqa: F401, E402
    CompletionRequest,
    Evidence,
    ExtensionRequest,
    FollowUp,
    Task,
    TaskEvent,
    TaskParty,
    Urge,
)
