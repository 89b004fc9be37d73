"""The case itself (监测对象): the Case model, the case list and page, opening a case, the cases API."""
