"""The dispatch list's 督办 sheets: a vice mayor's 旬 list issued by the office under a number
(千百十办〔2026〕第 N 期), kept as issued."""
