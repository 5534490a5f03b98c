"""考评细则 approval chain (附件2 六(一)): submit, review, 审定, publish, revise. (Being written.)"""


def workflow_panel(user, book):
    """What the book page shows of the approval chain for this user: {"steps": [...], "actions": [...]}."""
    return {"steps": [], "actions": []}
