"""Assistance: the contacts responsible for a case (帮扶联系人) and the measures given (帮扶措施)."""
