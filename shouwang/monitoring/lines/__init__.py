"""The monitoring line (监测范围): the year's income line per region, its history and pages."""
