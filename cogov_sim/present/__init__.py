"""Presentation for people: figures (``plots``), the planner's report (``report``), the live views
of the workshop (``viz``), the workshop app (``app``) and animations (``animate``). Shows what the
other layers computed; computes no outcome itself.
"""
