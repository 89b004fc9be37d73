"""The case itself (监测对象): the ``Case`` model and its vocabulary, the open-case form, what cases tell
screening. The lowest feature of the part after the catalogue: it imports no other feature."""
