"""The cadence (周会商、旬调度、月分析、季考核、半年述职): rules, expected meetings, records and calendars."""
