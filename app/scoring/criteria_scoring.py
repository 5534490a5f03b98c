"""The quarterly indicator scoring of the published 考评细则. (Being written.)"""


def completion_summary(year, quarter):
    """Per assessor, the indicators' completion for the quarter (for the pre-assessment consultation): a list of
    {"assessor", "label", "indicators": [{"code", "name", "units", "short": [(unit name, completion, shortfall)]}]}."""
    return []
