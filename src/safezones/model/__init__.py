"""The science: zones, overlays, demand, shelter, uncertainty and the score, on arrays and layers.

Nothing here reads or writes a file, draws a picture or knows the command line: the
scenario layer (:mod:`safezones.scenario`) reads inputs through :mod:`safezones.io` and
hands them in; :mod:`safezones.export` and :mod:`safezones.viz` turn results into files.
"""
