"""Where the features of the part come together: the case list and the case's page, opening a case, the
cases API, the cases panels on household and warning pages, and the wiring that plugs every feature into
the procedure engine and the case page. The top of the part: nothing else in it imports this package."""
