"""Tags from tasks and meeting decisions to chains, enterprises and projects (issue #14 part 7).

Being built by the links part: `tagged_tasks` and `tagged_decisions` are the functions the enterprise, project and
chain pages call; until that part lands they return no rows."""


def tagged_tasks(*, chain_id=None, enterprise_id=None, project_id=None, today=None):
    """The tasks tagged with the object, as app.tasks.queries.TaskLine rows with their lights, open first."""
    return []


def tagged_decisions(*, chain_id=None, enterprise_id=None, project_id=None):
    """The meeting decisions (RecordItem) tagged with the object, newest first."""
    return []
