"""The application layer: the entry point (:class:`~relationkit.app.relations.Relations`),
the one command pipeline (:mod:`relationkit.app.pipeline`) and one module per area of
client care, each handed the pipeline.

Import from the public namespaces (:mod:`relationkit`, :mod:`relationkit.cases`,
:mod:`relationkit.promises` …) rather than from here.
"""
