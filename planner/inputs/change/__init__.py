"""The change as teams write it: a Terraform plan, a CloudFormation or CDK template, an
ecspresso definition, read into one :class:`~planner.inputs.change.model.Change` that
:mod:`planner.inputs.change.apply` lays over the cluster as it runs."""
