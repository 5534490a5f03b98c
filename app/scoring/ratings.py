"""Service ratings of 市直 units by counties and parks (附件2 三(二)1). (Being written.)"""


def rating_averages(year, quarter):
    """{rated unit id: average rating 0–100 (Decimal)} of the quarter; units nobody rated are absent."""
    return {}
