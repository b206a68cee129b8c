"""Importing a cluster from AWS CLI exports, one module per step; the way in is
:mod:`planner.inputs.importing` (:func:`~planner.inputs.importing.import_folder`)."""
